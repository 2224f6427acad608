"""Static files under content-hashed names, cached by browsers for a year.

`url_for("static", filename="css/shop.css")` gives `/static/css/shop.3f9c2a1b7d.css`: the name
changes whenever the bytes do, so a browser may keep the file for a year (`immutable`) and a
deploy is never half-seen. Templates keep asking for the plain name; the hashing happens here.
A request for the plain name (an old page, a stylesheet's own `url(...)`) still works, cached
for an hour. With `app.debug`, names are not hashed, so edits show on reload.
"""

import hashlib
import re
from pathlib import Path

from flask import Flask, current_app, send_from_directory
from werkzeug.exceptions import NotFound

EXTENSION = "assets.manifest"
YEAR = 365 * 24 * 3600
HOUR = 3600
HASHED_NAME = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")


def build_manifest(folder: Path) -> dict[str, str]:
    """Every file under the folder, by its path relative to it, to the hashed path."""
    manifest = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest = hashlib.blake2b(path.read_bytes(), digest_size=5).hexdigest()
            name = path.relative_to(folder).as_posix()
            manifest[name] = f"{name[: -len(path.suffix)] if path.suffix else name}.{digest}{path.suffix}"
    return manifest


def hashed_name(filename: str) -> str:
    return current_app.extensions[EXTENSION]["names"].get(filename, filename)


def serve_static(filename: str):
    """Serve a hashed name for a year, a plain name for an hour; an unknown hash is not found,
    so a stale name never gets a year of the wrong bytes."""
    manifest = current_app.extensions[EXTENSION]
    plain = manifest["files"].get(filename)
    max_age = YEAR
    if plain is None:
        if HASHED_NAME.match(filename) and filename not in manifest["names"]:
            raise NotFound()
        plain, max_age = filename, HOUR
    response = send_from_directory(current_app.static_folder, plain, max_age=max_age, conditional=True)
    if max_age == YEAR:
        response.cache_control.immutable = True
        response.cache_control.public = True
    return response


def _hash_static_urls(endpoint: str, values: dict) -> None:
    if endpoint == "static" and "filename" in values:
        values["filename"] = hashed_name(values["filename"])


def init_app(app: Flask) -> None:
    names = {} if app.debug else build_manifest(Path(app.static_folder))
    app.extensions[EXTENSION] = {"names": names, "files": {hashed: plain for plain, hashed in names.items()}}
    app.url_defaults(_hash_static_urls)
    app.view_functions["static"] = serve_static
