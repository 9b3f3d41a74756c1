"""Pages as PDF files: a notice, the printable request, a register record.

A PDF is drawn from the very HTML page it copies, so the two never differ. WeasyPrint
does the drawing: it is maintained, pure Python over Pango (Debian packages), needs no
browser, and writes tagged PDF (PDF/UA-1), so a screen reader reads the headings, lists
and paragraphs in order, in the page's language. Stylesheets and images under /static are
read from disk; nothing is fetched over the network.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

STATIC = Path(__file__).parent / "static"

# A4 with margins; fonts Debian has (fonts-liberation has Arial's metrics; DejaVu is the
# fallback) in place of the web fonts the design system names first; and paper is one
# column, so the design system's page grids are plain blocks (WeasyPrint lays out nested
# grids slowly: a register record took over a minute with them, a fraction of a second
# without).
PAGE_CSS = """
@page { size: A4; margin: 20mm 18mm; }
html, body { font-family: Roboto, Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
.ds_page, .ds_page__middle, .ds_wrapper, .ds_layout { display: block !important; }
"""

# WeasyPrint warns, on every page, of each screen-only media query in the design system's
# stylesheet that it does not read; those rules are not for paper anyway.
logging.getLogger("weasyprint").setLevel(logging.ERROR)

_TYPES = {".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


class StaticFetcher(URLFetcher):
    """Reads /static/... from casework/static and data: URLs inline; refuses the rest."""

    def fetch(self, url: str, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = unquote(urlsplit(url).path)
        if path.startswith("/static/"):
            found = safe_join(str(STATIC), path.removeprefix("/static/"))
            if found and Path(found).is_file():
                file = Path(found)
                return URLFetcherResponse(
                    url,
                    file.read_bytes(),
                    {"Content-Type": _TYPES.get(file.suffix, "application/octet-stream")},
                )
        raise ValueError(f"not fetched for a PDF: {url}")


# A page's own stylesheets, as its templates link them.
_LINK = re.compile(r'<link rel="stylesheet" href="(/static/[^"?#]+)">')


@functools.lru_cache(maxsize=16)
def _sheet(path: str, mtime: float) -> CSS:
    """A static stylesheet, parsed once (parsing the design system's stylesheet is most
    of the cost of a PDF) and again only when the file changes."""
    return CSS(url=f"http://localhost{path}", url_fetcher=StaticFetcher())


def _page_sheets(html: str) -> tuple[str, list[CSS]]:
    """The page without its static <link>s, and those stylesheets parsed, in order. They
    go to WeasyPrint as user stylesheets: the pages have no other stylesheets, so they
    cascade as the linked ones did."""
    sheets = []
    for path in _LINK.findall(html):
        found = safe_join(str(STATIC), path.removeprefix("/static/"))
        if found and Path(found).is_file():
            sheets.append(_sheet(path, Path(found).stat().st_mtime))
    return _LINK.sub("", html), sheets


def render_pdf(html: str, base_url: str, title: str) -> bytes:
    """The page as a tagged PDF (PDF/UA-1), titled `title`, in the page's `lang`."""
    html, sheets = _page_sheets(html)
    document = HTML(
        string=html, base_url=base_url, url_fetcher=StaticFetcher(), media_type="print"
    ).render(stylesheets=[*sheets, _sheet_page()], pdf_variant="pdf/ua-1")
    document.metadata.title = title
    return document.write_pdf(pdf_variant="pdf/ua-1")


@functools.cache
def _sheet_page() -> CSS:
    return CSS(string=PAGE_CSS)
