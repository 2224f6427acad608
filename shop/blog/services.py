"""Reading the blog: published posts only, newest first."""

import re
from dataclasses import dataclass
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import selectinload

from ..catalog import services as catalog
from ..catalog.models import Product
from ..db_types import utcnow
from ..extensions import db
from .models import Author, Post, Tag


def is_published(now: datetime | None = None) -> ColumnElement[bool]:
    """The condition a post meets while readers can see it: published, and not scheduled for
    later (a draft has no publishing time)."""
    now = now or utcnow()
    return and_(Post.published_at.is_not(None), Post.published_at <= now)


def _published(now: datetime | None = None) -> Select:
    return (
        select(Post)
        .where(is_published(now))
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


def sitemap_entries() -> list:
    """(slug, updated_at) of every published post, newest first, in one query."""
    now = utcnow()
    query = select(Post.slug, Post.updated_at).where(Post.published_at.is_not(None), Post.published_at <= now)
    return list(db.session.execute(query.order_by(Post.published_at.desc(), Post.id.desc())))


def published_post(slug: str) -> Post | None:
    return db.session.scalar(_published().where(Post.slug == slug))


def related_posts(post: Post, limit: int = 3) -> list[Post]:
    """Other published posts, those sharing most tags with this one first, then the newest."""
    others = [p for p in db.session.scalars(_published().where(Post.id != post.id).limit(50))]
    tag_ids = {tag.id for tag in post.tags}
    others.sort(key=lambda p: -len(tag_ids & {tag.id for tag in p.tags}))  # stable: newest first within a tie
    return others[:limit]


EMBED_SLUG = re.compile(r"\[\[product:([a-z0-9-]+)\]\]")
# What a post's text points at in the shop: product cards, product links and category links.
_MENTIONS = re.compile(
    r"\[\[product:(?P<embed>[a-z0-9-]+)\]\]|\(/products/(?P<product>[a-z0-9-]+)\)|\(/shop/(?P<category>[a-z0-9-]+)\)"
)


def mentioned_products(post: Post, per_category: int = 24) -> list[Product]:
    """The products the post's text mentions, in the order it mentions them (a category link
    stands for its first `per_category` products)."""
    mentions = list(_MENTIONS.finditer(post.body_markdown))
    product_slugs = {m["embed"] or m["product"] for m in mentions if not m["category"]}
    category_slugs = {m["category"] for m in mentions if m["category"]}
    by_slug = catalog.products_by_slug(product_slugs) if product_slugs else {}
    by_category = catalog.active_products_by_category_slug(category_slugs, per_category) if category_slugs else {}
    found: list[Product] = []
    for match in mentions:
        if match["category"]:
            products = by_category.get(match["category"], [])
        else:
            product = by_slug.get(match["embed"] or match["product"])
            products = [product] if product else []
        found.extend(p for p in products if p not in found)
    return found


@dataclass(frozen=True)
class PostProducts:
    """The shop's products on a post's page, loaded once for both places they show."""

    mentioned: dict[str, Product]  # by slug: the cards in the text are among them
    related: list[Product]  # under the post


def post_products(post: Post, limit: int = 4) -> PostProducts:
    """What the post mentions, and up to `limit` products to show under it: the mentioned ones,
    then the featured ones, leaving out those already shown as a card in the text."""
    carded = set(EMBED_SLUG.findall(post.body_markdown))
    mentioned = mentioned_products(post, per_category=limit + len(carded))
    related = [p for p in mentioned if p.slug not in carded]
    related += [
        p for p in catalog.featured_products(limit=limit + len(carded)) if p not in related and p.slug not in carded
    ]
    return PostProducts({p.slug: p for p in mentioned}, related[:limit])


def author_by_slug(slug: str) -> Author | None:
    return db.session.scalar(select(Author).where(Author.slug == slug))
