"""Helpers for the subscriber's account pages: a subscription owned by a signed-in
customer, and a payment gateway that records what the provider was told."""

from datetime import date

import pytest

from shop.extensions import db
from shop.payments import PaymentError
from shop.subscriptions.models import Subscription

from ..accounts.factories import make_user, sign_in
from ..box_factories import make_edition, make_subscription

JAN, FEB, MAR, APR, MAY = (date(2027, m, 1) for m in (1, 2, 3, 4, 5))
OWNER = "subscriber@example.com"
PORTAL = "https://billing.example.test/portal/session_1"


class RecordingGateway:
    """Stands in for the payment provider: records each call; `refuse` makes every call
    raise PaymentError with that message (the provider down or saying no)."""

    name = "demo"

    def __init__(self):
        self.calls: list[tuple] = []
        self.refuse: str | None = None

    def _told(self, *call):
        if self.refuse:
            raise PaymentError(self.refuse)
        self.calls.append(call)

    def reschedule(self, sub, due_at):
        self._told("reschedule", sub.id, due_at)

    def pause(self, sub):
        self._told("pause", sub.id)

    def resume(self, sub, due_at):
        self._told("resume", sub.id, due_at)

    def change_amount(self, sub, quote):
        self._told("change_amount", sub.id, quote.totals.total_pence)

    def cancel_at_period_end(self, sub):
        self._told("cancel_at_period_end", sub.id)

    def keep_renewing(self, sub):
        self._told("keep_renewing", sub.id)

    def card_update_url(self, sub, *, return_url):
        self._told("card_update_url", sub.id, return_url)
        return PORTAL


@pytest.fixture
def gateway(monkeypatch):
    recording = RecordingGateway()
    monkeypatch.setattr("shop.subscriptions.manage.get_gateway", lambda: recording)
    return recording


def owned_subscription(
    plan: str = "monthly",
    *,
    first_month: date = FEB,
    country: str = "GB",
    email: str = OWNER,
    editions=(JAN, FEB, MAR, APR, MAY),
    **extra,
) -> int:
    """In an app context: editions, a customer, and their paid subscription; returns its id."""
    for month in editions:
        make_edition(month, theme=f"Theme of {month:%B}")
    user = make_user(email)
    sub = make_subscription(plan, first_month=first_month, country=country, name="Min-ji Kim")
    sub.user_id = user.id
    for key, value in extra.items():
        setattr(sub, key, value)
    db.session.commit()
    return sub.id


def signed_in(client, email: str = OWNER):
    response = sign_in(client, email)
    assert response.status_code == 302, response.text[:300]
    return client


def load(sub_id: int) -> Subscription:
    db.session.expire_all()
    return db.session.get(Subscription, sub_id)
