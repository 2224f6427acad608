"""A visitor looks for things on a phone or a laptop: the header's search link, a film by its
English and Korean titles, a word that finds nothing; each page checked with axe-core, and
the header's search link on screen beside the menu, not pushing it wider."""

import re

from playwright.sync_api import expect

from .conftest import assert_accessible, snapshot

pytestmark = __import__("pytest").mark.browser


def test_a_visitor_finds_the_film_article_by_either_title(page, live_server, request):
    page.goto(live_server + "/")
    link = page.get_by_role("link", name="Search", exact=True)
    box, width = link.bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the search link is cut off"
    link.click()
    expect(page).to_have_url(live_server + "/search")

    search = page.get_by_role("searchbox", name="Search the shop and the blog")
    search.fill("werewolf boy")
    search.press("Enter")
    expect(page.get_by_text("1 post for “werewolf boy”")).to_be_visible()
    expect(search).to_have_value("werewolf boy")
    assert_accessible(page)
    snapshot(page, request, "werewolf")

    page.get_by_role("searchbox", name="Search the shop and the blog").fill("늑대소년")
    page.get_by_role("button", name="Search").click()
    article = page.get_by_role("link", name="Top 5 Korean Movies That Are Guaranteed To Make You Cry")
    article.click()
    expect(page).to_have_url(re.compile("/blog/top-5-korean-movies-that-make-you-cry$"))

    page.goto(live_server + "/search?q=mask")
    shop = page.get_by_role("region", name="In the shop")
    expect(shop.get_by_role("heading", name="Sheet Mask Set")).to_be_visible()
    expect(shop.get_by_text("From £12.00")).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "mask")

    page.goto(live_server + "/search?q=kimchi+fridge")
    expect(page.get_by_role("heading", name="Nothing found for “kimchi fridge”")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Where to look instead").get_by_role("link", name="Magazines")
    ).to_be_visible()
    assert_accessible(page)
    snapshot(page, request, "nothing")
