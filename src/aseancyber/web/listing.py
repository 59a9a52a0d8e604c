"""The query parameters every list route takes: where the page starts, and how long it is."""

from typing import Annotated

from fastapi import Query

from aseancyber.web.pagination import MAX_LIMIT

PageCursor = Annotated[str | None, Query(max_length=500)]
"""``cursor``: the opaque position a page starts from (the previous page's next_cursor)."""

PageLimit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
"""``limit``: how many items a page holds at the most."""
