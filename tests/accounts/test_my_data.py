"""My data: the JSON download and deleting the account."""

import json

from sqlalchemy import func, select

from shop.accounts.models import Address, User
from shop.extensions import db

from .factories import PASSWORD, make_address, make_user, sign_in


def test_export_is_a_json_download_of_profile_and_addresses(app, client):
    with app.app_context():
        user = make_user()
        make_address(user, is_default=True)
    sign_in(client)
    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.text)
    assert data["profile"]["email"] == "min-ji@example.com"
    assert data["profile"]["name"] == "Min-ji Kim"
    assert "password_hash" not in json.dumps(data) and "$argon2" not in response.text
    assert data["addresses"] == [
        {
            "name": "Min-ji Kim",
            "line1": "1 Tea Street",
            "line2": "",
            "city": "Leeds",
            "region": "",
            "postal_code": "LS1 1AA",
            "country": "GB",
            "phone": "",
            "is_default": True,
        }
    ]
    assert data["orders"] == []


def test_delete_account_needs_the_password(app, client):
    with app.app_context():
        make_address(make_user())
    sign_in(client)
    response = client.post("/account/delete", data={"password": "not my password"})
    assert response.status_code == 200 and "Your password is not right." in response.text.replace("&#39;", "'")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_delete_account_removes_the_person_and_signs_out(app, client):
    with app.app_context():
        make_address(make_user())
        make_address(make_user("someone-else@example.com"))
    sign_in(client)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalars(select(User.email)).all() == ["someone-else@example.com"]
        assert db.session.scalar(select(func.count()).select_from(Address)) == 1
    assert client.get("/account").status_code == 302
    assert sign_in(client).status_code == 200  # the account is gone
