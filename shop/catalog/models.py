import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.vat import VatRate
from ..db_types import enum_by_value, utcnow
from ..extensions import db

LOW_STOCK_THRESHOLD = 5


class ProductKind(enum.Enum):
    GOODS = "goods"  # one-off items that go in the cart
    SUBSCRIPTION = "subscription"  # the Culture Box, sold through /culture-box


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    products: Mapped[list["Product"]] = relationship(back_populates="category", order_by="Product.position")


class Product(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ProductKind] = mapped_column(enum_by_value(ProductKind), default=ProductKind.GOODS)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    is_active: Mapped[bool] = mapped_column(default=True)
    # UK VAT on its price: standard, or zero for printed matter (magazines). Each order line
    # keeps the rate it was sold at.
    vat_rate: Mapped[VatRate] = mapped_column(
        enum_by_value(VatRate), default=VatRate.STANDARD, server_default=VatRate.STANDARD.value
    )
    is_featured: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the product's page last changed (the sitemap's lastmod).
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship(back_populates="products")
    variants: Mapped[list["Variant"]] = relationship(
        back_populates="product", order_by="Variant.position", cascade="all, delete-orphan"
    )
    images: Mapped[list["ProductImage"]] = relationship(
        back_populates="product", order_by="ProductImage.position", cascade="all, delete-orphan"
    )

    @property
    def is_subscription(self) -> bool:
        return self.kind is ProductKind.SUBSCRIPTION

    @property
    def cover(self) -> "ProductImage | None":
        return self.images[0] if self.images else None

    @property
    def from_price_pence(self) -> int | None:
        prices = [v.price_pence for v in self.variants]
        return min(prices) if prices else None

    @property
    def has_price_range(self) -> bool:
        return len({v.price_pence for v in self.variants}) > 1

    @property
    def ships_free(self) -> bool:
        return bool(self.variants) and all(v.free_shipping for v in self.variants)

    @property
    def in_stock(self) -> bool:
        return any(v.stock > 0 for v in self.variants)


class Variant(db.Model):
    __table_args__ = (CheckConstraint("stock >= 0", name="stock_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    price_pence: Mapped[int]  # VAT-inclusive, GBP
    weight_g: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    hs_code: Mapped[str] = mapped_column(String(16))  # customs tariff code for CN22/CN23
    origin_country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    free_shipping: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

    product: Mapped[Product] = relationship(back_populates="variants")

    @property
    def is_sold_out(self) -> bool:
        return self.stock <= 0

    @property
    def is_low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK_THRESHOLD

    @property
    def stock_label(self) -> str:
        if self.is_sold_out:
            return "Sold out"
        if self.is_low_stock:
            return f"Only {self.stock} left"
        return "In stock"


class ProductImage(db.Model):
    """A picture of a product: a file the shop ships (path relative to static/, no widths)
    or an upload (path is its name in MEDIA_FOLDER, written at `widths`; core/images.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    alt: Mapped[str] = mapped_column(String(255))
    position: Mapped[int] = mapped_column(default=0)
    widths: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")

    product: Mapped[Product] = relationship(back_populates="images")


class StockMovement(db.Model):
    """The stock ledger: every change made by hand to a variant's stock, who made it, by how
    much and why, with the stock it left."""

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id"), index=True)
    change: Mapped[int]
    stock_after: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variant: Mapped[Variant] = relationship()


class StockAlert(db.Model):
    """ "Tell me when it's back": one email when a sold-out variant has stock again."""

    __table_args__ = (UniqueConstraint("variant_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variant.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))  # lower-case
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    variant: Mapped[Variant] = relationship()
