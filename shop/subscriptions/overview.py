"""What the subscriber's own pages show: read-only facts about one subscription at one
moment (the next box, the next payment and its amount, the boxes coming and gone, and which
actions are possible now). Nothing here changes anything: the actions are in manage.py.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core.addresses import country_name
from ..core.calendar import LONDON, month_of
from ..db_types import utcnow
from ..extensions import db
from . import addons, lifecycle, manage
from .lifecycle import NextPayment, SubscriptionError
from .models import Edition, PaidPeriod, PlanKind, Shipment, Subscription
from .models import SubscriptionStatus as S
from .pricing import BoxQuote, sold_quote


@dataclass(frozen=True)
class Box:
    """One month's box as the subscriber reads it: the Edition row may not exist yet."""

    month: date
    edition: Edition | None

    @property
    def label(self) -> str:
        return f"{self.month:%B %Y}"


@dataclass(frozen=True)
class Overview:
    sub: Subscription
    now: datetime
    next_box: Box | None  # the first box paid for and not shipped, else the one the next payment buys
    next_box_paid: bool
    coming: list[Box]  # paid for, not shipped yet
    skipped: list[Box]  # skipped, from this month on
    payment: NextPayment | None
    price: BoxQuote | None  # what each payment costs to the current address (None: no longer shipped there)
    last_box: Box | None  # the last box paid for (a cancelled subscription's final box)
    last_box_shipped: bool
    shipments: list[Shipment] = field(default_factory=list)  # newest first
    skippable: Edition | None = None
    closed_box: Box | None = None  # the next box, when its cutoff has passed (why it can't be skipped)

    @property
    def payments(self) -> list[tuple[PaidPeriod, list[date]]]:
        """Every payment, newest first, with the boxes it bought (for its receipt)."""
        periods = sorted(self.sub.periods, key=lambda p: (p.paid_at, p.id), reverse=True)
        return [(p, lifecycle.boxes_bought(self.sub, p)) for p in periods]

    @property
    def extras(self) -> list:
        """Items added to the next box, paid and waiting for it (their orders)."""
        return addons.waiting(self.sub)

    @property
    def undoable(self) -> list[Box]:
        """Skipped boxes whose skip can still be taken back (before their cutoff)."""
        if self.sub.status is S.ENDED:
            return []
        return [b for b in self.skipped if b.edition is not None and b.edition.cutoff_at >= self.now]

    # -- what it is ---------------------------------------------------------------------
    @property
    def is_gift(self) -> bool:
        return not self.sub.plan.renews

    @property
    def plan_summary(self) -> str:
        plan = self.sub.plan
        if plan.kind is PlanKind.GIFT:
            return f"A gift of {plan.months} boxes, paid once"
        if plan.kind is PlanKind.PREPAID:
            return f"{plan.months} boxes paid every {plan.months} months"
        return "One box a month, paid monthly"

    @property
    def country(self) -> str:
        return country_name(self.sub.ship_country)

    @property
    def overdue(self) -> bool:
        return self.sub.status is S.ARREARS

    @property
    def ending(self) -> bool:
        return self.sub.cancel_at_period_end and self.sub.status is not S.ENDED

    @staticmethod
    def uk_day(moment: datetime) -> date:
        return moment.astimezone(LONDON).date()

    @property
    def today(self) -> date:
        return self.uk_day(self.now)

    @property
    def due_on(self) -> date | None:
        return self.payment.due_at.astimezone(LONDON).date() if self.payment else None

    # -- what can be done now -----------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.sub.status in (S.ACTIVE, S.PAUSED, S.ARREARS)

    @property
    def can_pause(self) -> bool:
        return self.sub.status is S.ACTIVE and not self.is_gift and not self.sub.cancel_at_period_end

    @property
    def can_resume(self) -> bool:
        return self.sub.status is S.PAUSED

    @property
    def can_change_address(self) -> bool:
        return self.running and not self.sub.sent_by_email

    @property
    def can_cancel(self) -> bool:
        return self.running and not self.is_gift and not self.sub.cancel_at_period_end

    @property
    def can_keep(self) -> bool:
        return self.ending and not self.is_gift

    @property
    def can_update_card(self) -> bool:
        return self.running and not self.is_gift and (self.overdue or not self.sub.cancel_at_period_end)


def _boxes(months: list[date]) -> list[Box]:
    if not months:
        return []
    editions = {e.month: e for e in db.session.scalars(select(Edition).where(Edition.month.in_(months)))}
    return [Box(m, editions.get(m)) for m in months]


def shipments(sub: Subscription) -> list[Shipment]:
    query = (
        select(Shipment)
        .join(Shipment.edition)
        .where(Shipment.subscription_id == sub.id)
        .options(joinedload(Shipment.edition))
        .order_by(Edition.month.desc())
    )
    return list(db.session.scalars(query))


def overview(sub: Subscription, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    coming_months = lifecycle.upcoming_boxes(sub, now)
    payment = lifecycle.next_payment(sub, now)
    paid = lifecycle.paid_months(sub)
    shipped = lifecycle.shipped_months(sub)
    # A month with a parcel is a past (or packing) box, never also a skipped one.
    skipped_months = sorted(m for m in lifecycle.skipped_months(sub) if m >= month_of(now) and m not in shipped)
    next_month = coming_months[0] if coming_months else (payment.month if payment else None)
    last_paid = max(paid, default=None)

    wanted = set(coming_months) | set(skipped_months) | {m for m in (next_month, last_paid) if m}
    boxes = {b.month: b for b in _boxes(sorted(wanted))}
    next_box = boxes.get(next_month) if next_month else None
    last_box = boxes.get(last_paid) if last_paid else None

    try:
        manage.requote(sub, sub.ship_country)  # still shipped there?
    except SubscriptionError:
        price = None
    else:
        price = sold_quote(sub)

    skippable = manage.skippable_edition(sub, now)
    closed = None
    if next_box and sub.status is S.ACTIVE and (skippable is None or skippable.month != next_box.month):
        if next_box.edition is not None and (next_box.edition.cutoff_at < now or lifecycle.is_packed(next_box.edition)):
            closed = next_box

    return Overview(
        sub=sub,
        now=now,
        next_box=next_box,
        next_box_paid=bool(coming_months),
        coming=[boxes[m] for m in coming_months],
        skipped=[boxes[m] for m in skipped_months],
        payment=payment,
        price=price,
        last_box=last_box,
        last_box_shipped=last_paid in shipped,
        shipments=shipments(sub),
        skippable=skippable,
        closed_box=closed,
    )
