"""The newsletter: double opt-in sign-up, one-click unsubscribe, the new-post email."""

from flask import Flask


def init_app(app: Flask) -> None:
    app.config.setdefault("NEWSLETTER_RATE_LIMIT", "10 per hour")
