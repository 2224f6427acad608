"""Reading the catalogue for the storefront."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import Category, Product, Variant

_WITH_CARD_DATA = (selectinload(Product.variants), selectinload(Product.images))


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))


def active_products(category: Category | None = None) -> list[Product]:
    query = select(Product).where(Product.is_active).options(*_WITH_CARD_DATA)
    if category is not None:
        query = query.where(Product.category_id == category.id)
    query = query.join(Product.category).order_by(Category.position, Product.position, Product.name)
    return list(db.session.scalars(query))


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


def choose_variant(product: Product, sku: str | None) -> Variant | None:
    """The variant a product page shows: the one asked for, else the first in stock."""
    by_sku = {v.sku: v for v in product.variants}
    if sku in by_sku:
        return by_sku[sku]
    return next((v for v in product.variants if not v.is_sold_out), None) or next(iter(product.variants), None)


def products_in_category_slug(slug: str) -> list[Product]:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    return active_products(category) if category is not None else []
