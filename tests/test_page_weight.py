"""Each busy page with its stylesheets and scripts (pictures aside) stays light, and asks no
other host for anything: no CDN, no web font, no tracker.

Lighthouse counts bytes as sent, so the budget is for the compressed transfer (gzip, the
encoding every browser takes); uncompressed, a page and its files stay under a looser one.
"""

import gzip
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.models import Product, Variant

from .accounts.factories import make_user, sign_in

PAGES = [
    "/",
    "/shop",
    "/products/magazine-issue-1-hallyu",
    "/products/culture-box",
    "/culture-box",
    "/blog",
    "/blog/top-5-korean-movies-that-make-you-cry",
    "/about",
    "/delivery",
    "/faq",
    "/contact",
]
COMPRESSED_BUDGET = 60 * 1024
UNCOMPRESSED_BUDGET = 100 * 1024


class Fetched(HTMLParser):
    """What a browser fetches to show the page: scripts, styles, fonts, pictures, frames."""

    def __init__(self):
        super().__init__()
        self.scripts_and_styles: list[str] = []
        self.everything: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        urls = []
        if tag == "script" and attributes.get("src"):
            urls.append(attributes["src"])
            self.scripts_and_styles.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            rel = (attributes.get("rel") or "").split()
            if {"stylesheet", "preload", "modulepreload", "icon", "manifest", "preconnect", "prefetch"} & set(rel):
                urls.append(attributes["href"])
            if "stylesheet" in rel:
                self.scripts_and_styles.append(attributes["href"])
        if tag in ("img", "source", "iframe", "video", "audio", "embed", "track", "input"):
            urls += [attributes[name] for name in ("src", "poster", "data") if attributes.get(name)]
            for name in ("srcset", "imagesrcset"):
                if attributes.get(name):
                    urls += [part.strip().split()[0] for part in attributes[name].split(",") if part.strip()]
        if tag == "object" and attributes.get("data"):
            urls.append(attributes["data"])
        if "url(" in (attributes.get("style") or ""):
            urls.append(attributes["style"])
        self.everything += urls


def parse(html: str) -> Fetched:
    found = Fetched()
    found.feed(html)
    return found


def other_host(url: str) -> bool:
    if "url(" in url:
        return "//" in url  # an inline style pointing anywhere absolute
    parts = urlsplit(url)
    return bool(parts.netloc) and parts.netloc != "localhost"


@pytest.fixture
def customer(seeded, app):
    with app.app_context():
        make_user()
        variant = db.session.scalar(select(Variant.id).join(Product).filter(Product.slug == "sheet-mask-set"))
    client = app.test_client()
    sign_in(client)
    client.post("/cart/add", data={"variant_id": variant, "quantity": 1})
    return client


def weigh(client, path: str) -> tuple[int, int, Fetched]:
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.data
    fetched = parse(response.get_data(as_text=True))
    raw, packed = len(html), len(gzip.compress(html))
    for url in fetched.scripts_and_styles:
        asset = client.get(url)
        assert asset.status_code == 200, url
        raw += len(asset.data)
        packed += len(gzip.compress(asset.data))
    return raw, packed, fetched


@pytest.mark.parametrize("path", PAGES)
def test_a_page_and_its_styles_and_scripts_stay_light(seeded, client, path):
    raw, packed, fetched = weigh(client, path)
    assert fetched.scripts_and_styles, "the page has its stylesheet"
    assert packed < COMPRESSED_BUDGET, f"{path}: {packed / 1024:.1f} KB compressed"
    assert raw < UNCOMPRESSED_BUDGET, f"{path}: {raw / 1024:.1f} KB uncompressed"


@pytest.mark.parametrize("path", ["/cart", "/account"])
def test_the_customers_pages_stay_light_too(customer, path):
    raw, packed, _ = weigh(customer, path)
    assert packed < COMPRESSED_BUDGET and raw < UNCOMPRESSED_BUDGET


@pytest.mark.parametrize("path", PAGES)
def test_a_page_asks_no_other_host_for_anything(seeded, client, path):
    fetched = parse(client.get(path).get_data(as_text=True))
    assert fetched.everything, "the page fetches its own files"
    assert not [url for url in fetched.everything if other_host(url)]


def test_the_check_sees_a_file_from_another_host():
    fetched = parse(
        '<link rel="stylesheet" href="https://cdn.example.com/a.css"><img src="/static/a.svg">'
        '<img srcset="/m/a-320.webp 320w, https://img.example.com/b.webp 640w" alt="">'
        '<a href="https://instagram.com/shop">Instagram</a>'
    )
    assert [url for url in fetched.everything if other_host(url)] == [
        "https://cdn.example.com/a.css",
        "https://img.example.com/b.webp",
    ]
