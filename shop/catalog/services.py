"""Reading the catalogue for the storefront."""

from collections.abc import Iterable

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Category, Product, Variant

_WITH_CARD_DATA = (selectinload(Product.variants), selectinload(Product.images))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def _active(category: Category | None) -> Select:
    query = select(Product).where(Product.is_active).options(*_WITH_CARD_DATA)
    if category is not None:
        query = query.where(Product.category_id == category.id)
    return query.join(Product.category).order_by(Category.position, Product.position, Product.name, Product.id)


def active_products(category: Category | None = None) -> list[Product]:
    return list(db.session.scalars(_active(category)))


def active_products_page(page: int, per_page: int, category: Category | None = None) -> Pagination:
    """One page of the shop (or of a category), in shop order; a page past the last is a 404."""
    return db.paginate(_active(category), page=page, per_page=per_page, error_out=True)


def sitemap_entries() -> tuple[list, dict]:
    """What the sitemap lists, in two queries whatever the catalogue's size: (slug, updated_at)
    of each active product, and each category's latest product change by category id."""
    products = list(db.session.execute(select(Product.slug, Product.updated_at).where(Product.is_active)))
    latest = select(Product.category_id, func.max(Product.updated_at)).where(Product.is_active)
    by_category = {
        category_id: changed for category_id, changed in db.session.execute(latest.group_by(Product.category_id))
    }
    return products, by_category


def featured_products(limit: int = 4) -> list[Product]:
    query = (
        select(Product)
        .where(Product.is_active, Product.is_featured)
        .options(*_WITH_CARD_DATA)
        .order_by(Product.position)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def product_by_slug(slug: str) -> Product | None:
    query = select(Product).where(Product.slug == slug, Product.is_active).options(*_WITH_CARD_DATA)
    return db.session.scalar(query)


def products_by_slug(slugs: Iterable[str]) -> dict[str, Product]:
    """The active products among these slugs, by slug, from one query (and one per card relation)."""
    query = select(Product).where(Product.slug.in_(set(slugs)), Product.is_active).options(*_WITH_CARD_DATA)
    return {product.slug: product for product in db.session.scalars(query)}


def active_products_by_category_slug(slugs: Iterable[str], per_category: int) -> dict[str, list[Product]]:
    """Category slug -> its first `per_category` active products in shop order, for all these
    categories at once (however many products each holds)."""
    ranked = (
        select(
            Product.id,
            Category.slug.label("category_slug"),
            func.row_number()
            .over(partition_by=Product.category_id, order_by=(Product.position, Product.name, Product.id))
            .label("rank"),
        )
        .join(Product.category)
        .where(Category.slug.in_(set(slugs)), Product.is_active)
        .subquery()
    )
    query = (
        select(Product, ranked.c.category_slug)
        .join(ranked, ranked.c.id == Product.id)
        .where(ranked.c.rank <= per_category)
        .options(*_WITH_CARD_DATA)
        .order_by(ranked.c.category_slug, ranked.c.rank)
    )
    found: dict[str, list[Product]] = {}
    for product, slug in db.session.execute(query):
        found.setdefault(slug, []).append(product)
    return found


def choose_variant(product: Product, sku: str | None) -> Variant | None:
    """The variant a product page shows: the one asked for, else the first in stock."""
    by_sku = {v.sku: v for v in product.variants}
    if sku in by_sku:
        return by_sku[sku]
    return next((v for v in product.variants if not v.is_sold_out), None) or next(iter(product.variants), None)
