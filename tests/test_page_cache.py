"""Pages kept by the web process for visitors with no session, and never for anyone else."""

import re

import pytest
from flask_limiter.util import get_qualified_name
from sqlalchemy import select
from werkzeug.http import generate_etag

from shop import create_app, http_caching
from shop.blog import views as blog_views
from shop.extensions import db, limiter
from shop.models import Post, Product, Variant

from .accounts.factories import make_user, sign_in


@pytest.fixture
def kept(app):
    """The app with a page cache, as in production."""
    app.config["PAGE_CACHE_SECONDS"] = 30
    app.extensions[http_caching.EXTENSION] = http_caching.PageCache(30)
    app.before_request_funcs.setdefault(None, []).insert(0, http_caching.serve_kept_page)
    app.after_request_funcs.setdefault(None, []).append(http_caching.keep_page)
    return app


def rename(app, slug: str, name: str) -> None:
    with app.app_context():
        db.session.scalar(select(Product).filter_by(slug=slug)).name = name
        db.session.commit()


def test_a_sessionless_visitor_is_served_the_kept_page_until_it_expires(seeded, kept, client, monkeypatch):
    assert "Hallyu" in client.get("/shop").text
    rename(kept, "magazine-issue-1-hallyu", "Renamed Magazine")
    again = client.get("/shop")
    assert "Renamed Magazine" not in again.text  # the kept copy, no query
    assert again.cache_control.public and "Content-Security-Policy" in again.headers
    assert again.headers["ETag"] == f'"{generate_etag(again.data)}"'  # the hash of what was sent
    assert client.get("/shop", headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
    later = http_caching.time.monotonic() + 31
    monkeypatch.setattr(http_caching.time, "monotonic", lambda: later)
    assert "Renamed Magazine" in client.get("/shop").text


def test_a_visitor_with_a_cart_sees_their_own_badge_never_the_kept_page(seeded, kept, client):
    anonymous = kept.test_client()
    assert 'site-nav__count" aria-hidden="true">0<' in anonymous.get("/shop").text  # kept
    with kept.app_context():
        variant_id = db.session.scalar(select(Variant.id).join(Product).filter(Product.slug == "sheet-mask-set"))
    assert client.post("/cart/add", data={"variant_id": variant_id, "quantity": 2}).status_code == 302
    assert 'site-nav__count" aria-hidden="true">2<' in client.get("/shop").text
    # ...and that visitor's page was not kept for the next one.
    assert 'site-nav__count" aria-hidden="true">0<' in kept.test_client().get("/shop").text


def test_a_signed_in_customer_never_gets_the_kept_page(seeded, kept, client):
    kept.test_client().get("/blog")
    with kept.app_context():
        make_user()
    sign_in(client)
    client.get("/blog")  # the welcome message, once
    page = client.get("/blog").text
    assert "Account" in page and ">Sign in<" not in page
    assert ">Sign in<" in kept.test_client().get("/blog").text


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PRODUCT = "/products/magazine-issue-1-hallyu"


def test_a_page_with_a_csrf_token_is_kept_and_each_visitor_gets_a_token_of_their_own(seeded, kept):
    kept.config["WTF_CSRF_ENABLED"] = True
    first, second = kept.test_client(), kept.test_client()
    first_page = first.get(PRODUCT)
    rename(kept, "magazine-issue-1-hallyu", "Renamed Magazine")
    second_page = second.get(PRODUCT)
    assert "Renamed Magazine" not in second_page.text  # the kept page
    assert "Set-Cookie" in first_page.headers and "Set-Cookie" in second_page.headers
    assert second_page.cache_control.private and not second_page.cache_control.public
    first_tokens, second_tokens = set(TOKEN.findall(first_page.text)), set(TOKEN.findall(second_page.text))
    assert len(first_tokens) == len(second_tokens) == 1 and first_tokens != second_tokens
    assert http_caching.TOKEN_HOLE not in second_page.data
    third_page = kept.test_client().get(PRODUCT)
    assert len({page.headers["ETag"] for page in (second_page, third_page)}) == 2  # the bytes differ, so must they
    # Each token works for its own visitor only.
    with kept.app_context():
        variant = str(
            db.session.scalar(select(Variant.id).join(Product).filter(Product.slug == "magazine-issue-1-hallyu"))
        )
    form = {"variant_id": variant, "quantity": "1"}
    assert second.post("/cart/add", data={**form, "csrf_token": first_tokens.pop()}).status_code == 400
    assert second.post("/cart/add", data={**form, "csrf_token": second_tokens.pop()}).status_code == 302
    assert 'site-nav__count" aria-hidden="true">1<' in second.get(PRODUCT).text
    # A visitor with a cart never gets the kept page, nor changes it.
    assert "Renamed Magazine" in second.get(PRODUCT).text
    assert 'site-nav__count" aria-hidden="true">0<' in kept.test_client().get(PRODUCT).text


def test_a_kept_post_still_leaves_each_reader_their_own_touch(seeded, kept):
    film = "/blog/top-5-korean-movies-that-make-you-cry"
    first = kept.test_client().get(film)
    assert "post_touch" in first.headers.get("Set-Cookie", "")
    assert kept.extensions[http_caching.EXTENSION].get("http://localhost" + film) is not None
    reader = kept.test_client()
    reader.set_cookie("post_touch", "not-a-signed-value")
    served = reader.get(film)
    touch = [c for c in served.headers.getlist("Set-Cookie") if c.startswith("post_touch=")]
    assert touch and "not-a-signed-value" not in touch[0]
    with kept.app_context():
        from shop.blog import attribution

        post_id = db.session.scalar(select(Post.id).filter_by(slug="top-5-korean-movies-that-make-you-cry"))
        assert attribution.read({"post_touch": touch[0].split(";")[0].split("=", 1)[1]}).last.post_id == post_id


def test_a_page_that_sets_a_cookie_not_its_own_is_never_kept(seeded, kept, client, monkeypatch):
    @kept.after_request
    def other_cookie(response):  # registered last: runs before keep_page
        response.set_cookie("something", "else")
        return response

    client.get("/shop")
    assert kept.extensions[http_caching.EXTENSION].get("http://localhost/shop") is None


def test_the_cache_is_off_in_tests_and_on_by_default_elsewhere(database_url, monkeypatch):
    monkeypatch.delenv("PAGE_CACHE_SECONDS", raising=False)
    assert create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url}).config["PAGE_CACHE_SECONDS"] == 0
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    assert app.config["PAGE_CACHE_SECONDS"] == 30 and http_caching.EXTENSION in app.extensions
    monkeypatch.setenv("PAGE_CACHE_SECONDS", "0")
    assert http_caching.EXTENSION not in create_app({"SQLALCHEMY_DATABASE_URI": database_url}).extensions


def test_the_cache_forgets_the_oldest_page_beyond_its_size():
    cache = http_caching.PageCache(30, size=2)
    cache.put("a", http_caching.KeptPage(b"A", "text/html"))
    cache.put("b", http_caching.KeptPage(b"B", "text/html"))
    cache.get("a")
    cache.put("c", http_caching.KeptPage(b"C", "text/html"))
    assert cache.get("b") is None and cache.get("a").body == b"A" and cache.get("c")


def test_only_the_pages_marked_keepable_are_kept(seeded, kept, client):
    pages = kept.extensions[http_caching.EXTENSION]
    for path in ("/culture-box/subscribe?plan=monthly", "/search?q=kimchi", "/culture-box"):
        kept.test_client().get(path)  # the first: an address form, its country from Accept-Language
    assert pages.get("http://localhost/culture-box/subscribe?plan=monthly") is None
    assert pages.get("http://localhost/search?q=kimchi") is None
    assert pages.get("http://localhost/culture-box") is not None


def test_no_page_that_may_be_kept_limits_reading_it(app):
    # A kept copy is served before the rate limiter looks at the request: a limit on reading
    # a keepable page would count only the visitors the copy was not served to.
    keepable = {
        get_qualified_name(view): view
        for view in app.view_functions.values()
        if getattr(view, "page_may_be_kept", False)
    }
    assert len(keepable) >= 10
    with app.test_request_context():
        limits = {name: limiter.limit_manager.decorated_limits(name) for name in keepable}
        assert limits[get_qualified_name(blog_views.post)]  # its comments are: the lookup finds limits
        reading = {
            name: [str(limit.limit) for limit in found if not limit.methods or {"get", "head"} & set(limit.methods)]
            for name, found in limits.items()
        }
    assert not any(reading.values()), reading
