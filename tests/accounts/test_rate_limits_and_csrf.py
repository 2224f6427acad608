"""Rate limits on sign-in, registration and reset; CSRF on the account forms."""

import pytest
from sqlalchemy import func, select

from shop import create_app
from shop.accounts.models import User
from shop.extensions import db, limiter

from .factories import PASSWORD, make_user, sign_in


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Each app gets new in-memory storage; reset it anyway so no test inherits limits."""
    limiter.reset()
    yield
    limiter.reset()


def test_five_failed_sign_ins_then_a_friendly_429(app, client):
    with app.app_context():
        make_user()
    for _ in range(5):
        assert sign_in(client, password="wrong wrong wrong").status_code == 200
    blocked = sign_in(client)  # even the right password waits now
    assert blocked.status_code == 429
    assert "Please wait a moment" in blocked.text
    assert '<main id="main"' in blocked.text  # the shop's page, not a bare text
    assert "Retry-After" in blocked.headers
    assert client.get("/account").status_code == 302


def test_failed_sign_ins_are_limited_per_email_across_addresses(app):
    with app.app_context():
        make_user()
    for n in range(5):
        client = app.test_client()
        response = client.post(
            "/account/sign-in",
            data={"email": "min-ji@example.com", "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
        assert response.status_code == 200
    blocked = app.test_client().post(
        "/account/sign-in",
        data={"email": "min-ji@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.99"},
    )
    assert blocked.status_code == 429
    # Someone else, from a fresh address, is not affected.
    with app.app_context():
        make_user("ji-hoon@example.com")
    other = app.test_client().post(
        "/account/sign-in",
        data={"email": "ji-hoon@example.com", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.100"},
    )
    assert other.status_code == 302


def test_successful_sign_ins_do_not_count(app, client):
    with app.app_context():
        make_user()
    for _ in range(8):
        assert sign_in(client).status_code == 302
        client.post("/account/sign-out")


def test_limits_do_not_leak_between_tests_part_1(app, client):
    for _ in range(5):
        sign_in(client, password="wrong wrong wrong")
    assert sign_in(client, password="wrong wrong wrong").status_code == 429


def test_limits_do_not_leak_between_tests_part_2(app, client):
    assert sign_in(client, password="wrong wrong wrong").status_code == 200


def test_password_reset_requests_are_limited(app, client):
    for _ in range(5):
        assert client.post("/account/forgot-password", data={"email": "a@example.com"}).status_code == 302
    blocked = client.post("/account/forgot-password", data={"email": "a@example.com"})
    assert blocked.status_code == 429 and "Please wait a moment" in blocked.text


def test_registration_is_limited(app, client):
    for n in range(10):
        client.post("/account/register", data={"email": f"bot{n}@example.com", "password": "x"})
    blocked = client.post("/account/register", data={"email": "human@example.com", "password": PASSWORD})
    assert blocked.status_code == 429
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_csrf_is_enforced_on_the_account_forms(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": True,
            "MAIL_OUTBOX_DIR": str(tmp_path),
        }
    )
    try:
        with app.app_context():
            make_user()
        client = app.test_client()
        forged = sign_in(client)
        assert forged.status_code == 400  # Flask-WTF refuses it before the view runs
        assert client.get("/account").status_code == 302

        page = client.get("/account/sign-in").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        ok = client.post(
            "/account/sign-in", data={"email": "min-ji@example.com", "password": PASSWORD, "csrf_token": token}
        )
        assert ok.status_code == 302
        # Signed in, a POST without the token still changes nothing.
        with app.app_context():
            before = db.session.scalar(select(User.password_hash))
        client.post("/account/password", data={"current_password": PASSWORD, "new_password": "a brand new password"})
        client.post("/account/sign-out")
        with app.app_context():
            assert db.session.scalar(select(User.password_hash)) == before
        assert client.get("/account").status_code == 200  # the sign-out without a token did nothing
    finally:
        from tests.dbs import empty_all_tables

        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_email_change_requests_are_limited(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    for n in range(5):
        response = client.post("/account/email", data={"new_email": f"new{n}@example.com", "password": PASSWORD})
        assert response.status_code == 302
    blocked = client.post("/account/email", data={"new_email": "new9@example.com", "password": PASSWORD})
    assert blocked.status_code == 429
