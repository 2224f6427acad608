"""Small helpers for account tests: users, signing in, reading the emailed links."""

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Flask

from shop.accounts.models import Address, User
from shop.accounts.passwords import hash_password
from shop.core.addresses import PostalAddress
from shop.db_types import utcnow
from shop.extensions import db

PASSWORD = "correct horse battery"


def make_user(
    email: str = "min-ji@example.com", password: str = PASSWORD, *, confirmed: bool = True, name: str = "Min-ji Kim"
) -> User:
    """A user (call inside an app context); returns it committed."""
    user = User(
        email=email.lower(),
        name=name,
        password_hash=hash_password(password),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_address(user: User, *, is_default: bool = False, **overrides) -> Address:
    values = dict(name="Min-ji Kim", line1="1 Tea Street", city="Leeds", postcode="LS1 1AA", country="GB")
    values.update(overrides)
    address = Address(user=user, is_default=is_default)
    address.postal_address = PostalAddress.of(**values)
    db.session.add(address)
    db.session.commit()
    return address


def sign_in(client, email: str = "min-ji@example.com", password: str = PASSWORD, remember: bool = False):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/account/sign-in", data=data)


def outbox(app: Flask) -> list:
    """Every email written to the outbox, oldest first, as EmailMessage objects."""
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    if not folder.exists():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns)
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in paths]


def emails_to(app: Flask, address: str, subject_contains: str = "") -> list:
    return [m for m in outbox(app) if m["To"] == address and subject_contains in m["Subject"]]


def link_in(message) -> str:
    """The first shop link in the text part, as a path (the test client needs no host)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://localhost(/\S+)", text)
    assert match, f"no link in: {text}"
    return match.group(1)


def confirm_registration(app: Flask, client, email: str):
    """Open the confirmation link the shop emailed after registering, in the same browser,
    which signs the new customer in; returns the response (a redirect onwards)."""
    [message] = emails_to(app, email, "Confirm your email")
    return client.post(link_in(message))
