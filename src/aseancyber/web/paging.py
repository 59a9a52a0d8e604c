"""Links for cursor pages: "next" follows the cursor, "previous" walks back a short trail.

Keyset pagination only knows the way forward, so each page link carries the cursors of
the pages before it in ``back`` (``~``-separated; cursors never contain ``~``). The trail
is capped, so very deep pages offer "first page" rather than an endless URL.
"""

from dataclasses import dataclass

from starlette.requests import Request

TRAIL_SEPARATOR = "~"
FIRST_PAGE = "-"  # stands for "no cursor" inside the trail
MAX_TRAIL = 20


@dataclass(frozen=True)
class PageLinks:
    next_url: str | None
    previous_url: str | None
    first_url: str | None


def _trail(request: Request) -> list[str]:
    raw = request.query_params.get("back", "")
    return [part for part in raw.split(TRAIL_SEPARATOR) if part][-MAX_TRAIL:]


def page_links(request: Request, next_cursor: str | None) -> PageLinks:
    """The next, previous and first-page URLs for the page ``request`` shows."""
    url = request.url
    current = request.query_params.get("cursor") or ""
    trail = _trail(request)
    next_url = None
    if next_cursor:
        forward = [*trail, current or FIRST_PAGE][-MAX_TRAIL:]
        next_url = str(
            url.include_query_params(cursor=next_cursor, back=TRAIL_SEPARATOR.join(forward))
        )
    previous_url = None
    first_url = None
    if current:
        first_url = str(url.remove_query_params(["cursor", "back"]))
        if trail:
            before = trail[-1]
            rest = TRAIL_SEPARATOR.join(trail[:-1])
            if before == FIRST_PAGE:
                previous_url = first_url
            else:
                previous = url.include_query_params(cursor=before, back=rest)
                previous_url = str(previous if rest else previous.remove_query_params("back"))
    return PageLinks(relative(next_url), relative(previous_url), relative(first_url))


def relative(url: str | None) -> str | None:
    """Drop scheme and host so links stay on whatever host the reader used."""
    if url is None or "://" not in url:
        return url
    _scheme, _, rest = url.partition("://")
    _host, slash, path = rest.partition("/")
    return slash + path
