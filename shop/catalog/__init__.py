"""The catalogue: categories, products and variants (pages in views.py)."""

from flask import Flask


def init_app(app: Flask) -> None:
    # "Tell me when it's back" requests one visitor may make.
    app.config.setdefault("STOCK_ALERT_RATE_LIMIT", "10 per hour")
