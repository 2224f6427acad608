"""The shop's Instagram posts, from content/instagram.yaml (the seed's posts)."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

PROFILE_URL = "https://www.instagram.com/inspiremekorea/"


@dataclass(frozen=True)
class InstagramPost:
    text: str
    tags: tuple[str, ...]
    image: str  # relative to static/
    alt: str
    link: str | None = None  # a shop path the post points to
    link_label: str = "Shop this"


@cache
def load(content_dir: str) -> tuple[InstagramPost, ...]:
    raw = yaml.safe_load((Path(content_dir) / "instagram.yaml").read_text(encoding="utf-8"))
    return tuple(
        InstagramPost(
            text=item["text"],
            tags=tuple(item.get("tags", [])),
            image=item["image"],
            alt=item["alt"],
            link=item.get("link"),
            link_label=item.get("link_label", "Shop this"),
        )
        for item in raw["posts"]
    )
