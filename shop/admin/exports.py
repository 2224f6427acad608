"""The CSV downloads of the back office, each written through core.spreadsheet (so no cell
can run as a formula) and streamed (100,000 orders never sit in memory at once).

Adding one is a decorated function in this module that yields rows:

    @export("newsletter", "Newsletter subscribers", "Everyone who signed up, with the date.",
            header=["email", "signed up"])
    def newsletter_rows():
        for row in db.session.execute(select(...)).yield_per(1000):
            yield [...]
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from ..accounts.models import User
from ..core.calendar import LONDON
from ..extensions import db
from ..newsletter import services as newsletter
from ..orders.models import Order
from ..subscriptions.models import Plan, Subscription

Rows = Callable[[], Iterable[Iterable[Any]]]


@dataclass(frozen=True)
class Export:
    name: str  # the file name and URL part
    title: str
    description: str
    header: list[str]
    rows: Rows


EXPORTS: dict[str, Export] = {}


def export(name: str, title: str, description: str, *, header: list[str]) -> Callable[[Rows], Rows]:
    def register(rows: Rows) -> Rows:
        EXPORTS[name] = Export(name, title, description, header, rows)
        return rows

    return register


def pounds(pence: int | None) -> str:
    """12.50 for 1250: a number a spreadsheet sums, made without floats."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}{whole}.{part:02d}"


def when(moment) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%d %H:%M") if moment else ""


BATCH = 1000


@export(
    "orders",
    "Orders",
    "Every order with its customer, address, amounts (pounds, as charged) and shipping.",
    header=[
        "number", "placed (UK time)", "status", "email", "name", "address line 1", "address line 2",
        "city", "postcode", "country", "items", "shipping", "discount code", "discount", "UK VAT included",
        "VAT removed (export)", "total", "currency", "paid (UK time)", "carrier", "tracking number",
    ],
)  # fmt: skip
def order_rows():
    # Columns, not ORM objects: 100,000 rows stream in seconds, not minutes.
    o = Order
    query = select(
        o.number, o.created_at, o.status, o.email, o.ship_name, o.ship_line1, o.ship_line2, o.ship_city,
        o.ship_postcode, o.ship_country, o.items_pence, o.shipping_pence, o.discount_code, o.discount_pence,
        o.vat_pence, o.vat_removed_pence, o.total_pence, o.currency, o.paid_at, o.carrier, o.tracking_number,
    ).order_by(o.id)  # fmt: skip
    for r in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield [
            r.number, when(r.created_at), r.status.label, r.email, r.ship_name, r.ship_line1, r.ship_line2,
            r.ship_city, r.ship_postcode, r.ship_country, pounds(r.items_pence), pounds(r.shipping_pence),
            r.discount_code or "", pounds(r.discount_pence), pounds(r.vat_pence), pounds(r.vat_removed_pence),
            pounds(r.total_pence), r.currency, when(r.paid_at), r.carrier or "", r.tracking_number or "",
        ]  # fmt: skip


@export(
    "subscriptions",
    "Culture Box subscriptions",
    "Every subscription with its plan, status, address and the price it was sold at.",
    header=[
        "id", "started (UK time)", "status", "plan", "email", "name", "address line 1", "address line 2",
        "city", "postcode", "country", "shipping zone", "first box", "per payment", "ends at period end",
    ],
)  # fmt: skip
def subscription_rows():
    s = Subscription
    query = (
        select(
            s.id, s.created_at, s.status, Plan.name.label("plan"), s.email, s.ship_name, s.ship_line1,
            s.ship_line2, s.ship_city, s.ship_postcode, s.ship_country, s.shipping_zone_name, s.first_month,
            s.total_pence, s.cancel_at_period_end,
        )
        .join(Plan, Plan.id == s.plan_id)
        .order_by(s.id)
    )  # fmt: skip
    for r in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield [
            r.id, when(r.created_at), r.status.label, r.plan, r.email, r.ship_name, r.ship_line1, r.ship_line2,
            r.ship_city, r.ship_postcode, r.ship_country, r.shipping_zone_name, r.first_month.strftime("%Y-%m"),
            pounds(r.total_pence), "yes" if r.cancel_at_period_end else "no",
        ]  # fmt: skip


@export(
    "customers",
    "Customers",
    "Every account: email, name, when it was made and whether the email is confirmed.",
    header=["id", "email", "name", "created (UK time)", "email confirmed", "admin"],
)
def customer_rows():
    u = User
    query = select(u.id, u.email, u.name, u.created_at, u.email_confirmed_at, u.is_admin).order_by(u.id)
    for r in db.session.execute(query.execution_options(yield_per=BATCH)):
        confirmed = "yes" if r.email_confirmed_at else "no"
        yield [r.id, r.email, r.name, when(r.created_at), confirmed, "yes" if r.is_admin else "no"]


@export(
    "newsletter",
    "Newsletter subscribers",
    "Everyone who confirmed their sign-up: email, where they signed up and when.",
    header=["email", "signed up from", "confirmed (UK time)"],
)
def newsletter_rows():
    query = newsletter.confirmed_subscribers().execution_options(yield_per=BATCH)
    for subscriber in db.session.scalars(query):
        yield [subscriber.email, subscriber.source, when(subscriber.confirmed_at)]
