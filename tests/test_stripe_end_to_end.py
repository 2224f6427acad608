"""The whole Stripe path offline: the shop and a local Stripe double each serve on a real
port on 127.0.0.1; the shop's StripeClient talks to the double (STRIPE_API_BASE), the
customer follows the redirect to the double's hosted page, pays, and the double delivers
a signed webhook over HTTP to the shop's /webhooks/stripe."""

import threading
from email import message_from_bytes
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from werkzeug.serving import make_server

from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments.gateway import PaymentError
from shop.payments.models import ProcessedStripeEvent
from shop.payments.stripe_gateway import StripeGateway

from .commerce import items, place, variant
from .stripe_double import StripeDouble
from .stripe_support import WEBHOOK_SECRET, no_internet  # noqa: F401

pytestmark = pytest.mark.usefixtures("no_internet")


@pytest.fixture
def double():
    double = StripeDouble(webhook_url="", webhook_secret=WEBHOOK_SECRET).start()
    yield double
    double.stop()


@pytest.fixture
def live_shop(seeded, double, real_commits):
    """The seeded shop on a real port, configured for Stripe through the double."""
    seeded.config.update(
        STRIPE_SECRET_KEY="sk_test_offline",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=double.base_url,
        STRIPE_TIMEOUT_SECONDS=2,
        STRIPE_MAX_RETRIES=0,
    )
    server = make_server("127.0.0.1", 0, seeded, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)  # quick shutdown
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    double.webhook_url = f"{base}/webhooks/stripe"
    yield base
    server.shutdown()
    thread.join()


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def test_the_gateway_pays_through_the_double_and_its_signed_webhook(seeded, live_shop, double):
    with seeded.app_context():
        order = place(items(MASK_MIX_7=2, MAG_001=1), "DE", discount_code="WELCOME10")
        attempt = orders.begin_payment_attempt(order, provider="stripe")
        redirect = StripeGateway.from_config(seeded.config).start_order_payment(
            order,
            attempt=attempt,
            success_url=f"{live_shop}/?session={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{live_shop}/cart",
        )
        orders.record_payment_reference(order, redirect.reference)
        db.session.commit()
        order_id, total, number = order.id, order.total_pence, order.number

    assert redirect.url == f"{double.base_url}/pay/{redirect.reference}"
    assert [(r["method"], r["path"], r["headers"].get("Idempotency-Key")) for r in double.requests] == [
        ("POST", "/v1/coupons", f"order-{order_id}-attempt-1-coupon"),
        ("POST", "/v1/checkout/sessions", f"order-{order_id}-attempt-1"),
    ]
    page = requests.get(redirect.url, timeout=5)
    assert f"{total / 100:.2f} GBP" in page.text  # the double charges exactly the order's total

    paid = requests.post(redirect.url, allow_redirects=False, timeout=10)

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"{live_shop}/?session={redirect.reference}"
    [delivery] = double.deliveries
    assert delivery["status"] == 200 and '"paid"' in delivery["reply"]
    with seeded.app_context():
        order = db.session.get(Order, order_id)
        assert order.status is OrderStatus.PAID
        assert order.payment_reference == redirect.reference
        assert db.session.query(ProcessedStripeEvent).one().event_id == delivery["event"]["id"]
    [mail] = outbox(seeded)
    assert mail["To"] == "buyer@example.com" and number in mail["Subject"]


def test_a_stripe_that_hangs_past_the_timeout_is_a_payment_error_and_the_order_stays_pending(seeded, live_shop, double):
    seeded.config["STRIPE_TIMEOUT_SECONDS"] = 0.3
    double.delay_seconds = 1.5
    with seeded.app_context():
        order = place(items(MASK_MIX_7=1), "GB")
        with pytest.raises(PaymentError) as raised:
            StripeGateway.from_config(seeded.config).start_order_payment(
                order, attempt=1, success_url=f"{live_shop}/ok", cancel_url=f"{live_shop}/cart"
            )
        assert "couldn't reach" in str(raised.value)
        db.session.refresh(order)
        assert order.status is OrderStatus.PENDING_PAYMENT


def test_a_customer_buys_through_checkout_and_the_stripe_double(seeded, live_shop, double):
    """Product → cart → /checkout (German address) → review → pay: the shop creates the
    Checkout Session on the double and redirects there; the customer pays on the double's
    hosted page; the double's signed webhook pays the order; the customer lands on the
    confirmation page and the email is in the outbox."""
    with seeded.app_context():
        mask = variant("MASK-MIX-7")
        mask_id, stock_before = mask.id, mask.stock
    browser = requests.Session()

    browser.post(f"{live_shop}/cart/add", data={"variant_id": mask_id, "quantity": 2}, timeout=10)
    entered = browser.post(
        f"{live_shop}/checkout",
        data={
            "email": "jana@example.de",
            "name": "Jana Müller",
            "line1": "Hauptstraße 5",
            "line2": "",
            "city": "Berlin",
            "postcode": "10115",
            "country": "DE",
            "discount_code": "",
        },
        allow_redirects=False,
        timeout=10,
    )
    assert entered.status_code == 302 and entered.headers["Location"].endswith("/checkout/review")
    paying = browser.post(f"{live_shop}/checkout/pay", allow_redirects=False, timeout=10)

    assert paying.status_code == 303
    session_url = paying.headers["Location"]
    assert session_url.startswith(f"{double.base_url}/pay/cs_double_")
    [created] = [r for r in double.requests if r["path"] == "/v1/checkout/sessions"]
    with seeded.app_context():
        order = db.session.scalar(select(Order))
        number, token, total = order.number, order.access_token, order.total_pence
        assert order.status is OrderStatus.PENDING_PAYMENT
        assert order.payment_reference == session_url.rsplit("/", 1)[-1]
    sent = created["params"]
    assert created["headers"]["Idempotency-Key"] == f"order-{order.id}-attempt-1"
    assert "shipping_address_collection" not in sent  # the customer typed the address once, in the shop
    assert sent["payment_intent_data"]["shipping"]["address"]["country"] == "DE"
    assert sent["payment_intent_data"]["shipping"]["name"] == "Jana Müller"
    assert sent["customer_email"] == "jana@example.de"
    assert sent["metadata"] == {"order_id": str(order.id), "order_number": number}
    assert sent["success_url"] == f"{live_shop}/checkout/complete/{number}?token={token}"
    assert [li["quantity"] for li in sent["line_items"]] == ["2"]

    hosted = browser.get(session_url, timeout=10)
    assert f"{total / 100:.2f} GBP" in hosted.text
    back = browser.post(session_url, allow_redirects=False, timeout=10)
    assert back.status_code == 303 and back.headers["Location"] == sent["success_url"]
    confirmation = browser.get(back.headers["Location"], timeout=10)

    assert confirmation.status_code == 200
    assert "Your order is confirmed" in confirmation.text and number in confirmation.text
    assert "Payment processing" not in confirmation.text
    [delivery] = double.deliveries
    assert delivery["event"]["type"] == "checkout.session.completed" and delivery["status"] == 200
    with seeded.app_context():
        order = db.session.scalar(select(Order))
        assert order.status is OrderStatus.PAID
        assert variant("MASK-MIX-7").stock == stock_before - 2
    [mail] = outbox(seeded)
    assert mail["To"] == "jana@example.de" and number in mail["Subject"]
    assert "Your cart is empty" in browser.get(f"{live_shop}/cart", timeout=10).text  # a paid order empties it
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_when_stripe_refuses_the_customer_is_told_and_keeps_the_cart_and_details(seeded, live_shop, double):
    seeded.config["STRIPE_SECRET_KEY"] = "rk_revoked_key"  # the double answers 401 like Stripe
    with seeded.app_context():
        mask_id = variant("MASK-MIX-7").id
    browser = requests.Session()
    browser.post(f"{live_shop}/cart/add", data={"variant_id": mask_id, "quantity": 1}, timeout=10)
    browser.post(
        f"{live_shop}/checkout",
        data={
            "email": "faye@example.co.uk",
            "name": "Faye Broadbent",
            "line1": "12 Tea Lane",
            "line2": "",
            "city": "Leeds",
            "postcode": "LS1 4AP",
            "country": "GB",
            "discount_code": "",
        },
        timeout=10,
    )

    paying = browser.post(f"{live_shop}/checkout/pay", timeout=10)

    assert paying.url == f"{live_shop}/checkout/review"
    assert "nothing has been charged" in paying.text and "401" not in paying.text
    assert "Faye Broadbent" in paying.text  # the typed details are still there
    assert [r["path"] for r in double.requests] == ["/v1/checkout/sessions"]
    assert double.deliveries == []
    with seeded.app_context():
        order = db.session.scalar(select(Order))
        assert order.status is OrderStatus.PENDING_PAYMENT and order.payment_reference is None
    assert "Your cart is empty" not in browser.get(f"{live_shop}/cart", timeout=10).text


def checkout_to_the_double(browser, live_shop, sku="MASK-MIX-7", quantity=1) -> str:
    """Cart → details (UK) → pay: returns the double's hosted page URL the shop redirected to."""
    item = variant(sku)
    browser.post(f"{live_shop}/cart/add", data={"variant_id": item.id, "quantity": quantity}, timeout=10)
    browser.post(
        f"{live_shop}/checkout",
        data={
            "email": "faye@example.co.uk",
            "name": "Faye Broadbent",
            "line1": "12 Tea Lane",
            "line2": "",
            "city": "Leeds",
            "postcode": "LS1 4AP",
            "country": "GB",
            "discount_code": "",
        },
        timeout=10,
    )
    paying = browser.post(f"{live_shop}/checkout/pay", allow_redirects=False, timeout=10)
    assert paying.status_code == 303
    return paying.headers["Location"]


def test_the_confirmation_page_says_processing_until_the_webhook_arrives(seeded, live_shop, double):
    browser = requests.Session()
    with seeded.app_context():
        session_url = checkout_to_the_double(browser, live_shop)
    double.hold_webhooks = True  # the customer is back before Stripe's webhook

    landing = browser.post(session_url, timeout=10)

    assert "Payment processing" in landing.text and 'http-equiv="refresh"' in landing.text
    assert "Your cart is empty" not in browser.get(f"{live_shop}/cart", timeout=10).text
    assert double.release() == [200]
    confirmed = browser.get(landing.url, timeout=10)
    assert "Your order is confirmed" in confirmed.text
    with seeded.app_context():
        assert db.session.scalar(select(Order)).status is OrderStatus.PAID


def test_an_abandoned_stripe_session_expires_the_order_and_releases_the_stock(seeded, live_shop, double):
    browser = requests.Session()
    with seeded.app_context():
        stock_before = variant("MASK-MIX-7").stock
        session_url = checkout_to_the_double(browser, live_shop, quantity=3)
        assert variant("MASK-MIX-7").stock == stock_before - 3  # reserved while the customer pays

    back = browser.post(f"{session_url}/expire", timeout=10)  # Stripe expires the session

    [delivery] = double.deliveries
    assert delivery["event"]["type"] == "checkout.session.expired" and delivery["status"] == 200
    with seeded.app_context():
        assert db.session.scalar(select(Order)).status is OrderStatus.EXPIRED
        assert variant("MASK-MIX-7").stock == stock_before
    assert back.status_code == 200 and "was not paid" in back.text  # Stripe's back link, after expiry
    assert "Your cart is empty" not in browser.get(f"{live_shop}/cart", timeout=10).text
