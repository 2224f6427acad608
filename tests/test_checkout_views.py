"""The buyer's pages through the test client: cart, checkout, review, demo payment,
confirmation and the order page."""

import pytest
from sqlalchemy import func, select

from shop import create_app
from shop.config import ConfigError
from shop.extensions import db
from shop.orders.models import Order, OrderStatus
from shop.payments import demo

from .commerce import ADDRESSES, variant

GERMAN = {**ADDRESSES["DE"], "email": "jana@example.com", "discount_code": ""}


def add(client, sku, quantity=1):
    with client.application.app_context():
        variant_id = variant(sku).id
    return client.post("/cart/add", data={"variant_id": variant_id, "quantity": quantity})


def text(response) -> str:
    return response.get_data(as_text=True)


def checkout_to_review(client, address=GERMAN):
    response = client.post("/checkout", data=address)
    assert response.status_code == 302 and response.location.endswith("/checkout/review"), text(response)


def start_payment(client) -> str:
    response = client.post("/checkout/pay")
    assert response.status_code == 303
    assert "/payments/demo/" in response.location
    return response.location


def the_order(app) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        db.session.expunge(order)
        return order


def test_add_to_cart_from_the_product_page(seeded, client):
    page = text(client.get("/products/sheet-mask-set?variant=MASK-MIX-30"))  # the size picker's link
    with seeded.app_context():
        chosen = variant("MASK-MIX-30").id
    assert 'action="/cart/add"' in page and "Add to cart" in page
    assert f'<input type="hidden" name="variant_id" value="{chosen}">' in page
    response = add(client, "MASK-MIX-30", 2)
    assert response.status_code == 302 and response.location.endswith("/cart")
    cart = text(client.get("/cart"))
    assert "Added 2 × Sheet Mask Set — 1-month set to your cart." in cart
    assert "Sheet Mask Set — 1-month set" in cart and "£78.00" in cart
    assert 'class="site-nav__count" aria-hidden="true">2<' in cart
    assert ", 2 items" in cart


def test_sold_out_products_have_no_add_form(seeded, client):
    page = text(client.get("/products/magazine-issue-3-hanok-heritage"))
    assert 'action="/cart/add"' not in page and "Sold out for now" in page


def test_cart_caps_updates_and_removes(seeded, client):
    add(client, "MASK-HONEY-7", 5)  # 2 in stock
    page = text(client.get("/cart"))
    assert "Only 2 of Honey &amp; Rice Sheet Masks — 7-day set in stock, so your cart has 2." in page
    with seeded.app_context():
        honey = variant("MASK-HONEY-7").id
        mag = variant("MAG-001").id
    client.post(f"/cart/lines/{honey}", data={"quantity": 1})
    assert 'value="1"' in text(client.get("/cart"))
    add(client, "MAG-001", 1)
    client.post(f"/cart/lines/{honey}/remove")
    page = text(client.get("/cart"))
    assert "Removed Honey &amp; Rice Sheet Masks — 7-day set from your cart." in page
    assert f"/cart/lines/{mag}" in page and f"/cart/lines/{honey}" not in page
    assert "£6.99" in page


def test_a_line_that_sold_out_is_flagged_and_blocks_checkout(seeded, client):
    add(client, "MAG-002", 2)
    with seeded.app_context():
        variant("MAG-002").stock = 0
        db.session.commit()
    page = text(client.get("/cart"))
    assert "is sold out. Please remove it from your cart." in page
    assert "Go to checkout" not in page
    response = client.get("/checkout")
    assert response.status_code == 302 and response.location.endswith("/cart")


def test_empty_cart_cannot_check_out(seeded, client):
    response = client.get("/checkout")
    assert response.status_code == 302 and response.location.endswith("/cart")


def test_validation_errors_keep_what_was_typed(seeded, client):
    add(client, "MASK-MIX-7")
    typed = {**GERMAN, "email": "not-an-email", "city": ""}
    response = client.post("/checkout", data=typed)
    page = text(response)
    assert response.status_code == 422
    assert "There is a problem" in page
    assert "Please enter a valid email address" in page and "Please enter the town or city." in page
    for value in ["not-an-email", "Jana Müller", "Hauptstraße 5", "2. OG", "10115"]:
        assert f'value="{value}"' in page
    assert '<option selected value="DE">Germany</option>' in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="city-error"' in page


def test_countries_we_do_not_ship_to_are_refused_with_the_address_kept(seeded, client):
    add(client, "MAG-001")
    response = client.post("/checkout", data={**ADDRESSES["RU"], "email": "ivan@example.com"})
    page = text(response)
    assert response.status_code == 422
    assert "Sorry, we can&#39;t ship to Russian Federation at the moment." in page
    assert 'value="Tverskaya 1"' in page


def test_bad_discount_code_is_shown_on_its_field(seeded, client):
    add(client, "MAG-001")
    page = text(client.post("/checkout", data={**GERMAN, "discount_code": "seollal2024"}))
    assert "Sorry, the code SEOLLAL2024 expired on 15 February 2024." in page
    assert 'value="seollal2024"' in page  # as typed


def test_review_shows_every_total_for_an_export(seeded, client):
    add(client, "MASK-MIX-30")
    add(client, "MAG-001", 2)
    checkout_to_review(client)
    page = text(client.get("/checkout/review"))
    for expected in [
        "Items (UK VAT removed)</dt><dd>£46.48",  # £32.50 + 2 × £6.99 (magazines carry no VAT)
        "Tracked parcel — Europe",
        "£8.29",
        "VAT removed: export</dt><dd>£8.16 taken off",
        'Total to pay</dt><dd class="totals__grand">£54.77',
        "Zero-rated export — no UK VAT charged",
        "Pay £54.77",
        "Jana Müller",
        "Germany",
        "£32.50 each (was £39.00 with VAT)",
    ]:
        assert expected in page, expected


def test_review_for_the_uk_shows_vat_included_and_the_discount(seeded, client):
    add(client, "MASK-MIX-30")
    checkout_to_review(client, {**ADDRESSES["GB"], "email": "faye@example.com", "discount_code": "welcome10"})
    page = text(client.get("/checkout/review"))
    for expected in [
        "Items</dt><dd>£39.00",
        "£3.95",
        "Discount (WELCOME10): 10% off your first order or first Culture Box payment</dt><dd>−£3.90",
        "£39.05",
        "Includes UK VAT at 20%</dt><dd>£6.51",
    ]:
        assert expected in page, expected
    assert "VAT removed" not in page


def test_uk_address_needs_a_postcode(seeded, client):
    add(client, "MAG-001")
    page = text(client.post("/checkout", data={**ADDRESSES["GB"], "postcode": "", "email": "f@example.com"}))
    assert "every address in the United Kingdom has one" in page


def test_demo_payment_pays_emails_and_empties_the_cart(seeded, client):
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    demo_url = start_payment(client)
    page = text(client.get(demo_url))
    assert "Demo payment — no money is taken" in page and "Pay £40.79 (demo)" in page
    order = the_order(seeded)
    assert order.status is OrderStatus.PENDING_PAYMENT and order.payment_reference == f"demo_{order.number}_1"
    with seeded.app_context():
        assert variant("MASK-MIX-30").stock == 7  # reserved

    response = client.post(demo_url, data={"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"})
    assert response.status_code == 303
    assert response.location.endswith(f"/checkout/complete/{order.number}?token={order.access_token}")
    page = text(client.get(response.location))
    assert "Thank you! Your order is confirmed" in page and order.number in page and "Paid" in page
    assert 'http-equiv="refresh"' not in page
    assert the_order(seeded).status is OrderStatus.PAID
    outbox = list(
        (seeded.config["MAIL_OUTBOX_DIR"] and __import__("pathlib").Path(seeded.config["MAIL_OUTBOX_DIR"])).glob(
            "*.eml"
        )
    )
    assert len(outbox) == 1 and order.number in outbox[0].read_text()
    cart_page = text(client.get("/cart"))
    assert "Your cart is empty." in cart_page
    assert 'class="site-nav__count" aria-hidden="true">0<' in cart_page


def test_a_declined_card_is_retried_on_the_payment_step_for_the_same_order(seeded, client):
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    demo_url = start_payment(client)
    first = the_order(seeded)
    response = client.post(demo_url, data={"card_number": "4000 0000 0000 0002", "expiry": "12/39", "cvc": "123"})
    # The same payment page again, saying why, with the order still waiting and its stock held.
    assert response.status_code == 422
    page = text(response)
    assert "Your card was declined, so nothing was charged." in page
    assert f"Order {first.number} is still waiting, with your cart and address: try another card." in page
    assert f"Order {first.number}" in page and "Demo payment — no money is taken" in page
    waiting = the_order(seeded)
    assert (waiting.number, waiting.status) == (first.number, OrderStatus.PENDING_PAYMENT)
    with seeded.app_context():
        assert variant("MASK-MIX-30").stock == 7  # still reserved for this order
        kinds = [e.kind for e in db.session.get(Order, first.id).events]
        assert "payment_declined" in kinds
    paid = client.post(demo_url, data={"card_number": "4242424242424242", "expiry": "01/40", "cvc": "999"})
    assert paid.status_code == 303 and first.number in paid.location
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert the_order(seeded).status is OrderStatus.PAID


def test_back_from_the_payment_page_keeps_the_order_number_cart_and_address(seeded, client):
    """Stripe's (or the demo's) way back: the review page says the order is saved, and
    paying again pays the same order, with a new attempt."""
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    start_payment(client)
    first = the_order(seeded)
    back = client.get(f"/checkout/cancelled/{first.number}?token={first.access_token}", follow_redirects=True)
    page = text(back)
    assert "You left the payment page, so nothing was charged." in page
    assert f"Order <strong>{first.number}</strong> is saved and waiting for payment" in page
    assert "Hauptstraße 5" in page and "Sheet Mask Set — 1-month set" in page
    start_payment(client)
    again = the_order(seeded)
    assert (again.number, again.payment_attempts) == (first.number, 2)


def test_unknown_card_number_is_a_clear_error_and_the_order_waits(seeded, client):
    add(client, "MAG-001")
    checkout_to_review(client)
    demo_url = start_payment(client)
    response = client.post(demo_url, data={"card_number": "5555 5555 5555 4444", "expiry": "12/39", "cvc": "123"})
    assert response.status_code == 422
    assert "This demo only knows two cards" in text(response)
    assert 'value="5555 5555 5555 4444"' in text(response)
    response = client.post(demo_url, data={"card_number": "4242424242424242", "expiry": "01/20", "cvc": "1"})
    assert "This card has expired" in text(response) and "The security code is the 3 digits" in text(response)
    assert the_order(seeded).status is OrderStatus.PENDING_PAYMENT


@pytest.mark.parametrize("expiry", ["ab", "1/2/3", "13/30"])
def test_an_expiry_date_that_is_not_mm_yy_is_a_clear_error(seeded, client, expiry):
    add(client, "MAG-001")
    checkout_to_review(client)
    demo_url = start_payment(client)
    response = client.post(demo_url, data={"card_number": "4242424242424242", "expiry": expiry, "cvc": "123"})
    assert response.status_code == 422
    assert "Please enter the expiry date as MM/YY, like 12/30." in text(response)
    assert f'value="{expiry}"' in text(response)
    assert the_order(seeded).status is OrderStatus.PENDING_PAYMENT


def test_abandoned_demo_payment_cancels_and_keeps_the_cart(seeded, client):
    add(client, "MASK-MIX-7", 2)
    checkout_to_review(client)
    demo_url = start_payment(client)
    response = client.post(demo_url + "/cancel")
    assert response.location.endswith("/checkout")
    page = text(client.get("/checkout"))
    assert "You cancelled the payment, so nothing was charged." in page
    assert "2 × Sheet Mask Set — 7-day set" in page and 'value="Berlin"' in page
    assert the_order(seeded).status is OrderStatus.CANCELLED
    with seeded.app_context():
        assert variant("MASK-MIX-7").stock == 25


def test_leaving_the_providers_page_keeps_the_order_and_paying_again_is_a_new_attempt(seeded, client):
    add(client, "MAG-001")
    checkout_to_review(client)
    start_payment(client)
    order = the_order(seeded)
    response = client.get(f"/checkout/cancelled/{order.number}?token={order.access_token}")
    assert response.location.endswith("/checkout/review")
    assert "You left the payment page, so nothing was charged." in text(client.get("/checkout/review"))
    start_payment(client)
    again = the_order(seeded)
    assert again.number == order.number and again.payment_attempts == 2
    assert again.payment_reference == f"demo_{order.number}_2"
    # Changing the cart while that order waits replaces it: it is cancelled, its stock comes back.
    add(client, "MAG-002")
    checkout_to_review(client)
    start_payment(client)
    with seeded.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Order)) == 2
        assert db.session.scalar(select(Order.status).where(Order.number == order.number)) is OrderStatus.CANCELLED
        assert variant("MAG-001").stock == 39 and variant("MAG-002").stock == 3


def test_adding_after_a_paid_order_starts_a_fresh_cart(seeded, client):
    add(client, "MAG-001")
    checkout_to_review(client)
    client.post(start_payment(client), data={"card_number": "4242424242424242", "expiry": "01/40", "cvc": "123"})
    add(client, "MAG-002")  # straight back to the shop, without seeing the confirmation page
    page = text(client.get("/cart"))
    assert "/products/magazine-issue-2-seoul-eats" in page and "/products/magazine-issue-1-hallyu" not in page


def test_confirmation_shows_payment_processing_until_paid(seeded, client):
    add(client, "MAG-001")
    checkout_to_review(client)
    start_payment(client)
    order = the_order(seeded)
    page = text(client.get(f"/checkout/complete/{order.number}?token={order.access_token}"))
    assert "Payment processing" in page and '<meta http-equiv="refresh" content="3">' in page
    assert "We're waiting for your payment" in page
    assert 'class="site-nav__count" aria-hidden="true">1<' in page  # not paid yet: the cart stays


def test_order_page_needs_its_token(seeded, client):
    add(client, "MAG-001")
    checkout_to_review(client)
    start_payment(client)
    order = the_order(seeded)
    response = client.get(f"/orders/{order.number}?token={order.access_token}")
    assert response.status_code == 200
    assert f"Order {order.number}" in text(response) and "Payment processing" in text(response)
    assert client.get(f"/orders/{order.number}").status_code == 404
    assert client.get(f"/orders/{order.number}?token=wrong").status_code == 404
    assert client.get(f"/orders/IMK-NOSUCH00?token={order.access_token}").status_code == 404
    assert client.get(f"/checkout/complete/{order.number}?token=nope").status_code == 404


def test_a_forged_demo_page_url_is_not_found(seeded, client):
    assert client.get("/payments/demo/not-a-signed-state").status_code == 404


def test_csrf_is_enforced_on_add_to_cart(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": True,
            "MAIL_OUTBOX_DIR": str(tmp_path),
        }
    )
    client = app.test_client()
    response = client.post("/cart/add", data={"variant_id": 1, "quantity": 1})
    assert response.status_code == 400
    assert "cart" not in (client.get_cookie("session").value if client.get_cookie("session") else "")
    with app.app_context():
        db.engine.dispose()


def test_checkout_pay_is_rate_limited(seeded, client):
    seeded.config["CHECKOUT_RATE_LIMIT"] = "2 per minute"
    add(client, "MAG-001")
    checkout_to_review(client)
    assert client.post("/checkout/pay").status_code == 303
    assert client.post("/checkout/pay").status_code == 303
    assert client.post("/checkout/pay").status_code == 429


def test_the_demo_gateway_never_runs_in_production(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://shop@db/shop")
    monkeypatch.delenv("STRIPE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY must be set: the demo payment gateway"):
        create_app()
    with pytest.raises(demo.DemoGatewayRefused):
        demo.DemoGateway({"SHOP_ENV": "production"})
    with pytest.raises(demo.DemoGatewayRefused):
        demo.DemoGateway({"SHOP_ENV": "development", "STRIPE_SECRET_KEY": "sk_test_x"})
    # With Stripe configured the demo pages are not there at all.
    monkeypatch.setenv("SHOP_ENV", "development")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": "whsec_x",
            "MAIL_OUTBOX_DIR": str(tmp_path),
        }
    )
    assert app.test_client().get("/payments/demo/anything").status_code == 404
