"""Caching of HTML pages: ETags for every page, and a short public cache for visitors who
carry no session.

A visitor with no session cookie, who gets none back, sees the same page as every other such
visitor (no cart, no account, no CSRF token tied to them), so a browser or a CDN may keep it
for a minute; `Vary: Cookie` keeps a signed-in visitor from being served that copy. Anyone
else gets `private, no-cache`: the browser asks again each time, and the ETag turns an
unchanged page into a 304 with no body.

For the same reason each web process keeps such a page itself for `PAGE_CACHE_SECONDS`
(`PageCache`), by its full URL: the next session-less visitor gets the stored bytes without a
query or a template. Only a response that did not start a session is kept — a page with a
CSRF-protected form (a product's Add to cart) gives each visitor their own token, so it is
never kept — and a visitor who sends a session or remember-me cookie is never served a kept
page. Edits show once the copy expires, as they do in browsers that kept it.
"""

import threading
import time
from collections import OrderedDict

from flask import Flask, Response, current_app, g, request, session
from flask_compress import Compress

ANONYMOUS_MAX_AGE = 60
REMEMBER_COOKIE = "remember_token"  # Flask-Login's default name


def _sessionless_request() -> bool:
    cookies = request.cookies
    return current_app.config["SESSION_COOKIE_NAME"] not in cookies and REMEMBER_COOKIE not in cookies


def _anonymous(response: Response) -> bool:
    cookies = request.cookies
    return (
        current_app.config["SESSION_COOKIE_NAME"] not in cookies
        and REMEMBER_COOKIE not in cookies
        and not session.modified  # the session cookie is set after this hook, when modified
        and "Set-Cookie" not in response.headers
    )


def cache_html(response: Response) -> Response:
    if (
        request.method not in ("GET", "HEAD")
        or response.status_code != 200
        or response.mimetype != "text/html"
        or response.is_streamed
        or response.direct_passthrough
    ):
        return response
    if "Cache-Control" not in response.headers:
        if _anonymous(response):
            response.cache_control.public = True
            response.cache_control.max_age = ANONYMOUS_MAX_AGE
        else:
            response.cache_control.private = True
            response.cache_control.no_cache = True
    response.vary.add("Cookie")
    response.add_etag()
    return response.make_conditional(request)


EXTENSION = "page_cache"
# What a kept page may be: the pages, the feed and the sitemap.
KEPT_TYPES = {"text/html", "application/atom+xml", "application/xml"}


class PageCache:
    """The last `size` session-less pages this process rendered, each for `seconds`, by URL."""

    def __init__(self, seconds: float, size: int = 256):
        self.seconds, self.size = seconds, size
        self._pages: OrderedDict[str, tuple[float, bytes, str]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process

    def get(self, url: str) -> tuple[bytes, str] | None:
        with self._lock:
            found = self._pages.get(url)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._pages[url]
                return None
            self._pages.move_to_end(url)
            return found[1], found[2]

    def put(self, url: str, body: bytes, content_type: str) -> None:
        with self._lock:
            self._pages[url] = (time.monotonic() + self.seconds, body, content_type)
            self._pages.move_to_end(url)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def serve_kept_page():
    if request.method not in ("GET", "HEAD") or not _sessionless_request():
        return None
    found = current_app.extensions[EXTENSION].get(request.url)
    if found is None:
        return None
    g.page_was_kept = True
    body, content_type = found
    return current_app.response_class(body, content_type=content_type)


def keep_page(response: Response) -> Response:
    if (
        request.method == "GET"
        and not g.get("page_was_kept")
        and response.status_code == 200
        and response.mimetype in KEPT_TYPES
        and not response.is_streamed
        and not response.direct_passthrough
        and "Cache-Control" not in response.headers  # a view that chose its own caching
        and _anonymous(response)
    ):
        current_app.extensions[EXTENSION].put(request.url, response.get_data(), response.headers["Content-Type"])
    return response


# Text worth compressing; pictures other than SVG are compressed already.
COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
]


def init_app(app: Flask) -> None:
    # after_request hooks run last-registered first: a kept page is stored as rendered, then
    # given its ETag, then compressed (the ETag gains the encoding: "…:br"), then the
    # security headers (registered earlier) are added.
    if app.config.setdefault("COMPRESS_RESPONSES", True):
        app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
        Compress(app)
    app.after_request(cache_html)
    seconds = app.config.setdefault("PAGE_CACHE_SECONDS", 0 if app.testing or app.debug else 30)
    if seconds > 0:
        app.extensions[EXTENSION] = PageCache(seconds)
        app.before_request(serve_kept_page)
        app.after_request(keep_page)
