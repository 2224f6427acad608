"""Jinja filters and globals shared by every template."""

from datetime import datetime
from pathlib import Path, PurePosixPath

from flask import Flask, current_app, request, url_for
from markupsafe import Markup

from .core.addresses import country_name
from .core.calendar import LONDON
from .core.images import image_src
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


DEFAULT_SOCIAL_IMAGE = "img/og-default.png"


def social_image(path: str | None) -> str:
    """The picture a link preview shows for an image under static/: its PNG twin when there is
    one (link previews do not show SVG), else the shop's default card."""
    if path:
        png = str(PurePosixPath(path).with_suffix(".png"))
        if (Path(current_app.static_folder) / png).is_file():
            return png
    return DEFAULT_SOCIAL_IMAGE


def social_image_url(path: str | None, widths: list[int] | None = None) -> str:
    """The absolute URL of a link preview's picture: an upload at its largest useful width,
    else the PNG twin of a shipped picture (or the default card)."""
    if path and widths:
        return image_src(path, widths, 1280, external=True)
    return url_for("static", filename=social_image(path), _external=True)


FIXED_URLS = "fixed_urls"


def fixed_url(endpoint: str, **values) -> str:
    """`url_for` for the layout's links that are the same on every page (the menus, the
    stylesheet, the logo), worked out once per process: the thirty of them were a tenth of a
    signed-in customer's page. A link is a path, so it varies only with the mount point."""
    urls = current_app.extensions[FIXED_URLS]
    key = (request.script_root, endpoint, *sorted(values.items()))
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


def init_app(app: Flask) -> None:
    app.extensions[FIXED_URLS] = {}
    app.jinja_env.globals["fixed_url"] = fixed_url
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["london_datetime"] = london_datetime
    app.jinja_env.filters["social_image"] = social_image
    app.jinja_env.globals["social_image_url"] = social_image_url
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.globals["shop_name"] = "Inspire Me Korea"
    app.jinja_env.globals["Markup"] = Markup
