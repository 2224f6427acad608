"""The first page an admin sees: how the shop is doing, and what needs doing. Every figure
links to the list behind it."""

from flask import current_app, render_template, url_for

from ...core.money import format_money
from ...db_types import utcnow
from .. import charts, figures
from ..blueprint import bp


def link(endpoint: str, **args) -> str | None:
    """The URL of a back-office list, or None while that section does not exist."""
    return url_for(endpoint, **args) if endpoint in current_app.view_functions else None


@bp.get("")
@bp.get("/", endpoint="dashboard_slash")  # both, so /admin is never a redirect that shows it exists
def dashboard():
    now = utcnow()
    board = figures.dashboard(now)
    chart = charts.bar_chart(
        [(day.strftime("%-d %b"), pence) for day, pence in board.daily],
        label="Sales per day over the last 30 days",
        show=format_money,
    )
    return render_template(
        "admin/dashboard.html",
        board=board,
        chart=chart,
        link=link,
        countdown=figures.countdown(board.next_edition.cutoff_at, now) if board.next_edition else None,
    )
