"""Culture Box webhooks: the events of a real Checkout subscription, signed and POSTed to
/webhooks/stripe in several orders and each twice, have exactly one effect; renewals,
failed payments, cancellations, gifts and expired sessions do what docs/culture-box.md says."""

from datetime import timedelta
from email import message_from_bytes
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop.core.calendar import add_months, billing_at, first_box_month
from shop.db_types import utcnow
from shop.extensions import db
from shop.orders.models import Order
from shop.subscriptions import box_run, lifecycle
from shop.subscriptions.models import Edition, Shipment, Subscription
from shop.subscriptions.models import SubscriptionStatus as S

from ..accounts.factories import make_user, sign_in
from ..accounts.factories import outbox as messages
from ..box_factories import make_edition, make_subscription
from ..stripe_support import SECRET_KEY, WEBHOOK_SECRET, event, new_id, signed, stripe_object
from .support import BillingHTTPClient, CheckoutSubscription

URL = "/webhooks/stripe"
MONTHLY_TO_CANADA = 2082 + 829


@pytest.fixture
def shop(seeded):
    seeded.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_HTTP_CLIENT=BillingHTTPClient(),
        STRIPE_MAX_RETRIES=0,
    )
    return seeded


@pytest.fixture
def client(shop):
    return shop.test_client()


@pytest.fixture
def first_month():
    return first_box_month(utcnow())


@pytest.fixture
def editions(shop, first_month):
    """The first box's edition and the two after it."""
    with shop.app_context():
        return [make_edition(add_months(first_month, n)).id for n in range(3)]


def checkout(
    shop, plan="monthly", country="CA", amount=MONTHLY_TO_CANADA, *, first_month=None
) -> tuple[int, CheckoutSubscription]:
    """A subscription pending payment, as the subscribe flow leaves it, and its Stripe objects."""
    with shop.app_context():
        sub = make_subscription(plan, first_month=first_month or first_box_month(utcnow()), country=country, paid=False)
        sub.provider = "stripe"
        db.session.commit()
        return sub.id, CheckoutSubscription(sub, amount)


def deliver(client, event_type: str, obj: dict, *, event_id: str | None = None) -> dict:
    body, headers = signed(event(event_type, obj, event_id=event_id))
    response = client.post(URL, data=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def state(shop, sub_id: int) -> dict:
    with shop.app_context():
        sub = db.session.get(Subscription, sub_id)
        return {
            "status": sub.status,
            "linked": (sub.provider, sub.provider_subscription_id, sub.provider_customer_id),
            "periods": [(p.reference, p.first_month, p.last_month, p.amount_pence) for p in sub.periods],
            "cancel_at_period_end": sub.cancel_at_period_end,
            "events": [(e.kind, e.to_status, e.detail) for e in sub.events],
        }


def outbox(shop) -> list:
    folder = Path(shop.config["MAIL_OUTBOX_DIR"])
    return [message_from_bytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def run_box(shop, edition_id: int) -> set[int]:
    """Run the edition's box run; the subscriptions that have a shipment for it."""
    with shop.app_context():
        edition = db.session.get(Edition, edition_id)
        box_run.run(edition, run_by="test", now=edition.cutoff_at + timedelta(minutes=1))
        db.session.commit()  # as `flask box run` does
        return set(db.session.scalars(select(Shipment.subscription_id).where(Shipment.edition_id == edition_id)))


def shipments(shop, sub_id: int) -> int:
    with shop.app_context():
        return db.session.scalar(select(func.count()).select_from(Shipment).where(Shipment.subscription_id == sub_id))


# -- a real Checkout subscription, delivered in several orders, every event twice -------------------

STRIPE_ORDER = [
    "customer.created",
    "customer.subscription.created",
    "invoice.created",
    "invoice.finalized",
    "invoice.paid",
    "checkout.session.completed",
    "customer.subscription.updated",
]


def checkout_events(stripe_sub: CheckoutSubscription) -> dict[str, tuple[str, dict]]:
    """Every event Stripe sends for one Checkout subscription, with fixed ids (so a second
    delivery is a genuine repeat)."""
    paid_at = utcnow()
    return {
        "customer.created": (new_id("evt"), stripe_sub.customer_object()),
        "customer.subscription.created": (new_id("evt"), stripe_sub.subscription(status="trialing")),
        "invoice.created": (new_id("evt"), stripe_sub.invoice(status="draft")),
        "invoice.finalized": (new_id("evt"), stripe_sub.invoice(status="open")),
        "invoice.paid": (new_id("evt"), stripe_sub.invoice(paid_at=paid_at)),
        "checkout.session.completed": (new_id("evt"), stripe_sub.session()),
        "customer.subscription.updated": (new_id("evt"), stripe_sub.subscription(status="trialing")),
    }


ORDERS = {
    "stripe-order": STRIPE_ORDER,
    "session-first": ["checkout.session.completed", *[t for t in STRIPE_ORDER if t != "checkout.session.completed"]],
    "reversed": list(reversed(STRIPE_ORDER)),
    "invoice-paid-before-anything": ["invoice.paid", *[t for t in STRIPE_ORDER if t != "invoice.paid"]],
}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
@pytest.mark.parametrize("repeat", ["all-then-all-again", "each-twice"])
def test_a_checkout_subscription_in_any_order_twice_links_once_pays_once_ships_once(
    shop, client, editions, first_month, order, repeat
):
    sub_id, stripe_sub = checkout(shop)
    events = checkout_events(stripe_sub)
    sequence = [*order, *order] if repeat == "all-then-all-again" else [t for t in order for _ in (0, 1)]

    outcomes = [deliver(client, t, events[t][1], event_id=events[t][0])["outcome"] for t in sequence]

    assert outcomes.count("duplicate") == len(order)
    after = state(shop, sub_id)
    assert after["status"] is S.ACTIVE
    assert after["linked"] == ("stripe", stripe_sub.stripe_id, stripe_sub.customer)
    assert after["periods"] == [(stripe_sub.first_invoice, first_month, first_month, MONTHLY_TO_CANADA)]
    # linked once (by whichever event came first), paid once, one move to active
    assert [e[:2] for e in after["events"] if e[0] in ("status", "linked", "paid")] == [
        ("linked", None),
        ("paid", None),
        ("status", "active"),
    ]
    [welcome] = outbox(shop)
    assert welcome["To"] == stripe_sub.email and "Welcome" in welcome["Subject"]
    with shop.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(Subscription).where(Subscription.provider_subscription_id.is_not(None))
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0

    assert run_box(shop, editions[0]) == {sub_id}
    assert run_box(shop, editions[0]) == {sub_id}  # the run again: nothing more
    assert shipments(shop, sub_id) == 1
    assert run_box(shop, editions[1]) == set()  # the next month is not paid yet


def test_the_session_and_invoice_paid_for_the_first_invoice_pay_once_whichever_comes_first(shop, client, editions):
    sub_id, stripe_sub = checkout(shop)

    first = deliver(client, "checkout.session.completed", stripe_sub.session())["outcome"]
    second = deliver(client, "invoice.paid", stripe_sub.invoice(paid_at=utcnow()))["outcome"]

    assert first.startswith("paid: ")
    assert second == f"no change: payment {stripe_sub.first_invoice} already recorded"
    assert len(state(shop, sub_id)["periods"]) == 1
    assert len(outbox(shop)) == 1


def test_a_session_still_settling_links_and_waits_for_invoice_paid(shop, client, editions, first_month):
    sub_id, stripe_sub = checkout(shop)

    outcome = deliver(client, "checkout.session.completed", stripe_sub.session(payment_status="unpaid"))["outcome"]

    assert outcome == "linked: waiting for invoice.paid"
    assert state(shop, sub_id)["status"] is S.PENDING_PAYMENT
    deliver(client, "invoice.paid", stripe_sub.invoice(paid_at=utcnow()))
    after = state(shop, sub_id)
    assert after["status"] is S.ACTIVE
    assert after["periods"][0][:2] == (stripe_sub.first_invoice, first_month)


def test_a_zero_invoice_records_nothing(shop, client, editions):
    sub_id, stripe_sub = checkout(shop)
    deliver(client, "checkout.session.completed", stripe_sub.session(payment_status="unpaid"))

    outcome = deliver(client, "invoice.paid", stripe_sub.invoice(invoice_id=new_id("in"), amount_paid=0))["outcome"]

    assert outcome == "ignored: nothing paid (trial or zero invoice)"
    assert state(shop, sub_id)["periods"] == []


# -- renewals, arrears ----------------------------------------------------------------------------------


def paid_subscription(shop, client, **kwargs) -> tuple[int, CheckoutSubscription]:
    sub_id, stripe_sub = checkout(shop, **kwargs)
    deliver(client, "checkout.session.completed", stripe_sub.session())
    return sub_id, stripe_sub


def test_a_renewal_adds_the_next_month_and_the_next_run_ships_it(shop, client, editions, first_month):
    sub_id, stripe_sub = paid_subscription(shop, client)
    renewal = new_id("in")
    renews_at = billing_at(add_months(first_month, 1))

    paid = stripe_sub.invoice(invoice_id=renewal, billing_reason="subscription_cycle", paid_at=renews_at)
    outcome = deliver(client, "invoice.paid", paid)["outcome"]
    deliver(client, "invoice.paid", paid)  # Stripe delivers it again (another event id)

    next_month = add_months(first_month, 1)
    assert outcome == f"paid: {next_month:%Y-%m} to {next_month:%Y-%m}"
    after = state(shop, sub_id)
    assert [p[:3] for p in after["periods"]] == [
        (stripe_sub.first_invoice, first_month, first_month),
        (renewal, next_month, next_month),
    ]
    assert [e[2] for e in after["events"] if e[0] == "paid"][-1].endswith("(subscription_cycle)")
    # The welcome, then one receipt for the renewal (delivered twice, emailed once), no second welcome
    subjects = sorted(m["Subject"] for m in outbox(shop))
    assert subjects == ["Receipt for your Culture Box payment", "Welcome to the Culture Box"]
    [mail] = [m for m in messages(shop) if m["Subject"].startswith("Receipt")]
    receipt = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"The {next_month:%B %Y} box" in receipt
    assert run_box(shop, editions[0]) == {sub_id}
    assert run_box(shop, editions[1]) == {sub_id}


def test_a_failed_renewal_is_arrears_with_an_email_no_box_until_paid_then_the_run_includes_them(
    shop, client, editions, first_month
):
    sub_id, stripe_sub = paid_subscription(shop, client)
    other_id, other = paid_subscription(shop, client, country="GB", amount=2499)
    renewal = new_id("in")
    failed = stripe_sub.invoice(invoice_id=renewal, billing_reason="subscription_cycle", status="open")

    assert deliver(client, "invoice.payment_failed", failed)["outcome"] == "arrears"
    assert deliver(client, "invoice.payment_failed", failed)["outcome"] == "no change: subscription is arrears"

    assert state(shop, sub_id)["status"] is S.ARREARS
    arrears = [m for m in outbox(shop) if "didn't go through" in m["Subject"]]
    assert [m["To"] for m in arrears] == [stripe_sub.email]
    # the other subscriber renews; this one's next box is not paid: the run leaves them out
    deliver(
        client,
        "invoice.paid",
        other.invoice(
            invoice_id=new_id("in"),
            billing_reason="subscription_cycle",
            amount_paid=2499,
            paid_at=billing_at(add_months(first_month, 1)),
        ),
    )
    assert run_box(shop, editions[0]) == {sub_id, other_id}
    assert run_box(shop, editions[1]) == {other_id}

    # the card is fixed, Stripe retries the same invoice and it is paid
    retried = stripe_sub.invoice(
        invoice_id=renewal,
        billing_reason="subscription_cycle",
        paid_at=billing_at(add_months(first_month, 1)) + timedelta(days=3),
    )
    deliver(client, "invoice.paid", retried)

    assert state(shop, sub_id)["status"] is S.ACTIVE
    assert run_box(shop, editions[1]) == {other_id, sub_id}
    assert shipments(shop, sub_id) == 2


def test_a_payment_for_an_ended_subscription_buys_no_box_is_flagged_for_refund_and_stops_billing(
    shop, client, editions
):
    sub_id, stripe_sub = checkout(shop)
    deliver(client, "checkout.session.expired", stripe_sub.session(payment_status="unpaid", status="expired"))
    paid = stripe_sub.invoice(paid_at=utcnow())

    first = deliver(client, "invoice.paid", paid)["outcome"]
    deliver(client, "invoice.paid", paid)

    # Stripe is told to stop charging, once
    http = shop.config["STRIPE_HTTP_CLIENT"]
    assert [(r.method, r.path) for r in http.requests] == [("DELETE", f"/v1/subscriptions/{stripe_sub.stripe_id}")]

    assert first == "refused: the subscription has ended (flagged for a refund)"
    after = state(shop, sub_id)
    assert after["status"] is S.ENDED and after["periods"] == []
    assert [e[2] for e in after["events"] if e[0] == "refund_needed"] == [
        f"{stripe_sub.first_invoice}: {MONTHLY_TO_CANADA} pence paid after the subscription ended "
        "(subscription_create): refund it"
    ]
    assert run_box(shop, editions[0]) == set()


def test_an_abandoned_attempt_paid_later_buys_no_box_and_its_stripe_subscription_is_cancelled(shop, client, editions):
    """The customer started again (the subscribe flow ends the earlier unpaid attempt), then
    paid the old Checkout page in another tab after all."""
    old_id, old = checkout(shop)
    with shop.app_context():
        lifecycle.end(db.session.get(Subscription, old_id), actor="customer", reason="started again")
        db.session.commit()

    outcome = deliver(client, "checkout.session.completed", old.session())["outcome"]

    assert outcome == "refused: the subscription has ended (flagged for a refund)"
    after = state(shop, old_id)
    assert (after["status"], after["periods"]) == (S.ENDED, [])
    assert after["linked"][1] == old.stripe_id
    assert [e[0] for e in after["events"]].count("refund_needed") == 1
    http = shop.config["STRIPE_HTTP_CLIENT"]
    assert [(r.method, r.path) for r in http.requests] == [("DELETE", f"/v1/subscriptions/{old.stripe_id}")]
    assert outbox(shop) == []


# -- cancelling ----------------------------------------------------------------------------------------------


def test_deleted_at_stripe_with_a_paid_box_to_come_ships_it_then_ends(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)

    outcome = deliver(client, "customer.subscription.deleted", stripe_sub.subscription(status="canceled"))["outcome"]
    deliver(client, "customer.subscription.deleted", stripe_sub.subscription(status="canceled"))

    assert outcome == "ending after its paid boxes"
    after = state(shop, sub_id)
    assert (after["status"], after["cancel_at_period_end"]) == (S.ACTIVE, True)
    assert run_box(shop, editions[0]) == {sub_id}
    assert state(shop, sub_id)["status"] is S.ENDED  # the box run ends it after its last box


def test_deleted_at_stripe_with_nothing_left_to_ship_ends_now(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)
    run_box(shop, editions[0])  # the paid box has shipped

    outcome = deliver(client, "customer.subscription.deleted", stripe_sub.subscription(status="canceled"))["outcome"]

    assert outcome == "ended"
    assert state(shop, sub_id)["status"] is S.ENDED


def test_cancelling_in_the_customer_portal_ends_after_the_paid_boxes(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)

    outcome = deliver(
        client, "customer.subscription.updated", stripe_sub.subscription(status="trialing", cancel_at_period_end=True)
    )["outcome"]
    again = deliver(
        client, "customer.subscription.updated", stripe_sub.subscription(status="trialing", cancel_at_period_end=True)
    )["outcome"]

    assert outcome == "set to end after its paid boxes (cancelled at Stripe)"
    assert again == "no change"
    after = state(shop, sub_id)
    assert (after["status"], after["cancel_at_period_end"]) == (S.ACTIVE, True)
    assert [e[0] for e in after["events"]].count("cancel") == 1
    [mail] = [m for m in messages(shop) if m["Subject"] == "Your Culture Box is cancelled"]  # once, not twice
    assert "Nothing more will be charged" in mail.get_body(preferencelist=("plain",)).get_content()


def test_a_new_card_in_the_customer_portal_is_emailed_once(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)
    customer = stripe_object(
        "customer", id=stripe_sub.customer, invoice_settings={"default_payment_method": new_id("pm")}
    )
    changed = event("customer.updated", customer)
    changed["data"]["previous_attributes"] = {"invoice_settings": {"default_payment_method": None}}
    body, headers = signed(changed)
    outcome = client.post(URL, data=body, headers=headers).get_json()["outcome"]
    body, headers = signed(changed)  # the same event delivered again
    again = client.post(URL, data=body, headers=headers).get_json()
    unrelated = deliver(client, "customer.updated", customer)["outcome"]  # no card change: a name, say

    assert outcome == "card updated" and unrelated == "no change"
    assert again.get("outcome") != "card updated"
    assert [e[0] for e in state(shop, sub_id)["events"]].count("card") == 1
    [mail] = [m for m in messages(shop) if m["Subject"] == "Your Culture Box card is updated"]
    assert "You've updated the card" in mail.get_body(preferencelist=("plain",)).get_content()


def test_taking_the_cancellation_back_in_the_portal_keeps_renewing_but_a_late_old_update_does_not(
    shop, client, editions
):
    sub_id, stripe_sub = paid_subscription(shop, client)
    before_cancel = stripe_sub.subscription(cancel_at_period_end=False)
    old_event = event("customer.subscription.updated", before_cancel)
    old_event["created"] -= 3600  # sent an hour ago, before the customer cancelled
    deliver(client, "customer.subscription.updated", stripe_sub.subscription(cancel_at_period_end=True))

    body, headers = signed(old_event)
    late = client.post(URL, data=body, headers=headers).get_json()["outcome"]
    assert late == "ignored: older than the cancellation"
    assert state(shop, sub_id)["cancel_at_period_end"] is True

    kept = deliver(client, "customer.subscription.updated", before_cancel)["outcome"]
    assert kept == "cancellation taken back at Stripe"
    after = state(shop, sub_id)
    assert (after["status"], after["cancel_at_period_end"]) == (S.ACTIVE, False)
    assert [e[0] for e in after["events"]][-2:] == ["cancel", "keep"]


def test_an_update_to_status_canceled_is_handled_like_deleted(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)
    run_box(shop, editions[0])

    deliver(client, "customer.subscription.updated", stripe_sub.subscription(status="canceled"))

    assert state(shop, sub_id)["status"] is S.ENDED


# -- gifts and expired sessions -------------------------------------------------------------------------------


def test_a_gift_paid_once_gets_its_boxes_then_the_box_run_ends_it(shop, client, editions, first_month):
    sub_id, gift = checkout(shop, plan="gift-3", country="DE", amount=5623 + 1625)

    first = deliver(client, "checkout.session.completed", gift.session())["outcome"]
    deliver(client, "checkout.session.completed", gift.session())  # again (another event id)

    last = add_months(first_month, 2)
    assert first == f"paid: {first_month:%Y-%m} to {last:%Y-%m}"
    after = state(shop, sub_id)
    assert after["periods"] == [(gift.payment_intent, first_month, last, 5623 + 1625)]
    assert after["linked"] == ("stripe", None, gift.customer)
    assert len(outbox(shop)) == 1
    with shop.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    for edition_id in editions[:2]:
        assert run_box(shop, edition_id) == {sub_id}
        assert state(shop, sub_id)["status"] is S.ACTIVE
    assert run_box(shop, editions[2]) == {sub_id}
    assert state(shop, sub_id)["status"] is S.ENDED
    assert shipments(shop, sub_id) == 3


@pytest.mark.parametrize("plan,country,amount", [("monthly", "CA", MONTHLY_TO_CANADA), ("gift-3", "DE", 7248)])
def test_an_expired_session_ends_the_subscription_still_pending(shop, client, editions, plan, country, amount):
    sub_id, stripe_sub = checkout(shop, plan=plan, country=country, amount=amount)
    expired = stripe_sub.session(payment_status="unpaid", status="expired")

    outcomes = [deliver(client, "checkout.session.expired", expired)["outcome"] for _ in range(2)]

    assert outcomes == ["ended: never paid", "no change: subscription is ended"]
    assert state(shop, sub_id)["status"] is S.ENDED
    assert run_box(shop, editions[0]) == set()


def test_an_expired_session_never_ends_a_paid_subscription(shop, client, editions):
    sub_id, stripe_sub = paid_subscription(shop, client)
    deliver(client, "checkout.session.expired", stripe_sub.session(payment_status="unpaid", status="expired"))
    assert state(shop, sub_id)["status"] is S.ACTIVE


# -- whose subscription is it --------------------------------------------------------------------------------


def test_a_session_naming_our_id_with_another_email_is_not_ours(shop, client, editions):
    """Another database (staging) sharing the Stripe account has its own subscription 1."""
    sub_id, stripe_sub = checkout(shop)

    outcome = deliver(client, "checkout.session.completed", stripe_sub.session(email="someone@staging.test"))["outcome"]

    assert outcome == "ignored: no subscription"
    after = state(shop, sub_id)
    assert (after["status"], after["linked"][1], after["periods"]) == (S.PENDING_PAYMENT, None, [])


def test_an_invoice_for_another_plan_is_not_ours(shop, client, editions):
    sub_id, stripe_sub = checkout(shop)
    stripe_sub.meta["plan"] = "prepaid-12"

    outcome = deliver(client, "invoice.paid", stripe_sub.invoice(paid_at=utcnow()))["outcome"]

    assert outcome == "ignored: no subscription"
    assert state(shop, sub_id)["periods"] == []


def test_a_culture_box_session_never_reaches_the_order_handlers(shop, client):
    """A payment-mode session with an unknown Culture Box purpose is acknowledged and ignored."""
    session = stripe_object(
        "checkout.session",
        id=new_id("cs"),
        mode="payment",
        payment_status="paid",
        client_reference_id="1",
        metadata={"purpose": "culture_box_something_new"},
    )
    assert deliver(client, "checkout.session.completed", session)["outcome"] == (
        "ignored: no handler for payment sessions (culture_box_something_new)"
    )


# -- through the shop's own subscribe pages -----------------------------------------------------------------


def test_subscribing_on_the_shop_with_stripe_then_the_webhooks_make_it_active(shop, client, editions, first_month):
    with shop.app_context():
        make_user("ji-woo@example.com")
    sign_in(client, "ji-woo@example.com")
    client.post(
        "/culture-box/subscribe",
        data={
            "plan": "monthly",
            "name": "Ji-woo Park",
            "line1": "12 Maple Street",
            "line2": "",
            "city": "Toronto",
            "postcode": "M5V 2T6",
            "region": "ON",
            "country": "CA",
        },
    )

    answer = client.post("/culture-box/subscribe/pay")

    assert answer.status_code == 303 and answer.location.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    [call] = shop.config["STRIPE_HTTP_CLIENT"].calls("POST", "/v1/checkout/sessions")
    assert call.params["mode"] == "subscription"
    assert call.params["metadata"]["first_month"] == f"{first_month:%Y-%m}"
    assert call.params["subscription_data"]["trial_end"] == str(int(billing_at(add_months(first_month, 1)).timestamp()))
    sub_id = int(call.params["metadata"]["subscription_id"])
    assert state(shop, sub_id)["status"] is S.PENDING_PAYMENT
    with shop.app_context():
        stripe_sub = CheckoutSubscription(db.session.get(Subscription, sub_id), MONTHLY_TO_CANADA)

    deliver(client, "checkout.session.completed", stripe_sub.session())

    assert state(shop, sub_id)["status"] is S.ACTIVE
    assert run_box(shop, editions[0]) == {sub_id}


def test_starting_again_expires_the_earlier_unpaid_checkout(shop, client):
    """A second Pay closes the first attempt's Stripe page, so an old tab cannot take money;
    a page that cannot be expired any more (already completed) does not stop the new one."""
    with shop.app_context():
        make_user("ji-woo@example.com")
    sign_in(client, "ji-woo@example.com")
    client.post(
        "/culture-box/subscribe",
        data={
            "plan": "monthly",
            "name": "Ji-woo Park",
            "line1": "12 Maple Street",
            "line2": "",
            "city": "Toronto",
            "postcode": "M5V 2T6",
            "region": "ON",
            "country": "CA",
        },
    )
    http = shop.config["STRIPE_HTTP_CLIENT"]

    first = client.post("/culture-box/subscribe/pay").location.rsplit("/", 1)[-1]
    second = client.post("/culture-box/subscribe/pay").location.rsplit("/", 1)[-1]
    http.completed_sessions.add(second)  # the customer paid it in another tab meanwhile
    third = client.post("/culture-box/subscribe/pay").location.rsplit("/", 1)[-1]

    expired = [call.path for call in http.requests if call.path.endswith("/expire")]
    assert expired == [f"/v1/checkout/sessions/{first}/expire", f"/v1/checkout/sessions/{second}/expire"]
    with shop.app_context():
        attempts = db.session.scalars(select(Subscription).order_by(Subscription.id)).all()
        assert [(a.checkout_reference, a.status) for a in attempts] == [
            (first, S.ENDED),
            (second, S.ENDED),
            (third, S.PENDING_PAYMENT),
        ]
