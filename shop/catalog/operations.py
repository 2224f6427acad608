"""Changing the catalogue from the back office: categories, products, variants, stock and
pictures. Plain arguments in, typed errors out (CatalogError, safe to show), flush only.

A price lives on the variant and is copied onto an order line when the order is placed, so
changing it here never changes an order already placed; a Culture Box subscription keeps
the price it was sold at (subscriptions/pricing.py).
"""

import re
from dataclasses import dataclass
from typing import IO

from sqlalchemy import func, select, update

from ..core import images
from ..core.addresses import country_name, is_country
from ..core.vat import VatRate
from ..extensions import db
from .models import Category, Product, ProductImage, ProductKind, StockMovement, Variant

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SKU = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,62}[A-Z0-9]$")
HS_CODE = re.compile(r"^\d{4}(\.?\d{2}){0,3}$")  # chapter+heading, then subheadings (6 to 10 digits)
MAX_IMAGES = 12


class CatalogError(ValueError):
    """The change cannot be made as asked; the message is safe to show."""


def _check_slug(slug: str, model, current_id: int | None) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG.fullmatch(slug):
        raise CatalogError("The address name may use lower-case letters, digits and single dashes, e.g. sheet-masks.")
    taken = db.session.scalar(select(model.id).where(model.slug == slug, model.id != (current_id or -1)))
    if taken is not None:
        raise CatalogError(f"'{slug}' is already used by another {model.__name__.lower()}.")
    return slug


@dataclass
class CategoryDraft:
    slug: str
    name: str
    description: str = ""
    position: int = 0


def save_category(draft: CategoryDraft, category: Category | None = None) -> Category:
    category = category or Category()
    category.slug = _check_slug(draft.slug, Category, category.id)
    category.name = draft.name.strip()
    category.description = draft.description.strip()
    category.position = draft.position
    db.session.add(category)
    db.session.flush()
    return category


@dataclass
class ProductDraft:
    slug: str
    name: str
    category_id: int
    summary: str = ""
    description: str = ""
    kind: ProductKind = ProductKind.GOODS
    vat_rate: VatRate = VatRate.STANDARD
    is_featured: bool = False
    position: int = 0


def save_product(draft: ProductDraft, product: Product | None = None) -> Product:
    """Create (hidden until published) or edit a product."""
    if db.session.get(Category, draft.category_id) is None:
        raise CatalogError("Please choose a category.")
    if product is None:
        product = Product(is_active=False)
    product.slug = _check_slug(draft.slug, Product, product.id)
    product.name = draft.name.strip()
    product.category_id = draft.category_id
    product.summary = draft.summary.strip()
    product.description = draft.description.strip()
    product.kind = draft.kind
    product.vat_rate = draft.vat_rate
    product.is_featured = draft.is_featured
    product.position = draft.position
    db.session.add(product)
    db.session.flush()
    return product


def set_published(product: Product, published: bool) -> None:
    """Show the product in the shop, or hide it (its page answers 404; orders keep their lines)."""
    if published and product.kind is ProductKind.GOODS and not product.variants:
        raise CatalogError("Add at least one variant (price, weight, stock) before publishing.")
    product.is_active = published
    db.session.flush()


@dataclass
class VariantDraft:
    sku: str
    name: str
    price_pence: int
    weight_g: int
    hs_code: str
    origin_country: str
    free_shipping: bool = False
    position: int = 0


def save_variant(draft: VariantDraft, product: Product, variant: Variant | None = None) -> Variant:
    """Create or edit a variant. Stock is not set here: it changes through adjust_stock, so
    every change is in the ledger (a new variant starts at 0)."""
    sku = (draft.sku or "").strip().upper()
    if not SKU.fullmatch(sku):
        raise CatalogError("A SKU is 3 to 64 capital letters, digits and dashes, e.g. MASK-7D.")
    taken = db.session.scalar(
        select(Variant.id).where(Variant.sku == sku, Variant.id != (variant.id if variant else -1))
    )
    if taken is not None:
        raise CatalogError(f"The SKU {sku} is already used by another variant.")
    if draft.price_pence <= 0:
        raise CatalogError("The price must be more than £0.00.")
    if draft.weight_g <= 0:
        raise CatalogError("The weight must be at least 1 g: it prices the parcel.")
    hs_code = (draft.hs_code or "").strip()
    if not HS_CODE.fullmatch(hs_code):
        raise CatalogError("The HS code is the customs tariff number: 6 to 10 digits, e.g. 3304.99 or 490290.")
    origin = (draft.origin_country or "").strip().upper()
    if not is_country(origin):
        raise CatalogError("Please choose the country the goods were made in.")
    if variant is None:
        variant = Variant(product=product, stock=0)
    variant.sku = sku
    variant.name = draft.name.strip()
    variant.price_pence = draft.price_pence
    variant.weight_g = draft.weight_g
    variant.hs_code = hs_code
    variant.origin_country = origin
    variant.free_shipping = draft.free_shipping
    variant.position = draft.position
    db.session.add(variant)
    db.session.flush()
    return variant


def adjust_stock(variant: Variant, change: int, *, reason: str, actor: str) -> StockMovement:
    """Add (a delivery) or take away (breakage, a count) stock, with the reason in the ledger.
    One conditional UPDATE, so a sale in between is never overwritten and stock never goes
    below zero."""
    reason = (reason or "").strip()
    if not reason:
        raise CatalogError("Say why the stock changes (a delivery, a recount, damaged goods...).")
    if change == 0:
        raise CatalogError("Enter how many to add (e.g. 24) or take away (e.g. -3).")
    result = db.session.execute(
        update(Variant)
        .where(Variant.id == variant.id, Variant.stock + change >= 0)
        .values(stock=Variant.stock + change)
        .returning(Variant.stock)
    ).first()
    if result is None:
        db.session.refresh(variant, ["stock"])
        raise CatalogError(f"Only {variant.stock} of {variant.sku} are in stock: you cannot take away {-change}.")
    db.session.refresh(variant, ["stock"])
    movement = StockMovement(variant_id=variant.id, change=change, stock_after=result[0], reason=reason, actor=actor)
    db.session.add(movement)
    db.session.flush()
    return movement


def stock_movements(variant: Variant, limit: int = 50) -> list[StockMovement]:
    query = (
        select(StockMovement)
        .where(StockMovement.variant_id == variant.id)
        .order_by(StockMovement.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def add_image(product: Product, upload: IO[bytes], *, alt: str) -> ProductImage:
    """Check, re-encode and store an uploaded picture (core/images.py) as the product's last."""
    alt = (alt or "").strip()
    if not alt:
        raise CatalogError("Describe the picture for people who cannot see it (its alt text).")
    if len(product.images) >= MAX_IMAGES:
        raise CatalogError(f"A product has at most {MAX_IMAGES} pictures: remove one first.")
    try:
        stored = images.store_upload(upload)
    except images.ImageError as error:
        raise CatalogError(str(error)) from None
    last = db.session.scalar(select(func.max(ProductImage.position)).where(ProductImage.product_id == product.id))
    image = ProductImage(product=product, path=stored.name, widths=stored.widths, alt=alt, position=(last or 0) + 1)
    db.session.add(image)
    db.session.flush()
    return image


def remove_image(image: ProductImage) -> None:
    """Take the picture off the product. Its files stay: a page cached elsewhere may still
    show it, and an identical upload later reuses them."""
    db.session.delete(image)
    db.session.flush()


def make_cover(image: ProductImage) -> None:
    """Show this picture first (on cards and at the top of the product page)."""
    first = min((other.position for other in image.product.images), default=0)
    image.position = first - 1
    db.session.flush()


def origin_label(code: str) -> str:
    return f"{country_name(code)} ({code})"
