"""Reading the blog: published posts only, newest first."""

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ..db_types import utcnow
from ..extensions import db
from .models import Post, Tag


def _published(now: datetime | None = None) -> Select:
    now = now or utcnow()
    return (
        select(Post)
        .where(Post.published_at.is_not(None), Post.published_at <= now)
        .options(selectinload(Post.tags), selectinload(Post.author))
        .order_by(Post.published_at.desc(), Post.id.desc())
    )


def published_page(page: int, per_page: int, tag: Tag | None = None) -> Pagination:
    query = _published()
    if tag is not None:
        query = query.where(Post.tags.contains(tag))
    return db.paginate(query, page=page, per_page=per_page, error_out=True)


def latest_posts(limit: int = 3) -> list[Post]:
    return list(db.session.scalars(_published().limit(limit)))


def published_post(slug: str) -> Post | None:
    return db.session.scalar(_published().where(Post.slug == slug))
