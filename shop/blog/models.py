from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import utcnow
from ..extensions import db

post_tag = Table(
    "post_tag",
    db.metadata,
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Author(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    bio: Mapped[str] = mapped_column(Text, default="")
    avatar_path: Mapped[str | None] = mapped_column(String(255))  # relative to static/

    posts: Mapped[list["Post"]] = relationship(back_populates="author")


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(80))


class Post(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # What search engines and link previews show (<title>, og:title), when it differs.
    seo_title: Mapped[str | None] = mapped_column(String(200))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    body_markdown: Mapped[str] = mapped_column(Text)
    # A file under static/, or an upload's name in MEDIA_FOLDER written at hero_widths.
    hero_image: Mapped[str | None] = mapped_column(String(255))
    hero_widths: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    hero_alt: Mapped[str] = mapped_column(String(255), default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("author.id"), index=True)
    published_at: Mapped[datetime | None] = mapped_column(index=True)  # None: a draft
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the newsletter told its subscribers about the post (None: not yet).
    announced_at: Mapped[datetime | None]

    author: Mapped[Author] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tag, order_by=Tag.name)

    @property
    def page_title(self) -> str:
        return self.seo_title or self.title
