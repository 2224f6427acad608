"""Comments on blog posts: moderated, plain text, replies one level deep."""

from flask import Flask


def init_app(app: Flask) -> None:
    # How many comments one visitor may post (each one also waits for moderation at first).
    app.config.setdefault("COMMENT_RATE_LIMIT", "5 per 10 minutes")
