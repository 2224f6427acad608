"""Signing out ends the session on the server: a copy of the cookie taken before is worth
nothing after, whether it is the session cookie or the remember-me cookie."""

from sqlalchemy import func, select

from shop.accounts.models import LoginSession
from shop.extensions import db

from .factories import PASSWORD, make_user, sign_in

SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def copy_cookie(source, target, name: str) -> None:
    target.set_cookie(name, source.get_cookie(name).value)


def open_sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession))


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    thief = app.test_client()
    copy_cookie(client, thief, SESSION_COOKIE)
    assert signed_in(thief)

    client.post("/account/sign-out")

    assert not signed_in(client)
    assert not signed_in(thief)
    assert open_sessions(app) == 0


def test_a_remember_cookie_copied_before_sign_out_is_refused_after_it(app, client):
    with app.app_context():
        make_user()
    sign_in(client, remember=True)
    thief = app.test_client()
    copy_cookie(client, thief, REMEMBER_COOKIE)
    assert signed_in(thief)  # the remember cookie alone signs in, as it should

    client.post("/account/sign-out")

    fresh = app.test_client()
    copy_cookie(thief, fresh, REMEMBER_COOKIE)
    assert not signed_in(fresh)


def test_signing_out_one_browser_keeps_the_others(app, client):
    with app.app_context():
        make_user()
    laptop, phone = client, app.test_client()
    sign_in(laptop)
    sign_in(phone)
    assert open_sessions(app) == 2

    phone.post("/account/sign-out")

    assert signed_in(laptop) and not signed_in(phone)


def test_sign_out_everywhere_ends_every_session(app, client):
    with app.app_context():
        make_user()
    laptop, phone = client, app.test_client()
    sign_in(laptop)
    sign_in(phone, remember=True)
    page = laptop.get("/account").get_data(as_text=True)
    assert "Sign out on every device" in page

    response = laptop.post("/account/sign-out-everywhere", follow_redirects=True)

    assert "signed out on every device" in response.get_data(as_text=True)
    assert not signed_in(laptop) and not signed_in(phone)
    assert open_sessions(app) == 0


def test_a_new_password_signs_out_other_devices_but_not_this_one(app, client):
    with app.app_context():
        make_user()
    laptop, phone = client, app.test_client()
    sign_in(laptop)
    sign_in(phone)

    laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )

    assert signed_in(laptop) and not signed_in(phone)
    assert open_sessions(app) == 1


def test_deleting_the_account_deletes_its_sessions(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    client.post("/account/delete", data={"password": PASSWORD})
    assert open_sessions(app) == 0
