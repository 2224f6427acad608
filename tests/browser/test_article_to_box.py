"""From the film article to a paid Culture Box on a phone, for a first-time visitor: the plan
chosen on the article's product card → one page with the account and the address → the
review → the demo card → welcome. Four page loads after the article; and the chosen plan
survives signing in, going back and a declined card."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from shop.accounts.models import User
from shop.blog.models import Post
from shop.extensions import db
from shop.subscriptions.models import Subscription, SubscriptionStatus

from ..accounts.factories import PASSWORD, make_user
from .conftest import ARTIFACTS, PHONE, assert_accessible, snapshot

pytestmark = pytest.mark.browser

FILM = "/blog/top-5-korean-movies-that-make-you-cry"


@pytest.fixture
def viewport():
    return PHONE


def count_page_loads(page) -> list[str]:
    """The main frame's navigations from now on (a redirect is part of the page it ends on)."""
    loads: list[str] = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    return loads


def the_box_card(page):
    return page.locator('aside.embed[aria-label="The Culture Box"]')


def fill_leeds(page) -> None:
    page.get_by_label("Full name").fill("Ji-woo Park")
    page.get_by_label("Address line 1").fill("3 Hanok Road")
    page.get_by_label("Town or city").fill("Leeds")
    page.get_by_label("Postcode or ZIP").fill("LS2 9JT")


def pay_with(page, card: str) -> None:
    page.get_by_label("Card number").fill(card)
    page.get_by_label("Expiry date (MM/YY)").fill("12/30")
    page.get_by_label("Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile(r"^Pay .* \(demo\)$")).click()


def test_from_the_article_to_a_paid_monthly_box_in_four_page_loads(page, live_server, app, request):
    page.goto(live_server + FILM)
    card = the_box_card(page)
    card.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    card.screenshot(path=str(ARTIFACTS / f"{request.node.name}-article-card.png"))
    loads = count_page_loads(page)
    card.get_by_role("button", name=re.compile(r"^Monthly")).click()

    # 1: the plan, the account and the address on one page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to the Culture Box")
    expect(page.get_by_label("Monthly")).to_be_checked()
    expect(page.get_by_label("Country")).to_have_value("GB")  # from the browser's en-GB
    assert_accessible(page)
    snapshot(page, request, "subscribe")
    page.get_by_label("Email address", exact=True).fill("ji-woo@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    fill_leeds(page)
    page.get_by_role("button", name="See the price").click()

    # 2: the review, signed in to the new account.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Account")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "review")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()

    # 3: the card; 4: welcome.
    expect(page.get_by_role("heading", level=1)).to_have_text("Demo payment — no money is taken")
    snapshot(page, request, "card")
    pay_with(page, "4242 4242 4242 4242")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to the Culture Box!")
    assert_accessible(page)
    snapshot(page, request, "welcome")

    assert len(loads) == 4, loads
    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="ji-woo@example.com"))
        [sub] = db.session.scalars(select(Subscription).filter_by(user_id=user.id)).all()
        assert sub.plan.code == "monthly" and sub.status is SubscriptionStatus.ACTIVE
        # the film article brought this subscriber: first and last post read
        film = db.session.scalar(select(Post).filter_by(slug=FILM.removeprefix("/blog/")))
        assert sub.first_touch_post_id == sub.last_touch_post_id == film.id


def test_the_plan_survives_signing_in_going_back_and_a_declined_card(page, live_server, app, request):
    with app.app_context():
        make_user("min-ji@example.com")
    page.goto(live_server + FILM)
    the_box_card(page).get_by_role("button", name=re.compile(r"^3 months")).click()
    expect(page.get_by_label("3 months prepaid")).to_be_checked()

    # An existing customer signs in from the page and comes back to the same plan.
    page.get_by_role("link", name="Already have an account? Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_text("no account needed")).to_have_count(0)
    snapshot(page, request, "sign-in")
    page.get_by_label("Email address", exact=True).fill("min-ji@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to the Culture Box")
    expect(page.get_by_label("3 months prepaid")).to_be_checked()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)  # signed in: no account fields

    fill_leeds(page)
    page.get_by_role("button", name="See the price").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subscribe to the Culture Box")
    expect(page.get_by_label("3 months prepaid")).to_be_checked()
    page.get_by_role("button", name="See the price").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
    expect(page.locator("main")).to_contain_text("3 months prepaid")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    pay_with(page, "4000 0000 0000 0002")
    # Declined: back on the review page, the same plan and address, ready to pay again.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your subscription")
    expect(page.get_by_role("status")).to_contain_text("declined")
    expect(page.locator("main")).to_contain_text("3 months prepaid")
    snapshot(page, request, "declined")
    page.get_by_role("button", name=re.compile(r"^Pay £")).click()
    pay_with(page, "4242 4242 4242 4242")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to the Culture Box!")

    with app.app_context():
        user = db.session.scalar(select(User).filter_by(email="min-ji@example.com"))
        subs = db.session.scalars(select(Subscription).filter_by(user_id=user.id)).all()
        [paid] = [sub for sub in subs if sub.status is SubscriptionStatus.ACTIVE]
        assert paid.plan.code == "prepaid-3"
        assert {sub.plan.code for sub in subs} == {"prepaid-3"}  # the declined attempt was the same plan
