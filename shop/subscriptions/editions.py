"""Editions from the back office: create and edit a month's box, count the boxes it needs.

Plain arguments in, SubscriptionError out (safe to show), flush only. The box run itself
is box_run.run, the same operation `flask box run` calls.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from ..core.addresses import is_country
from ..core.calendar import LONDON
from ..extensions import db
from . import box_run
from .lifecycle import SubscriptionError
from .models import BoxRun, Edition, Plan, Shipment, Subscription

HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")


@dataclass
class ManifestItem:
    description: str
    hs_code: str
    value_pence: int
    weight_g: int
    origin_country: str

    def as_dict(self) -> dict:
        return {
            "description": self.description.strip(),
            "hs_code": self.hs_code.strip(),
            "value_pence": self.value_pence,
            "weight_g": self.weight_g,
            "origin_country": self.origin_country.strip().upper(),
        }


@dataclass
class EditionDraft:
    month: date  # any day of it
    theme: str
    cutoff_at: datetime  # aware
    ships_on: date
    description: str = ""
    capacity: int | None = None
    items: list[ManifestItem] = field(default_factory=list)


def _check_items(items: list[ManifestItem]) -> list[dict]:
    if not items:
        raise SubscriptionError("List at least one item in the box: customs forms need its contents.")
    for number, item in enumerate(items, start=1):
        where = f"Item {number} ({item.description.strip() or 'no description'})"
        if not item.description.strip():
            raise SubscriptionError(f"Item {number} needs a customs description, e.g. 'Barley tea bags'.")
        if not HS_CODE.fullmatch(item.hs_code.strip()):
            raise SubscriptionError(f"{where}: the HS code is 6 to 10 digits, e.g. 0902.30.")
        if item.value_pence < 0:
            raise SubscriptionError(f"{where}: the customs value cannot be negative.")
        if item.weight_g <= 0:
            raise SubscriptionError(f"{where}: the weight must be at least 1 g.")
        if not is_country(item.origin_country.strip().upper()):
            raise SubscriptionError(f"{where}: please choose the country it was made in.")
    return [item.as_dict() for item in items]


def has_run(edition: Edition) -> bool:
    return db.session.scalar(select(func.count()).where(BoxRun.edition_id == edition.id)) > 0


def save_edition(draft: EditionDraft, edition: Edition | None = None) -> Edition:
    month = draft.month.replace(day=1)
    taken = db.session.scalar(
        select(Edition.id).where(Edition.month == month, Edition.id != (edition.id if edition else -1))
    )
    if taken is not None:
        raise SubscriptionError(f"There is already a {month:%B %Y} edition: edit that one.")
    if edition is not None and edition.month != month and has_run(edition):
        raise SubscriptionError("This edition has been run: its month can no longer change.")
    if not draft.theme.strip():
        raise SubscriptionError("Give the edition a theme, e.g. 'Seollal'.")
    if draft.cutoff_at.tzinfo is None:
        draft.cutoff_at = draft.cutoff_at.replace(tzinfo=LONDON)
    if draft.ships_on <= draft.cutoff_at.astimezone(LONDON).date():
        raise SubscriptionError("The ship date must come after the cutoff: boxes are packed in between.")
    if draft.capacity is not None and draft.capacity < 1:
        raise SubscriptionError("Leave capacity empty for no limit, or give at least 1 box.")
    manifest = _check_items(draft.items)
    edition = edition or Edition()
    edition.month = month
    edition.theme = draft.theme.strip()
    edition.description = draft.description.strip()
    edition.cutoff_at = draft.cutoff_at
    edition.ships_on = draft.ships_on
    edition.capacity = draft.capacity
    edition.manifest = manifest
    db.session.add(edition)
    db.session.flush()
    return edition


@dataclass(frozen=True)
class BoxCount:
    """How many boxes an edition needs: those made already and those still to make."""

    shipments: int  # created by box runs so far
    to_create: int  # entitled now, no shipment yet (before any capacity limit)
    capacity: int | None
    by_plan: list[tuple[str, int]]  # shipments + to create, per plan

    @property
    def needed(self) -> int:
        total = self.shipments + self.to_create
        return min(total, self.capacity) if self.capacity is not None else total

    @property
    def over_capacity(self) -> int:
        return max(self.shipments + self.to_create - self.capacity, 0) if self.capacity is not None else 0


def box_count(edition: Edition) -> BoxCount:
    entitled = box_run.entitled(edition).with_only_columns(Subscription.id, Subscription.plan_id).order_by(None)
    waiting = entitled.subquery()
    to_create = dict(db.session.execute(select(waiting.c.plan_id, func.count()).group_by(waiting.c.plan_id)).all())
    made = dict(
        db.session.execute(
            select(Subscription.plan_id, func.count())
            .join(Shipment, Shipment.subscription_id == Subscription.id)
            .where(Shipment.edition_id == edition.id)
            .group_by(Subscription.plan_id)
        ).all()
    )
    names = dict(db.session.execute(select(Plan.id, Plan.name).order_by(Plan.position)).all())
    by_plan = [
        (name, to_create.get(plan_id, 0) + made.get(plan_id, 0))
        for plan_id, name in names.items()
        if to_create.get(plan_id) or made.get(plan_id)
    ]
    return BoxCount(
        shipments=sum(made.values()), to_create=sum(to_create.values()), capacity=edition.capacity, by_plan=by_plan
    )


def next_edition(today: date) -> Edition | None:
    """The first edition that has not shipped yet."""
    return db.session.scalar(select(Edition).where(Edition.ships_on >= today).order_by(Edition.month).limit(1))


def runs(edition: Edition) -> list[BoxRun]:
    return list(db.session.scalars(select(BoxRun).where(BoxRun.edition_id == edition.id).order_by(BoxRun.id.desc())))


def set_plan_price(plan: Plan, price_pence: int) -> None:
    """A plan's new price is for new subscribers: a running subscription keeps the price it
    was sold at (pricing.sell_at), and Stripe keeps the prices it was given."""
    if price_pence <= 0:
        raise SubscriptionError("A plan's price must be more than £0.00.")
    plan.price_pence = price_pence
    db.session.flush()
