"""Customer accounts: sign up, sign in, password reset, the customer's own pages."""

from datetime import timedelta

from flask import Flask, render_template
from flask_limiter.errors import RateLimitExceeded

from ..extensions import login_manager


def render_rate_limited(error: RateLimitExceeded):
    """The shop's error page, in words, instead of Flask-Limiter's bare "5 per 1 minute"."""
    return render_template("errors/429.html", error=error), 429


def init_app(app: Flask) -> None:
    from . import services

    # "Remember me": HttpOnly, SameSite=Lax, Secure in production (like the session cookie).
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=30))
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    # Rate limits (Flask-Limiter syntax), per IP and, for sign-in and reset, per email too.
    app.config.setdefault("ACCOUNTS_SIGN_IN_LIMIT", "5 per minute")
    app.config.setdefault("ACCOUNTS_REGISTER_LIMIT", "10 per hour")
    app.config.setdefault("ACCOUNTS_RESET_LIMIT", "5 per 15 minutes")

    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.user_loader(services.user_by_session_token)

    app.register_error_handler(RateLimitExceeded, render_rate_limited)
