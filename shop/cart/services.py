"""The cart: variant id → quantity, kept in the signed session cookie (never in process
memory: the shop runs as several stateless processes). These functions take that mapping
and change it in place; the views keep it in `session[CART_KEY]`.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import contains_eager, selectinload

from ..catalog.models import Product, ProductKind, Variant
from ..extensions import db

CART_KEY = "cart"  # where the cart lives in the session: {variant_id: quantity}

MAX_PER_LINE = 99

Items = MutableMapping[str, int]  # str(variant id) → quantity (JSON keys are strings)


class CartError(Exception):
    """A cart change cannot be made; the message is safe to show to the customer."""


class UnknownItem(CartError):
    pass


class SoldOut(CartError):
    pass


class InvalidQuantity(CartError):
    pass


@dataclass
class CartLine:
    variant: Variant
    quantity: int

    @property
    def name(self) -> str:
        product = self.variant.product
        return product.name if len(product.variants) == 1 else f"{product.name} — {self.variant.name}"

    @property
    def line_total_pence(self) -> int:
        return self.variant.price_pence * self.quantity

    @property
    def is_sold_out(self) -> bool:
        return self.variant.stock <= 0

    @property
    def exceeds_stock(self) -> bool:
        return self.quantity > self.variant.stock

    @property
    def max_quantity(self) -> int:
        return max(0, min(self.variant.stock, MAX_PER_LINE))


@dataclass
class Cart:
    lines: list[CartLine]

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_pence(self) -> int:
        return sum(line.line_total_pence for line in self.lines)

    @property
    def problems(self) -> list[str]:
        """Why this cart cannot be checked out as it is (empty list: it can)."""
        found = []
        for line in self.lines:
            if line.is_sold_out:
                found.append(f"{line.name} is sold out. Please remove it from your cart.")
            elif line.exceeds_stock:
                found.append(f"Only {line.variant.stock} of {line.name} left. Please lower the quantity.")
        return found


def count(items: Items | None) -> int:
    """The number of items, from the session alone (no database query)."""
    if not items:
        return 0
    return sum(q for q in items.values() if isinstance(q, int) and q > 0)


def _variant(variant_id: int) -> Variant:
    variant = db.session.scalar(
        select(Variant)
        .join(Variant.product)
        .where(Variant.id == variant_id, Product.is_active, Product.kind == ProductKind.GOODS)
        .options(selectinload(Variant.product).selectinload(Product.variants))
    )
    if variant is None:
        raise UnknownItem("Sorry, that item is no longer available.")
    return variant


def _capped(variant: Variant, wanted: int, name: str) -> tuple[int, str | None]:
    """The quantity the cart can hold and, if it had to be lowered, why."""
    limit = min(variant.stock, MAX_PER_LINE)
    if wanted <= limit:
        return wanted, None
    if limit == variant.stock:
        return limit, f"Only {variant.stock} of {name} in stock, so your cart has {limit}."
    return limit, f"You can buy up to {MAX_PER_LINE} of {name} at once."


def add(items: Items, variant_id: int, quantity: int) -> str:
    """Add `quantity` of a variant; returns the message to show (capped by stock)."""
    if quantity < 1:
        raise InvalidQuantity("Please choose a quantity of at least 1.")
    variant = _variant(variant_id)
    name = CartLine(variant, 0).name
    if variant.stock <= 0:
        raise SoldOut(f"Sorry, {name} is sold out.")
    key = str(variant.id)
    new, warning = _capped(variant, items.get(key, 0) + quantity, name)
    items[key] = new
    return warning or f"Added {quantity} × {name} to your cart."


def set_quantity(items: Items, variant_id: int, quantity: int) -> str:
    """Change a line's quantity (0 removes it); returns the message to show."""
    key = str(variant_id)
    if key not in items:
        raise UnknownItem("That item is not in your cart any more.")
    if quantity < 0:
        raise InvalidQuantity("Please choose a quantity of 0 or more.")
    if quantity == 0:
        return remove(items, variant_id)
    variant = _variant(variant_id)
    name = CartLine(variant, 0).name
    if variant.stock <= 0:
        raise SoldOut(f"Sorry, {name} is sold out. Please remove it from your cart.")
    new, warning = _capped(variant, quantity, name)
    items[key] = new
    return warning or f"Updated {name}: {new} in your cart."


def remove(items: Items, variant_id: int) -> str:
    key = str(variant_id)
    if items.pop(key, None) is None:
        raise UnknownItem("That item is not in your cart any more.")
    try:
        return f"Removed {CartLine(_variant(variant_id), 0).name} from your cart."
    except UnknownItem:
        return "Removed the item from your cart."


# The variants of a cart's lines that are still sold. Built once: the cart is shown on every
# visit, and building the statement each time was a fifth of loading the cart. Each line's
# product and category come in its own row; the product's sizes and pictures, one query each.
_CART_VARIANTS = (
    select(Variant)
    .join(Variant.product)
    .join(Product.category)
    .where(Variant.id.in_(bindparam("ids", expanding=True)), Product.is_active, Product.kind == ProductKind.GOODS)
    .options(
        contains_eager(Variant.product).options(
            contains_eager(Product.category), selectinload(Product.variants), selectinload(Product.images)
        )
    )
    .order_by(Variant.id)
)


def load(items: Items | None) -> Cart:
    """The cart's lines with their variants, in a stable order. Items that left the
    catalogue are dropped from `items`."""
    if not items:
        return Cart([])
    ids = []
    for key in list(items):
        try:
            ids.append(int(key))
        except (TypeError, ValueError):
            items.pop(key)
    variants = db.session.scalars(_CART_VARIANTS, {"ids": ids}).all()
    found = {str(v.id) for v in variants}
    for key in list(items):
        if key not in found:
            items.pop(key)
    return Cart([CartLine(v, int(items[str(v.id)])) for v in variants if int(items[str(v.id)]) > 0])
