"""Links and redirects the browser follows stay on the site the customer is using; only
emailed links are built on SHOP_BASE_URL."""

from datetime import UTC, datetime

import time_machine

from shop.extensions import db
from shop.notifications import email_link
from shop.subscriptions import lifecycle

from .subscriptions.account_support import (
    JAN,
    PORTAL,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_checkout_views import add, checkout_to_review, start_payment

HOST = "shop.example.test:8000"


def on_other_host(client):
    """Every request of this client goes to HOST, as a browser on that address would."""
    open_ = client.open

    def open_on_host(*args, **kwargs):
        kwargs.setdefault("base_url", f"http://{HOST}")
        return open_(*args, **kwargs)

    client.open = open_on_host
    return client


def test_the_card_page_comes_back_to_the_host_in_use_with_its_message(seeded, client):
    with seeded.app_context():
        assert HOST not in seeded.config["SHOP_BASE_URL"]
        sub_id = owned_subscription(first_month=JAN, provider="demo")
        lifecycle.mark_arrears(load(sub_id), actor="test", reason="card declined")
        db.session.commit()
    client = on_other_host(client)
    with time_machine.travel(datetime(2027, 2, 3, 12, tzinfo=UTC), tick=False):
        signed_in(client)
        card_page = client.get(f"/account/subscriptions/{sub_id}/card", follow_redirects=True)
        assert card_page.status_code == 200
        paid = client.post(
            card_page.request.path, data={"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"}
        )
        assert paid.status_code == 303
        assert paid.location == f"http://{HOST}/account/subscriptions/{sub_id}"
        back = client.get(paid.location)
    assert "the overdue payment is paid" in back.text


def test_the_stripe_portal_returns_to_the_host_in_use(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN)
    client = on_other_host(client)
    signed_in(client)
    response = client.get(f"/account/subscriptions/{sub_id}/card")
    assert response.status_code == 302 and response.location == PORTAL
    assert gateway.calls == [("card_update_url", sub_id, f"http://{HOST}/account/subscriptions/{sub_id}")]


def test_emailed_links_stay_on_shop_base_url(seeded):
    with seeded.test_request_context("/", base_url=f"http://{HOST}"):
        link = email_link("subscriber.manage", sub_id=1)
        assert link.startswith(seeded.config["SHOP_BASE_URL"].rstrip("/")) and HOST not in link


def test_checkout_payment_returns_to_the_host_in_use(seeded, client):
    client = on_other_host(client)
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    demo_url = start_payment(client)
    paid = client.post(demo_url, data={"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"})
    assert paid.status_code == 303 and paid.location.startswith(f"http://{HOST}/checkout/complete/")
    assert "Your order is confirmed" in client.get(paid.location).text
