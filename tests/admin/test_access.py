"""Every /admin URL, read from the URL map so each new admin page is covered the day it is
added: an admin who passed the second factor gets the page (or a redirect); a customer and a
visitor get 404, whatever the method; and no admin POST is accepted without a CSRF token.

A route whose path takes an argument is filled from SAMPLES: a page with a new argument
name needs a sample here (the test says which)."""

import pytest
from sqlalchemy import select

from shop.accounts.services import open_session
from shop.admin import audit
from shop.extensions import db
from shop.models import Category, DiscountCode, ParcelRate, Post, Product, ProductImage, ShippingZone, User, Variant
from shop.subscriptions.models import Edition, Plan

from ..accounts.factories import PASSWORD, make_user, sign_in
from ..box_factories import make_subscription
from ..commerce import items, place

SKIP_METHODS = {"HEAD", "OPTIONS"}


def _first(stmt):
    return db.session.scalars(stmt.limit(1)).first()


def sample_values(app) -> dict[str, object]:
    """A real value for each path argument an /admin route takes, from the demo content
    plus an order and a subscription made here."""
    with app.app_context():
        order = place(items(MASK_MIX_7=1))
        edition = _first(select(Edition).order_by(Edition.month))
        subscription = make_subscription(first_month=edition.month)
        product = _first(select(Product).order_by(Product.id))
        post = _first(select(Post).order_by(Post.id))
        admin = db.session.scalar(select(User).where(User.is_admin))
        audit_row = None
        with app.test_request_context():
            from flask_login import login_user

            open_session(admin)
            login_user(admin)
            audit_row = audit.record("test.sample", order)
        db.session.commit()
        values = {
            "order_id": order.id,
            "number": order.number,
            "subscription_id": subscription.id,
            "edition_id": edition.id,
            "month": edition.month.strftime("%Y-%m"),
            "product_id": product.id,
            "slug": product.slug,
            "variant_id": _first(select(Variant.id).order_by(Variant.id)),
            "category_id": _first(select(Category.id).order_by(Category.id)),
            "plan_id": _first(select(Plan.id).order_by(Plan.id)),
            "zone_id": _first(select(ShippingZone.id).order_by(ShippingZone.id)),
            "post_id": post.id,
            "post_slug": post.slug,
            "user_id": admin.id,
            "action_id": audit_row.id,
            "name": "orders",  # an export
            "image_id": _first(select(ProductImage.id).order_by(ProductImage.id)),
            "shipment_id": 1,  # POST only: the gate answers before the shipment is looked up
            "rate_id": _first(select(ParcelRate.id).order_by(ParcelRate.id)),
            "discount_id": _first(select(DiscountCode.id).order_by(DiscountCode.id)),
            "action": "pause",
            "comment_id": 1,  # POST only: the gate answers before the comment is looked up
            "move": "approve",
        }
        return values


def admin_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule == "/admin" or rule.rule.startswith("/admin/"):
            yield rule


def url_of(app, rule, samples) -> str:
    missing = [arg for arg in rule.arguments if arg not in samples]
    assert not missing, f"{rule.rule}: add a sample value for {missing} to SAMPLES in tests/admin/test_access.py"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **{arg: samples[arg] for arg in rule.arguments})


def test_the_admin_blueprint_has_pages(app):
    assert len(list(admin_routes(app))) >= 5


def test_every_admin_page_opens_for_an_admin(app, seeded, admin_client):
    samples = sample_values(app)
    seen = 0
    for rule in admin_routes(app):
        if "GET" not in rule.methods:
            continue
        url = url_of(app, rule, samples)
        response = admin_client.get(url)
        response.get_data()  # a streamed download runs to its end, as a browser reads it
        assert response.status_code in (200, 302, 303), f"GET {url} as an admin: {response.status_code}"
        assert response.headers.get("Cache-Control") == "no-store", url
        seen += 1
    assert seen >= 4


@pytest.mark.parametrize("who", ["visitor", "customer", "admin without the second factor"])
def test_every_admin_url_is_404_to_everyone_else(app, seeded, admin, who):
    samples = sample_values(app)
    client = app.test_client()
    if who == "customer":
        with app.app_context():
            make_user("customer@example.com")
        sign_in(client, "customer@example.com", PASSWORD)
    elif who != "visitor":
        sign_in(client, admin.email, PASSWORD)
    before = {"GET", "POST"}
    for rule in admin_routes(app):
        url = url_of(app, rule, samples)
        for method in sorted((rule.methods - SKIP_METHODS) | before):
            response = client.open(url, method=method)
            if who.startswith("admin"):
                if rule.endpoint in ("admin.second_factor", "admin.second_factor_setup"):
                    continue
                # The admin is sent to the second factor; nothing else is open to them.
                assert response.status_code in (303, 405), f"{method} {url}: {response.status_code}"
                if response.status_code == 303:
                    assert response.headers["Location"].startswith("/admin/second-factor")
            else:
                assert response.status_code == 404, f"{method} {url} as a {who}: {response.status_code}"
    for url in ("/admin", "/admin/", "/admin/no-such-page"):
        assert client.get(url).status_code in ((404,) if who != "admin without the second factor" else (303, 308, 404))


def test_every_admin_post_is_refused_without_a_csrf_token(app, seeded, admin_client):
    samples = sample_values(app)
    app.config["WTF_CSRF_ENABLED"] = True
    posted = 0
    with app.app_context():
        actions_before = db.session.scalar(select(db.func.count()).select_from(audit.AdminAction))
    for rule in admin_routes(app):
        if "POST" not in rule.methods:
            continue
        url = url_of(app, rule, samples)
        response = admin_client.post(url, data={"code": "123456"})
        assert response.status_code == 400, f"POST {url} without a CSRF token: {response.status_code}"
        posted += 1
    assert posted >= 3
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(audit.AdminAction)) == actions_before
