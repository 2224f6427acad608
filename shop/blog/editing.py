"""Writing the blog from the back office: posts (drafts, scheduled, published), their
tags and hero pictures. Plain arguments in, BlogError out (safe to show), flush only.

A post is a draft while `published_at` is empty, and appears on the blog at that moment
otherwise: a time in the future schedules it, with nothing to run (services._published
reads the clock).
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO

from sqlalchemy import select

from ..core import images
from ..extensions import db
from .markdown import render_markdown
from .models import Author, Post, Tag

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_TAGS = 10


class BlogError(ValueError):
    """The post cannot be saved as asked; the message is safe to show."""


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")[:80]


@dataclass
class PostDraft:
    slug: str
    title: str
    body_markdown: str
    author_id: int
    excerpt: str = ""
    tags: list[str] = field(default_factory=list)  # names, as typed
    published_at: datetime | None = None  # None: a draft
    hero_alt: str = ""


def parse_tags(text: str) -> list[str]:
    names = [name.strip() for name in (text or "").split(",")]
    unique = list(dict.fromkeys(name for name in names if name))
    if len(unique) > MAX_TAGS:
        raise BlogError(f"At most {MAX_TAGS} tags, please.")
    return unique


def _tags(names: list[str]) -> list[Tag]:
    found = []
    for name in names:
        slug = slugify(name)
        if not slug:
            raise BlogError(f"'{name}' cannot be a tag: use letters or digits.")
        tag = db.session.scalar(select(Tag).where(Tag.slug == slug))
        if tag is None:
            tag = Tag(slug=slug, name=name[:80])
            db.session.add(tag)
        if tag not in found:
            found.append(tag)
    return found


def save_post(draft: PostDraft, post: Post | None = None) -> Post:
    slug = (draft.slug or "").strip().lower() or slugify(draft.title)
    if not SLUG.fullmatch(slug):
        raise BlogError("The address name may use lower-case letters, digits and single dashes.")
    taken = db.session.scalar(select(Post.id).where(Post.slug == slug, Post.id != (post.id if post else -1)))
    if taken is not None:
        raise BlogError(f"Another post already lives at /blog/{slug}.")
    if not draft.title.strip():
        raise BlogError("Give the post a title.")
    if not draft.body_markdown.strip():
        raise BlogError("The post has no text yet.")
    if db.session.get(Author, draft.author_id) is None:
        raise BlogError("Please choose an author.")
    if draft.published_at is not None and draft.published_at.tzinfo is None:
        raise BlogError("The publishing time needs a time zone.")
    post = post or Post()
    post.slug = slug
    post.title = draft.title.strip()
    post.body_markdown = draft.body_markdown
    post.excerpt = draft.excerpt.strip()
    post.author_id = draft.author_id
    post.published_at = draft.published_at
    post.hero_alt = draft.hero_alt.strip()
    post.tags = _tags(draft.tags)
    db.session.add(post)
    db.session.flush()
    return post


def set_hero(post: Post, upload: IO[bytes], *, alt: str) -> None:
    """The post's hero picture, through the shop's one picture pipeline (core/images.py)."""
    if not (alt or "").strip():
        raise BlogError("Describe the hero picture for people who cannot see it (its alt text).")
    try:
        stored = images.store_upload(upload)
    except images.ImageError as error:
        raise BlogError(str(error)) from None
    post.hero_image, post.hero_widths, post.hero_alt = stored.name, stored.widths, alt.strip()
    db.session.flush()


def remove_hero(post: Post) -> None:
    post.hero_image, post.hero_widths, post.hero_alt = None, [], ""
    db.session.flush()


def preview(markdown_text: str):
    """The body as the post page will show it (sanitised, product embeds expanded)."""
    return render_markdown(markdown_text or "")


def status(post: Post, now: datetime) -> str:
    if post.published_at is None:
        return "draft"
    return "scheduled" if post.published_at > now else "published"


def authors() -> list[Author]:
    return list(db.session.scalars(select(Author).order_by(Author.name)))
