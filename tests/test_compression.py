"""Text responses are compressed as the browser asks, each encoding with its own ETag."""

import gzip
import re

import brotli

from shop import create_app


def test_a_page_is_sent_compressed_and_revalidates_with_its_etag(seeded, client):
    plain = client.get("/blog")
    assert "Content-Encoding" not in plain.headers  # no Accept-Encoding: as it is
    packed = client.get("/blog", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data) / 2
    assert "Accept-Encoding" in packed.headers["Vary"] and "Cookie" in packed.headers["Vary"]
    etag = packed.headers["ETag"]
    assert etag.endswith(':gzip"') and etag != plain.headers["ETag"]
    again = client.get("/blog", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_stylesheet_and_the_feed_are_compressed_too(seeded, client):
    page = client.get("/blog").get_data(as_text=True)
    css = re.search(r'href="(/static/css/shop\.[0-9a-f]{10}\.css)"', page).group(1)
    response = client.get(css, headers={"Accept-Encoding": "br"})
    assert response.headers["Content-Encoding"] == "br"
    assert b".site-header" in brotli.decompress(response.data)
    feed = client.get("/feed.xml", headers={"Accept-Encoding": "gzip"})
    assert feed.headers["Content-Encoding"] == "gzip" and b"<feed" in gzip.decompress(feed.data)


def test_compression_can_be_left_to_the_front_server(database_url, monkeypatch):
    monkeypatch.setenv("COMPRESS_RESPONSES", "false")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    response = app.test_client().get("/robots.txt", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in response.headers
