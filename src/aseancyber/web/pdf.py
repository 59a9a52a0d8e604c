"""HTML to PDF with WeasyPrint, never fetching anything from the network."""

from pathlib import Path
from typing import Any

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_DIR = Path(__file__).resolve().parent / "static"


class LocalOnlyFetcher(URLFetcher):  # type: ignore[misc]  # untyped base class
    """Serve /static/ files from disk and data: URLs; refuse every other address."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        for prefix in ("/static/", "file:///static/"):
            if url.startswith(prefix):
                path = (STATIC_DIR / url.removeprefix(prefix)).resolve()
                if STATIC_DIR in path.parents and path.is_file():
                    return URLFetcherResponse(url, body=path.read_bytes())
        raise ValueError(f"PDF rendering does not fetch {url!r}: only /static/ files are embedded")


def render_pdf(html: str, *, stylesheet: str | None = None) -> bytes:
    """Render a complete HTML document (and an optional extra CSS text) to PDF bytes."""
    fetcher = LocalOnlyFetcher(allowed_protocols={"file", "data"})
    document = weasyprint.HTML(string=html, base_url="file:///", url_fetcher=fetcher)
    stylesheets = [weasyprint.CSS(string=stylesheet)] if stylesheet else None
    pdf: bytes = document.write_pdf(stylesheets=stylesheets)
    return pdf
