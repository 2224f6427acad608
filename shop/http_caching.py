"""Caching of HTML pages: ETags for every page, and a short public cache for visitors who
carry no session.

A visitor with no session cookie, who gets none back, sees the same page as every other such
visitor (no cart, no account, no CSRF token tied to them), so a browser or a CDN may keep it
for a minute; `Vary: Cookie` keeps a signed-in visitor from being served that copy. Anyone
else gets `private, no-cache`: the browser asks again each time, and the ETag turns an
unchanged page into a 304 with no body.

For the same reason each web process keeps such a page itself for `PAGE_CACHE_SECONDS`
(`PageCache`), by its full URL: the next session-less visitor gets the stored bytes without a
query or a template. Only the pages whose views say so with `@keepable` are kept — pages that,
for a visitor with no session, depend on nothing but their URL and the database (no other
cookie, no Accept-Language) — and only when the visitor sent no session or remember-me
cookie and the response set no cookie and wrote nothing in the session — with one exception:
a CSRF token, the only thing of their own a session-less visitor's page can hold (a product's
Add to cart). Such a page is kept with the token taken out, and each visitor it is served to
gets a new token of their own put in (and the session cookie that goes with it). A view that
sets a cookie of its own on every visit sets it again on each copy served (`on_serve`). A visitor who
sends a session or remember-me cookie is never served a kept page. Edits show once the copy
expires, as they do in browsers that kept it.

A kept copy is served before any other request hook, the rate limiter's included: a keepable
page limits only its POSTs (tests/test_page_cache.py checks). Its ETag is the hash taken when
it was kept, so serving a copy hashes nothing.
"""

import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from flask import Flask, Response, current_app, g, request, session
from flask_compress import Compress
from flask_wtf.csrf import generate_csrf
from werkzeug.http import generate_etag

ANONYMOUS_MAX_AGE = 60
PUBLIC = f"public, max-age={ANONYMOUS_MAX_AGE}"
PRIVATE = "private, no-cache"
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
        # Set as text: werkzeug's cache_control object parses and rewrites the header on each change.
        response.headers["Cache-Control"] = PUBLIC if _anonymous(response) else PRIVATE
    response.vary.add("Cookie")
    response.add_etag()  # a kept page served has its own already (serve_kept_page)
    return response.make_conditional(request)


EXTENSION = "page_cache"
# What a kept page may be: the pages, the feed and the sitemap.
KEPT_TYPES = {"text/html", "application/atom+xml", "application/xml"}


class PageCache:
    """The last `size` session-less pages this process rendered, each for `seconds`, by URL."""

    def __init__(self, seconds: float, size: int = 256):
        self.seconds, self.size = seconds, size
        self._pages: OrderedDict[str, tuple[float, KeptPage]] = OrderedDict()
        self._lock = threading.Lock()  # gunicorn's threads share the process

    def get(self, url: str) -> "KeptPage | None":
        with self._lock:
            found = self._pages.get(url)
            if found is None:
                return None
            if found[0] <= time.monotonic():
                del self._pages[url]
                return None
            self._pages.move_to_end(url)
            return found[1]

    def put(self, url: str, page: "KeptPage") -> None:
        with self._lock:
            self._pages[url] = (time.monotonic() + self.seconds, page)
            self._pages.move_to_end(url)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


@dataclass(frozen=True, slots=True)
class KeptPage:
    body: bytes
    content_type: str
    needs_token: bool = False  # the body has TOKEN_HOLE where each visitor's CSRF token goes
    note: object = None  # what the view left in g.kept_page_note for its on_serve
    # The body's hash, taken once when kept rather than on every copy served.
    etag: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "etag", generate_etag(self.body))

    def etag_with(self, token: bytes) -> str:
        """The ETag of a copy served: the body's own, or for a copy with a token put in, the
        hash of the kept body's hash and that token (what the copy's bytes are made of)."""
        return generate_etag(self.etag.encode() + token) if self.needs_token else self.etag


def keepable(view=None, *, on_serve=None):
    """Mark a view whose page, for a visitor with no session, depends only on its URL and the
    database (and a CSRF token): each process may keep it for the next such visitor.

    A view that sets a cookie of its own on each visit (a post's reading touch) gives
    `on_serve(response, note)`, which sets it again on each kept copy served; `note` is what
    the view left in `g.kept_page_note`. Any other view's page that sets a cookie is not kept.
    """

    def mark(function):
        function.page_may_be_kept = True
        function.page_on_serve = on_serve
        return function

    return mark(view) if view is not None else mark


def _view():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def _keepable_request() -> bool:
    return getattr(_view(), "page_may_be_kept", False) and _sessionless_request()


def serve_kept_page():
    if request.method not in ("GET", "HEAD") or not _keepable_request():
        return None
    found = current_app.extensions[EXTENSION].get(request.url)
    if found is None:
        return None
    g.page_was_kept = True
    body, token = found.body, b""
    if found.needs_token:
        token = generate_csrf().encode()  # this visitor's own, in their session
        body = body.replace(TOKEN_HOLE, token)
    response = current_app.response_class(body, content_type=found.content_type)
    response.set_etag(found.etag_with(token))
    if (on_serve := _view().page_on_serve) is not None:
        on_serve(response, found.note)
    return response


# Where a kept page's CSRF token was: bytes no page holds, new for each process.
TOKEN_HOLE = b"\x00csrf-" + os.urandom(8).hex().encode() + b"\x00"


def _with_token_taken_out(response: Response) -> bytes | None:
    """The body of a page whose only trace in the session is a CSRF token, with the token
    taken out; None for any other page."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if (
        not token
        or set(session.keys()) - {"_fresh"} != {field}
        or session.get("_fresh")  # Flask-Login's mark that no one signed in: False here
    ):
        return None
    body = response.get_data()
    return body.replace(token.encode(), TOKEN_HOLE) if token.encode() in body else None


def keep_page(response: Response) -> Response:
    if (
        g.get("page_was_kept")
        or request.method != "GET"
        or not _keepable_request()
        or response.status_code != 200
        or response.mimetype not in KEPT_TYPES
        or response.is_streamed
        or response.direct_passthrough
        or "Cache-Control" in response.headers  # a view that chose its own caching
        or ("Set-Cookie" in response.headers and _view().page_on_serve is None)
    ):
        return response
    content_type, note = response.headers["Content-Type"], g.get("kept_page_note")
    if not session.modified:
        page = KeptPage(response.get_data(), content_type, note=note)
    elif (body := _with_token_taken_out(response)) is not None:
        page = KeptPage(body, content_type, needs_token=True, note=note)
    else:
        return response
    current_app.extensions[EXTENSION].put(request.url, page)
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
        # First of all the request hooks: a kept copy needs neither the CSRF check (GET only)
        # nor the rate limiter (no keepable page limits a GET; a copy costs no query).
        app.before_request_funcs.setdefault(None, []).insert(0, serve_kept_page)
        app.after_request(keep_page)
