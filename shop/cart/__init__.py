from flask import Flask, session

from .services import CART_KEY, count


def cart_count() -> int:
    """The number of items in the cart, from the session cookie alone (no database)."""
    return count(session.get(CART_KEY))


def init_app(app: Flask) -> None:
    app.jinja_env.globals["cart_count"] = cart_count
