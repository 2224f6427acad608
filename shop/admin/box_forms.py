"""The Culture Box's forms in the back office: editions with their contents, shipping a box,
a carrier's CSV, and acting on a subscription for its subscriber."""

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.addresses import country_choices
from ..core.carriers import carrier_choices
from ..core.forms import ShopForm, options, strip
from .catalogue_forms import money_field

MANIFEST_ROWS = 6


class ManifestItemForm(Form):
    """One item in the box, as customs need it. A row left empty is ignored."""

    description = StringField("Customs description", filters=[strip], validators=[Length(max=200)])
    hs_code = StringField("HS code", filters=[strip], validators=[Length(max=16)])
    value = money_field("Value (£)", required=False)
    weight_g = IntegerField("Weight (g)", validators=[Optional(), NumberRange(min=1, max=10_000)])
    origin_country = SelectField("Made in", default="KR")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.origin_country.choices = options(country_choices())

    @property
    def is_empty(self) -> bool:
        return not (self.description.data or self.hs_code.data or self.value.data is not None or self.weight_g.data)


class EditionForm(ShopForm):
    month = StringField(
        "Month",
        filters=[strip],
        validators=[InputRequired("Please enter the month, e.g. 2027-03."), Length(max=7)],
        description="YYYY-MM, e.g. 2027-03.",
    )
    theme = StringField(
        "Theme", filters=[strip], validators=[InputRequired("Please give the edition a theme."), Length(max=120)]
    )
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=5000)])
    cutoff_at = DateTimeLocalField(
        "Cutoff (UK time)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired("Please enter the cutoff, e.g. 2027-03-10 23:59.")],
        description="The last moment to join, skip or pause for this box. The box run can start after it.",
    )
    ships_on = DateField("Ships on", validators=[InputRequired("Please enter the ship date.")])
    capacity = IntegerField(
        "Capacity",
        validators=[Optional(), NumberRange(min=1)],
        description="The most boxes you can pack; empty for no limit.",
    )
    items = FieldList(FormField(ManifestItemForm), min_entries=MANIFEST_ROWS, max_entries=30)


class ShipForm(ShopForm):
    carrier = SelectField("Carrier", default="royal-mail")
    tracking_number = StringField(
        "Tracking number",
        filters=[strip],
        validators=[InputRequired("Please enter the tracking number."), Length(max=40)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = options(carrier_choices())


class TrackingCsvForm(ShopForm):
    file = FileField(
        "Carrier CSV",
        validators=[FileRequired("Please choose the carrier's CSV file.")],
        description="Columns shipment_id, tracking_number and (unless chosen below) carrier. Nothing is applied if any row is wrong.",
    )
    carrier = SelectField("Carrier for rows without one")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.carrier.choices = options([("", "Read it from the file")] + carrier_choices())


class ReasonForm(ShopForm):
    reason = StringField(
        "Reason",
        filters=[strip],
        validators=[InputRequired("Say why (the customer's request, a complaint...)."), Length(max=300)],
    )


class PlanPriceForm(ShopForm):
    price = money_field("Price per payment (£)")
