import pytest

from aseancyber.web.pdf import render_pdf


def test_renders_a_pdf_with_local_styles() -> None:
    pdf = render_pdf(
        '<html><head><link rel="stylesheet" href="/static/site.css"></head>'
        "<body><h1>Ministers' report</h1></body></html>"
    )
    assert pdf.startswith(b"%PDF-")


def test_never_fetches_from_the_network(caplog: pytest.LogCaptureFixture) -> None:
    pdf = render_pdf('<html><body><img src="https://example.org/x.png"><p>x</p></body></html>')
    assert pdf.startswith(b"%PDF-")
    assert any("does not fetch" in record.getMessage() for record in caplog.records)
