"""Registration, sign-in, sign-out, remember-me and the renewed session."""

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from shop import create_app
from shop.accounts.models import LoginSession, User
from shop.accounts.services import SIGN_IN_FAILED
from shop.extensions import db

from .factories import PASSWORD, confirm_registration, emails_to, make_user, sign_in


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def register(client, **overrides):
    data = {"name": "Min-ji Kim", "email": "Min-Ji@Example.com", "password": PASSWORD}
    data.update(overrides)
    return client.post("/account/register", data=data)


def test_register_creates_an_unconfirmed_account_whose_emailed_link_signs_in_here(app, client):
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account/register/check-email"
    page = client.get(response.headers["Location"]).text
    assert "Check your email" in page and "min-ji@example.com" in page
    assert client.get("/account").status_code == 302  # not signed in until the email is proven
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "min-ji@example.com"  # stored normalised
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.email_confirmed_at is None and user.is_admin is False
    assert confirm_registration(app, client, "min-ji@example.com").headers["Location"] == "/account"
    page = client.get("/account")
    assert page.status_code == 200
    assert "Signed in as <strong>min-ji@example.com</strong>" in page.text
    assert "Please confirm your email address" not in page.text


def test_the_link_opened_in_another_browser_confirms_but_asks_to_sign_in(app, client):
    register(client)
    elsewhere = app.test_client()
    response = confirm_registration(app, elsewhere, "min-ji@example.com")
    assert response.headers["Location"] == "/account/sign-in"
    assert elsewhere.get("/account").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).email_confirmed_at is not None


@pytest.mark.parametrize("email", ["min-ji@example.com", "MIN-JI@EXAMPLE.COM", "  Min-ji@example.com "])
def test_an_email_that_has_an_account_gets_the_same_answer_and_its_owner_an_email(app, client, email):
    with app.app_context():
        make_user("min-ji@example.com")
    existing = register(client, email=email)
    new = register(app.test_client(), email="someone-new@example.com")
    assert existing.status_code == new.status_code == 302
    assert existing.headers["Location"] == new.headers["Location"] == "/account/register/check-email"
    assert "already" not in client.get(existing.headers["Location"]).text.replace("If you already have", "")
    [notice] = emails_to(app, "min-ji@example.com", "You already have an account")
    body = notice.get_body(preferencelist=("plain",)).get_content()
    assert "/account/sign-in" in body and "/account/forgot-password" in body
    assert emails_to(app, "min-ji@example.com", "Confirm your email") == []
    with app.app_context():
        assert count_users() == 2  # the existing one and someone-new


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "Use at least 10 characters."),
        ("1234567890", "too easy to guess"),
        ("aaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_register_refuses_a_weak_password(app, client, password, message):
    response = register(client, password=password)
    assert response.status_code == 200
    assert message in response.text
    assert 'aria-describedby="password-hint password-error"' in response.text
    with app.app_context():
        assert count_users() == 0


@pytest.mark.parametrize("email", ["not-an-email", "min-ji@", "@example.com", ""])
def test_register_refuses_a_bad_email(app, client, email):
    response = register(client, email=email)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'class="field field--invalid"' in response.text
    with app.app_context():
        assert count_users() == 0


def test_sign_in_and_out(app, client):
    with app.app_context():
        make_user()
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/account").status_code == 200
    response = client.post("/account/sign-out")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302  # back to the sign-in page


def test_sign_out_is_post_only(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    assert client.get("/account/sign-out").status_code == 405
    assert client.get("/account").status_code == 200


def test_sign_in_follows_a_safe_next_and_ignores_another_site(app, client):
    with app.app_context():
        make_user()
    response = client.post(
        "/account/sign-in?next=/account/addresses/new", data={"email": "min-ji@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account/addresses/new"
    client.post("/account/sign-out")
    response = client.post(
        "/account/sign-in?next=//evil.example/x", data={"email": "min-ji@example.com", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/account"


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    with app.app_context():
        make_user()
    wrong = sign_in(client, password="not the password at all")
    unknown = sign_in(client, email="nobody@example.com")
    assert wrong.status_code == unknown.status_code == 200
    assert str(escape(SIGN_IN_FAILED)) in wrong.text and str(escape(SIGN_IN_FAILED)) in unknown.text
    # The pages differ only by the email typed back into the form.
    assert wrong.text.replace("min-ji@example.com", "X") == unknown.text.replace("nobody@example.com", "X")
    assert client.get("/account").status_code == 302


def test_email_is_case_insensitive_at_sign_in(app, client):
    with app.app_context():
        make_user()
    assert sign_in(client, email=" MIN-JI@Example.COM").headers["Location"] == "/account"


def test_account_pages_redirect_to_sign_in_when_signed_out(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")


def test_session_is_renewed_on_sign_in_and_keeps_the_cart(app, client):
    with app.app_context():
        make_user()
    with client.session_transaction() as session:
        session["cart"] = {"7": 2}
        session["checkout"] = {"country": "KR"}
        session["csrf_token"] = "planted-by-an-attacker"
        session["_user_id"] = "forged"
    sign_in(client)
    with client.session_transaction() as session:
        assert session["cart"] == {"7": 2}
        assert session["checkout"] == {"country": "KR"}
        assert session.get("csrf_token") != "planted-by-an-attacker"
        with app.app_context():
            assert session["_user_id"] == db.session.scalar(select(LoginSession.token))


def test_sign_out_forgets_the_whole_session(app, client):
    with app.app_context():
        make_user()
    sign_in(client)
    with client.session_transaction() as session:
        session["cart"] = {"7": 2}
    client.post("/account/sign-out")
    with client.session_transaction() as session:
        assert "cart" not in session and "_user_id" not in session


def test_remember_me_cookie_is_httponly_and_lax(app, client):
    with app.app_context():
        make_user()
    response = sign_in(client, remember=True)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development runs on plain http
    assert "Expires=" in cookie


def test_no_remember_cookie_unless_asked(app, client):
    with app.app_context():
        make_user()
    response = sign_in(client)
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token=")]


def test_remember_me_cookie_is_secure_in_production(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SHOP_ENV": "production",
            "SESSION_COOKIE_SECURE": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x" * 40,
            "WTF_CSRF_ENABLED": False,
            "MAIL_OUTBOX_DIR": str(tmp_path),
        }
    )
    try:
        with app.app_context():
            make_user()
        response = sign_in(app.test_client(), remember=True)
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    finally:
        from tests.dbs import empty_all_tables

        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_remembered_device_stays_signed_in_after_the_session_cookie_goes(app, client):
    with app.app_context():
        make_user()
    sign_in(client, remember=True)
    client.delete_cookie("session")
    assert client.get("/account").status_code == 200
