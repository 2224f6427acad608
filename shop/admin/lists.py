"""What every admin list shares: keyset pagination, a capped count, and GET filter forms.

Lists are newest first by id and page with a cursor (`?before=<id>` for older rows,
`?after=<id>` for newer), so page 2,000 of 100,000 orders costs what page 1 does: one
index range read of `per_page + 1` rows, never an OFFSET that walks every earlier row.
Counts stop at COUNT_CAP ("10,000+") for the same reason.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from sqlalchemy import Select, func, select

from ..core.forms import LARGEST_ID, ShopForm
from ..extensions import db

PER_PAGE = 50
COUNT_CAP = 10_000


class FilterForm(ShopForm):
    """A list's filters: read from the query string, no CSRF token (a GET changes nothing)."""

    class Meta:
        csrf = False

    def __init__(self, *args, **kwargs):
        super().__init__(request.args, *args, **kwargs)

    def values(self) -> dict[str, Any]:
        """Each filter's value, or None where it is empty or not valid (a date that is not
        one, a control character): a bad filter is shown with its error and ignored."""
        self.validate()
        return {name: None if f.errors or f.data in ("", []) else f.data for name, f in self._fields.items()}

    def active(self) -> dict[str, Any]:
        """The filters that were filled in, by name."""
        return {name: f.data for name, f in self._fields.items() if f.data not in (None, "", [])}


@dataclass
class Page:
    items: list
    newer_url: str | None = None
    older_url: str | None = None
    total: int | None = None
    total_capped: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def total_label(self) -> str:
        if self.total is None:
            return ""
        return f"{self.total:,}+" if self.total_capped else f"{self.total:,}"


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and int(value) <= LARGEST_ID else None


def _page_url(**cursor: int) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("before", "after") and v != ""}
    return url_for(request.endpoint, **(request.view_args or {}), **args, **cursor)


def keyset_page(
    stmt: Select,
    id_column,
    *,
    per_page: int = PER_PAGE,
    scalars: bool = True,
    key: Callable[[Any], int] = lambda row: row.id,
    count: bool = True,
) -> Page:
    """One page of `stmt` (already filtered, not ordered), newest id first, with links to
    the newer and older pages that keep the query string's filters."""
    before, after = _int_arg("before"), _int_arg("after")
    if after is not None:
        query = stmt.where(id_column > after).order_by(id_column.asc()).limit(per_page + 1)
    else:
        query = stmt.order_by(id_column.desc()).limit(per_page + 1)
        if before is not None:
            query = query.where(id_column < before)
    result = db.session.execute(query)
    rows = list(result.scalars() if scalars else result)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if after is not None:
        rows.reverse()
        has_newer, has_older = more, True
    else:
        has_newer, has_older = before is not None, more
    page = Page(items=rows)
    if rows:
        page.newer_url = _page_url(after=key(rows[0])) if has_newer else None
        page.older_url = _page_url(before=key(rows[-1])) if has_older else None
    elif before is not None or after is not None:
        page.newer_url = _page_url()  # past either end: back to the first page
    if count:
        page.total, page.total_capped = count_capped(stmt)
    return page


def count_capped(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows `stmt` has, reading at most cap + 1 of them."""
    limited = stmt.order_by(None).limit(cap + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(limited)) or 0
    return min(n, cap), n > cap
