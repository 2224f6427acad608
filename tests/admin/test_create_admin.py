"""`flask shop create-admin EMAIL`: creates or promotes, asks for the password twice
(hidden), and says clearly what went wrong with a non-zero exit."""

from sqlalchemy import select

from shop.accounts.models import User
from shop.accounts.passwords import verify_password
from shop.admin.models import AdminSecondFactor
from shop.extensions import db

from ..accounts.factories import PASSWORD, make_user, sign_in
from .factories import make_admin

NEW_PASSWORD = "kimchi jjigae on a tuesday"


def _user(email):
    return db.session.scalar(select(User).filter_by(email=email))


def test_creates_an_admin_asking_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["shop", "create-admin", "Owner@Example.com"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Created the admin account owner@example.com" in result.output
    assert NEW_PASSWORD not in result.output  # hidden
    with app.app_context():
        user = _user("owner@example.com")
        assert user.is_admin and user.email_confirmed
        assert verify_password(user.password_hash, NEW_PASSWORD)


def test_the_two_passwords_must_match(app, runner):
    result = runner.invoke(
        args=["shop", "create-admin", "owner@example.com"], input=f"{NEW_PASSWORD}\nsomething else\n"
    )
    assert result.exit_code != 0
    assert "do not match" in result.output
    with app.app_context():
        assert _user("owner@example.com") is None


def test_a_weak_password_or_a_bad_email_is_refused_clearly(app, runner):
    weak = runner.invoke(args=["shop", "create-admin", "owner@example.com"], input="short\nshort\n")
    assert weak.exit_code == 1
    assert "Error:" in weak.output and "at least" in weak.output
    bad = runner.invoke(args=["shop", "create-admin", "not-an-email"])
    assert bad.exit_code == 1
    assert "Enter an email address like name@example.com" in bad.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_promotes_an_existing_customer_keeping_their_password(app, runner, client):
    with app.app_context():
        make_user("customer@example.com")
    result = runner.invoke(args=["shop", "create-admin", "customer@example.com"])
    assert result.exit_code == 0, result.output
    assert "customer@example.com is an admin." in result.output
    with app.app_context():
        assert _user("customer@example.com").is_admin
    sign_in(client, "customer@example.com", PASSWORD)
    # Their first visit sets up the second factor.
    assert client.get("/admin").headers["Location"].startswith("/admin/second-factor")


def test_reset_password_and_second_factor(app, runner):
    with app.app_context():
        make_admin("owner@example.com")
    result = runner.invoke(
        args=["shop", "create-admin", "owner@example.com", "--reset-password", "--reset-second-factor"],
        input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "with a new password" in result.output and "set it up again" in result.output
    with app.app_context():
        user = _user("owner@example.com")
        assert verify_password(user.password_hash, NEW_PASSWORD)
        assert db.session.get(AdminSecondFactor, user.id) is None
