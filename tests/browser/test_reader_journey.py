"""A blog reader's way into the shop: home → blog → the film article → its call to
action → the Culture Box, on a phone and on a desktop, each page checked with axe-core."""

import re

from playwright.sync_api import expect

from .conftest import assert_accessible

pytestmark = __import__("pytest").mark.browser


def test_home_to_film_article_to_culture_box(page, live_server):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("A box of Korea")
    expect(page.get_by_role("heading", name=re.compile("Follow Us on Instagram"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Blog").click()
    expect(page).to_have_url(live_server + "/blog")
    assert_accessible(page)

    page.get_by_role("link", name="Top 5 Korean Movies That Are Guaranteed To Make You Cry").click()
    expect(page).to_have_url(re.compile(r"/blog/top-5-korean-movies-that-make-you-cry$"))
    for korean_title in ["내 머리 속의 지우개", "국제시장", "늑대소년", "7번방의 선물", "오직 그대만"]:
        expect(page.get_by_role("heading", name=re.compile(korean_title))).to_be_visible()
    expect(page.get_by_role("heading", name="Faye Broadbent")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=re.compile("subscribe now to the Inspire Me Korea")).click()
    expect(page).to_have_url(live_server + "/culture-box")
    expect(page.get_by_role("heading", name="Choose your plan")).to_be_visible()
    expect(page.get_by_role("heading", name="12 months prepaid")).to_be_visible()
    assert_accessible(page)
