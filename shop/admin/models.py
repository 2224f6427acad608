"""The back office's own tables: what each admin did (the audit trail) and each admin's
second factor (an authenticator app's secret and the one-time recovery codes)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..db_types import utcnow
from ..extensions import db


class AdminAction(db.Model):
    """One thing an admin did, append-only. The admin's email is kept beside the id so the
    row still names them if the account is later removed."""

    __table_args__ = (
        # The audit page lists newest first, filtered by admin or by action.
        Index("ix_admin_action_admin_id_id", "admin_id", "id"),
        Index("ix_admin_action_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    admin_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60))  # e.g. "order.refund", "product.update"
    subject_type: Mapped[str | None] = mapped_column(String(40))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    admin: Mapped[User | None] = relationship()


class AdminSecondFactor(db.Model):
    """An admin's authenticator app. `secret` is the TOTP key, encrypted (see
    admin.second_factor); `confirmed_at` is set once the admin has typed a code from the
    app, and until then the factor is only being set up. `last_step` is the TOTP time step
    of the last code accepted: a code is good once."""

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdminRecoveryCode(db.Model):
    """A one-time code for an admin without their phone; only its SHA-256 is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]
