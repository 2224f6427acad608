"""POST /webhooks/stripe with payloads signed by stripe.WebhookSignature.generate_signature_header:
signature checks, the event log, and one sensible effect for repeated and out-of-order events."""

import threading
import time
from email import message_from_bytes
from pathlib import Path

import pytest
import stripe
from sqlalchemy import func, insert, select

from shop.catalog.models import Variant
from shop.db_types import utcnow
from shop.extensions import db
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments.models import ProcessedStripeEvent
from shop.payments.stripe_gateway import StripeGateway

from .commerce import items, place
from .stripe_support import (  # noqa: F401
    SECRET_KEY,
    WEBHOOK_SECRET,
    RecordingHTTPClient,
    checkout_session,
    event,
    new_id,
    no_internet,
    refunded_charge,
    signed,
)

pytestmark = pytest.mark.usefixtures("no_internet")

URL = "/webhooks/stripe"


@pytest.fixture
def http():
    return RecordingHTTPClient()


@pytest.fixture
def shop(seeded, http):
    seeded.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_HTTP_CLIENT=http,
        STRIPE_MAX_RETRIES=0,
    )
    return seeded


@pytest.fixture
def client(shop):
    return shop.test_client()


def placed_order(app, country="DE", **cart) -> int:
    """A pending order paid through Stripe: placed, an attempt begun, its Checkout Session created."""
    with app.app_context():
        order = place(items(**(cart or {"MASK_MIX_7": 2})), country)
        attempt = orders.begin_payment_attempt(order, provider="stripe")
        redirect = StripeGateway.from_config(app.config).start_order_payment(
            order, attempt=attempt, success_url="http://localhost/ok", cancel_url="http://localhost/cancel"
        )
        orders.record_payment_reference(order, redirect.reference)
        db.session.commit()
        return order.id


def state(app, order_id: int) -> dict:
    with app.app_context():
        order = db.session.get(Order, order_id)
        return {
            "status": order.status,
            "reference": order.payment_reference,
            "moves": [e.to_status for e in order.events if e.kind == "status"],
            "kinds": [e.kind for e in order.events],
            "refunds": [e.amount_pence for e in order.events if e.kind == "refund"],
            "stock": {line.sku: db.session.get(Variant, line.variant_id).stock for line in order.lines},
            "logged": db.session.scalar(
                select(func.count()).select_from(ProcessedStripeEvent).where(ProcessedStripeEvent.order_id == order_id)
            ),
        }


def session_for(app, order_id: int, **kwargs) -> dict:
    with app.app_context():
        return checkout_session(db.session.get(Order, order_id), **kwargs)


def deliver(client, payload, **sign):
    body, headers = signed(payload, **sign)
    return client.post(URL, data=body, headers=headers)


def outbox(app) -> list:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def event_rows(app) -> list[tuple[str, str]]:
    with app.app_context():
        return db.session.execute(select(ProcessedStripeEvent.event_id, ProcessedStripeEvent.type)).all()


# -- the signature ------------------------------------------------------------------------


def test_a_signed_completed_session_pays_the_order_and_emails_the_customer(shop, client):
    order_id = placed_order(shop)
    before = state(shop, order_id)
    completed = event("checkout.session.completed", session_for(shop, order_id, payment_intent="pi_test_1"))

    response = deliver(client, completed)

    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "paid"}
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.PAID
    assert after["moves"] == ["pending_payment", "paid"]
    assert after["stock"] == before["stock"]  # still reserved: it is sold
    with shop.app_context():
        row = db.session.scalar(select(ProcessedStripeEvent))
        assert (row.event_id, row.type, row.order_id, row.payment_intent) == (
            completed["id"],
            "checkout.session.completed",
            order_id,
            "pi_test_1",
        )
    [mail] = outbox(shop)
    assert mail["To"] == "buyer@example.com"
    assert "order" in mail["Subject"].lower()


def test_the_webhook_needs_no_csrf_token_but_a_signature(shop):
    shop.config["WTF_CSRF_ENABLED"] = True
    order_id = placed_order(shop)
    response = deliver(shop.test_client(), event("checkout.session.completed", session_for(shop, order_id)))
    assert response.status_code == 200
    assert state(shop, order_id)["status"] is OrderStatus.PAID


def test_a_timestamp_a_little_ahead_of_our_clock_is_accepted(shop, client):
    order_id = placed_order(shop)
    body, headers = signed(
        event("checkout.session.completed", session_for(shop, order_id)), timestamp=int(time.time()) + 60
    )
    assert client.post(URL, data=body, headers=headers).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda payload: signed(payload, secret="whsec_someone_else"), id="wrong-secret"),
        pytest.param(lambda payload: signed(payload, timestamp=int(time.time()) - 600), id="stale-timestamp"),
        pytest.param(lambda payload: signed(payload, timestamp=int(time.time()) + 3600), id="future-timestamp"),
        pytest.param(lambda payload: (signed(payload)[0], {"Content-Type": "application/json"}), id="no-signature"),
        pytest.param(
            lambda payload: (signed(payload)[0].replace('"paid"', '"PAID"'), signed(payload)[1]),
            id="body-changed-after-signing",
        ),
    ],
)
def test_a_bad_signature_is_refused_with_no_effect(shop, client, tamper):
    order_id = placed_order(shop)
    body, headers = tamper(event("checkout.session.completed", session_for(shop, order_id)))

    response = client.post(URL, data=body, headers=headers)

    assert response.status_code == 400
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT
    assert event_rows(shop) == []
    assert outbox(shop) == []


@pytest.mark.parametrize("body", ["{not json", "[]", '{"id": "evt_1", "type": "checkout.session.completed"}', "\xff"])
def test_a_malformed_body_is_refused_even_when_signed(shop, client, body):
    response = deliver(client, body)
    assert response.status_code == 400
    assert event_rows(shop) == []


def test_without_a_webhook_secret_nothing_is_accepted(shop, client):
    shop.config["STRIPE_WEBHOOK_SECRET"] = ""
    order_id = placed_order(shop)
    response = deliver(client, event("checkout.session.completed", session_for(shop, order_id)))
    assert response.status_code == 400
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT


def test_only_post_is_answered(client):
    assert client.get(URL).status_code == 405


# -- repeats and order ---------------------------------------------------------------------


def test_the_same_event_three_times_has_one_effect(shop, client):
    order_id = placed_order(shop)
    completed = event("checkout.session.completed", session_for(shop, order_id))

    outcomes = [deliver(client, completed).get_json()["outcome"] for _ in range(3)]

    assert outcomes == ["paid", "duplicate", "duplicate"]
    after = state(shop, order_id)
    assert after["moves"] == ["pending_payment", "paid"]
    assert event_rows(shop) == [(completed["id"], "checkout.session.completed")]
    assert len(outbox(shop)) == 1


def test_two_deliveries_racing_have_one_effect(shop, client, real_commits):
    """The other delivery holds the event id in an open transaction; this one waits on the
    unique constraint, then finds it taken, rolls back and answers 200 with no effect."""
    order_id = placed_order(shop)
    completed = event("checkout.session.completed", session_for(shop, order_id))
    answers = {}
    with shop.app_context():
        with db.engine.connect() as other:
            transaction = other.begin()
            other.execute(
                insert(ProcessedStripeEvent).values(
                    event_id=completed["id"], type=completed["type"], received_at=utcnow()
                )
            )
            racer = threading.Thread(target=lambda: answers.update(response=deliver(shop.test_client(), completed)))
            racer.start()
            time.sleep(0.5)
            assert racer.is_alive(), "the second delivery should wait for the first one's transaction"
            transaction.commit()
        racer.join(timeout=20)
    assert answers["response"].status_code == 200
    assert answers["response"].get_json()["outcome"] == "duplicate"
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT  # the racer applied nothing
    assert len(event_rows(shop)) == 1


def test_expired_then_completed_keeps_the_order_expired_and_flags_the_late_payment(shop, client):
    order_id = placed_order(shop, MASK_MIX_7=2)
    reserved = state(shop, order_id)["stock"]["MASK-MIX-7"]

    assert (
        deliver(
            client,
            event("checkout.session.expired", session_for(shop, order_id, status="expired", payment_status="unpaid")),
        ).status_code
        == 200
    )
    expired = state(shop, order_id)
    assert expired["status"] is OrderStatus.EXPIRED
    assert expired["stock"]["MASK-MIX-7"] == reserved + 2  # released

    response = deliver(client, event("checkout.session.completed", session_for(shop, order_id)))

    assert response.get_json()["outcome"] == "no change: order is expired"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.EXPIRED
    assert after["stock"]["MASK-MIX-7"] == reserved + 2
    assert after["kinds"].count("late_payment") == 1  # the money needs refunding
    assert outbox(shop) == []


def test_completed_then_expired_keeps_the_order_paid(shop, client):
    order_id = placed_order(shop, MASK_MIX_7=2)
    deliver(client, event("checkout.session.completed", session_for(shop, order_id)))
    paid = state(shop, order_id)

    response = deliver(client, event("checkout.session.expired", session_for(shop, order_id, status="expired")))

    assert response.status_code == 200
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.PAID
    assert after["moves"] == ["pending_payment", "paid"]
    assert after["stock"] == paid["stock"]
    assert after["logged"] == 2


def test_an_earlier_attempts_session_expiring_leaves_the_current_attempt_alone(shop, client):
    order_id = placed_order(shop)
    first_session = state(shop, order_id)["reference"]
    with shop.app_context():  # the customer came back and tried again: attempt 2, a new session
        order = db.session.get(Order, order_id)
        attempt = orders.begin_payment_attempt(order, provider="stripe")
        redirect = StripeGateway.from_config(shop.config).start_order_payment(
            order, attempt=attempt, success_url="http://localhost/ok", cancel_url="http://localhost/cancel"
        )
        orders.record_payment_reference(order, redirect.reference)
        db.session.commit()

    response = deliver(
        client,
        event("checkout.session.expired", session_for(shop, order_id, session_id=first_session, status="expired")),
    )

    assert response.get_json()["outcome"] == "ignored: an earlier payment attempt"
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT


def test_unpaid_completion_waits_for_the_async_payment(shop, client):
    order_id = placed_order(shop)

    first = deliver(client, event("checkout.session.completed", session_for(shop, order_id, payment_status="unpaid")))
    assert first.get_json()["outcome"] == "waiting: payment not yet settled"
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT
    assert outbox(shop) == []

    second = deliver(client, event("checkout.session.async_payment_succeeded", session_for(shop, order_id)))
    assert second.get_json()["outcome"] == "paid"
    assert state(shop, order_id)["status"] is OrderStatus.PAID
    assert len(outbox(shop)) == 1


def test_a_failed_async_payment_cancels_the_order_and_releases_the_stock(shop, client):
    order_id = placed_order(shop, MASK_MIX_7=3)
    reserved = state(shop, order_id)["stock"]["MASK-MIX-7"]
    deliver(client, event("checkout.session.completed", session_for(shop, order_id, payment_status="unpaid")))

    response = deliver(
        client, event("checkout.session.async_payment_failed", session_for(shop, order_id, payment_status="unpaid"))
    )

    assert response.get_json()["outcome"] == "cancelled"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.CANCELLED
    assert after["stock"]["MASK-MIX-7"] == reserved + 3


def test_a_session_that_charged_another_amount_does_not_pay_the_order(shop, client):
    order_id = placed_order(shop)
    with shop.app_context():
        total = db.session.get(Order, order_id).total_pence
    response = deliver(client, event("checkout.session.completed", session_for(shop, order_id, amount_total=total - 1)))
    assert response.get_json()["outcome"] == "refused: amount differs from the order"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.PENDING_PAYMENT
    assert after["kinds"].count("payment_mismatch") == 1  # flagged for the staff to check and refund


def test_an_event_for_an_order_of_another_shop_is_acknowledged_and_ignored(shop, client):
    order_id = placed_order(shop)
    session = session_for(shop, order_id)
    session["metadata"]["order_number"] = "IMK-ELSEWHERE"
    session["id"] = new_id("cs")
    response = deliver(client, event("checkout.session.completed", session))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored: no order"
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT


def test_an_unknown_event_is_recorded_and_acknowledged(shop, client):
    unknown = event("customer.created", {"id": "cus_1", "object": "customer"})
    response = deliver(client, unknown)
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored: unhandled event type"
    assert event_rows(shop) == [(unknown["id"], "customer.created")]


# -- refunds -------------------------------------------------------------------------------


def test_a_full_refund_marks_a_paid_order_refunded(shop, client, http):
    order_id = placed_order(shop)
    deliver(client, event("checkout.session.completed", session_for(shop, order_id, payment_intent="pi_test_full")))
    with shop.app_context():
        total = db.session.get(Order, order_id).total_pence

    charge = refunded_charge(payment_intent="pi_test_full", amount=total, amount_refunded=total)
    response = deliver(client, event("charge.refunded", charge))

    assert response.get_json()["outcome"] == f"refund of {total} recorded"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.REFUNDED
    assert after["refunds"] == [total]
    assert http.calls("GET", "/v1/payment_intents/pi_test_full") == []  # found through the event log


def test_partial_refunds_add_up_once_each_whatever_the_order_they_arrive_in(shop, client):
    order_id = placed_order(shop)
    deliver(client, event("checkout.session.completed", session_for(shop, order_id, payment_intent="pi_test_part")))
    with shop.app_context():
        total = db.session.get(Order, order_id).total_pence
    first = event("charge.refunded", refunded_charge(payment_intent="pi_test_part", amount=total, amount_refunded=500))
    second = event(
        "charge.refunded", refunded_charge(payment_intent="pi_test_part", amount=total, amount_refunded=total)
    )

    assert deliver(client, first).get_json()["outcome"] == "refund of 500 recorded"
    assert state(shop, order_id)["status"] is OrderStatus.PAID  # partial: an event only
    deliver(client, first)  # a repeat
    assert deliver(client, second).get_json()["outcome"] == f"refund of {total - 500} recorded"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.REFUNDED
    assert after["refunds"] == [500, total - 500]

    late_copy = event(
        "charge.refunded", refunded_charge(payment_intent="pi_test_part", amount=total, amount_refunded=500)
    )
    assert deliver(client, late_copy).get_json()["outcome"] == "no change: order is refunded"
    assert state(shop, order_id)["refunds"] == [500, total - 500]


def test_a_refund_that_overtakes_the_completed_event_still_ends_refunded(shop, client, http):
    order_id = placed_order(shop)
    with shop.app_context():
        order = db.session.get(Order, order_id)
        total, number = order.total_pence, order.number
    # The first the shop hears of this payment intent: it asks Stripe whose it is.
    http.payment_intent_metadata["pi_test_early"] = {"order_id": str(order_id), "order_number": number}

    refund = deliver(
        client,
        event("charge.refunded", refunded_charge(payment_intent="pi_test_early", amount=total, amount_refunded=total)),
    )
    completed = deliver(
        client, event("checkout.session.completed", session_for(shop, order_id, payment_intent="pi_test_early"))
    )

    assert refund.get_json()["outcome"] == f"paid, refund of {total} recorded"
    assert completed.get_json()["outcome"] == "no change: order is refunded"
    after = state(shop, order_id)
    assert after["status"] is OrderStatus.REFUNDED
    assert after["moves"] == ["pending_payment", "paid", "refunded"]
    assert [r.path for r in http.calls("GET", "/v1/payment_intents/pi_test_early")] == [
        "/v1/payment_intents/pi_test_early"
    ]
    assert outbox(shop) == []  # no "thank you for your order" for an order already refunded


def test_a_refund_for_a_payment_the_shop_does_not_know_is_acknowledged(shop, client, http):
    http.payment_intent_metadata["pi_test_other"] = {}
    response = deliver(
        client,
        event("charge.refunded", refunded_charge(payment_intent="pi_test_other", amount=1000, amount_refunded=1000)),
    )
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored: no order"


def test_a_subscription_session_is_left_to_the_subscription_handlers(shop, client):
    order_id = placed_order(shop)
    session = session_for(shop, order_id)
    session["mode"] = "subscription"
    response = deliver(client, event("checkout.session.completed", session))
    assert response.get_json()["outcome"] == "ignored: no handler for subscription sessions"
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT


def test_when_stripe_cannot_be_asked_the_event_is_not_recorded_so_stripe_retries_it(shop, client, http):
    order_id = placed_order(shop)

    def down(req):
        raise stripe.APIConnectionError("Connection refused", should_retry=False)

    http.routes[("GET", r"/v1/payment_intents/(?P<id>[^/]+)")] = down
    refund = event(
        "charge.refunded", refunded_charge(payment_intent="pi_test_unknown", amount=1000, amount_refunded=1000)
    )

    # In production Flask answers 500 (Stripe retries for days); tests propagate the error.
    with pytest.raises(stripe.APIConnectionError):
        deliver(client, refund)

    assert event_rows(shop) == []  # rolled back: the retry will be processed
    assert state(shop, order_id)["status"] is OrderStatus.PENDING_PAYMENT
