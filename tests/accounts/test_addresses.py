"""Saved addresses: add, edit, delete, one default, the country list."""

from sqlalchemy import select

from shop.accounts import services
from shop.accounts.models import Address, User
from shop.extensions import db

from .factories import make_address, make_user, sign_in

VALID = {"name": "Min-ji Kim", "line1": "1 Tea Street", "city": "Leeds", "postcode": "ls1 1aa", "country": "GB"}


def addresses() -> list[Address]:
    return list(db.session.scalars(select(Address).order_by(Address.id)))


def test_first_address_becomes_the_default(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    response = client.post("/account/addresses/new", data=VALID)
    assert response.status_code == 302
    with app.app_context():
        [address] = addresses()
        assert address.is_default and address.ship_postcode == "LS1 1AA" and address.ship_country == "GB"
    page = client.get("/account")
    assert "1 Tea Street" in page.text and "Default" in page.text


def test_choosing_another_default_leaves_exactly_one(app, client):
    with app.app_context():
        user = make_user()
        first = make_address(user, is_default=True)
        second = make_address(user, line1="2 Rice Road")
        first_id, second_id = first.id, second.id
    sign_in(client)
    assert client.post(f"/account/addresses/{second_id}/default").status_code == 302
    with app.app_context():
        assert [(a.id, a.is_default) for a in addresses()] == [(first_id, False), (second_id, True)]
    client.post("/account/addresses/new", data=VALID | {"line1": "3 New Way", "make_default": "y"})
    with app.app_context():
        assert [a.ship_line1 for a in addresses() if a.is_default] == ["3 New Way"]


def test_edit_keeps_what_was_typed_when_something_is_missing(app, client):
    with app.app_context():
        address_id = make_address(make_user()).id
    sign_in(client)
    response = client.post(f"/account/addresses/{address_id}/edit", data=VALID | {"line1": "", "city": "Bradford"})
    assert response.status_code == 200
    assert "Please enter the first line of the address." in response.text
    assert 'value="Bradford"' in response.text
    assert 'aria-describedby="line1-error"' in response.text
    response = client.post(f"/account/addresses/{address_id}/edit", data=VALID | {"city": "Bradford"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Address, address_id).ship_city == "Bradford"


def test_uk_addresses_need_a_postcode_and_countries_come_from_the_list(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    no_postcode = client.post("/account/addresses/new", data=VALID | {"postcode": ""})
    assert "Please enter the postcode: every address in the United Kingdom has one." in no_postcode.text
    made_up = client.post("/account/addresses/new", data=VALID | {"country": "XX"})
    assert "Not a valid choice" in made_up.text
    korea = client.post("/account/addresses/new", data=VALID | {"country": "KR", "postcode": "03187"})
    assert korea.status_code == 302
    with app.app_context():
        assert [a.ship_country for a in addresses()] == ["KR"]


def test_deleting_the_default_promotes_another(app, client):
    with app.app_context():
        user = make_user()
        default_id = make_address(user, is_default=True).id
        other_id = make_address(user, line1="2 Rice Road").id
    sign_in(client)
    assert client.post(f"/account/addresses/{default_id}/delete").status_code == 302
    with app.app_context():
        assert [(a.id, a.is_default) for a in addresses()] == [(other_id, True)]


def test_country_select_marks_where_we_do_not_ship(seeded, client):
    with seeded.app_context():
        make_user()
        from shop.shipping.models import ZoneCountry

        not_shipped = db.session.scalar(select(ZoneCountry).where(ZoneCountry.ships.is_(False)))
        assert not_shipped is not None, "the demo content marks at least one country"
        code = not_shipped.country_code
        user = db.session.scalar(select(User))
        make_address(user, country=code, postcode="")
    sign_in(client)
    form = client.get("/account/addresses/new").text
    assert f'<option value="{code}">' in form
    assert "we don&#39;t ship here" in form.split(f'<option value="{code}">')[1].split("</option>")[0]
    assert '<option selected value="GB">' in form
    assert "We don't ship here yet" in client.get("/account").text


def test_address_form_is_labelled_and_autocompletes(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    form = client.get("/account/addresses/new").text
    for field, token in [
        ("line1", "address-line1"),
        ("postcode", "postal-code"),
        ("country", "country"),
        ("name", "name"),
    ]:
        assert f'<label for="{field}">' in form
        assert f'autocomplete="shipping {token}"' in form


def test_the_account_lists_the_default_address_first_then_the_oldest(app, client):
    with app.app_context():
        user = make_user()
        make_address(user, line1="1 Old Lane")
        make_address(user, line1="2 Default Road", is_default=True)
        make_address(user, line1="3 New Way")
        user_id = user.id
    sign_in(client)
    page = client.get("/account").text
    assert page.index("2 Default Road") < page.index("1 Old Lane") < page.index("3 New Way")
    with app.app_context():
        user = db.session.get(User, user_id)
        listed = [a.ship_line1 for a in services.saved_addresses(user)]
        assert listed == ["2 Default Road", "1 Old Lane", "3 New Way"]
        assert [a.ship_line1 for a in user.addresses] == listed  # held, not loaded again
        user.addresses.pop()  # a change not yet saved is what a later call sees
        assert [a.ship_line1 for a in services.saved_addresses(user)] == listed[:2]
