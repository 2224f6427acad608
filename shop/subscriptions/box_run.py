"""The monthly box run: one shipment for every subscription entitled to an edition.

A subscription is entitled to an edition when it has not ended or never started, a paid
period covers the edition's month, it did not skip that box, and, for a gift sent by email,
the recipient has claimed it (until then the shop has no address). Paused and in-arrears
subscriptions still get boxes they already paid for; they simply have no new paid
periods. The run is set-based (one INSERT ... SELECT), inside one transaction, and
idempotent: a unique (subscription, edition) constraint plus NOT EXISTS means running it
again creates only what is missing, e.g. for a subscriber who paid their arrears since.

It is refused before the edition's cutoff: until then subscribers may still join, skip or
pause for that month, and a box packed early would ship to someone who skipped it. Once an
edition has run, its month can no longer be skipped (lifecycle.packed_refusal).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO

from sqlalchemy import and_, exists, func, insert, literal, select

from ..core.addresses import ADDRESS_COLUMNS, country_name
from ..core.spreadsheet import write_csv
from ..core.territories import needs_customs_form
from ..db_types import UtcDateTime, utcnow
from ..extensions import db
from ..orders.models import Order, OrderLine
from ..templating import london_datetime
from . import addons, lifecycle
from .models import BoxAddOn, BoxRun, Edition, PaidPeriod, Plan, PlanKind, Shipment, Skip, Subscription
from .models import SubscriptionStatus as S

ENTITLED_STATUSES = (S.ACTIVE, S.PAUSED, S.ARREARS)
# A gift sent by email ships (and runs out) only once its recipient has claimed it.
HAS_AN_ADDRESS = Subscription.recipient_email.is_(None) | Subscription.claimed_at.is_not(None)


class BoxRunError(Exception):
    """The box run (or the edition it names) was refused. The message is safe to show staff;
    `reason` is one of the constants below, for a page or command that reacts to it."""

    NOT_AN_EDITION = "not_an_edition"
    BEFORE_CUTOFF = "before_cutoff"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class BoxRunResult:
    edition: Edition
    created: int
    total: int  # shipments for the edition after this run
    ended: int  # gifts and cancelled subscriptions whose last box this was


def entitled(edition: Edition):
    """SELECT of the subscriptions entitled to `edition` that have no shipment for it yet."""
    return (
        select(Subscription)
        .where(
            Subscription.status.in_(ENTITLED_STATUSES),
            HAS_AN_ADDRESS,
            exists().where(
                PaidPeriod.subscription_id == Subscription.id,
                PaidPeriod.first_month <= edition.month,
                PaidPeriod.last_month >= edition.month,
            ),
            ~exists().where(Skip.subscription_id == Subscription.id, Skip.edition_id == edition.id),
            ~exists().where(Shipment.subscription_id == Subscription.id, Shipment.edition_id == edition.id),
        )
        .order_by(Subscription.id)
    )


def _lock(edition: Edition) -> None:
    """Serialise concurrent runs of one edition (PostgreSQL; SQLite serialises writers)."""
    db.session.execute(select(Edition.id).where(Edition.id == edition.id).with_for_update())


def check_can_run(edition: Edition, now: datetime | None = None) -> None:
    """Raise BoxRunError(reason=BEFORE_CUTOFF) while the edition's cutoff is still ahead."""
    now = now or utcnow()
    if now <= edition.cutoff_at:
        raise BoxRunError(
            f"The {edition.code} box can't be run yet: its cutoff is {london_datetime(edition.cutoff_at)} UK time, "
            "and until then subscribers can still join, skip or pause for it. Nothing was written.",
            reason=BoxRunError.BEFORE_CUTOFF,
        )


def run(edition: Edition, *, run_by: str, now: datetime | None = None) -> BoxRunResult:
    """Create the edition's missing shipments, record the run, end what has run out.
    Refused (BoxRunError, nothing written) before the edition's cutoff. Flushes; the caller
    (the CLI, the back office) commits."""
    now = now or utcnow()
    check_can_run(edition, now)
    _lock(edition)
    box_run = BoxRun(edition_id=edition.id, run_by=run_by, run_at=now, shipments_created=0)
    db.session.add(box_run)
    db.session.flush()

    address = [getattr(Subscription, column) for column in ADDRESS_COLUMNS]
    candidates = entitled(edition).with_only_columns(
        Subscription.id, literal(edition.id), literal(box_run.id), *address, literal(now, UtcDateTime())
    )
    already = _shipment_count(edition)
    if edition.capacity is not None:
        candidates = candidates.limit(max(edition.capacity - already, 0))
    columns = ["subscription_id", "edition_id", "box_run_id", *ADDRESS_COLUMNS, "created_at"]
    db.session.execute(insert(Shipment).from_select(columns, candidates))
    total = _shipment_count(edition)
    created = box_run.shipments_created = total - already
    addons.pack_into(edition)  # paid extras travel in this run's boxes
    ended = _end_finished(edition, now)
    addons.refund_unsent()  # extras of subscriptions that just ended with no box left to take them
    db.session.flush()
    return BoxRunResult(edition=edition, created=created, total=total, ended=ended)


def _shipment_count(edition: Edition) -> int:
    return db.session.scalar(select(func.count()).where(Shipment.edition_id == edition.id))


def _end_finished(edition: Edition, now) -> int:
    """Gifts and cancel-at-period-end subscriptions whose paid boxes are all shipped end now
    (one whose last box the edition's capacity left out waits for the next run)."""
    last_paid = (
        select(func.max(PaidPeriod.last_month)).where(PaidPeriod.subscription_id == Subscription.id).scalar_subquery()
    )
    shipped_now = exists().where(Shipment.subscription_id == Subscription.id, Shipment.edition_id == edition.id)
    finishing = and_(
        Subscription.status.in_(ENTITLED_STATUSES),
        HAS_AN_ADDRESS,
        (last_paid < edition.month) | ((last_paid == edition.month) & shipped_now),
        (Subscription.cancel_at_period_end.is_(True))
        | Subscription.plan_id.in_(select(Plan.id).where(Plan.kind == PlanKind.GIFT)),
    )
    return lifecycle.transition_where(
        finishing, S.ENDED, actor="box run", reason=f"last paid box shipped ({edition.code})", now=now
    )


PACKING_LIST_COLUMNS = [
    "shipment_id",
    "edition",
    "plan",
    "name",
    "line1",
    "line2",
    "city",
    "region",
    "postcode",
    "country",
    "phone",
    "customs_form",
    "customs_contents",
    "customs_value_gbp",
    "weight_g",
    "origin_countries",
]


# Rows read from the database at a time: the list is streamed, never held whole in memory.
PACKING_LIST_BATCH = 2000


def write_packing_list(edition: Edition, out: IO[str]) -> int:
    """Write the packing list CSV (`packing_list_rows`) to `out` as it is read. Returns how
    many parcels it lists."""
    parcels, last = 0, None

    def counted():
        nonlocal parcels, last
        for row in packing_list_rows(edition):
            if row[0] != last:  # a parcel's add-ons follow it, under the same shipment id
                parcels, last = parcels + 1, row[0]
            yield row

    write_csv(out, PACKING_LIST_COLUMNS, counted())
    return parcels


def packing_list_rows(edition: Edition) -> Iterator[list]:
    """The rows of the packing list: every shipment of the edition; parcels that leave the
    UK customs territory (core/territories.py) carry their CN22/CN23 data. Items a
    subscriber added to their box follow their parcel's row, one row per item, with its own
    customs line (the parcel's form, CN22 or CN23, counts them in).

    Read in batches of PACKING_LIST_BATCH plain rows (no ORM objects), so memory stays flat
    however many boxes there are; what the edition and each country imply is worked out once."""
    contents = "; ".join(f"{i['description']} (HS {i['hs_code']})" for i in edition.manifest)
    origins = ",".join(sorted({i["origin_country"] for i in edition.manifest}))
    customs_value_pence, weight_g, code = edition.customs_value_pence, edition.weight_g, edition.code
    customs_value = f"{customs_value_pence / 100:.2f}"
    extras = _extras_by_shipment(edition)
    countries: dict[str, tuple[bool, str]] = {}  # code -> (needs a customs form, "Name (CODE)")
    rows = db.session.execute(
        select(
            Shipment.id,
            Plan.name,
            Shipment.ship_name,
            Shipment.ship_line1,
            Shipment.ship_line2,
            Shipment.ship_city,
            Shipment.ship_region,
            Shipment.ship_postcode,
            Shipment.ship_country,
            Shipment.ship_phone,
        )
        .join(Subscription, Subscription.id == Shipment.subscription_id)
        .join(Plan, Plan.id == Subscription.plan_id)
        .where(Shipment.edition_id == edition.id)
        .order_by(Shipment.ship_country, Shipment.id)
        .execution_options(yield_per=PACKING_LIST_BATCH)
    )
    for shipment_id, plan_name, name, line1, line2, city, region, postcode, country, phone in rows:
        if country not in countries:
            countries[country] = (needs_customs_form(country), _country_name(country))
        export, country_label = countries[country]
        added = extras.get(shipment_id, [])
        declared = customs_value_pence + sum(line.line_total_pence for _, line in added)
        # A CN22 covers parcels declared at up to £270; above that a CN23 is needed.
        form = "CN22" if declared <= 27000 else "CN23"
        yield [
            shipment_id,
            code,
            plan_name,
            name,
            line1,
            line2,
            city,
            region,
            postcode,
            country_label,
            phone,
            form if export else "",
            contents if export else "",
            customs_value if export else "",
            weight_g,
            origins if export else "",
        ]
        for number, line in added:
            yield [
                shipment_id,
                code,
                f"+ add-on, order {number}: {line.quantity} × {line.name} ({line.sku})",
                *[""] * 8,  # name to phone: the parcel's row above has them
                form if export else "",
                f"{line.customs_description} (HS {line.hs_code})" if export else "",
                f"{line.line_total_pence / 100:.2f}" if export else "",
                line.weight_g * line.quantity,
                line.origin_country if export else "",
            ]


def _extras_by_shipment(edition: Edition) -> dict[int, list[tuple[str, OrderLine]]]:
    """The add-on order lines packed into each shipment of the edition."""
    rows = db.session.execute(
        select(BoxAddOn.shipment_id, Order.number, OrderLine)
        .join(Shipment, Shipment.id == BoxAddOn.shipment_id)
        .join(Order, Order.id == BoxAddOn.order_id)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Shipment.edition_id == edition.id)
        .order_by(BoxAddOn.id, OrderLine.id)
    )
    extras: dict[int, list[tuple[str, OrderLine]]] = {}
    for shipment_id, number, line in rows:
        extras.setdefault(shipment_id, []).append((number, line))
    return extras


def _country_name(code: str) -> str:
    return f"{country_name(code)} ({code})"


def edition_by_code(code: str) -> Edition | None:
    try:
        year, month = (int(part) for part in code.split("-"))
        wanted = date(year, month, 1)
    except ValueError:
        raise BoxRunError(
            f"'{code}' is not an edition: use YYYY-MM, e.g. 2027-01", reason=BoxRunError.NOT_AN_EDITION
        ) from None
    return db.session.scalar(select(Edition).where(Edition.month == wanted))
