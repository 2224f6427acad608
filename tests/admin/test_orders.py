"""The back office's orders: the list and its filters, one order, packing and shipping
(the customer emailed a tracking link and shown it), cancelling (stock back), refunds in
full and in part through the demo gateway and through Stripe — pressed twice, refunded once —
and the packing slip."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.admin.models import AdminAction
from shop.extensions import db
from shop.models import Order, OrderStatus, Variant
from shop.orders import services as orders

from ..accounts.factories import emails_to
from ..commerce import items, place
from ..stripe_support import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    RecordingHTTPClient,
    event,
    new_id,
    refunded_charge,
    signed,
    stripe_object,
)
from .factories import sign_in_admin

S = OrderStatus


def paid_order(app, *, provider="demo", country="GB", email="buyer@example.com", **cart) -> str:
    with app.app_context():
        order = place(items(**(cart or {"MASK_MIX_7": 2})), country, email=email)
        orders.begin_payment_attempt(order, provider=provider)
        reference = f"cs_test_{order.number}" if provider == "stripe" else f"demo_{order.number}_1"
        orders.record_payment_reference(order, reference)
        assert orders.confirm_payment(order, provider=provider, reference=reference, actor="test")
        db.session.commit()
        return order.number


def load(app, number) -> Order:
    return db.session.scalar(select(Order).filter_by(number=number))


def stock(sku: str) -> int:
    return db.session.scalar(select(Variant.stock).filter_by(sku=sku))


def seen(app, number) -> str:
    from shop.orders.fulfilment import requested_pence

    with app.app_context():
        return str(requested_pence(load(app, number)))


# ---- the list --------------------------------------------------------------------------


def test_the_list_filters_by_status_country_date_and_searches(app, seeded, admin_client):
    a = paid_order(app, email="faye@example.com")
    b = paid_order(app, country="DE", email="jana@example.de")
    with app.app_context():
        c = place(items(MAG_001=1), "US", email="sam@example.com").number
    listing = admin_client.get("/admin/orders")
    assert listing.status_code == 200
    assert all(n in listing.text for n in (a, b, c)) and "3 orders" in listing.text
    assert listing.text.index(c) < listing.text.index(a)  # newest first

    def shown(query):
        text = admin_client.get("/admin/orders?" + query).text
        return {n for n in (a, b, c) if n in text}

    assert shown("status=paid") == {a, b}
    assert shown("status=to-ship") == {a, b}
    assert shown("status=pending_payment") == {c}
    assert shown("country=DE") == {b}
    assert shown(f"q={a.lower()}") == {a}
    assert shown("q=jana@example.de") == {b}
    assert shown("q=jana@") == {b}
    assert shown("q=broadbent") == {a}  # the GB address's name, any case
    today = datetime.now(UTC).date()
    assert shown(f"placed_from={today - timedelta(days=1)}&placed_to={today + timedelta(days=1)}") == {a, b, c}
    assert shown(f"placed_from={today + timedelta(days=2)}") == set()
    # A date that is not one, a control character or an impossible cursor is ignored, not a 500.
    assert admin_client.get("/admin/orders?placed_from=yesterday").status_code == 200
    nul = admin_client.get("/admin/orders?q=jana%00&country=%00DE")
    assert nul.status_code == 200 and "invisible control characters" in nul.text
    assert admin_client.get("/admin/orders?before=99999999999999999999").status_code == 200
    assert admin_client.get("/admin/orders/IMK%00").status_code == 404
    assert admin_client.get("/admin/audit?action=%00&admin=99999999999999").status_code == 200


def test_the_detail_shows_lines_addresses_payment_and_history(app, seeded, admin_client):
    number = paid_order(app, country="DE")
    page = admin_client.get(f"/admin/orders/{number}")
    assert page.status_code == 200
    for text in ("Sheet Mask", "MASK-MIX-7", "Hauptstraße 5", "Germany", "demo_", "pending_payment → paid", "Export"):
        assert text in page.text, text
    assert admin_client.get("/admin/orders/NOPE1234").status_code == 404


# ---- packing and shipping ----------------------------------------------------------------


def test_pack_then_ship_emails_the_tracking_link_and_the_customer_sees_it(app, seeded, admin_client):
    number = paid_order(app)
    assert admin_client.post(f"/admin/orders/{number}/pack").status_code == 303
    shipped = admin_client.post(
        f"/admin/orders/{number}/ship", data={"carrier": "royal-mail", "tracking_number": "ab123456789gb"}
    )
    assert shipped.status_code == 303
    assert "emailed the tracking link" in admin_client.get(shipped.headers["Location"]).text
    with app.app_context():
        order = load(app, number)
        assert order.status is S.SHIPPED
        assert (order.carrier, order.tracking_number) == ("royal-mail", "AB123456789GB")
        assert [e.to_status for e in order.events if e.kind == "status"][-2:] == ["packed", "shipped"]
        token = order.access_token
        actions = db.session.scalars(select(AdminAction.action).order_by(AdminAction.id)).all()
        assert actions[-2:] == ["order.pack", "order.ship"]
    [email] = emails_to(app, "buyer@example.com", "on its way")
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "https://www.royalmail.com/track-your-item#/tracking-results/AB123456789GB" in text
    customer_page = app.test_client().get(f"/orders/{number}?token={token}")
    assert "AB123456789GB" in customer_page.text
    assert "royalmail.com/track-your-item" in customer_page.text


def test_a_paid_order_ships_in_one_step_and_a_bad_tracking_number_is_explained(app, seeded, admin_client):
    number = paid_order(app)
    bad = admin_client.post(f"/admin/orders/{number}/ship", data={"carrier": "dpd", "tracking_number": "<script>"})
    assert bad.status_code == 422
    assert "does not look like a tracking number" in bad.text
    assert 'value="&lt;script&gt;"' in bad.text  # what was typed is kept
    with app.app_context():
        assert load(app, number).status is S.PAID
    ok = admin_client.post(f"/admin/orders/{number}/ship", data={"carrier": "dpd", "tracking_number": "15501234567890"})
    assert ok.status_code == 303
    with app.app_context():
        assert [e.to_status for e in load(app, number).events if e.kind == "status"][-3:] == [
            "paid",
            "packed",
            "shipped",
        ]
    again = admin_client.post(f"/admin/orders/{number}/ship", data={"carrier": "dpd", "tracking_number": "1550999"})
    assert again.status_code == 422 and "only a paid or packed order is shipped" in again.text


# ---- cancelling --------------------------------------------------------------------------


def test_cancelling_an_unpaid_order_gives_the_stock_back(app, seeded, admin_client):
    with app.app_context():
        before = stock("MASK-MIX-7")
        number = place(items(MASK_MIX_7=3)).number
        assert stock("MASK-MIX-7") == before - 3
    response = admin_client.post(f"/admin/orders/{number}/cancel", data={"reason": "customer asked by phone"})
    assert response.status_code == 303
    with app.app_context():
        assert load(app, number).status is S.CANCELLED
        assert stock("MASK-MIX-7") == before
    assert emails_to(app, "buyer@example.com", "is cancelled")
    assert admin_client.post(f"/admin/orders/{number}/cancel", data={"reason": "again"}).status_code == 422


def test_cancelling_a_paid_order_restocks_and_refunds_it_in_full(app, seeded, admin_client):
    with app.app_context():
        before = stock("MASK-MIX-7")
    number = paid_order(app, MASK_MIX_7=2)
    no_reason = admin_client.post(f"/admin/orders/{number}/cancel", data={"reason": ""})
    assert no_reason.status_code == 422 and "Say why" in no_reason.text
    assert admin_client.post(f"/admin/orders/{number}/cancel", data={"reason": "out of stock"}).status_code == 303
    with app.app_context():
        order = load(app, number)
        assert order.status is S.CANCELLED
        assert stock("MASK-MIX-7") == before
        assert orders.refunded_pence(order) == order.total_pence
    [email] = emails_to(app, "buyer@example.com", "is cancelled")
    assert "We are refunding" in email.get_body(preferencelist=("plain",)).get_content()


# ---- refunds: the demo gateway -----------------------------------------------------------


def test_partial_then_full_refund_through_the_demo_gateway(app, seeded, admin_client):
    number = paid_order(app)
    with app.app_context():
        total = load(app, number).total_pence
    first = admin_client.post(
        f"/admin/orders/{number}/refund", data={"amount": "5.00", "reason": "one mask torn", "seen_pence": "0"}
    )
    assert first.status_code == 303
    with app.app_context():
        order = load(app, number)
        assert order.status is S.PAID
        assert orders.refunded_pence(order) == 500
        assert [e.kind for e in order.events][-2:] == ["refund_requested", "refund"]
    [email] = emails_to(app, "buyer@example.com", "A refund")
    assert "£5.00" in email.get_body(preferencelist=("plain",)).get_content()
    page = admin_client.get(f"/admin/orders/{number}")
    assert "refund requested" in page.text and "one mask torn" in page.text

    too_much = admin_client.post(
        f"/admin/orders/{number}/refund", data={"amount": f"{total / 100:.2f}", "seen_pence": "500"}
    )
    assert too_much.status_code == 422 and "must be between" in too_much.text
    rest = total - 500
    assert (
        admin_client.post(
            f"/admin/orders/{number}/refund", data={"amount": f"{rest // 100}.{rest % 100:02d}", "seen_pence": "500"}
        ).status_code
        == 303
    )
    with app.app_context():
        order = load(app, number)
        assert order.status is S.REFUNDED
        assert orders.refunded_pence(order) == total


def test_pressing_refund_twice_refunds_once(app, seeded, admin_client):
    number = paid_order(app)
    form = {"amount": "3.50", "reason": "", "seen_pence": seen(app, number)}
    assert admin_client.post(f"/admin/orders/{number}/refund", data=form).status_code == 303
    second = admin_client.post(f"/admin/orders/{number}/refund", data=form)
    assert second.status_code == 422
    assert "has had a refund since this page was opened" in second.text
    with app.app_context():
        order = load(app, number)
        assert orders.refunded_pence(order) == 350
        assert [e.kind for e in order.events].count("refund_requested") == 1
    assert len(emails_to(app, "buyer@example.com", "A refund")) == 1


@pytest.mark.parametrize("amount", ["0", "-2", "abc", "1.234", ""])
def test_a_bad_refund_amount_is_explained_and_nothing_moves(app, seeded, admin_client, amount):
    number = paid_order(app)
    response = admin_client.post(f"/admin/orders/{number}/refund", data={"amount": amount, "seen_pence": "0"})
    assert response.status_code == 422
    assert re.search(r"Enter an amount in pounds|must be between|Type the amount", response.text)
    with app.app_context():
        assert orders.refunded_pence(load(app, number)) == 0


def test_an_unpaid_order_offers_no_refund(app, seeded, admin_client):
    with app.app_context():
        number = place(items(MAG_001=1)).number
    assert "Refund and email" not in admin_client.get(f"/admin/orders/{number}").text
    response = admin_client.post(f"/admin/orders/{number}/refund", data={"amount": "1.00", "seen_pence": "0"})
    assert response.status_code == 422 and "never paid" in response.text


# ---- refunds: Stripe ---------------------------------------------------------------------


@pytest.fixture
def stripe_http():
    http = RecordingHTTPClient()

    def retrieve_session(req):
        session_id = req.path.rsplit("/", 1)[-1]
        return 200, stripe_object("checkout.session", id=session_id, payment_intent=f"pi_for_{session_id}")

    def create_refund(req):
        return 200, stripe_object(
            "refund",
            id=new_id("re"),
            amount=int(req.params["amount"]),
            payment_intent=req.params["payment_intent"],
            metadata=req.params.get("metadata", {}),
        )

    http.routes[("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)")] = retrieve_session
    http.routes[("POST", r"/v1/refunds")] = create_refund
    return http


@pytest.fixture
def stripe_shop(seeded, stripe_http):
    seeded.config.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_HTTP_CLIENT=stripe_http,
        STRIPE_MAX_RETRIES=0,
    )
    return seeded


def test_refunds_go_to_stripe_with_one_idempotency_key_each(stripe_shop, stripe_http, admin):
    app = stripe_shop
    client = app.test_client()
    sign_in_admin(app, client)
    number = paid_order(app, provider="stripe")
    with app.app_context():
        order = load(app, number)
        order_id, session_id, total = order.id, order.payment_reference, order.total_pence

    partial = {"amount": "4.00", "reason": "late", "seen_pence": "0"}
    response = client.post(f"/admin/orders/{number}/refund", data=partial)
    assert response.status_code == 303
    assert "sent to Stripe" in client.get(response.headers["Location"]).text
    [refund] = stripe_http.calls("POST", "/v1/refunds")
    assert refund.params == {
        "payment_intent": f"pi_for_{session_id}",
        "amount": "400",
        "metadata": {"order_id": str(order_id), "order_number": number},
    }
    assert refund.idempotency_key == f"order-{order_id}-refund-after-0"
    # Stripe confirms by webhook (charge.refunded): until then the order shows it as asked for.
    with app.app_context():
        order = load(app, number)
        assert [e.kind for e in order.events][-1] == "refund_requested"
        assert orders.refunded_pence(order) == 0
    charge = refunded_charge(
        payment_intent=f"pi_for_{session_id}",
        amount=total,
        amount_refunded=400,
        metadata={"order_id": str(order_id), "order_number": number},
    )
    body, headers = signed(event("charge.refunded", charge))
    assert app.test_client().post("/webhooks/stripe", data=body, headers=headers).status_code == 200
    with app.app_context():
        assert orders.refunded_pence(load(app, number)) == 400
    assert "refund of 400 pence" in client.get(f"/admin/orders/{number}").text

    assert client.post(f"/admin/orders/{number}/refund", data=partial).status_code == 422  # pressed twice
    assert len(stripe_http.calls("POST", "/v1/refunds")) == 1

    rest = total - 400
    full = {"amount": f"{rest // 100}.{rest % 100:02d}", "seen_pence": "400"}
    assert client.post(f"/admin/orders/{number}/refund", data=full).status_code == 303
    second = stripe_http.calls("POST", "/v1/refunds")[1]
    assert second.params["amount"] == str(rest)
    assert second.idempotency_key == f"order-{order_id}-refund-after-400"
    with app.app_context():
        from shop.orders.fulfilment import refundable_pence

        assert refundable_pence(load(app, number)) == 0
    # Stripe confirms the rest: the order is refunded in full.
    charge["amount_refunded"] = total
    body, headers = signed(event("charge.refunded", charge))
    assert app.test_client().post("/webhooks/stripe", data=body, headers=headers).status_code == 200
    with app.app_context():
        assert load(app, number).status is S.REFUNDED
    assert len(emails_to(app, "buyer@example.com", "A refund")) == 2


# ---- the packing slip --------------------------------------------------------------------


def test_the_packing_slip_lists_the_lines_and_customs_data_for_an_export(app, seeded, admin_client):
    number = paid_order(app, country="US")
    slip = admin_client.get(f"/admin/orders/{number}/packing-slip")
    assert slip.status_code == 200
    for text in (number, "Sam Lee", "UNITED STATES", "MASK-MIX-7", "HS code", "CN22"):
        assert text in slip.text, text
