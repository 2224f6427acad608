"""Uploaded pictures, served from MEDIA_FOLDER (core/images.py writes them).

Their names come from their content, so a name always means the same bytes and browsers
may keep them for a year."""

from flask import Blueprint, send_from_directory

from ..core.images import media_folder

bp = Blueprint("media", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/media/<path:filename>")
def file(filename: str):
    # send_from_directory refuses paths that leave the folder (404).
    return send_from_directory(media_folder(), filename, max_age=ONE_YEAR, mimetype="image/jpeg")
