"""Reports: the sales each blog post brought, by first and last touch, over a period."""

from datetime import timedelta

from flask import render_template
from wtforms import SelectField

from ...core.forms import options
from ...db_types import utcnow
from .. import post_sales
from ..blueprint import bp
from ..lists import FilterForm

PERIODS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days"), ("365", "Last 365 days")]
DEFAULT_DAYS = 30


class PeriodFilter(FilterForm):
    days = SelectField("Period", choices=options(PERIODS), default=str(DEFAULT_DAYS))

    def active(self):
        # The period always has a value: there is nothing to clear.
        return {}


@bp.get("/reports/posts")
def reports():
    period = PeriodFilter()
    chosen = period.values()["days"]
    if chosen is None:  # a period the list does not offer (a link typed by hand)
        period.days.errors = [f"Choose one of the periods listed: showing the last {DEFAULT_DAYS} days."]
        period.days.data = chosen = str(DEFAULT_DAYS)
    days = int(chosen)
    now = utcnow()
    report = post_sales.post_report(now - timedelta(days=days), now)
    label = dict(PERIODS)[str(days)].lower()
    return render_template("admin/reports_posts.html", report=report, period=period, days=days, label=label)
