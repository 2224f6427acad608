"""The film article as a reader on a phone or a laptop meets it: product cards that sell from
the post, related products and posts, the Instagram block, and the shop's own pages; each
page checked with axe-core, screenshots kept to look at."""

import re

from playwright.sync_api import expect

from .conftest import assert_accessible, snapshot

pytestmark = __import__("pytest").mark.browser

FILM = "/blog/top-5-korean-movies-that-make-you-cry"


def test_the_film_article_sells_from_the_post(page, live_server, request):
    page.goto(live_server + FILM)
    expect(page).to_have_title(re.compile("^Top 5 Sad Films That Are Guaranteed To Make You Cry"))
    box = page.get_by_role("complementary", name="The Culture Box")
    expect(box.get_by_role("button", name=re.compile("^Monthly"))).to_be_visible()
    expect(page.get_by_role("heading", name="Shop from this post")).to_be_visible()
    expect(page.get_by_role("heading", name="More from the blog")).to_be_visible()
    instagram = page.get_by_role("region", name="Follow Us on Instagram!")
    expect(instagram.get_by_role("link", name="Shop the magazines →")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "article")

    magazine = page.get_by_role("complementary", name="Inspire Me Korea Magazine — Issue 1: Hallyu")
    magazine.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(live_server + "/cart")
    expect(page.get_by_text("Issue 1: Hallyu").first).to_be_visible()

    page.goto(live_server + FILM)
    masks = page.get_by_role("complementary", name="Sheet Mask Set")
    masks.get_by_label("Size").select_option(label="1-month set — £39.00 — In stock")
    masks.get_by_role("button", name="Add to cart").click()
    expect(page).to_have_url(live_server + "/cart")
    expect(page.get_by_text("1-month set").first).to_be_visible()


def test_the_shops_own_pages_are_readable_and_accessible(page, live_server, request):
    for path in ["/about", "/delivery", "/returns", "/privacy", "/terms", "/faq", "/contact"]:
        page.goto(live_server + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
    snapshot(page, request, "contact")
    page.goto(live_server + "/delivery")
    snapshot(page, request, "delivery")


def test_a_reader_comments_and_signs_up_for_the_newsletter(page, live_server, request):
    page.goto(live_server + FILM)
    form = page.locator("#respond")
    expect(form.get_by_role("heading", name="what do you think?")).to_be_visible()
    form.get_by_label("Comment *").fill("I cried at every one of these ㅠㅠ <b>really</b>")
    form.get_by_label("Name *").fill("Min-ji")
    form.get_by_label("Email *").fill("min-ji@example.com")
    form.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is waiting for moderation").first).to_be_visible()
    expect(page.get_by_text("I cried at every one of these ㅠㅠ <b>really</b>")).to_be_visible()  # as typed
    assert_accessible(page)
    snapshot(page, request, "comment-waiting")

    footer = page.get_by_role("contentinfo")
    footer.get_by_label("Email for the newsletter").fill("min-ji@example.com")
    footer.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Nearly there: check your inbox")).to_be_visible()
    assert_accessible(page)
