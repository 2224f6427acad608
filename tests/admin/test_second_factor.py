"""The admins' second factor: setting up the app, codes that are wrong, reused or from the
recovery list, the rate limit, and a session that belongs to one admin."""

import re
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import select

from shop.accounts.models import User
from shop.admin import second_factor
from shop.admin.models import AdminAction, AdminRecoveryCode, AdminSecondFactor
from shop.extensions import db

from ..accounts.factories import PASSWORD, make_user, sign_in
from .factories import ADMIN_EMAIL, make_admin, sign_in_admin, totp_code


def _user(email=ADMIN_EMAIL) -> User:
    return db.session.scalar(select(User).filter_by(email=email))


def test_first_sign_in_sets_up_the_app_with_a_qr_code_and_shows_recovery_codes_once(app, client):
    with app.app_context():
        make_admin(enrolled=False)
    sign_in(client, ADMIN_EMAIL, PASSWORD)
    first = client.get("/admin/")
    assert first.status_code == 303
    assert first.headers["Location"].startswith("/admin/second-factor")
    assert client.get(first.headers["Location"]).headers["Location"].startswith("/admin/second-factor/setup")

    page = client.get("/admin/second-factor/setup")
    assert page.status_code == 200
    assert "<svg" in page.text and "QR code" in page.text  # drawn on the server, no script
    shown = re.search(r'<code class="admin-secret">([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
    with app.app_context():
        factor = db.session.get(AdminSecondFactor, _user().id)
        assert shown not in factor.secret  # encrypted at rest
        assert second_factor.secret_of(factor) == shown
    # Reloading the page keeps the key the admin may already have scanned.
    assert shown.encode() in client.get("/admin/second-factor/setup").data.replace(b" ", b"")

    wrong = client.post("/admin/second-factor/setup", data={"code": "000000"})
    assert wrong.status_code == 200 and "That code is not right" in wrong.text

    done = client.post("/admin/second-factor/setup", data={"code": pyotp.TOTP(shown).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "only time they are shown" in done.text
    with app.app_context():
        stored = db.session.scalars(select(AdminRecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)
        assert db.session.scalar(select(AdminAction.action)) == "admin.second_factor_set_up"
    # Set up and passed: the back office opens, and the setup page is closed.
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/second-factor/setup").status_code == 302


def test_a_wrong_code_is_refused_and_the_back_office_stays_closed(app, client, admin):
    sign_in(client, ADMIN_EMAIL, PASSWORD)
    response = client.post("/admin/second-factor", data={"code": "123456"})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert client.get("/admin/audit").status_code == 303


def test_a_code_is_good_once_even_within_its_own_30_seconds(app, admin):
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        sign_in(client, ADMIN_EMAIL, PASSWORD)
    with app.app_context():
        code = totp_code(_user())
    assert first.post("/admin/second-factor", data={"code": code}).status_code == 302
    reused = second.post("/admin/second-factor", data={"code": code})
    assert reused.status_code == 200
    assert "already been used" in reused.text
    assert second.get("/admin/").status_code == 303


def test_an_earlier_step_is_refused_after_a_later_one(app):
    with app.app_context():
        user = make_admin()
        now = datetime.now(UTC)
        second_factor.verify(user, totp_code(user, now), now=now)
        earlier = totp_code(user, now - timedelta(seconds=30))
        try:
            second_factor.verify(user, earlier, now=now)
        except second_factor.ReusedCode:
            pass
        else:
            raise AssertionError("a code older than the last one used was accepted")


def test_a_recovery_code_signs_in_once(app, client):
    with app.app_context():
        user = make_admin(enrolled=False)
        second_factor.start_setup(user)
        codes = second_factor.confirm_setup(user, totp_code(user))
        db.session.commit()
    sign_in(client, ADMIN_EMAIL, PASSWORD)
    response = client.post("/admin/second-factor", data={"code": codes[3].upper().replace("-", " ")})
    assert response.status_code == 302
    dashboard = client.get("/admin/")
    assert dashboard.status_code == 200
    assert "9 left" in dashboard.text
    with app.app_context():
        assert second_factor.recovery_codes_left(_user()) == 9
        sign_in_event = db.session.scalars(select(AdminAction).filter_by(action="admin.sign_in")).one()
        assert sign_in_event.detail == {"second_factor": "recovery code"}

    other = app.test_client()
    sign_in(other, ADMIN_EMAIL, PASSWORD)
    again = other.post("/admin/second-factor", data={"code": codes[3]})
    assert again.status_code == 200
    assert "recovery code is not right, or it has been used" in again.text


def test_attempts_are_rate_limited_per_admin(app, admin):
    client = app.test_client()
    sign_in(client, ADMIN_EMAIL, PASSWORD)
    for _ in range(5):
        assert client.post("/admin/second-factor", data={"code": "000000"}).status_code == 200
    with app.app_context():
        good = totp_code(_user())
    blocked = client.post("/admin/second-factor", data={"code": good})
    assert blocked.status_code == 429  # even the right code waits now
    # From another address the same account is still blocked: the limit is per admin.
    elsewhere = app.test_client()
    sign_in(elsewhere, ADMIN_EMAIL, PASSWORD)
    assert (
        elsewhere.post(
            "/admin/second-factor", data={"code": good}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
        ).status_code
        == 429
    )


def test_successful_codes_do_not_count_towards_the_limit(app, admin):
    start = datetime.now(UTC)
    for n in range(7):
        client = app.test_client()
        sign_in(client, ADMIN_EMAIL, PASSWORD)
        with app.app_context():
            second_factor_row = db.session.get(AdminSecondFactor, admin.id)
            second_factor_row.last_step = None  # each sign-in may reuse the step in this test
            db.session.commit()
            code = totp_code(_user(), start)
        assert client.post("/admin/second-factor", data={"code": code}).status_code == 302, n


def test_the_passed_second_factor_belongs_to_the_admin_who_passed_it(app, admin_client):
    assert admin_client.get("/admin/").status_code == 200
    # Someone else signs in on the same browser: the cart survives sign-in, the pass does not.
    with app.app_context():
        other = make_admin("second-admin@inspiremekorea.co.uk")
        other_email = other.email
    admin_client.post("/account/sign-out")
    sign_in(admin_client, other_email, PASSWORD)
    assert admin_client.get("/admin/").status_code == 303


def test_a_customer_never_reaches_the_second_factor_pages(app, client):
    with app.app_context():
        make_user("customer@example.com")
    sign_in(client, "customer@example.com", PASSWORD)
    for url in ("/admin/second-factor", "/admin/second-factor/setup"):
        assert client.get(url).status_code == 404
        assert client.post(url, data={"code": "123456"}).status_code == 404


def test_new_recovery_codes_need_a_current_code_and_replace_the_old(app, admin_client, admin):
    assert admin_client.get("/admin/recovery-codes").status_code == 200
    wrong = admin_client.post("/admin/recovery-codes", data={"code": "000000"})
    assert "That code is not right" in wrong.text
    with app.app_context():
        before = set(db.session.scalars(select(AdminRecoveryCode.code_hash)).all())
        code = totp_code(_user(), datetime.now(UTC) + timedelta(seconds=30))  # the next step
    renewed = admin_client.post("/admin/recovery-codes", data={"code": code})
    assert renewed.status_code == 200
    assert len(re.findall(r"<code>[a-z2-9]{5}-[a-z2-9]{5}</code>", renewed.text)) == 10
    with app.app_context():
        after = set(db.session.scalars(select(AdminRecoveryCode.code_hash)).all())
        assert len(after) == 10 and not before & after
