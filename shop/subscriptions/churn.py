"""Why subscribers leave: the reasons a cancellation may give, and the figures the back
office groups churn by. The reason is optional; it is stored on the subscription while it
is cancelled (a subscriber who keeps their subscription takes it back) and written in the
`cancel` event for the history."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from .models import Subscription, SubscriptionEvent
from .models import SubscriptionStatus as S

OTHER = "other"
# code -> what the subscriber reads on the cancel page; the codes are stored, so keep them.
REASONS: dict[str, str] = {
    "too_expensive": "It costs more than I want to spend",
    "too_much": "I get more than I can use",
    "not_for_me": "The boxes aren't to my taste",
    "delivery": "Delivery took too long or went wrong",
    "was_temporary": "I only wanted it for a while",
    OTHER: "Something else",
}
NOT_GIVEN = "not_given"


def label(code: str | None) -> str:
    return REASONS.get(code or "", "No reason given")


@dataclass(frozen=True)
class ChurnReason:
    code: str  # a key of REASONS, or NOT_GIVEN
    label: str
    count: int
    notes: list[str]  # what "something else" said, newest first


def churn_reasons(since: datetime, until: datetime | None = None) -> list[ChurnReason]:
    """Cancellations made in [since, until) that still stand (the subscription is ending or
    has ended, not kept), grouped by reason, most common first."""
    window = [SubscriptionEvent.kind == "cancel", SubscriptionEvent.created_at >= since]
    if until is not None:
        window.append(SubscriptionEvent.created_at < until)
    cancelled = select(SubscriptionEvent.subscription_id).where(*window)
    stands = (Subscription.cancel_at_period_end.is_(True)) | (Subscription.status == S.ENDED)
    rows = db.session.execute(
        select(Subscription.cancel_reason, Subscription.cancel_note)
        .where(Subscription.id.in_(cancelled), stands)
        .order_by(Subscription.id.desc())
    ).all()
    counts: dict[str, int] = {}
    notes: dict[str, list[str]] = {}
    for code, note in rows:
        key = code if code in REASONS else NOT_GIVEN
        counts[key] = counts.get(key, 0) + 1
        if note:
            notes.setdefault(key, []).append(note)
    return sorted(
        (ChurnReason(code, label(code), count, notes.get(code, [])) for code, count in counts.items()),
        key=lambda r: (-r.count, r.code),
    )


def offered_alternatives(sub: Subscription) -> bool:
    """Whether this subscriber has already been offered a skip or a pause instead of leaving
    (it is offered once)."""
    query = select(func.count()).where(
        SubscriptionEvent.subscription_id == sub.id, SubscriptionEvent.kind == "retention_offer"
    )
    return bool(db.session.scalar(query))
