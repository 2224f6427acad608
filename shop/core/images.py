"""Uploaded pictures (product photos, blog heroes): checked, re-encoded, resized, renamed.

Nothing an uploader sends is served as it came. The file must be an image Pillow reads
(JPEG, PNG, WebP or GIF, whatever its name says), within a byte cap and a pixel cap (a
small file that unpacks to a gigantic bitmap, a "decompression bomb", is refused before it
is decoded). It is decoded, turned upright (EXIF orientation), flattened onto white and
written afresh as JPEG at a few widths, under a name made from its content: metadata and
anything hidden in the original are dropped, and no uploaded name reaches the disk.

The files live in the MEDIA_FOLDER setting (instance/media/ by default) and the shop serves
them at /media/<name>; a picture is stored as its name and the widths it was written at,
from which `src` and `srcset` are built.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from flask import Flask, current_app, url_for
from PIL import Image, ImageOps, UnidentifiedImageError

WIDTHS = (320, 640, 1280)
FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # 8000 x 5000: larger than any camera photo the shop needs
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
JPEG_QUALITY = 82


class ImageError(ValueError):
    """The upload is not a picture the shop can use; the message says why and is safe to show."""


@dataclass(frozen=True)
class StoredImage:
    name: str  # the content hash; the files are <name>-<width>.jpg
    widths: list[int]
    width: int  # of the largest file
    height: int


def media_folder() -> Path:
    return Path(current_app.config["MEDIA_FOLDER"])


def _read_capped(stream: IO[bytes], limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ImageError(f"That file is larger than {limit // (1024 * 1024)} MB: please upload a smaller picture.")
    if not data:
        raise ImageError("That file is empty: please choose a picture.")
    return data


def _open_checked(data: bytes) -> Image.Image:
    """Open and fully decode the picture, refusing what is not one or is too big to decode."""
    refused = ImageError("That file is not a picture we can use: please upload a JPEG, PNG, WebP or GIF.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in FORMATS:
                raise refused
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageError(
                    f"That picture is {probe.width} x {probe.height} pixels, too many to process safely: "
                    "please upload one under 40 megapixels."
                )
            probe.verify()  # structure and checksums, without decoding the pixels
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError("That picture is too many pixels to process safely: please upload a smaller one.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageError):
            raise
        raise refused from None
    return image


def _flatten(image: Image.Image) -> Image.Image:
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def store_upload(stream: IO[bytes], *, folder: Path | None = None, max_bytes: int | None = None) -> StoredImage:
    """Check, re-encode and store an uploaded picture; raises ImageError."""
    limit = max_bytes or int(current_app.config.get("MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES))
    data = _read_capped(stream, limit)
    image = _flatten(_open_checked(data))
    folder = folder or media_folder()
    folder.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(data).hexdigest()[:24]
    largest_width = min(image.width, WIDTHS[-1])
    widths = [w for w in WIDTHS if w < largest_width] + [largest_width]
    largest = image
    for width in widths:
        copy = image.copy()
        copy.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
        copy.save(folder / f"{name}-{width}.jpg", "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
        largest = copy
    return StoredImage(name=name, widths=widths, width=largest.width, height=largest.height)


def file_name(name: str, width: int) -> str:
    return f"{name}-{width}.jpg"


def image_src(path: str, widths: list[int] | None = None, want: int = 640, external: bool = False) -> str:
    """The URL of a picture: an upload (stored with its widths) at the width nearest `want`,
    or a file the shop ships under static/."""
    if not widths:
        return url_for("static", filename=path, _external=external)
    width = min(widths, key=lambda w: (w < want, abs(w - want)))
    return url_for("media.file", filename=file_name(path, width), _external=external)


def image_srcset(path: str, widths: list[int] | None = None) -> str:
    if not widths:
        return ""
    return ", ".join(f"{url_for('media.file', filename=file_name(path, w))} {w}w" for w in widths)


def init_app(app: Flask) -> None:
    app.config.setdefault("MEDIA_FOLDER", str(Path(app.instance_path) / "media"))
    app.config.setdefault("MEDIA_MAX_BYTES", DEFAULT_MAX_BYTES)
    app.jinja_env.globals["image_src"] = image_src
    app.jinja_env.globals["image_srcset"] = image_srcset
