"""Jinja filters and globals shared by every template."""

from datetime import datetime

from flask import Flask
from markupsafe import Markup

from .core.calendar import LONDON
from .core.money import format_money


def format_date(value: datetime | None, style: str = "long") -> str:
    if value is None:
        return ""
    if style == "iso":
        return value.isoformat()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(LONDON)  # a moment, as a UK customer reads its date
    return f"{value.day} {value:%B %Y}"


def london_datetime(value: datetime | None) -> str:
    """A moment as a UK customer reads it: "10 January, 23:59"."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B, %H:%M}"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["london_datetime"] = london_datetime
    app.jinja_env.globals["shop_name"] = "Inspire Me Korea"
    app.jinja_env.globals["Markup"] = Markup
