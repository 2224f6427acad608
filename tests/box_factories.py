"""Small factories for Culture Box tests: editions and subscriptions in known states."""

from datetime import date, timedelta
from itertools import count

from sqlalchemy import select

from shop.core.calendar import cutoff_for, ships_on
from shop.extensions import db
from shop.subscriptions import box_run, lifecycle
from shop.subscriptions.models import Edition, Plan, Subscription
from shop.subscriptions.pricing import quote, sell_at

MANIFEST = [
    {
        "description": "Honey butter crisps",
        "hs_code": "2005.20",
        "value_pence": 350,
        "weight_g": 120,
        "origin_country": "KR",
    },
    {
        "description": "Barley tea bags",
        "hs_code": "0902.30",
        "value_pence": 400,
        "weight_g": 150,
        "origin_country": "KR",
    },
    {"description": "Sheet mask", "hs_code": "3304.99", "value_pence": 250, "weight_g": 30, "origin_country": "KR"},
]
_numbers = count(1)


def make_edition(month: date, capacity: int | None = None, theme: str = "Seollal") -> Edition:
    """The edition for `month` with a known manifest (replacing the demo one, if seeded)."""
    edition = db.session.scalar(select(Edition).filter_by(month=month)) or Edition(month=month)
    edition.theme, edition.manifest, edition.capacity = theme, MANIFEST, capacity
    edition.cutoff_at, edition.ships_on = cutoff_for(month), ships_on(month)
    db.session.add(edition)
    db.session.commit()
    return edition


def make_subscription(
    plan_code: str = "monthly", *, first_month: date, country: str = "GB", paid: bool = True, name: str | None = None
) -> Subscription:
    number = next(_numbers)
    plan = db.session.scalar(select(Plan).filter_by(code=plan_code))
    sub = Subscription(
        plan=plan,
        email=f"subscriber{number}@example.com",
        ship_name=name or f"Subscriber {number}",
        ship_line1=f"{number} Hanok Lane",
        ship_city="Leeds",
        ship_postcode="LS1 1AA",
        ship_country=country,
        first_month=first_month,
    )
    sell_at(sub, quote(plan, country))
    db.session.add(sub)
    db.session.flush()
    if paid:
        lifecycle.record_payment(
            sub, reference=f"in_test_{number}", first_month=first_month, amount_pence=plan.price_pence, actor="test"
        )
    db.session.commit()
    return sub


def run_box(edition: Edition, run_by: str = "cli") -> box_run.BoxRunResult:
    """The box run as `flask box run` does it: a minute after the edition's cutoff."""
    return box_run.run(edition, run_by=run_by, now=edition.cutoff_at + timedelta(minutes=1))
