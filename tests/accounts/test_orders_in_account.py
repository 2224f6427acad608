"""Orders in the account: linking, claiming guest orders, listing, export, anonymising."""

import json
import secrets
from datetime import timedelta

from sqlalchemy import select

from shop.accounts import models as account_models
from shop.accounts.models import User
from shop.db_types import utcnow
from shop.extensions import db
from shop.orders.models import Order, OrderEvent, OrderLine, OrderStatus, VatTreatment

from .factories import PASSWORD, confirm_registration, emails_to, link_in, make_user, sign_in


def make_order(
    email: str,
    *,
    user: User | None = None,
    status: OrderStatus = OrderStatus.PAID,
    age_days: int = 0,
    number: str | None = None,
) -> Order:
    """An order snapshot as checkout writes it (inside an app context), committed."""
    order = Order(
        number=number or "IMK-" + secrets.token_hex(4).upper(),
        access_token=secrets.token_urlsafe(32),
        email=email,
        user_id=user.id if user else None,
        ship_name="Min-ji Kim",
        ship_line1="1 Tea Street",
        ship_line2="Flat 2",
        ship_city="Leeds",
        ship_postcode="LS1 1AA",
        ship_country="GB",
        status=status,
        vat_treatment=VatTreatment.UK,
        shipping_zone="uk",
        shipping_method="Royal Mail Tracked 48",
        items_pence=2400,
        shipping_pence=395,
        vat_pence=466,
        total_pence=2795,
        created_at=utcnow() - timedelta(days=age_days),
    )
    order.lines.append(
        OrderLine(
            name="Sheet Mask Set — 7-day set",
            sku="MASK-7",
            catalogue_price_pence=1200,
            unit_price_pence=1200,
            quantity=2,
            line_total_pence=2400,
            vat_pence=400,
            customs_description="Cosmetic sheet masks",
            hs_code="330499",
            origin_country="KR",
            weight_g=150,
        )
    )
    db.session.add(order)
    db.session.commit()
    return order


def order_numbers_on(page_text: str) -> list[str]:
    return [part.split('"')[0] for part in page_text.split('class="order-card__title"><a href="/orders/')[1:]]


def test_account_lists_my_orders_newest_first_with_status_items_and_totals(app, client):
    with app.app_context():
        user = make_user()
        make_order(user.email, user=user, age_days=10, number="IMK-OLDER")
        make_order(user.email, user=user, age_days=1, number="IMK-NEWER", status=OrderStatus.SHIPPED)
        make_order("someone@example.com", number="IMK-NOTMINE")
    sign_in(client)
    page = client.get("/account").text
    assert order_numbers_on(page) == ["IMK-NEWER", "IMK-OLDER"]
    assert "IMK-NOTMINE" not in page
    assert '<span class="status status--shipped">Shipped</span>' in page
    assert "2 × Sheet Mask Set — 7-day set" in page
    assert "£27.95" in page
    assert "tracking details follow" in page  # shipped, no tracking number recorded yet


def test_guest_orders_with_the_same_email_appear_once_it_is_confirmed(app, client):
    with app.app_context():
        make_order("Min-ji@Example.com", number="IMK-GUEST1")
    client.post("/account/register", data={"email": "min-ji@example.com", "password": PASSWORD})
    with app.app_context():
        assert db.session.scalar(select(Order.user_id).where(Order.number == "IMK-GUEST1")) is None
    confirm_registration(app, client, "min-ji@example.com")  # the email is proven
    assert "IMK-GUEST1" in client.get("/account").text


def test_guest_orders_placed_later_are_claimed_at_the_next_sign_in(app, client):
    with app.app_context():
        make_user()
    with app.app_context():
        make_order("min-ji@example.com", number="IMK-LATER")
    sign_in(client)
    assert "IMK-LATER" in client.get("/account").text


def test_an_unconfirmed_account_does_not_claim_guest_orders(app, client):
    with app.app_context():
        make_user(confirmed=False)
        make_order("min-ji@example.com", number="IMK-GUEST2")
    sign_in(client)
    assert "IMK-GUEST2" not in client.get("/account").text
    with app.app_context():
        assert db.session.scalar(select(Order.user_id).where(Order.number == "IMK-GUEST2")) is None


def test_create_account_from_the_order_confirmation_links_that_order(app, client):
    with app.app_context():
        order = make_order("min-ji@example.com", number="IMK-FRESH")
        token = order.access_token
    form = client.get(f"/account/register?email=min-ji@example.com&order=IMK-FRESH&token={token}").text
    assert 'value="min-ji@example.com"' in form and "IMK-FRESH" in form
    client.post(
        "/account/register",
        data={"email": "min-ji@example.com", "password": PASSWORD, "order": "IMK-FRESH", "order_token": token},
    )
    with app.app_context():  # linked at once: the token proves it is theirs
        assert db.session.scalar(select(Order.user_id).where(Order.number == "IMK-FRESH")) is not None
    confirm_registration(app, client, "min-ji@example.com")
    assert "IMK-FRESH" in client.get("/account").text


def test_a_wrong_token_or_another_email_links_nothing(app, client):
    with app.app_context():
        order = make_order("min-ji@example.com", number="IMK-FRESH")
        token = order.access_token
    client.post(
        "/account/register",
        data={"email": "min-ji@example.com", "password": PASSWORD, "order": "IMK-FRESH", "order_token": "guessed"},
    )
    client.post("/account/sign-out")
    client.post(
        "/account/register",
        data={"email": "thief@example.com", "password": PASSWORD, "order": "IMK-FRESH", "order_token": token},
    )
    with app.app_context():
        assert db.session.scalar(select(Order.user_id).where(Order.number == "IMK-FRESH")) is None


def test_the_order_page_opens_for_its_signed_in_owner_without_the_token(app, client):
    with app.app_context():
        user = make_user()
        make_order(user.email, user=user, number="IMK-SHOWME")
    assert client.get("/orders/IMK-SHOWME").status_code == 404
    sign_in(client)
    page = client.get("/orders/IMK-SHOWME")
    assert page.status_code == 200
    assert "Order IMK-SHOWME" in page.text and "Flat 2" in page.text and "£27.95" in page.text


def test_export_includes_orders(app, client):
    with app.app_context():
        user = make_user()
        make_order(user.email, user=user, number="IMK-EXPORT")
    sign_in(client)
    data = json.loads(client.get("/account/data").text)
    [order] = data["orders"]
    assert order["number"] == "IMK-EXPORT" and order["total_pence"] == 2795 and order["status"] == "paid"
    assert order["ship_to"]["line1"] == "1 Tea Street"
    assert order["lines"] == [
        {
            "name": "Sheet Mask Set — 7-day set",
            "sku": "MASK-7",
            "quantity": 2,
            "unit_price_pence": 1200,
            "line_total_pence": 2400,
        }
    ]


def test_deleting_the_account_anonymises_orders_and_keeps_them_for_the_books(app, client):
    with app.app_context():
        user = make_user()
        make_order(user.email, user=user, number="IMK-KEEP")
        make_order("someone@example.com", number="IMK-OTHER")
    sign_in(client)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    with app.app_context():
        kept = db.session.scalar(select(Order).where(Order.number == "IMK-KEEP"))
        assert kept.user_id is None
        assert kept.email == account_models.ANONYMISED_EMAIL
        assert kept.ship_name == account_models.ANONYMISED_NAME
        assert (kept.ship_line1, kept.ship_line2, kept.ship_city, kept.ship_postcode) == (
            "[removed]",
            "",
            "[removed]",
            "",
        )
        assert (kept.ship_country, kept.total_pence, kept.items_pence, kept.vat_pence) == ("GB", 2795, 2400, 466)
        assert [(line.sku, line.quantity, line.line_total_pence) for line in kept.lines] == [("MASK-7", 2, 2400)]
        assert [e.kind for e in kept.events] == ["anonymised"]
        other = db.session.scalar(select(Order).where(Order.number == "IMK-OTHER"))
        assert other.email == "someone@example.com" and other.ship_name == "Min-ji Kim"
        assert db.session.scalar(select(User)) is None


def test_a_failed_deletion_changes_nothing(app, client, monkeypatch):
    """One transaction: if removing the account fails, the orders are not anonymised either."""
    with app.app_context():
        user = make_user()
        make_order(user.email, user=user, number="IMK-SAFE")
    sign_in(client)
    from shop.accounts import services

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services.db.session, "delete", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 500
    monkeypatch.undo()
    with app.app_context():
        db.session.rollback()
        order = db.session.scalar(select(Order).where(Order.number == "IMK-SAFE"))
        assert order.email == "min-ji@example.com" and order.user_id is not None
        assert not db.session.scalars(select(OrderEvent)).all()


def test_the_account_page_has_orders_subscriptions_and_addresses(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    page = client.get("/account").text
    assert 'id="subscriptions-title">My subscriptions' in page and "No subscriptions yet." in page
    assert 'id="orders-title">My orders' in page and 'id="addresses-title">My addresses' in page
