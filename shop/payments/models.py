"""The Stripe event log: every webhook event id the shop has acted on, once.

The row is inserted in the same transaction as the event's effect, under a UNIQUE
constraint on `event_id`: a second delivery of the same event (a retry, or two
deliveries racing) fails to insert, rolls back and has no second effect.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import utcnow
from ..extensions import db


class ProcessedStripeEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)  # Stripe's evt_...
    type: Mapped[str] = mapped_column(String(100))  # e.g. checkout.session.completed
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the event was about, when the shop knows: lets charge.refunded (which carries
    # only the payment intent) find its order without calling Stripe, and gives support
    # a per-order trail of what Stripe said.
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order.id"), index=True)
    payment_intent: Mapped[str | None] = mapped_column(String(255), index=True)
