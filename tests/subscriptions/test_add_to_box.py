"""Add to my next box: a subscriber buys a one-off item from its product page (or a post's
product card), pays once, no shipping; it is packed into their next box (on the packing list
once, under their parcel, with its customs line) or refunded if the subscription ends first."""

import csv
import io
import re
from datetime import UTC, datetime

import time_machine
from sqlalchemy import func, select

from shop.catalog.models import Variant
from shop.extensions import db
from shop.jobs.models import Job
from shop.orders.models import Order, OrderEvent, OrderStatus
from shop.subscriptions import box_run, fulfilment, lifecycle, manage
from shop.subscriptions.models import BoxAddOn, Edition

from ..accounts.factories import outbox
from .account_support import (
    FEB,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_account_pages import text

BEFORE_FEB_CUTOFF = datetime(2027, 2, 5, 12, 0, tzinfo=UTC)
AFTER_FEB_CUTOFF = datetime(2027, 2, 12, 12, 0, tzinfo=UTC)
MAGAZINE = "/products/magazine-issue-1-hallyu"
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}


def magazine_id() -> int:
    return db.session.scalar(select(Variant.id).filter_by(sku="MAG-001"))


def add_and_pay(client, sub_id: int, variant_id: int, quantity: int = 1, back: str = MAGAZINE):
    response = client.post(
        f"/account/subscriptions/{sub_id}/add", data={"variant_id": variant_id, "quantity": quantity, "back": back}
    )
    assert response.status_code == 303, response.text[:300]
    demo_page = response.headers["Location"]
    assert "/payments/demo/" in demo_page
    paid = client.post(demo_page, data=CARD)
    assert paid.status_code == 303
    client.post(demo_page, data=CARD)  # the page sent twice: paid once
    return paid.headers["Location"]


def test_a_subscriber_adds_a_magazine_to_the_next_box_and_pays_once(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        variant_id = magazine_id()
        stock = db.session.get(Variant, variant_id).stock
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(client.get(MAGAZINE).text)
        assert "Add it to your Culture Box" in page and "It travels in your February 2027 box" in page
        confirmation = add_and_pay(client, sub_id, variant_id, quantity=2)
        assert "/checkout/complete/" in confirmation
    with seeded.app_context():
        [addon] = db.session.scalars(select(BoxAddOn)).all()
        order = addon.order
        assert (addon.subscription_id, addon.month, addon.shipment_id) == (sub_id, FEB, None)
        assert order.status is OrderStatus.PAID
        assert (order.items_pence, order.shipping_pence, order.total_pence) == (1398, 0, 1398)
        assert order.shipping_method == "In your Culture Box (February 2027 box)"
        assert [(line.sku, line.quantity) for line in order.lines] == [("MAG-001", 2)]
        assert db.session.get(Variant, variant_id).stock == stock - 2
        paid = db.session.scalar(
            select(func.count()).select_from(OrderEvent).filter_by(order_id=order.id, to_status="paid")
        )
        assert paid == 1
        number = order.number
    assert len([m for m in outbox(seeded) if number in m["Subject"]]) == 1  # the order's confirmation
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        page = text(client.get(f"/account/subscriptions/{sub_id}").text)
    assert "Also in it: 2 × Inspire Me Korea Magazine — Issue 1: Hallyu (" in page and f"order {number}" in page


def test_the_box_run_packs_it_once_and_the_packing_list_shows_its_customs_line(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB, country="FR")
        variant_id = magazine_id()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        add_and_pay(client, sub_id, variant_id)
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False), seeded.app_context():
        feb = db.session.scalar(select(Edition).filter_by(month=FEB))
        box_run.run(feb, run_by="test")
        box_run.run(feb, run_by="test")  # again: nothing twice
        db.session.commit()
        [addon] = db.session.scalars(select(BoxAddOn)).all()
        assert addon.shipment_id is not None and addon.shipment.edition_id == feb.id
        assert addon.order.status is OrderStatus.PACKED
        out = io.StringIO()
        box_run.write_packing_list(feb, out)
        number = addon.order.number
        unit = addon.order.lines[0].line_total_pence
        # the box leaves with its carrier: so does the magazine in it
        fulfilment.mark_shipped(addon.shipment, "royal-mail", "RR123456789GB", actor="test")
        db.session.commit()
        assert addon.order.status is OrderStatus.SHIPPED
    rows = out.getvalue().splitlines()
    extras = [row for row in rows if "add-on" in row]
    assert len(extras) == 1
    parcel_at = next(i for i, row in enumerate(rows) if "Min-ji Kim" in row)
    assert rows.index(extras[0]) == parcel_at + 1  # right under the subscriber's parcel
    assert f"+ add-on, order {number}: 1 × Inspire Me Korea Magazine — Issue 1: Hallyu (MAG-001)" in extras[0]
    assert f"CN22,Printed magazine (HS 4902.90),{unit / 100:.2f},180,GB" in extras[0]
    [row] = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if "add-on" in r["plan"]]
    assert None not in row and None not in row.values()  # as many cells as columns
    assert (row["country"], row["customs_form"], row["weight_g"]) == ("", "CN22", "180")
    assert unit == 582  # an export: the VAT in £6.99 (£1.17, half-up) taken off


def test_it_is_refunded_if_the_subscription_ends_before_that_box(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        variant_id = magazine_id()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        add_and_pay(client, sub_id, variant_id)
        with seeded.app_context():
            lifecycle.end(load(sub_id), actor="test", reason="ended by the shop")
            db.session.commit()
            [addon] = db.session.scalars(select(BoxAddOn)).all()
            order = addon.order
            assert order.status is OrderStatus.REFUNDED
            refunds = [(e.kind, e.amount_pence) for e in order.events if e.kind.startswith("refund")]
            assert refunds == [("refund_requested", 699), ("refund", 699)]
            told = [m for m in outbox(seeded) if m["Subject"].startswith("A refund") and order.number in m["Subject"]]
            assert len(told) == 1  # the same refund email as a refund from the back office
            # ended again (or another ending path): refunded once
            from shop.subscriptions import addons

            assert addons.refund_unsent() == []


def test_a_box_that_ships_keeps_it_and_nothing_is_refunded_after(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        variant_id = magazine_id()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        add_and_pay(client, sub_id, variant_id)
        client.post(f"/account/subscriptions/{sub_id}/cancel", data={"offer_seen": "1"})
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False), seeded.app_context():
        feb = db.session.scalar(select(Edition).filter_by(month=FEB))
        result = box_run.run(feb, run_by="test")
        db.session.commit()
        assert result.ended == 1  # its last box: the subscription ends in this run
        [addon] = db.session.scalars(select(BoxAddOn)).all()
        assert addon.order.status is OrderStatus.PACKED  # in the box, not refunded


def test_no_box_no_button_and_adding_is_refused(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        manage.cancel(load(sub_id))
        db.session.commit()
        variant_id = magazine_id()
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False):  # the last box is past its cutoff
        signed_in(client)
        assert "Add it to your Culture Box" not in client.get(MAGAZINE).text
        response = client.post(
            f"/account/subscriptions/{sub_id}/add",
            data={"variant_id": variant_id, "quantity": 1, "back": MAGAZINE},
            follow_redirects=True,
        )
    assert "No Culture Box is coming to you that this could travel in." in text(response.text)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_film_articles_magazine_card_offers_the_next_box(seeded, client, gateway):
    with seeded.app_context():
        owned_subscription(first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        assert "Add to my" not in client.get("/blog/top-5-korean-movies-that-make-you-cry").text  # a visitor
        signed_in(client)
        html = client.get("/blog/top-5-korean-movies-that-make-you-cry").text
    card = re.search(
        r'<aside class="embed" aria-label="Inspire Me Korea Magazine — Issue 1: Hallyu">.*?</aside>', html, re.S
    )
    assert card and "Add to my February box" in card.group(0)
    assert 'action="/account/subscriptions/' in card.group(0)


def test_with_stripe_it_is_a_one_off_checkout_and_the_refund_is_a_job(seeded, client, gateway, monkeypatch):
    from shop.payments.stripe_gateway import StripeGateway

    from ..stripe_support import RecordingHTTPClient, stripe_object

    http = RecordingHTTPClient()
    http.routes[("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)")] = lambda req: (
        200,
        stripe_object("checkout.session", id=req.path.rsplit("/", 1)[-1], payment_intent="pi_addon"),
    )
    http.routes[("POST", r"/v1/refunds")] = lambda req: (200, stripe_object("refund", id="re_addon"))
    seeded.config.update(STRIPE_SECRET_KEY="sk_test_x", STRIPE_HTTP_CLIENT=http)
    stripe = StripeGateway.from_config(seeded.config, http_client=http)
    monkeypatch.setattr("shop.subscriptions.addons.get_gateway", lambda: stripe)
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        variant_id = magazine_id()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        response = client.post(
            f"/account/subscriptions/{sub_id}/add", data={"variant_id": variant_id, "quantity": 1, "back": MAGAZINE}
        )
        assert response.headers["Location"].startswith("https://checkout.stripe.com/")
        [session_call] = [r for r in http.requests if r.path == "/v1/checkout/sessions"]
        assert session_call.params["mode"] == "payment"
        assert int(session_call.params["line_items"][0]["price_data"]["unit_amount"]) == 699
        with seeded.app_context():
            [addon] = db.session.scalars(select(BoxAddOn)).all()
            from shop.orders import services as orders

            orders.confirm_payment(
                addon.order, provider="stripe", reference=addon.order.payment_reference, actor="test"
            )
            lifecycle.end(load(sub_id), actor="test", reason="ended")
            db.session.commit()
            [job] = db.session.scalars(select(Job).where(Job.kind == "stripe.refund.create")).all()
            assert job.payload["amount_pence"] == 699
            assert addon.order.status is OrderStatus.PAID  # refunded when Stripe says so (charge.refunded)
    [refund] = [r for r in http.requests if r.path == "/v1/refunds"]
    assert refund.params["payment_intent"] == "pi_addon" and int(refund.params["amount"]) == 699
