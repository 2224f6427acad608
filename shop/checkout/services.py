"""Checkout: from a cart and the customer's details to priced totals and a placed order.

The order of the sums: each line and the shipping are priced for the destination
(vat.price_line / vat.order_totals: VAT-inclusive in the UK, VAT removed for an export),
then the discount is worked out on those amounts, then the totals. Nothing here trusts
a figure from the browser: everything is recomputed from the database.
"""

import hashlib
import json
from dataclasses import dataclass, field, replace

from ..blog.attribution import NO_TOUCH, Touches
from ..cart import services as cart_services
from ..cart.services import Cart
from ..core import vat
from ..core.addresses import PostalAddress, country_name
from ..core.vat import PricedLine, Totals, VatTreatment
from ..discounts import services as discounts
from ..discounts.models import DiscountCode
from ..orders import services as orders
from ..orders.models import Order
from ..shipping import services as shipping
from ..shipping.services import ParcelItem, ShippingQuote


class CheckoutError(Exception):
    """The checkout cannot go on; the message is safe to show."""


class CartNotReady(CheckoutError):
    pass


@dataclass(frozen=True)
class CheckoutDetails:
    email: str
    address: PostalAddress
    discount_code: str = ""

    @classmethod
    def from_dict(cls, data: dict | None) -> "CheckoutDetails | None":
        """From the session, which holds the checkout form's fields (flat)."""
        if not data:
            return None
        return cls(
            email=str(data.get("email") or ""),
            address=PostalAddress.from_dict(data),
            discount_code=str(data.get("discount_code") or ""),
        )

    def to_dict(self) -> dict:
        """The checkout form's fields, so the session pre-fills the form as it was typed."""
        return {"email": self.email, **self.address.to_dict(), "discount_code": self.discount_code}


@dataclass
class CheckoutQuote:
    cart: Cart
    details: CheckoutDetails
    shipping: ShippingQuote
    priced: list[tuple[cart_services.CartLine, PricedLine]]
    totals: Totals
    discount: DiscountCode | None = None
    discount_label: str = ""
    country_name: str = field(default="")


def fingerprint(items: dict, details: CheckoutDetails) -> str:
    """What was in the cart and the form when an order was placed: a retry with the
    same fingerprint pays the same pending order again instead of placing another."""
    payload = json.dumps({"items": dict(sorted(items.items())), "details": details.to_dict()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def discount_label(discount: DiscountCode) -> str:
    return f"Discount ({discount.code})" + (f": {discount.description}" if discount.description else "")


def price(cart: Cart, details: CheckoutDetails) -> CheckoutQuote:
    """Price a cart for these details. Raises CartNotReady, a ShippingError (country
    refused, parcel too heavy) or a DiscountError (code refused)."""
    if cart.is_empty:
        raise CartNotReady("Your cart is empty.")
    if cart.problems:
        raise CartNotReady(" ".join(cart.problems))
    country = details.address.country
    quote = shipping.quote(
        country, [ParcelItem(line.variant.weight_g, line.quantity, line.variant.free_shipping) for line in cart.lines]
    )
    priced = [
        (line, vat.price_line(country, line.variant.price_pence, line.quantity, line.variant.product.vat_rate))
        for line in cart.lines
    ]
    items_pence = sum(p.line_total_pence for _, p in priced)
    shipping_pence = vat.price_amount(country, quote.price_pence, vat.shipping_rate([p for _, p in priced]))
    discount = None
    discount_pence = 0
    if details.discount_code.strip():
        discount = discounts.find_usable(details.discount_code, details.email)
        discount_pence = discounts.discount_amount(discount, country, items_pence, shipping_pence)
    totals = vat.order_totals(country, [p for _, p in priced], quote.price_pence, discount_pence)
    return CheckoutQuote(
        cart=cart,
        details=details,
        shipping=quote,
        priced=priced,
        totals=totals,
        discount=discount,
        discount_label=discount_label(discount) if discount else "",
        country_name=country_name(country),
    )


def draft_order(quote: CheckoutQuote, checkout_fingerprint: str | None = None) -> orders.NewOrder:
    d = quote.details
    t = quote.totals
    return orders.NewOrder(
        email=d.email,
        address=d.address,
        lines=[
            orders.NewLine(
                variant_id=line.variant.id,
                name=line.name,
                sku=line.variant.sku,
                catalogue_price_pence=p.catalogue_price_pence,
                unit_price_pence=p.unit_price_pence,
                quantity=p.quantity,
                vat_pence=p.vat_charged_pence,
                vat_rate_percent=p.rate_percent,
                customs_description=customs_description(line),
                hs_code=line.variant.hs_code,
                origin_country=line.variant.origin_country,
                weight_g=line.variant.weight_g,
                free_shipping=line.variant.free_shipping,
            )
            for line, p in quote.priced
        ],
        vat_treatment=VatTreatment.for_country(t.country_code),
        shipping_zone=quote.shipping.zone_code,
        shipping_method=quote.shipping.method,
        parcel_weight_g=quote.shipping.weight_g,
        items_pence=t.items_pence,
        shipping_pence=t.shipping_pence,
        discount_id=quote.discount.id if quote.discount else None,
        discount_code=quote.discount.code if quote.discount else None,
        discount_pence=t.discount_pence,
        vat_pence=t.vat_pence,
        vat_removed_pence=t.vat_removed_pence,
        total_pence=t.total_pence,
        checkout_fingerprint=checkout_fingerprint,
    )


def customs_description(line: cart_services.CartLine) -> str:
    """Plain words a customs officer understands, from the category (CN22/CN23)."""
    category = line.variant.product.category.slug
    return {"magazines": "Printed magazine", "beauty": "Cosmetic sheet masks"}.get(category, line.variant.product.name)[
        :200
    ]


def place(items: dict, details: CheckoutDetails, *, user_id: int | None = None, touches: Touches = NO_TOUCH) -> Order:
    """Re-price the cart from the database and place the order (stock and discount
    reserved), crediting the blog posts in `touches`. Raises CartNotReady, ShippingError,
    DiscountError or orders.OutOfStock."""
    quote = price(cart_services.load(items), details)
    draft = replace(
        draft_order(quote, fingerprint(items, details)),
        first_touch_post_id=touches.first_post_id,
        last_touch_post_id=touches.last_post_id,
    )
    return orders.place_order(draft, user_id=user_id)
