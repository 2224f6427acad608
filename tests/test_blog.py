import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shop.blog.markdown import render_markdown
from shop.extensions import db
from shop.models import Author, Post, Tag, Variant

FILM_SLUG = "top-5-korean-movies-that-make-you-cry"


def add_post(slug, published_at, tags=(), body="Hello **world**."):
    author = db.session.scalar(select(Author)) or Author(slug="a", name="A Writer", bio="")
    post = Post(
        slug=slug,
        title=slug.replace("-", " ").title(),
        excerpt=f"About {slug}",
        body_markdown=body,
        author=author,
        published_at=published_at,
        tags=list(tags),
    )
    db.session.add(post)
    db.session.commit()
    return post


def test_the_film_article_has_all_five_films_bio_and_call_to_subscribe(seeded, client):
    html = client.get(f"/blog/{FILM_SLUG}").get_data(as_text=True)
    films = [
        ("A Moment to Remember", "내 머리 속의 지우개", "2004"),
        ("An Ode To My Father", "국제시장", "2014"),
        ("A Werewolf Boy", "늑대소년", "2012"),
        ("Miracle in Cell No.7", "7번방의 선물", "2013"),
        ("Always", "오직 그대만", "2011"),
    ]
    for number, (english, korean, year) in enumerate(films, start=1):
        assert f'<h2>{number}. {english} – <span lang="ko">{korean}</span> ({year})</h2>' in html
    assert "Korean directors are without doubt the masters of melodrama" in html
    assert "the opening film at the prestigious Busan International Film Festival" in html
    assert '<a href="/culture-box" rel="noopener">subscribe now to the Inspire Me Korea ‘Culture Box’</a>' in html
    assert "Faye Broadbent" in html
    assert "In love with Korea. I appreciate a proper good brew and cute stationery." in html


def test_the_film_article_embeds_a_live_product_card(seeded, client):
    html = client.get(f"/blog/{FILM_SLUG}").get_data(as_text=True)
    assert '<aside class="embed" aria-label="The Culture Box">' in html
    assert "[[product:" not in html


def test_product_embed_shows_current_price_and_stock(seeded):
    with seeded.test_request_context():
        db.session.scalar(select(Variant).filter_by(sku="MAG-001")).stock = 0
        db.session.commit()
        html = render_markdown("Read it:\n\n[[product:magazine-issue-1-hallyu]]\n")
        assert "£6.99" in html and "Sold out" in html
        assert render_markdown("[[product:no-such-product]]").strip() == ""


def test_markdown_is_commonmark_and_sanitised(app):
    with app.test_request_context():
        html = render_markdown(
            "# Title\n\n*hi* <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
            "[bad](javascript:alert(1)) [good](https://example.org)\n\n<iframe src=x></iframe>"
        )
    assert "<em>hi</em>" in html
    assert "<script" not in html and "onerror" not in html and "<iframe" not in html
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="noopener">good</a>' in html


def test_blog_lists_published_posts_newest_first_and_paginates(seeded, client):
    with seeded.app_context():
        now = datetime.now(UTC)
        for days in range(1, 8):
            add_post(f"post-{days}-days-ago", now - timedelta(days=days))
        add_post("a-draft", None)
        add_post("scheduled-for-tomorrow", now + timedelta(days=1))
    first = client.get("/blog").get_data(as_text=True)
    assert first.index("Post 1 Days Ago") < first.index("Post 2 Days Ago")
    assert "Page 1 of 2" in first and "A Draft" not in first and "Scheduled For Tomorrow" not in first
    second = client.get("/blog?page=2").get_data(as_text=True)
    assert "Top 5 Korean Movies" in second  # the 2024 film article is the oldest
    assert client.get("/blog?page=3").status_code == 404
    assert client.get("/blog/a-draft").status_code == 404
    assert client.get("/blog/scheduled-for-tomorrow").status_code == 404


def test_tag_page_filters_posts(seeded, client):
    with seeded.app_context():
        food = db.session.scalar(select(Tag).filter_by(slug="food"))  # from the seeded posts
        add_post("jjimdak-for-three", datetime.now(UTC), tags=[food])
    html = client.get("/blog/tag/food").get_data(as_text=True)
    assert "Posts tagged “Food”" in html
    assert "Jjimdak For Three" in html and "Table for One" in html
    assert "Top 5 Korean Movies" not in html
    film = client.get("/blog/tag/korean-film").get_data(as_text=True)
    assert "Top 5 Korean Movies" in film
    assert "Jjimdak For Three" not in film and "Table for One" not in film
    assert client.get("/blog/tag/nothing").status_code == 404


def test_post_has_open_graph_and_article_json_ld(seeded, client):
    html = client.get(f"/blog/{FILM_SLUG}").get_data(as_text=True)
    assert '<meta property="og:type" content="article">' in html
    assert '"@type": "Article"' in html and '"name": "Faye Broadbent"' in html


def test_atom_feed_lists_posts(seeded, client):
    response = client.get("/feed.xml")
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    ns = {"atom": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("atom:title", namespaces=ns) for e in feed.findall("atom:entry", ns)]
    assert titles == [
        "A Week of Sheet Masks: Our 7-Day Pamper Plan",
        "Table for One: Eating Alone in Korea",
        "Top 5 Korean Movies That Are Guaranteed To Make You Cry",
    ]
    links = [e.get("href") for e in feed.findall("atom:entry/atom:link", ns)]
    assert links[-1] == f"http://localhost/blog/{FILM_SLUG}"


@pytest.mark.parametrize("path", ["/blog", "/blog/tag/korean-film", f"/blog/{FILM_SLUG}"])
def test_blog_pages_link_back_to_the_shop(seeded, client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'href="/culture-box"' in html and 'href="/shop"' in html
