"""An admin's first sign-in in a real browser, on a phone and on a laptop: password, the
authenticator app set up from the QR code's key, the recovery codes, the dashboard and the
audit trail; every page checked with axe-core."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

from ..admin.factories import make_admin
from .conftest import assert_accessible, snapshot

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


def test_an_admin_sets_up_the_second_factor_and_reaches_the_back_office(page, live_server, app, request):
    with app.app_context():
        make_admin("owner@inspiremekorea.co.uk", enrolled=False)
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email address").fill("owner@inspiremekorea.co.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Back office").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(page.locator(".admin-qr svg")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "setup")
    key = page.locator(".admin-secret").inner_text().replace(" ", "")
    page.get_by_label("Code from the app").fill("000000")
    page.get_by_role("button", name="Turn it on").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(key).now())
    page.get_by_role("button", name="Turn it on").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator(".admin-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", c) for c in codes)
    assert_accessible(page)
    snapshot(page, request, "recovery-codes")
    page.get_by_role("link", name="I've saved them — continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard")
    nav = page.get_by_role("navigation", name="Back office")
    expect(nav.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    snapshot(page, request, "dashboard")
    nav.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit")
    expect(page.get_by_role("table")).to_contain_text("admin.second_factor_set_up")
    assert_accessible(page)
    snapshot(page, request, "audit")
