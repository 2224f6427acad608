"""The catalogue's forms in the back office: categories, products, variants, stock, pictures.

Forms check the shape of what was typed; the operations (catalog/operations.py) check the
shop's rules and their CatalogError is shown on the same form."""

from decimal import ROUND_HALF_UP, Decimal

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..catalog.models import ProductKind
from ..core.addresses import country_choices
from ..core.forms import ShopForm, options, strip
from ..core.vat import VatRate


def pence(value: Decimal | None) -> int | None:
    """Pounds as typed (12.5, 12.50) to integer pence."""
    if value is None:
        return None
    return int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def pounds(pence_value: int | None) -> Decimal | None:
    return None if pence_value is None else (Decimal(pence_value) / 100).quantize(Decimal("0.01"))


def money_field(label: str, *, required: bool = True, description: str = "") -> DecimalField:
    return DecimalField(
        label,
        places=2,
        description=description,
        validators=[
            InputRequired(f"Please enter the {label.lower().split(' (')[0]}.") if required else Optional(),
            NumberRange(min=0, max=100_000, message="Enter an amount in pounds, e.g. 12.50."),
        ],
    )


class CategoryForm(ShopForm):
    name = StringField(
        "Name", filters=[strip], validators=[InputRequired("Please name the category."), Length(max=120)]
    )
    slug = StringField(
        "Address name",
        filters=[strip],
        validators=[InputRequired("Please give the category an address name."), Length(max=80)],
        description="Used in its address: /shop/<address name>. Lower-case letters, digits and dashes.",
    )
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=2000)])
    position = IntegerField("Position", default=0, validators=[Optional()], description="Lower numbers come first.")


class ProductForm(ShopForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired("Please name the product."), Length(max=200)])
    slug = StringField(
        "Address name",
        filters=[strip],
        validators=[InputRequired("Please give the product an address name."), Length(max=120)],
        description="Its page is /products/<address name>. Changing it breaks links people have shared.",
    )
    category_id = SelectField("Category", coerce=int, validators=[InputRequired("Please choose a category.")])
    summary = StringField("Summary", filters=[strip], validators=[Length(max=300)], description="One line for cards.")
    description = TextAreaField("Description (Markdown)", filters=[strip], validators=[Length(max=20_000)])
    kind = SelectField(
        "Sold as",
        choices=options(
            [(ProductKind.GOODS.value, "A one-off item (cart)"), (ProductKind.SUBSCRIPTION.value, "The Culture Box")]
        ),
        default=ProductKind.GOODS.value,
        coerce=lambda value: value.value if isinstance(value, ProductKind) else value,
    )
    vat_rate = SelectField(
        "UK VAT rate",
        choices=options(
            [
                (VatRate.STANDARD.value, "Standard, 20%: sheet masks, the Culture Box, most goods"),
                (VatRate.ZERO.value, "Zero: printed magazines and books"),
            ]
        ),
        default=VatRate.STANDARD.value,
        coerce=lambda value: value.value if isinstance(value, VatRate) else value,
        description="For orders placed from now on: a placed order keeps the rate it was sold at.",
    )
    is_featured = BooleanField("Feature it on the home page")
    position = IntegerField("Position", default=0, validators=[Optional()], description="Lower numbers come first.")


class VariantForm(ShopForm):
    name = StringField(
        "Name", filters=[strip], validators=[InputRequired("Please name the variant, e.g. 7-day set."), Length(max=120)]
    )
    sku = StringField(
        "SKU",
        filters=[strip],
        validators=[InputRequired("Please enter the SKU."), Length(max=64)],
        description="e.g. MASK-MIX-7",
    )
    price = money_field("Price (£, VAT included)")
    weight_g = IntegerField(
        "Weight (g)",
        validators=[InputRequired("Please enter the weight in grams."), NumberRange(min=1, max=30_000)],
        description="Packed weight: it prices the parcel.",
    )
    hs_code = StringField(
        "HS code",
        filters=[strip],
        validators=[InputRequired("Please enter the customs tariff number."), Length(max=16)],
        description="The customs tariff number, e.g. 3304.99 for sheet masks.",
    )
    origin_country = SelectField("Made in", validators=[InputRequired("Please choose where it was made.")])
    free_shipping = BooleanField("Ships free everywhere (magazines)")
    position = IntegerField("Position", default=0, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.origin_country.choices = options([("", "Choose a country")] + country_choices())


class StockForm(ShopForm):
    change = IntegerField(
        "Add or take away",
        validators=[
            InputRequired("Enter how many to add (e.g. 24) or take away (e.g. -3)."),
            NumberRange(-100_000, 100_000),
        ],
        description="A positive number adds stock, a negative one takes it away.",
    )
    reason = StringField(
        "Why",
        filters=[strip],
        validators=[InputRequired("Say why the stock changes."), Length(max=200)],
        description="e.g. Delivery from Seoul, Recount, Damaged in the post.",
    )


class ImageForm(ShopForm):
    image = FileField(
        "Picture",
        validators=[FileRequired("Please choose a picture to upload.")],
        description="JPEG, PNG, WebP or GIF, up to 5 MB.",
    )
    alt = StringField(
        "Describe it",
        filters=[strip],
        validators=[InputRequired("Describe the picture for people who cannot see it."), Length(max=255)],
        description="What the picture shows, for screen readers, e.g. 'Seven sheet masks fanned out'.",
    )
