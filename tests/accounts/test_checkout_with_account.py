"""Where checkout meets accounts: the default address pre-fills the form, an order placed
signed in is linked, and the confirmation page offers to create an account."""

from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order

from ..commerce import variant
from .factories import PASSWORD, confirm_registration, make_address, make_user, sign_in

GERMAN = {
    "email": "jana@example.com",
    "name": "Jana Müller",
    "line1": "Hauptstraße 5",
    "line2": "2. OG",
    "city": "Berlin",
    "postcode": "10115",
    "country": "DE",
    "discount_code": "",
}
CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}


def add_to_cart(client, sku="MAG-001"):
    with client.application.app_context():
        variant_id = variant(sku).id
    assert client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1}).status_code == 302


def buy(client, details=GERMAN) -> str:
    """Check out and pay with the demo card; returns the confirmation page's path."""
    assert client.post("/checkout", data=details).status_code == 302
    demo_url = client.post("/checkout/pay").location
    return client.post(demo_url, data=CARD).location


def latest_order() -> Order:
    return db.session.scalar(select(Order).order_by(Order.id.desc()))


def test_checkout_starts_from_the_default_address(seeded, client):
    with seeded.app_context():
        user = make_user()
        make_address(user, line1="9 Other Road")
        make_address(
            user, name="Min-ji at work", line1="1 Office Park", city="York", postcode="YO1 7HH", is_default=True
        )
    sign_in(client)
    add_to_cart(client)
    form = client.get("/checkout").text
    assert 'value="min-ji@example.com"' in form
    assert 'value="Min-ji at work"' in form and 'value="1 Office Park"' in form and 'value="YO1 7HH"' in form
    assert '<option selected value="GB">' in form
    assert "9 Other Road" not in form


def test_after_signing_out_checkout_no_longer_shows_the_address(seeded, client):
    with seeded.app_context():
        make_address(make_user(), is_default=True)
    sign_in(client)
    client.post("/account/sign-out")
    add_to_cart(client)
    form = client.get("/checkout").text
    assert 'name="line1"' in form
    assert "1 Tea Street" not in form and "min-ji@example.com" not in form


def test_an_order_placed_signed_in_belongs_to_the_account(seeded, client):
    with seeded.app_context():
        make_user()
    sign_in(client)
    add_to_cart(client)
    confirmation = client.get(buy(client)).text  # a different email at checkout: still theirs
    assert "follow this order from" in confirmation and "Create an account" not in confirmation
    with seeded.app_context():
        order = latest_order()
        assert order.user_id is not None and order.email == "jana@example.com"
        number = order.number
    assert number in client.get("/account").text


def test_the_confirmation_page_offers_an_account_with_the_email_filled_in(seeded, client):
    add_to_cart(client)
    confirmation = client.get(buy(client)).text
    with seeded.app_context():
        order = latest_order()
        number, token = order.number, order.access_token
    assert "Create an account" in confirmation
    link = f"/account/register?email=jana@example.com&amp;order={number}&amp;token={token}"
    assert link in confirmation
    form = client.get(link.replace("&amp;", "&")).text
    assert 'value="jana@example.com"' in form and f'value="{number}"' in form
    client.post(
        "/account/register",
        data={"email": "jana@example.com", "password": PASSWORD, "order": number, "order_token": token},
    )
    confirm_registration(seeded, client, "jana@example.com")
    assert f"Order {number}" in client.get("/account").text


def test_the_cart_survives_signing_in(seeded, client):
    with seeded.app_context():
        make_user()
    add_to_cart(client, "MAG-001")
    assert "1 item" in client.get("/cart").text
    sign_in(client)
    cart = client.get("/cart").text
    assert 'class="site-nav__count" aria-hidden="true">1<' in cart
    assert "Your cart is empty." not in cart
