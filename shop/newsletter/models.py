import enum
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import enum_by_value, utcnow
from ..extensions import db


class SubscriberStatus(enum.Enum):
    PENDING = "pending"  # signed up, the confirmation link not clicked yet
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class NewsletterSubscriber(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-case
    status: Mapped[SubscriberStatus] = mapped_column(
        enum_by_value(SubscriberStatus), default=SubscriberStatus.PENDING, index=True
    )
    source: Mapped[str] = mapped_column(String(40), default="")  # where they signed up: footer, post
    # The confirmation link's token (a new one at each sign-up) and the unsubscribe link's.
    confirm_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirm_sent_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    unsubscribed_at: Mapped[datetime | None]
