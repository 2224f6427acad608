"""Input no person types: control characters, numbers out of any range, odd expiry dates.
Each gets a clear message on the page, never a 500, and what was typed elsewhere is kept."""

import pytest

from shop.core.forms import ShopForm

from .accounts.factories import make_user, sign_in
from .test_checkout_views import GERMAN, add, checkout_to_review, start_payment, text

NUL = "\x00"


def test_every_form_refuses_control_characters():
    """A form that skipped ShopForm would let a NUL reach PostgreSQL; every form is one."""
    from flask_wtf import FlaskForm

    import shop.edges  # noqa: F401  (imports every views module, so every form)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [form for form in subclasses(FlaskForm) if form.__module__.startswith("shop.")]
    assert forms and [form for form in forms if not issubclass(form, ShopForm)] == []


@pytest.mark.parametrize("field", ["name", "line1", "line2", "city", "postcode", "email", "discount_code"])
def test_a_nul_in_a_checkout_field_is_a_field_error_with_the_rest_kept(seeded, client, field):
    add(client, "MASK-MIX-7")
    response = client.post("/checkout", data={**GERMAN, field: f"Jana{NUL}Müller"})
    page = text(response)
    assert response.status_code == 422
    assert "Please remove the invisible control characters from this field." in page
    for other, value in GERMAN.items():
        if other not in (field, "country") and value:
            assert f'value="{value}"' in page


def test_a_nul_in_the_registration_name_is_a_field_error(seeded, client):
    response = client.post(
        "/account/register", data={"name": f"Min{NUL}ji", "email": "minji@example.com", "password": "x" * 20}
    )
    assert response.status_code in (200, 422)
    assert "control characters" in text(response)


def test_a_nul_in_a_saved_address_is_a_field_error(seeded, client, app):
    with app.app_context():
        make_user()
    sign_in(client)
    response = client.post(
        "/account/addresses/new",
        data={"name": "Min-ji", "line1": f"1 Tea{NUL} Street", "city": "Leeds", "postcode": "LS1 1AA", "country": "GB"},
    )
    assert response.status_code in (200, 422)
    assert "control characters" in text(response)


@pytest.mark.parametrize("variant_id", ["99999999999999999999999", "2147483648", "-1", "0", "1e9", NUL])
def test_an_impossible_variant_is_a_clear_error(seeded, client, variant_id):
    response = client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1}, follow_redirects=True)
    assert response.status_code < 500
    assert "Your cart is empty." in text(response) or "not available" in text(response).lower()


@pytest.mark.parametrize("quantity", ["99999999999999999999999", "-99999999999999999999", "1.5", NUL])
def test_an_impossible_quantity_is_a_clear_error(seeded, client, quantity):
    add(client, "MASK-MIX-7")
    from .commerce import variant

    with client.application.app_context():
        variant_id = variant("MASK-MIX-7").id
    assert client.post("/cart/add", data={"variant_id": variant_id, "quantity": quantity}).status_code < 500
    assert client.post(f"/cart/lines/{variant_id}", data={"quantity": quantity}).status_code < 500
    assert client.post("/cart/lines/99999999999999999999999", data={"quantity": 1}).status_code == 404


@pytest.mark.parametrize(
    "path", ["/account/addresses/99999999999999999999/edit", "/account/subscriptions/99999999999999999999"]
)
def test_an_id_in_a_url_too_big_for_any_row_is_not_found(seeded, client, app, path):
    with app.app_context():
        make_user()
    sign_in(client)
    assert client.get(path).status_code == 404


HOSTILE_EXPIRIES = [
    "00/30", "13/30", "12/3", "12/300", "1/30", "12-30", "12/30/30", "١٢/٣٠", "１２/３０",
    "12\u200b/30", "12/30" + NUL, "99999999999999999999/30", "-1/30", "", " ", "12/", "/30",
]  # fmt: skip


@pytest.mark.parametrize("expiry", HOSTILE_EXPIRIES)
def test_a_hostile_expiry_on_the_demo_card_page_is_a_field_error(seeded, client, expiry):
    add(client, "MASK-MIX-7")
    checkout_to_review(client)
    demo_url = start_payment(client)
    response = client.post(demo_url, data={"card_number": "4242 4242 4242 4242", "expiry": expiry, "cvc": "123"})
    assert response.status_code == 422
    assert "4242 4242 4242 4242" in text(response)
