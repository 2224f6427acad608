"""Jinja filters and globals shared by every template."""

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from .money import format_money


def format_date(value: datetime | None, style: str = "long") -> str:
    if value is None:
        return ""
    if style == "iso":
        return value.isoformat()
    return f"{value.day} {value:%B %Y}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["shop_name"] = "Inspire Me Korea"
    app.jinja_env.globals["Markup"] = Markup
