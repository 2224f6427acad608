"""The cart: variant id → quantity, kept in the signed session cookie (never in process
memory: the shop runs as several stateless processes). These functions take that mapping
and change it in place; the views keep it in `session[CART_KEY]`.
"""

from collections.abc import MutableMapping
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, contains_eager

from ..catalog.models import Product, ProductImage, ProductKind, Variant
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
    sizes: int  # how many variants its product has: a size is named only when there is a choice
    cover: ProductImage | None  # the product's first picture

    @property
    def name(self) -> str:
        product = self.variant.product
        return product.name if self.sizes == 1 else f"{product.name} — {self.variant.name}"

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


def _line(variant_id: int) -> CartLine:
    found = _lines({variant_id: 0})
    if not found:
        raise UnknownItem("Sorry, that item is no longer available.")
    return found[0]


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
    line = _line(variant_id)
    variant, name = line.variant, line.name
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
    line = _line(variant_id)
    variant, name = line.variant, line.name
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
        return f"Removed {_line(variant_id).name} from your cart."
    except UnknownItem:
        return "Removed the item from your cart."


# The lines of the variants that are still sold, from one statement built once: the cart is
# shown on every visit, and building the statement each time was a fifth of loading the cart.
# Each row holds the variant with its product and category, how many variants the product has,
# and its first picture.
_Sibling = aliased(Variant)
_Picture = aliased(ProductImage)
_SIZES = select(func.count(_Sibling.id)).where(_Sibling.product_id == Product.id).scalar_subquery()
_FIRST_PICTURE = (
    select(ProductImage.id)
    .where(ProductImage.product_id == Product.id)
    .order_by(ProductImage.position, ProductImage.id)
    .limit(1)
    .scalar_subquery()
)
_CART_LINES = (
    select(Variant, _SIZES, _Picture)
    .join(Variant.product)
    .join(Product.category)
    .outerjoin(_Picture, _Picture.id == _FIRST_PICTURE)
    .where(Variant.id.in_(bindparam("ids", expanding=True)), Product.is_active, Product.kind == ProductKind.GOODS)
    .options(contains_eager(Variant.product).contains_eager(Product.category))
    .order_by(Variant.id)
)


def _lines(quantities: dict[int, int]) -> list[CartLine]:
    """A line for each of these variants still sold (variant id → quantity), by variant id."""
    rows = db.session.execute(_CART_LINES, {"ids": list(quantities)})
    return [CartLine(variant, quantities[variant.id], sizes, cover) for variant, sizes, cover in rows]


def load(items: Items | None) -> Cart:
    """The cart's lines, in a stable order. Items that left the catalogue are dropped from `items`."""
    if not items:
        return Cart([])
    quantities = {}
    for key, quantity in list(items.items()):
        try:
            quantities[int(key)] = int(quantity)
        except (TypeError, ValueError):
            items.pop(key)
    lines = _lines(quantities)
    found = {str(line.variant.id) for line in lines}
    for key in list(items):
        if key not in found:
            items.pop(key)
    return Cart([line for line in lines if line.quantity > 0])
