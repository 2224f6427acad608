"""Which country an address form starts with, so nobody scrolls from Afghanistan: the
country this browser chose last time (a cookie set when an address is accepted), else the
country in its language settings (Accept-Language "en-GB" → GB), else the United Kingdom,
the shop's home. The visitor can always change it; a form already holding a country (a
saved address, a choice in progress) keeps its own."""

from flask import after_this_request, current_app, request

from ..core.addresses import UK, country_from_languages, is_country

COOKIE = "ship_country"
COOKIE_MAX_AGE = 30 * 24 * 3600  # as the privacy page says


def preferred_country() -> str:
    chosen = (request.cookies.get(COOKIE) or "").strip().upper()
    if is_country(chosen):
        return chosen
    return country_from_languages(request.accept_languages.values()) or UK


def remember_country(code: str | None) -> None:
    """Set the cookie on this response: the next address form starts from `code`."""
    code = (code or "").strip().upper()
    if not is_country(code) or request.cookies.get(COOKIE) == code:
        return

    @after_this_request
    def set_cookie(response):
        response.set_cookie(
            COOKIE,
            code,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
        return response
