"""Every form the shop serves, posted with values no person types: NUL and other control
characters, 10,000 characters, right-to-left and zero-width characters, emoji, huge and
negative numbers, and every field sent twice. Nothing may answer 5xx, and a form shown again
keeps what was typed in its text fields.

The routes come from the URL map, so a new form is fuzzed the day it is added. Each is
posted as a visitor and as a signed-in customer who owns an address, an order and a
subscription (so the ids in the URLs are theirs), on SQLite and on PostgreSQL (where a NUL
byte used to reach the database).
"""

import html
import re

import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.routing import AnyConverter, IntegerConverter

from shop import create_app
from shop.extensions import db

from .accounts.factories import make_address
from .accounts.test_orders_in_account import make_order
from .admin.factories import make_admin, sign_in_admin
from .subscriptions.account_support import OWNER, owned_subscription, signed_in

HOSTILE = {
    "nul": "Min\x00ji",
    "control": "Min\x1b[31mji\x7f",
    "long": "x" * 10_000,
    "rtl": "\u202eMin-ji\u202c Kim",
    "zero_width": "Min\u200b\u200dji\ufeff",
    "emoji": "Min-ji 🙂🇰🇷",
    "huge": "9" * 30,
    "negative": "-99999999999",
}
# What a person would type, by field name: each hostile value goes into one field at a time
# with these in the others, so it reaches the code behind the form instead of stopping at the
# first invalid field.
GOOD = {
    "name": "Min-ji Kim", "email": "fuzz@example.com", "password": "correct horse battery",
    "new_password": "another horse battery", "current_password": "correct horse battery",
    "line1": "1 Tea Street", "line2": "Flat 2", "city": "Leeds", "postcode": "LS1 1AA",
    "country": "GB", "region": "", "phone": "+44 7700 900123", "discount_code": "WELCOME10",
    "quantity": "1", "plan": "monthly", "card_number": "4242 4242 4242 4242", "expiry": "12/39",
    "cvc": "123", "message": "Hello", "body": "Hello", "q": "mask", "code": "123456",
    "new_email": "fuzz-new@example.com", "website": "",
}  # fmt: skip
# A button posted from another page (no form at its own URL) gets these.
BUTTON_FIELDS = ["quantity", "variant_id", "code", "email", "name", "reason"]
# Not forms: the Stripe webhook is refused without Stripe's signature, before reading a field.
NOT_FORMS = {"stripe_webhooks.receive"}
FORM = re.compile(r'<form\b([^>]*method="post"[^>]*)>(.*?)</form>', re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
ATTRIBUTE = re.compile(r'(\w[\w-]*)="([^"]*)"')
OPTION = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"')


def post_routes() -> list[str]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(
        rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint not in NOT_FORMS
    )


@pytest.fixture
def world(seeded):
    """A customer who owns an address, an order and a subscription, and their ids."""
    with seeded.app_context():
        sub_id = owned_subscription(email=OWNER)
        from shop.accounts.services import user_by_email

        user = user_by_email(OWNER)
        address = make_address(user, is_default=True)
        order = make_order(OWNER, user=user)
        db.session.commit()
        return {"sub_id": sub_id, "address_id": address.id, "number": order.number, "token": order.access_token}


def first_value(converter):
    """A value the converter accepts: an id, one of an `any(...)`'s words, or any text."""
    if isinstance(converter, AnyConverter):
        return sorted(converter.items)[0]
    return 1 if isinstance(converter, IntegerConverter) else "x"


def url_for_rule(app, endpoint: str, world: dict) -> str:
    [rule] = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods][:1]
    values = {}
    for argument, converter in rule._converters.items():
        if argument in world:
            values[argument] = world[argument]
        else:
            values[argument] = first_value(converter)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


def form_of(page: str, url: str) -> tuple[dict[str, str], set[str]]:
    """The fields of the page's POST forms to `url` with what a person would put in them, and
    which of them are visible text inputs (whose typed value a re-shown form must keep). Forms
    that post elsewhere (the footer's newsletter sign-up on every page) are not this form."""
    values: dict[str, str] = {}
    text_inputs: set[str] = set()
    for opening, form in FORM.findall(page):
        action = html.unescape(dict(ATTRIBUTE.findall(opening)).get("action", url)).split("#")[0]
        if action.split("?")[0] != url.split("?")[0]:
            continue
        for tag, attributes in FIELD.findall(form):
            attrs = dict(ATTRIBUTE.findall(attributes))
            name = attrs.get("name")
            if not name:
                continue
            kind = attrs.get("type", "text") if tag.lower() == "input" else tag.lower()
            if tag.lower() == "select":
                options = OPTION.findall(form[form.find(f'name="{name}"') :])
                default = next((o for o in options if o), "")
            else:
                default = attrs.get("value", "")
            values[name] = html.unescape(GOOD.get(name, default or "1"))
            if kind in ("text", "email", "tel", "search", "textarea", "url"):
                text_inputs.add(name)
    return values, text_inputs


def posts(fields: dict[str, str]):
    """Each hostile value in each field in turn, the others as a person would fill them;
    then every field twice (a repeated field must not break a form either)."""
    for kind, value in HOSTILE.items():
        for name in fields:
            yield kind, name, MultiDict({**fields, name: value})
        yield kind, "every field twice", MultiDict([(name, value) for name in fields for _ in range(2)])


@pytest.mark.parametrize("endpoint", post_routes())
def test_a_form_posted_with_hostile_values_never_fails(seeded, world, endpoint):
    visitor = seeded.test_client()
    customer = signed_in(seeded.test_client())
    url = url_for_rule(seeded, endpoint, world)
    clients = [visitor, customer]
    if url.startswith("/admin"):  # a 404 to everyone else: what matters is the admin's forms
        with seeded.app_context():
            make_admin()
        clients = [seeded.test_client()]
        sign_in_admin(seeded, clients[0])
    for client in clients:
        page = client.get(url)
        fields, text_inputs = form_of(page.get_data(as_text=True), url) if page.status_code == 200 else ({}, set())
        fields = fields or {name: GOOD.get(name, "1") for name in BUTTON_FIELDS}
        for kind, field, data in posts(fields):
            response = client.post(url, data=data)
            assert response.status_code < 500, f"{endpoint}: {kind} in {field} gave {response.status_code}"
            if kind == "emoji" and field in text_inputs and response.status_code in (200, 422):
                shown = response.get_data(as_text=True)
                assert html.escape(HOSTILE["emoji"]) in shown, f"{endpoint}: what was typed in {field} is lost"


@pytest.mark.parametrize(
    "query", ["page=-1", "page=99999999999999999999", "q=%00", "q=%22NEAR(%2A", "plan=%00", "next=%00", "page=x"]
)
def test_hostile_query_strings_never_fail(seeded, world, query):
    client = seeded.test_client()
    paths = sorted(
        rule.rule
        for rule in seeded.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static")
    )
    for path in paths:
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, f"{path}?{query}: {response.status_code}"
