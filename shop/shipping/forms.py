"""The delivery address as a form: the fields every parcel needs, shared by the cart's
checkout and the Culture Box (subscribing, gifting, moving house)."""

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from ..core.addresses import PostalAddress
from ..core.forms import ShopForm, options, strip
from .services import country_choices


class DeliveryAddressForm(ShopForm):
    class Meta:
        csrf_time_limit = None  # a form left open for hours still submits

    name = StringField(
        "Full name",
        filters=[strip],
        validators=[InputRequired("Please enter the name the parcel goes to."), Length(max=200)],
    )
    line1 = StringField(
        "Address line 1",
        filters=[strip],
        validators=[InputRequired("Please enter the first line of the address."), Length(max=200)],
    )
    line2 = StringField("Address line 2 (optional)", filters=[strip], validators=[Optional(), Length(max=200)])
    city = StringField(
        "Town or city", filters=[strip], validators=[InputRequired("Please enter the town or city."), Length(max=120)]
    )
    region = StringField(
        "State, province or county",
        filters=[strip],
        validators=[Length(max=120)],
        description="Needed in the US, Canada, Australia and a few other countries; a name or code (NY, Ontario).",
    )
    postcode = StringField(
        "Postcode or ZIP",
        filters=[strip],
        validators=[Length(max=20)],
        description="Leave empty only if the address has none.",
    )
    country = SelectField("Country", validators=[InputRequired("Please choose a country.")])
    phone = StringField(
        "Phone (optional)",
        filters=[strip],
        validators=[Length(max=40)],
        description="Only given to the courier, for questions about the delivery.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = options([("", "Choose a country")] + country_choices())

    def validate(self, extra_validators=None) -> bool:
        """The fields, then what a carrier would refuse (core/addresses.py), on its field."""
        valid = super().validate(extra_validators)
        if self.country.data and not self.country.errors:
            for name, message in self.postal_address().problems().items():
                field = getattr(self, name)
                if not field.errors:
                    field.errors = [*field.errors, message]
                    valid = False
        return valid

    def postal_address(self) -> PostalAddress:
        return PostalAddress.of(**{name: getattr(self, name).data for name in ADDRESS_FIELDS})

    def fill_from(self, address: PostalAddress) -> None:
        """Pre-fill from an address (a subscription's, or an account's saved one)."""
        for field, value in address.to_dict().items():
            getattr(self, field).data = value


ADDRESS_FIELDS = ("name", "line1", "line2", "city", "postcode", "country", "region", "phone")
