"""The subscription state machine and the facts that move it: payments, skips, pauses,
cancellations. Every status change goes through `transition()` (one subscription) or
`transition_where()` (a set, e.g. the box run ending what has run out); both write an
event row per subscription moved.

These functions flush but do not commit: the caller (a view's service call, the demo
gateway, a Stripe webhook) owns the transaction, so an event id, a payment and its
status change are stored together or not at all.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, func, insert, literal, select, update

from ..core.calendar import add_months, billing_at, month_of
from ..db_types import UtcDateTime, utcnow
from ..discounts import services as discounts
from ..extensions import db
from . import address_book
from .models import BoxRun, Edition, PaidPeriod, Shipment, Skip, Subscription, SubscriptionEvent
from .models import SubscriptionStatus as S
from .pricing import split_payment
from .services import first_box_month

ALLOWED_MOVES: dict[S, set[S]] = {
    S.PENDING_PAYMENT: {S.ACTIVE, S.ENDED},
    S.ACTIVE: {S.PAUSED, S.ARREARS, S.ENDED},
    S.PAUSED: {S.ACTIVE, S.ENDED},
    S.ARREARS: {S.ACTIVE, S.ENDED},
    S.ENDED: set(),
}


class SubscriptionError(Exception):
    """A subscription cannot do what was asked; the message is safe to show the customer."""


class StateError(SubscriptionError):
    pass


# What else must happen when a subscription ends (e.g. refunding add-ons no box took):
# registered by the modules that own it, run in the same transaction.
_ENDED_HOOKS: list[Callable[[Subscription], None]] = []


def when_ended(hook: Callable[[Subscription], None]) -> None:
    _ENDED_HOOKS.append(hook)


def record(sub: Subscription, kind: str, *, actor: str, detail: str = "") -> None:
    db.session.add(SubscriptionEvent(subscription=sub, kind=kind, actor=actor, detail=detail))


def transition(sub: Subscription, to: S, *, actor: str, reason: str = "") -> None:
    if to not in ALLOWED_MOVES[sub.status]:
        raise StateError(f"A {sub.status.value.replace('_', ' ')} subscription cannot become {to.value}.")
    db.session.add(
        SubscriptionEvent(
            subscription=sub,
            kind="status",
            from_status=sub.status.value,
            to_status=to.value,
            actor=actor,
            detail=reason,
        )
    )
    leaving_unpaid = sub.status is S.PENDING_PAYMENT and to is S.ENDED
    sub.status = to
    db.session.flush()
    if leaving_unpaid:  # never paid: the discount use it reserved is given back
        discounts.release(subscription_id=sub.id)
    if to is S.ENDED:
        for hook in _ENDED_HOOKS:
            hook(sub)


def allowed_from(to: S) -> frozenset[S]:
    """The statuses a subscription may move to `to` from."""
    return frozenset(status for status, moves in ALLOWED_MOVES.items() if to in moves)


def transition_where(
    condition: ColumnElement[bool], to: S, *, actor: str, reason: str = "", now: datetime | None = None
) -> int:
    """Move every subscription matching `condition` to `to`, set-based: the rows are locked,
    one INSERT ... SELECT writes their event rows (while they still show the status they
    leave), one UPDATE moves them (on PostgreSQL all three are one statement). Only rows in a status allowed to move to `to` are
    touched; the others are refused silently (no move, no event). Flushes, returns how
    many moved."""
    sources = allowed_from(to)
    if not sources:
        raise StateError(f"No subscription can become {to.value}.")
    db.session.flush()
    movable = Subscription.status.in_(sources) & condition
    event_columns = ["subscription_id", "kind", "from_status", "to_status", "actor", "detail", "created_at"]
    when = literal(now or utcnow(), UtcDateTime())
    if db.session.get_bind().dialect.name == "postgresql":
        moved = _transition_in_one_statement(movable, to, event_columns, actor, reason, when)
    else:
        # Lock them first (SQLite serialises writers anyway), so the events and the UPDATE
        # see the same rows.
        db.session.execute(select(Subscription.id).where(movable).with_for_update())
        db.session.execute(
            insert(SubscriptionEvent).from_select(
                event_columns,
                select(
                    Subscription.id,
                    literal("status"),
                    Subscription.status,
                    literal(to.value),
                    literal(actor),
                    literal(reason),
                    when,
                ).where(movable),
            )
        )
        moved = db.session.execute(
            update(Subscription).where(movable).values(status=to), execution_options={"synchronize_session": False}
        ).rowcount
    for obj in list(db.session.identity_map.values()):  # loaded copies must not keep the old status
        if isinstance(obj, Subscription):
            db.session.expire(obj)
    return moved


def _transition_in_one_statement(movable, to: S, event_columns: list[str], actor: str, reason: str, when) -> int:
    """PostgreSQL: lock, move and write the events in one statement, so the condition (which
    may be costly: the box run's asks each subscription's last paid month) is worked out
    once, not three times: WITH leaving AS (SELECT … FOR UPDATE), moved AS (UPDATE … FROM
    leaving RETURNING the status each left), events AS (INSERT … SELECT FROM moved)
    SELECT count(*) FROM moved."""
    leaving = (
        select(Subscription.id, Subscription.status.label("from_status"))
        .where(movable)
        .with_for_update(of=Subscription)
        .cte("leaving")
    )
    moved = (
        update(Subscription)
        .where(Subscription.id == leaving.c.id)
        .values(status=to)
        .returning(Subscription.id, leaving.c.from_status)
        .cte("moved")
    )
    events = (
        insert(SubscriptionEvent)
        .from_select(
            event_columns,
            select(
                moved.c.id,
                literal("status"),
                moved.c.from_status,
                literal(to.value),
                literal(actor),
                literal(reason),
                when,
            ),
        )
        .returning(SubscriptionEvent.id)
        .cte("events")
    )
    # PostgreSQL runs every data-modifying WITH once, read or not; the count is the answer.
    return db.session.scalar(select(func.count()).select_from(moved).add_cte(leaving, events))


def record_payment(
    sub: Subscription,
    *,
    reference: str,
    first_month: date,
    amount_pence: int,
    actor: str,
    paid_at: datetime | None = None,
    note: str = "",
) -> PaidPeriod | None:
    """One payment paid for `plan.months` boxes from `first_month` (months the subscriber has
    already skipped are stepped over, so a payment always buys `months` boxes). A reference
    seen before (the same invoice delivered twice) changes nothing and returns None."""
    if db.session.scalar(select(PaidPeriod.id).filter_by(reference=reference)) is not None:
        return None
    skipped = skipped_months(sub)
    first_month = _not_skipped(first_month, skipped)
    last_month = first_month
    for _ in range(sub.plan.months - 1):
        last_month = _not_skipped(add_months(last_month, 1), skipped)
    split = split_payment(sub, amount_pence)
    period = PaidPeriod(
        subscription=sub,
        reference=reference,
        first_month=first_month,
        last_month=last_month,
        amount_pence=amount_pence,
        box_pence=split.box_pence,
        shipping_pence=split.shipping_pence,
        vat_pence=split.vat_pence,
        vat_removed_pence=split.vat_removed_pence,
        vat_treatment=split.treatment,
        paid_at=paid_at or utcnow(),
    )
    db.session.add(period)
    detail = f"{reference}: {period.first_month:%Y-%m} to {period.last_month:%Y-%m}" + (f" ({note})" if note else "")
    record(sub, "paid", actor=actor, detail=detail)
    if sub.status is S.PENDING_PAYMENT:
        address_book.remember_address(sub)  # the address they subscribed with fills the checkout
    if sub.status in (S.PENDING_PAYMENT, S.ARREARS):
        transition(sub, S.ACTIVE, actor=actor, reason=f"payment {reference}")
    db.session.flush()
    return period


def skipped_months(sub: Subscription) -> set[date]:
    if sub.id is None:
        return set()
    query = select(Edition.month).join(Skip, Skip.edition_id == Edition.id).where(Skip.subscription_id == sub.id)
    return set(db.session.scalars(query))


def _not_skipped(month: date, skipped: set[date]) -> date:
    while month in skipped:
        month = add_months(month, 1)
    return month


def next_unpaid_month(sub: Subscription) -> date:
    """The first edition month no payment covers yet (and not skipped): what the next
    renewal pays for, unless it is already too late for that month's box."""
    last = max((p.last_month for p in sub.periods), default=None)
    return _not_skipped(add_months(last, 1) if last else sub.first_month, skipped_months(sub))


def month_for_payment(sub: Subscription, paid_at: datetime) -> date:
    """The first box a payment made at `paid_at` pays for: the next unpaid box, or, if that
    box's cutoff has passed (a late first payment, arrears paid after the cutoff, a
    subscription resumed after months), the first box still open at `paid_at`. So a payment
    never buys a box that can no longer be packed."""
    return _not_skipped(max(next_unpaid_month(sub), first_box_month(paid_at)), skipped_months(sub))


@dataclass(frozen=True)
class NextPayment:
    month: date  # the first box it pays for
    due_at: datetime  # when it is taken (billing_at(month)); in the past when overdue

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at <= now


def next_payment(sub: Subscription, now: datetime | None = None) -> NextPayment | None:
    """The renewal still to come, or None when nothing more will be charged: a gift, a
    paused, ended or unpaid-checkout subscription, or one set to end after its paid boxes."""
    if not sub.plan.renews or sub.cancel_at_period_end or sub.status not in (S.ACTIVE, S.ARREARS):
        return None
    month = month_for_payment(sub, now or utcnow())
    return NextPayment(month, billing_at(month))


def paid_months(sub: Subscription) -> list[date]:
    months = []
    for period in sub.periods:
        month = period.first_month
        while month <= period.last_month:
            months.append(month)
            month = add_months(month, 1)
    return months


def boxes_bought(sub: Subscription, period: PaidPeriod) -> list[date]:
    """The boxes one payment pays for: its months, less the ones skipped."""
    skipped = skipped_months(sub)
    months, month = [], period.first_month
    while month <= period.last_month:
        if month not in skipped:
            months.append(month)
        month = add_months(month, 1)
    return months


def shipped_months(sub: Subscription) -> set[date]:
    query = (
        select(Edition.month)
        .join(Shipment, Shipment.edition_id == Edition.id)
        .where(Shipment.subscription_id == sub.id)
    )
    return set(db.session.scalars(query))


def upcoming_boxes(sub: Subscription, now: datetime | None = None) -> list[date]:
    """Boxes paid for and not shipped yet, from this month on, in order."""
    this_month = month_of(now or utcnow())
    done = shipped_months(sub) | skipped_months(sub)
    return [m for m in paid_months(sub) if m >= this_month and m not in done]


def is_packed(edition: Edition) -> bool:
    """The edition's box run has been done: its parcels are being packed."""
    return db.session.scalar(select(BoxRun.id).where(BoxRun.edition_id == edition.id).limit(1)) is not None


def packed_refusal(sub: Subscription, edition: Edition, doing: str = "skipped") -> str | None:
    """Why `edition` can no longer be `doing` for `sub` once its box run is done (or its parcel
    exists), even if an admin has since moved the cutoff later; None while it still can."""
    has_parcel = sub.id is not None and db.session.scalar(
        select(Shipment.id).where(Shipment.subscription_id == sub.id, Shipment.edition_id == edition.id)
    )
    if has_parcel or is_packed(edition):
        return f"The {edition.month:%B %Y} box has been packed already, so it can no longer be {doing}."
    return None


def skip(sub: Subscription, edition: Edition, *, actor: str, now: datetime | None = None) -> Skip:
    """Skip one box before its cutoff. A box already paid for is not lost: the paid period
    it sat in (and any later one) moves one month later, so the customer still gets every
    box they paid for."""
    now = now or utcnow()
    if sub.status is not S.ACTIVE:
        raise SubscriptionError("Only an active subscription can skip a box.")
    if now > edition.cutoff_at:
        raise SubscriptionError(f"The {edition.month:%B} box has passed its cutoff and can no longer be skipped.")
    if refusal := packed_refusal(sub, edition):
        raise SubscriptionError(refusal)
    if edition.month < sub.first_month:
        raise SubscriptionError("That box is before your first box.")
    if db.session.scalar(select(Skip.id).filter_by(subscription_id=sub.id, edition_id=edition.id)):
        raise SubscriptionError(f"You have already skipped the {edition.month:%B %Y} box.")
    for period in sub.periods:
        if period.first_month > edition.month:
            period.first_month = add_months(period.first_month, 1)
            period.last_month = add_months(period.last_month, 1)
        elif period.last_month >= edition.month:
            period.last_month = add_months(period.last_month, 1)
    row = Skip(subscription_id=sub.id, edition_id=edition.id)
    db.session.add(row)
    record(sub, "skip", actor=actor, detail=edition.code)
    db.session.flush()
    return row


def unskip(sub: Subscription, edition: Edition, *, actor: str, now: datetime | None = None) -> None:
    """Take a skip back until the box's cutoff: the exact reverse of skip(), so the paid
    periods it moved a month later move back and the box is sent after all."""
    now = now or utcnow()
    row = db.session.scalar(select(Skip).filter_by(subscription_id=sub.id, edition_id=edition.id))
    if row is None:
        raise SubscriptionError(f"The {edition.month:%B %Y} box is not skipped.")
    if sub.status is S.ENDED:
        raise SubscriptionError("This subscription has ended.")
    if now > edition.cutoff_at:
        raise SubscriptionError(
            f"The {edition.month:%B} box has passed its cutoff, so the skip can no longer be undone."
        )
    if edition.month in shipped_months(sub):
        raise SubscriptionError(f"The {edition.month:%B} box is already being packed.")
    for period in sub.periods:
        if period.first_month > edition.month:
            period.first_month = add_months(period.first_month, -1)
            period.last_month = add_months(period.last_month, -1)
        elif period.last_month >= edition.month:
            period.last_month = add_months(period.last_month, -1)
    db.session.delete(row)
    record(sub, "unskip", actor=actor, detail=edition.code)
    db.session.flush()


def pause(sub: Subscription, *, actor: str) -> None:
    """Stop collecting renewals. Boxes already paid for still ship."""
    transition(sub, S.PAUSED, actor=actor, reason="paused by request")


def resume(sub: Subscription, *, actor: str) -> None:
    transition(sub, S.ACTIVE, actor=actor, reason="resumed")


def mark_arrears(sub: Subscription, *, actor: str, reason: str) -> bool:
    """A renewal failed. Returns False (and changes nothing) if it is not active."""
    if sub.status is not S.ACTIVE:
        return False
    transition(sub, S.ARREARS, actor=actor, reason=reason)
    return True


def cancel_at_period_end(sub: Subscription, *, actor: str, reason: str | None = None, note: str = "") -> None:
    """`reason`: a churn.REASONS code the subscriber chose (optional), `note` their words."""
    if sub.status is S.ENDED:
        raise SubscriptionError("This subscription has already ended.")
    if sub.cancel_at_period_end:
        raise SubscriptionError("This subscription is already set to end after its paid boxes.")
    sub.cancel_at_period_end = True
    sub.cancel_reason, sub.cancel_note = reason or None, (note or "").strip()[:300] or None
    why = f"; reason: {reason}" + (f" ({sub.cancel_note})" if sub.cancel_note else "") if reason else ""
    record(sub, "cancel", actor=actor, detail=f"ends after the last paid box{why}")
    db.session.flush()


def keep(sub: Subscription, *, actor: str) -> None:
    """Take back a cancellation before the subscription has ended: renewals go on."""
    if sub.status is S.ENDED:
        raise SubscriptionError("This subscription has already ended: subscribe again to restart it.")
    if not sub.cancel_at_period_end:
        raise SubscriptionError("This subscription is not cancelled.")
    sub.cancel_at_period_end = False
    sub.cancel_reason = sub.cancel_note = None  # no longer a reason anyone left (the event keeps it)
    record(sub, "keep", actor=actor, detail="cancellation taken back")
    db.session.flush()


def end(sub: Subscription, *, actor: str, reason: str) -> bool:
    if sub.status is S.ENDED:
        return False
    transition(sub, S.ENDED, actor=actor, reason=reason)
    return True
