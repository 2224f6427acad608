"""Password reset (expires, works once), password change, email confirmation and change."""

from datetime import timedelta

import time_machine
from markupsafe import escape
from sqlalchemy import select

from shop.accounts.models import User
from shop.accounts.passwords import verify_password
from shop.db_types import utcnow
from shop.extensions import db

from .factories import PASSWORD, emails_to, link_in, make_user, sign_in

NEW_PASSWORD = "kimchi jjigae on sunday"


def the_user() -> User:
    return db.session.scalar(select(User))


def ask_for_reset(app, client, email="min-ji@example.com") -> str:
    response = client.post("/account/forgot-password", data={"email": email})
    assert response.status_code == 302
    [message] = emails_to(app, "min-ji@example.com", "Reset your password")
    return link_in(message)


def test_reset_link_changes_the_password_once(app, client):
    with app.app_context():
        make_user()
    link = ask_for_reset(app, client)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    with app.app_context():
        assert verify_password(the_user().password_hash, NEW_PASSWORD)
    assert emails_to(app, "min-ji@example.com", "Your password was changed")

    # The same link again: refused, and the password stays.
    again = client.post(link, data={"password": "another password entirely"})
    assert again.status_code == 400
    assert "already been used" in again.text
    with app.app_context():
        assert verify_password(the_user().password_hash, NEW_PASSWORD)


def test_reset_link_expires_after_an_hour(app, client):
    with app.app_context():
        make_user()
    with time_machine.travel(utcnow(), tick=False) as traveller:
        link = ask_for_reset(app, client)
        traveller.shift(timedelta(minutes=59))
        assert client.get(link).status_code == 200
        traveller.shift(timedelta(minutes=2))
        response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.text
    with app.app_context():
        assert verify_password(the_user().password_hash, PASSWORD)


def test_a_forged_reset_link_is_refused(app, client):
    with app.app_context():
        make_user()
    link = ask_for_reset(app, client)
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400 and "not valid" in response.text


def test_reset_request_says_the_same_for_an_unknown_email(app, client):
    with app.app_context():
        make_user()
    known = client.post("/account/forgot-password", data={"email": "min-ji@example.com"}, follow_redirects=True)
    unknown = client.post("/account/forgot-password", data={"email": "nobody@example.com"}, follow_redirects=True)
    assert "a reset link is on its way" in known.text and "a reset link is on its way" in unknown.text
    assert not emails_to(app, "nobody@example.com")


def test_reset_link_is_built_on_the_shop_url_not_the_request_host(app, client):
    with app.app_context():
        make_user()
    client.post("/account/forgot-password", data={"email": "min-ji@example.com"}, headers={"Host": "evil.example"})
    [message] = emails_to(app, "min-ji@example.com", "Reset")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "http://localhost/account/reset-password/" in text and "evil.example" not in text


def test_a_weak_new_password_is_refused_on_reset(app, client):
    with app.app_context():
        make_user()
    link = ask_for_reset(app, client)
    response = client.post(link, data={"password": "short"})
    assert response.status_code == 200 and "Use at least 10 characters." in response.text


def test_change_password_asks_for_the_current_one(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    wrong = client.post("/account/password", data={"current_password": "not it at all", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 200 and "Your current password is not right." in wrong.text
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    with app.app_context():
        assert verify_password(the_user().password_hash, NEW_PASSWORD)
    assert client.get("/account").status_code == 200  # this device stays signed in


def test_change_password_signs_out_other_devices(app, client):
    with app.app_context():
        make_user()
    other_device = app.test_client()
    sign_in(other_device, remember=True)
    sign_in(client)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert other_device.get("/account").status_code == 302
    other_device.delete_cookie("session")
    assert other_device.get("/account").status_code == 302  # the remember cookie is dead too


def test_confirming_the_email_by_link(app, client):
    client.post("/account/register", data={"email": "min-ji@example.com", "password": PASSWORD})
    [message] = emails_to(app, "min-ji@example.com", "Confirm your email")
    link = link_in(message)
    assert "Confirm my email address" in client.get(link).text  # GET changes nothing
    with app.app_context():
        assert the_user().email_confirmed_at is None
    response = client.post(link)
    assert response.status_code == 302
    with app.app_context():
        assert the_user().email_confirmed_at is not None


def test_email_change_is_confirmed_by_a_link_to_the_new_address(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    response = client.post("/account/email", data={"new_email": "Min-ji@New.Example", "password": PASSWORD})
    assert response.status_code == 302
    assert not emails_to(app, "min-ji@example.com", "Confirm your new email")
    [message] = emails_to(app, "min-ji@new.example", "Confirm your new email")
    link = link_in(message)

    # Until the link is opened, the old address is the account's.
    client.post("/account/sign-out")
    assert sign_in(client).headers["Location"] == "/account"
    assert sign_in(app.test_client(), email="min-ji@new.example").status_code == 200  # not yet

    assert client.post(link).status_code == 302
    with app.app_context():
        assert the_user().email == "min-ji@new.example"
    assert emails_to(app, "min-ji@example.com", "Your email address was changed")
    assert sign_in(app.test_client(), email="min-ji@new.example").headers["Location"] == "/account"
    assert sign_in(app.test_client(), email="min-ji@example.com").status_code == 200  # the old one is gone

    # The link works once.
    assert client.post(link).status_code == 400


def test_email_change_refuses_a_taken_address_and_a_wrong_password(app, client):
    with app.app_context():
        make_user()
        make_user("ji-hoon@example.com")
    sign_in(client)
    taken = client.post("/account/email", data={"new_email": "JI-HOON@example.com", "password": PASSWORD})
    assert "Another account uses this email address." in taken.text
    wrong = client.post("/account/email", data={"new_email": "min-ji@new.example", "password": "nope nope nope"})
    assert str(escape("Your password is not right.")) in wrong.text
    assert not emails_to(app, "min-ji@new.example")


def test_a_remembered_device_stays_remembered_after_changing_the_password_on_it(app, client):
    with app.app_context():
        make_user()
    sign_in(client, remember=True)
    client.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    client.delete_cookie("session")  # the browser was closed
    assert client.get("/account").status_code == 200
