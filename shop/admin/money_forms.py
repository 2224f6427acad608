"""Shipping and money in the back office: zones, weight bands, countries, discount codes."""

from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.forms import ShopForm, options, strip
from ..discounts.models import DiscountKind
from .catalogue_forms import money_field


class ZoneForm(ShopForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired("Please name the zone."), Length(max=80)])
    code = StringField(
        "Code",
        filters=[strip],
        validators=[InputRequired("Please give the zone a code."), Length(max=40)],
        description="e.g. europe",
    )
    box_shipping = money_field(
        "Culture Box shipping per box (£)", description="Added to each box sent to this zone (UK: 0, included)."
    )
    position = IntegerField("Position", default=0, validators=[Optional()])


class ParcelRateForm(ShopForm):
    max_weight_g = IntegerField(
        "Up to (g)",
        validators=[InputRequired("Please enter the band's top weight in grams."), NumberRange(min=1, max=30_000)],
    )
    price = money_field("Price (£)")


class CountryForm(ShopForm):
    country = SelectField("Country", validators=[InputRequired("Please choose a country.")])
    zone_id = SelectField("Zone", coerce=int)
    ships = BooleanField("We ship there", default=True)


class MoveCountriesForm(ShopForm):
    codes = TextAreaField(
        "Country codes",
        filters=[strip],
        validators=[InputRequired("List the two-letter country codes to move."), Length(max=2000)],
        description="Two-letter codes separated by commas or spaces, e.g. KR, JP, TW.",
    )


class DiscountForm(ShopForm):
    code = StringField(
        "Code",
        filters=[strip],
        validators=[InputRequired("Please enter the code."), Length(max=40)],
        description="What customers type, e.g. SPRING15.",
    )
    description = StringField(
        "Note", filters=[strip], validators=[Length(max=200)], description="For you: what it is for."
    )
    kind = SelectField(
        "Takes off",
        choices=options(
            [
                (DiscountKind.PERCENTAGE.value, "A percentage of the items"),
                (DiscountKind.FIXED_AMOUNT.value, "A fixed amount off the items"),
                (DiscountKind.FREE_SHIPPING.value, "The shipping"),
            ]
        ),
    )
    percent_off = IntegerField("Percent off", validators=[Optional(), NumberRange(min=1, max=100)])
    amount_off = money_field("Amount off (£)", required=False)
    valid_from = DateTimeLocalField("Starts (UK time)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    valid_until = DateTimeLocalField(
        "Ends (UK time)", format="%Y-%m-%dT%H:%M", validators=[Optional()], description="Empty: never expires."
    )
    usage_limit = IntegerField(
        "Uses in all", validators=[Optional(), NumberRange(min=1)], description="Empty: no limit."
    )
    per_customer_limit = IntegerField(
        "Uses per customer", validators=[Optional(), NumberRange(min=1)], description="Empty: no limit."
    )
    is_active = BooleanField("Customers can use it", default=True)
