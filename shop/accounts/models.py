"""Customers and their saved addresses."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.addresses import AddressColumns
from ..db_types import utcnow
from ..extensions import db

# What replaces a person's details on the records kept after their account is deleted.
ANONYMISED_NAME = "Deleted customer"
ANONYMISED_EMAIL = "deleted-customer@anonymised.invalid"
ANONYMISED_LINE = "[removed]"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    """A customer (or, with is_admin, someone who runs the shop).

    `email` is stored normalised (trimmed, lower case), so the unique constraint is
    case-insensitive on every database. The session and the "remember me" cookie carry
    the token of one of the user's LoginSessions, never the id.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    addresses: Mapped[list["Address"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by=lambda: address_order()
    )

    login_sessions: Mapped[list["LoginSession"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # The LoginSession this request is signed in with (set when it is opened or loaded).
    session_token = None

    def get_id(self) -> str:  # Flask-Login: what the session and remember cookie hold
        if not self.session_token:
            raise RuntimeError("Open a login session (accounts.services.open_session) before signing in")
        return self.session_token

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def default_address(self) -> "Address | None":
        return next((a for a in self.addresses if a.is_default), None)


class LoginSession(db.Model):
    """One signed-in browser. Signing out deletes its row, so a copy of its cookie taken
    before is worth nothing after; "sign out everywhere" and a new password delete them all."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="login_sessions")


class Address(AddressColumns, db.Model):
    """A saved delivery address, owned by one customer. At most one is the default. The
    postal address is the shop's one shape (the ship_* columns)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="addresses")

    def as_lines(self) -> list[str]:
        return self.postal_address.lines()


def address_order() -> tuple:
    """How a customer's addresses are listed: the default first, then oldest first."""
    return Address.is_default.desc(), Address.id
