"""Every customer-owned URL, tried as its owner, as another customer and signed out.

OWNED lists them all. A route under /account (or in the accounts blueprint) that is in
neither OWNED nor PUBLIC fails `test_every_account_route_is_listed`, so a new page
cannot ship without being tried here. The subscriber's pages are in OWNED too.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from shop.extensions import db

from .factories import make_address, make_user, sign_in
from .test_orders_in_account import make_order

# Pages anyone may open: they act on the visitor's own session or on a signed token.
PUBLIC = {
    "accounts.register",
    "accounts.check_email",
    "accounts.sign_in",
    "accounts.sign_out",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.confirm_email",
    "accounts.confirm_email_change",
}

OWNER_EMAIL = "owner@example.com"
OWNER_SECRET = "1 Owner Street"  # appears only on the owner's pages


@dataclass(frozen=True)
class Owned:
    endpoint: str
    method: str
    url: Callable[[dict], str]  # from the world's ids
    owner_status: int  # what the owner gets (200, or 302 after a POST action)
    # "row": the URL names someone's row, so another customer gets 404.
    # "self": the URL is "my ..." (no id), so another customer sees only their own.
    kind: str = "row"
    data: Callable[[dict], dict] | None = None
    # A signed-out visitor is sent to sign in, except on pages a guest may also reach with
    # a secret token (an order): there, without the token, it is 404.
    signed_out: str = "sign-in"

    def __str__(self) -> str:
        return self.endpoint


OWNED = [
    Owned("accounts.account", "GET", lambda w: "/account", 200, kind="self"),
    Owned("accounts.change_password", "GET", lambda w: "/account/password", 200, kind="self"),
    Owned("accounts.change_email", "GET", lambda w: "/account/email", 200, kind="self"),
    Owned("accounts.export_data", "GET", lambda w: "/account/data", 200, kind="self"),
    Owned("accounts.delete_account", "GET", lambda w: "/account/delete", 200, kind="self"),
    Owned("accounts.resend_confirmation", "POST", lambda w: "/account/confirm-email/resend", 302, kind="self"),
    Owned("accounts.sign_out_everywhere", "POST", lambda w: "/account/sign-out-everywhere", 302, kind="self"),
    Owned("accounts.address_new", "GET", lambda w: "/account/addresses/new", 200, kind="self"),
    Owned("accounts.address_edit", "GET", lambda w: f"/account/addresses/{w['address']}/edit", 200),
    Owned(
        "accounts.address_edit",
        "POST",
        lambda w: f"/account/addresses/{w['address']}/edit",
        302,
        data=lambda w: {
            "name": "Changed",
            "line1": "2 Else Road",
            "city": "York",
            "postcode": "YO1 1AA",
            "country": "GB",
        },
    ),
    Owned("accounts.address_delete", "POST", lambda w: f"/account/addresses/{w['address']}/delete", 302),
    Owned("accounts.address_default", "POST", lambda w: f"/account/addresses/{w['address']}/default", 302),
]

# The subscriber's pages (shop/subscriptions/account_views.py).
SUBSCRIPTION_ADDRESS = {
    "name": "Min-ji Kim",
    "line1": "2 New Road",
    "city": "York",
    "postcode": "YO1 1AA",
    "country": "GB",
}
OWNED += [
    Owned("subscriber.manage", "GET", lambda w: f"/account/subscriptions/{w['subscription']}", 200),
    Owned("subscriber.card", "GET", lambda w: f"/account/subscriptions/{w['subscription']}/card", 302),
    Owned(
        "subscriber.skip",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/skip",
        302,
        data=lambda w: {"edition": w["skippable"]},
    ),
    Owned(
        "subscriber.undo_skip",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/skip/undo",
        302,
        data=lambda w: {"edition": w["skippable"]},
    ),
    Owned(
        "subscriber.receipt", "GET", lambda w: f"/account/subscriptions/{w['subscription']}/payments/{w['period']}", 200
    ),
    Owned(
        "subscriber.add_to_box",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/add",
        302,  # no catalogue in this world: refused with the reason, back to the page
        data=lambda w: {"variant_id": "999999", "quantity": "1"},
    ),
    Owned("subscriber.pause", "POST", lambda w: f"/account/subscriptions/{w['subscription']}/pause", 302),
    Owned("subscriber.resume", "POST", lambda w: f"/account/subscriptions/{w['subscription']}/resume", 302),
    Owned("subscriber.cancel", "GET", lambda w: f"/account/subscriptions/{w['subscription']}/cancel", 200),
    Owned(
        "subscriber.cancel",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/cancel",
        302,
        data=lambda w: {"offer_seen": "1"},
    ),
    Owned("subscriber.keep", "POST", lambda w: f"/account/subscriptions/{w['subscription']}/keep", 302),
    Owned("subscriber.address", "GET", lambda w: f"/account/subscriptions/{w['subscription']}/address", 200),
    Owned(
        "subscriber.address",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/address",
        200,
        data=lambda w: SUBSCRIPTION_ADDRESS,
    ),
    Owned(
        "subscriber.address_confirm",
        "POST",
        lambda w: f"/account/subscriptions/{w['subscription']}/address/confirm",
        302,
        data=lambda w: SUBSCRIPTION_ADDRESS,
    ),
]


def order_urls() -> list[Owned]:
    """The order page (shop/orders/views.py): a guest reaches it with the order's token; a
    signed-in owner without it; everyone else gets 404."""
    return [Owned("orders.show", "GET", lambda w: f"/orders/{w['order']}", 200, signed_out="404")]


def all_owned() -> list[Owned]:
    return OWNED + order_urls()


@pytest.fixture
def world(app):
    """An owner with an address (not default: the default action must change something),
    an order when orders exist, and another customer with an address of their own."""
    with app.app_context():
        owner = make_user(OWNER_EMAIL)
        make_address(owner, line1="9 First Road", is_default=True)
        address = make_address(owner, line1=OWNER_SECRET)
        other = make_user("other@example.com")
        make_address(other, line1="5 Other Lane", is_default=True)
        ids = {"address": address.id, "order": make_order(OWNER_EMAIL, user=owner).number}
        ids.update(owned_subscription(app, owner))
        db.session.remove()
    return ids


def owned_subscription(app, owner) -> dict:
    """The owner's paid Culture Box subscription (plans, zones and editions as seeded)."""
    from collections import Counter
    from pathlib import Path

    from shop import seed
    from shop.db_types import utcnow
    from shop.subscriptions.manage import skippable_edition
    from shop.subscriptions.services import first_box_month

    from ..box_factories import make_subscription

    content, added = Path(app.config["SHOP_CONTENT_DIR"]), Counter()
    seed.load_shipping(content, added)
    seed.load_plans(content, added)
    seed.load_editions(content, added)
    db.session.commit()
    sub = make_subscription("monthly", first_month=first_box_month(utcnow()), name="Min-ji Kim")
    sub.user_id = owner.id
    db.session.commit()
    skippable = skippable_edition(sub)
    return {"subscription": sub.id, "skippable": skippable.code if skippable else "", "period": sub.periods[0].id}


def request(client, entry: Owned, world: dict):
    url = entry.url(world)
    if entry.method == "POST":
        return client.post(url, data=entry.data(world) if entry.data else {})
    return client.get(url)


def test_every_account_route_is_listed(app):
    listed = {entry.endpoint for entry in all_owned()} | PUBLIC
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("accounts.") or rule.rule.startswith("/account")
    }
    missing = routes - listed
    assert not missing, f"customer-owned routes without an ownership test: {sorted(missing)}"
    every_endpoint = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert not (listed - every_endpoint), f"listed but no longer routed: {sorted(listed - every_endpoint)}"


@pytest.mark.parametrize("entry", all_owned(), ids=str)
def test_owner_is_served(app, client, world, entry):
    sign_in(client, OWNER_EMAIL)
    response = request(client, entry, world)
    assert response.status_code == entry.owner_status, response.text[:500]


@pytest.mark.parametrize("entry", all_owned(), ids=str)
def test_another_customer_gets_404_or_only_their_own(app, client, world, entry):
    sign_in(client, "other@example.com")
    response = request(client, entry, world)
    if entry.kind == "row":
        assert response.status_code == 404
        # and nothing changed: the owner still has both addresses, as they were
        from sqlalchemy import select

        from shop.accounts.models import Address, User

        with app.app_context():
            owner = db.session.scalar(select(User).where(User.email == OWNER_EMAIL))
            lines = sorted((a.ship_line1, a.is_default) for a in owner.addresses)
            assert lines == [("1 Owner Street", False), ("9 First Road", True)]
            assert db.session.get(Address, world["address"]).ship_name == "Min-ji Kim"
            # and the owner's subscription is as it was: active, not cancelled, not moved, nothing skipped
            from shop.subscriptions.models import Skip, Subscription, SubscriptionStatus

            sub = db.session.get(Subscription, world["subscription"])
            assert (sub.status, sub.cancel_at_period_end, sub.ship_city) == (SubscriptionStatus.ACTIVE, False, "Leeds")
            assert [e.kind for e in sub.events] == ["paid", "status"]
            assert db.session.scalar(select(Skip.id)) is None
    else:
        assert response.status_code in (200, 302)
        assert OWNER_SECRET not in response.text and OWNER_EMAIL not in response.text


@pytest.mark.parametrize("entry", all_owned(), ids=str)
def test_signed_out_visitor_is_sent_to_sign_in_or_gets_404(app, client, world, entry):
    response = request(client, entry, world)
    if entry.signed_out == "404":
        assert response.status_code == 404
    else:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/sign-in?next=")
