"""Payments in the account: box payments and renewals listed with the orders, each linking
to its receipt; the subscription's address goes into the address book and fills the checkout."""

from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from shop.accounts.models import User
from shop.catalog.models import Variant
from shop.core.addresses import PostalAddress
from shop.extensions import db
from shop.subscriptions import lifecycle, manage

from ..accounts.factories import make_user
from ..accounts.test_orders_in_account import make_order
from ..box_factories import make_subscription
from .account_support import (
    FEB,
    MAR,
    OWNER,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_account_pages import text

BEFORE_FEB_CUTOFF = datetime(2027, 2, 5, 12, 0, tzinfo=UTC)


def test_box_payments_are_listed_with_the_orders_newest_first(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        sub = load(sub_id)
        user = db.session.get(User, sub.user_id)
        sub.periods[0].paid_at = datetime(2027, 1, 20, 9, tzinfo=UTC)
        lifecycle.record_payment(
            sub,
            reference="in_march",
            first_month=MAR,
            amount_pence=2499,
            actor="test",
            paid_at=datetime(2027, 3, 1, 9, tzinfo=UTC),
        )
        db.session.commit()
        with time_machine.travel(datetime(2027, 2, 3, 12, tzinfo=UTC), tick=False):
            order = make_order(OWNER, user=user)
        march = next(p for p in load(sub_id).periods if p.reference == "in_march")
        march_id, number = march.id, order.number
    with time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False):
        signed_in(client)
        html = client.get("/account").text
    page = text(html)
    assert "My orders and payments" in page
    march_at = page.index("Culture Box payment, 1 March 2027")
    order_at = page.index(f"Order {number}")
    january_at = page.index("Culture Box payment, 20 January 2027")
    assert march_at < order_at < january_at  # newest first, orders and payments together
    assert "The March 2027 box £24.99 Shipping Included Includes UK VAT £4.17 Total £24.99" in page
    assert f'href="/account/subscriptions/{sub_id}/payments/{march_id}"' in html


def test_the_subscription_address_goes_into_the_address_book_and_fills_the_checkout(seeded, client, gateway):
    with seeded.app_context():
        user = make_user(OWNER)
        sub = make_subscription("monthly", first_month=FEB, paid=False, name="Min-ji Kim")
        sub.user_id = user.id
        db.session.commit()
        lifecycle.record_payment(sub, reference="in_first", first_month=FEB, amount_pence=2499, actor="test")
        db.session.commit()
        user = db.session.get(User, user.id)
        [saved] = user.addresses
        assert saved.is_default and saved.postal_address == sub.postal_address
        line1 = sub.ship_line1
        # moving house adds the new address too (the default stays the customer's choice)
        manage.change_address(
            load(sub.id),
            PostalAddress.of(name="Min-ji Kim", line1="2 New Road", city="York", postcode="YO1 1AA", country="GB"),
        )
        manage.change_address(
            load(sub.id),
            PostalAddress.of(name="Min-ji Kim", line1="2 New Road", city="York", postcode="YO1 1AA", country="GB"),
        )
        db.session.commit()
        db.session.expire_all()
        assert [a.ship_line1 for a in db.session.get(User, user.id).addresses] == [line1, "2 New Road"]
        variant_id = db.session.scalar(select(Variant.id).where(Variant.stock > 0).limit(1))
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
        form = client.get("/checkout").text
    assert f'value="{line1}"' in form and 'value="LS1 1AA"' in form
