"""Sending the boxes: a shipment the box run created is handed to a carrier, and the
subscriber is emailed the tracking link.

Every status move goes through `transition` (packing -> shipped, with an event row on the
subscription). `mark_shipped` is the one operation, for one parcel from the back office or
for each row of a carrier's CSV (`apply_tracking_csv`, which checks every row before it
changes anything). It flushes; the edge commits. The `shipment_shipped` signal lets other
parts of the shop tell someone else too (a gift's buyer, say); receivers run in the
sender's transaction.
"""

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from blinker import Namespace
from sqlalchemy import func, select

from ..core import carriers
from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from . import lifecycle
from .lifecycle import SubscriptionError
from .models import Edition, Shipment, ShipmentStatus

signals = Namespace()
# sender: the Shipment, just marked shipped (carrier, tracking_number and tracking_url set).
shipment_shipped = signals.signal("shipment-shipped")

ALLOWED_MOVES: dict[ShipmentStatus, set[ShipmentStatus]] = {
    ShipmentStatus.PACKING: {ShipmentStatus.SHIPPED},
    ShipmentStatus.SHIPPED: set(),
}

TRACKING_CSV_COLUMNS = ("shipment_id", "carrier", "tracking_number")
MAX_CSV_ROWS = 200_000


class FulfilmentError(SubscriptionError):
    """A shipment cannot be sent as asked; the message is safe to show."""


class TrackingCsvError(FulfilmentError):
    """A carrier CSV with rows that cannot be applied: `problems` names each by line number."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"Nothing was marked shipped: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the file."
        )


def transition(shipment: Shipment, to: ShipmentStatus, *, actor: str, reason: str = "") -> None:
    if to not in ALLOWED_MOVES[shipment.status]:
        raise FulfilmentError(f"The {shipment.edition.code} box #{shipment.id} is already {shipment.status.value}.")
    lifecycle.record(
        shipment.subscription,
        f"shipment {to.value}",
        actor=actor,
        detail=f"{shipment.edition.code} box #{shipment.id}: {shipment.status.value} -> {to.value}"
        + (f"; {reason}" if reason else ""),
    )
    shipment.status = to
    db.session.flush()


def mark_shipped(
    shipment: Shipment, carrier: str, tracking_number: str, *, actor: str, now: datetime | None = None
) -> Shipment:
    """Hand one box to `carrier` (a code or name) with its tracking number; the subscriber is
    emailed the tracking link when the edge commits."""
    try:
        found = carriers.find_carrier(carrier)
        number = carriers.clean_tracking_number(tracking_number)
    except carriers.CarrierError as error:
        raise FulfilmentError(str(error)) from None
    transition(shipment, ShipmentStatus.SHIPPED, actor=actor, reason=f"{found.name} {number}")
    shipment.carrier = found.code
    shipment.tracking_number = number
    shipment.shipped_at = now or utcnow()
    db.session.flush()
    send_shipped_email(shipment)
    shipment_shipped.send(shipment)
    return shipment


def send_shipped_email(shipment: Shipment) -> None:
    """The tracking email goes to whoever the box is for: the subscriber, or the recipient of
    a gift sent by email (its buyer hears that it left, never where: `shipment_shipped`)."""
    sub = shipment.subscription
    send_email(
        sub.recipient_email if sub.sent_by_email else sub.email,
        f"Your {shipment.edition.month:%B} Culture Box is on its way",
        "box_shipped",
        sub=sub,
        shipment=shipment,
        edition=shipment.edition,
        manage_url=None if sub.sent_by_email else email_link("subscriber.manage", sub_id=sub.id),
    )


@dataclass(frozen=True)
class TrackingRow:
    line: int
    shipment: Shipment
    carrier: carriers.Carrier
    tracking_number: str

    @property
    def unchanged(self) -> bool:
        """Already shipped with this very number: a file uploaded twice changes nothing."""
        return self.shipment.is_shipped and self.shipment.tracking_number == self.tracking_number


def read_tracking_csv(edition: Edition, text: str, *, default_carrier: str | None = None) -> list[TrackingRow]:
    """Check every row of a carrier's CSV (columns shipment_id, tracking_number and, unless a
    default is given, carrier) against the edition's shipments. Raises TrackingCsvError
    naming every bad line; returns the rows only if all of them are good."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [c for c in TRACKING_CSV_COLUMNS if c not in header and not (c == "carrier" and default_carrier)]
    if missing:
        raise TrackingCsvError(
            [f"Line 1: the header needs the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."]
        )
    position = {name: header.index(name) for name in TRACKING_CSV_COLUMNS if name in header}
    wanted: list[tuple[int, list[str]]] = []
    problems: list[str] = []
    for line_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            problems.append(f"Line {line_number}: expected {len(header)} columns, found {len(row)}.")
            continue
        wanted.append((line_number, row))
        if len(wanted) > MAX_CSV_ROWS:
            raise TrackingCsvError([f"The file has more than {MAX_CSV_ROWS} rows: please split it."])
    ids = {row[position["shipment_id"]].strip().lstrip("#") for _, row in wanted}
    numeric = {int(i) for i in ids if i.isdigit()}
    shipments = {
        s.id: s
        for s in db.session.scalars(select(Shipment).where(Shipment.edition_id == edition.id, Shipment.id.in_(numeric)))
    }
    seen: dict[int, int] = {}
    rows: list[TrackingRow] = []
    for line_number, row in wanted:
        raw_id = row[position["shipment_id"]].strip().lstrip("#")
        shipment = shipments.get(int(raw_id)) if raw_id.isdigit() else None
        if shipment is None:
            problems.append(f"Line {line_number}: '{raw_id}' is not a shipment of the {edition.code} edition.")
            continue
        if shipment.id in seen:
            problems.append(f"Line {line_number}: shipment {shipment.id} is already on line {seen[shipment.id]}.")
            continue
        seen[shipment.id] = line_number
        carrier_text = row[position["carrier"]].strip() if "carrier" in position else ""
        try:
            carrier = carriers.find_carrier(carrier_text or default_carrier or "")
            number = carriers.clean_tracking_number(row[position["tracking_number"]])
        except carriers.CarrierError as error:
            problems.append(f"Line {line_number}: {error}")
            continue
        found = TrackingRow(line_number, shipment, carrier, number)
        if shipment.is_shipped and not found.unchanged:
            problems.append(
                f"Line {line_number}: shipment {shipment.id} was already shipped with tracking number "
                f"{shipment.tracking_number}."
            )
            continue
        rows.append(found)
    if problems:
        raise TrackingCsvError(problems)
    if not rows:
        raise TrackingCsvError(["The file has no rows under its header."])
    return rows


def apply_tracking_csv(
    edition: Edition, text: str, *, actor: str, default_carrier: str | None = None, now: datetime | None = None
) -> int:
    """Mark every shipment in the carrier's CSV shipped, all or none; returns how many were
    newly marked (rows already shipped with the same number change nothing)."""
    rows = read_tracking_csv(edition, text, default_carrier=default_carrier)
    marked = 0
    for row in rows:
        if row.unchanged:
            continue
        mark_shipped(row.shipment, row.carrier.code, row.tracking_number, actor=actor, now=now)
        marked += 1
    return marked


@dataclass(frozen=True)
class EditionProgress:
    shipments: int
    shipped: int

    @property
    def packing(self) -> int:
        return self.shipments - self.shipped


def progress(edition: Edition) -> EditionProgress:
    counts = dict(
        db.session.execute(
            select(Shipment.status, func.count()).where(Shipment.edition_id == edition.id).group_by(Shipment.status)
        ).all()
    )
    total = sum(counts.values())
    return EditionProgress(shipments=total, shipped=counts.get(ShipmentStatus.SHIPPED, 0))
