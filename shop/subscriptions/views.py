from flask import render_template

from ..db_types import utcnow
from . import bp, services


@bp.get("/culture-box")
def culture_box():
    now = utcnow()
    first_month = services.first_box_month(now)
    return render_template(
        "subscriptions/culture_box.html",
        plans=services.active_plans(),
        monthly=services.monthly_plan(),
        zones=services.zones_with_box_shipping(),
        first_month=first_month,
        cutoff=services.cutoff_for(first_month),
        ship_day=services.SHIP_DAY,
        editions=services.upcoming_editions(first_month),
    )
