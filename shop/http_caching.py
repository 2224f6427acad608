"""Caching of HTML pages: ETags for every page, and a short public cache for visitors who
carry no session.

A visitor with no session cookie, who gets none back, sees the same page as every other such
visitor (no cart, no account, no CSRF token tied to them), so a browser or a CDN may keep it
for a minute; `Vary: Cookie` keeps a signed-in visitor from being served that copy. Anyone
else gets `private, no-cache`: the browser asks again each time, and the ETag turns an
unchanged page into a 304 with no body.
"""

from flask import Flask, Response, current_app, request, session

ANONYMOUS_MAX_AGE = 60
REMEMBER_COOKIE = "remember_token"  # Flask-Login's default name


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


def init_app(app: Flask) -> None:
    app.after_request(cache_html)
