"""Every model, imported in one place so Alembic and the app see the whole schema."""

from .blog.models import Author, Post, Tag, post_tag
from .catalog.models import Category, Product, ProductImage, ProductKind, Variant
from .shipping.models import ParcelRate, ShippingZone, ZoneCountry
from .subscriptions.models import Plan, PlanKind

__all__ = [
    "Author", "Category", "ParcelRate", "Plan", "PlanKind", "Post", "Product",
    "ProductImage", "ProductKind", "ShippingZone", "Tag", "Variant", "ZoneCountry", "post_tag",
]
