"""Small factory helpers for the cart, checkout and order tests."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shop.catalog import operations as catalog
from shop.catalog.models import Category, Product
from shop.checkout import services as checkout
from shop.checkout.services import CheckoutDetails
from shop.core.addresses import PostalAddress
from shop.discounts.models import DiscountCode, DiscountKind
from shop.extensions import db
from shop.models import Variant

ADDRESSES = {
    "GB": dict(name="Faye Broadbent", line1="12 Tea Lane", line2="", city="Leeds", postcode="LS1 4AP", country="GB"),
    "DE": dict(name="Jana Müller", line1="Hauptstraße 5", line2="2. OG", city="Berlin", postcode="10115", country="DE"),
    "US": dict(name="Sam Lee", line1="1 Main St", line2="Apt 4", city="Portland", postcode="97201", country="US"),
    "AU": dict(name="Mia Chen", line1="8 Beach Rd", line2="", city="Sydney", postcode="2000", country="AU"),
    "RU": dict(name="Ivan Petrov", line1="Tverskaya 1", line2="", city="Moscow", postcode="125009", country="RU"),
}


def variant(sku: str) -> Variant:
    return db.session.scalar(select(Variant).where(Variant.sku == sku))


def items(**quantities_by_sku: int) -> dict:
    """A session-style cart: {"<variant id>": quantity} from SKU=quantity (SKU dashes → _)."""
    return {str(variant(sku.replace("_", "-")).id): q for sku, q in quantities_by_sku.items()}


def details(country: str = "GB", email: str = "buyer@example.com", discount_code: str = "") -> CheckoutDetails:
    return CheckoutDetails(email=email, address=PostalAddress.of(**ADDRESSES[country]), discount_code=discount_code)


def place(cart_items: dict, country: str = "GB", **kwargs):
    """Place an order and commit, as the pay view does."""
    order = checkout.place(cart_items, details(country, **kwargs))
    db.session.commit()
    return order


def add_code(code: str, kind: DiscountKind, **fields) -> DiscountCode:
    discount = DiscountCode(code=code, kind=kind, **fields)
    db.session.add(discount)
    db.session.commit()
    return discount


def days(n: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=n)


def new_product() -> Product:
    """A hidden product with one variant, made through the catalogue's own operations."""
    category = db.session.scalar(select(Category))
    product = catalog.save_product(
        catalog.ProductDraft(slug="hanji-notebook", name="Hanji notebook", category_id=category.id)
    )
    catalog.save_variant(
        catalog.VariantDraft(
            sku="NOTE-A5", name="A5", price_pence=1200, weight_g=180, hs_code="4820.10", origin_country="kr"
        ),
        product,
    )
    return product
