"""The delivery address as a form: the fields every parcel needs, shared by the cart's
checkout and the Culture Box (subscribing, gifting, moving house)."""

from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..core.addresses import PostalAddress, postcode_required
from ..core.forms import ShopForm
from .services import country_choices


def strip(value):
    return value.strip() if isinstance(value, str) else value


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
    postcode = StringField(
        "Postcode or ZIP",
        filters=[strip],
        validators=[Length(max=20)],
        description="Leave empty if the address has none.",
    )
    country = SelectField("Country", validators=[InputRequired("Please choose a country.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "Choose a country")] + country_choices()

    def validate_postcode(self, field):
        if postcode_required(self.country.data) and not field.data:
            raise ValidationError("Please enter the postcode: every UK address has one.")

    def postal_address(self) -> PostalAddress:
        return PostalAddress.of(
            self.name.data, self.line1.data, self.line2.data, self.city.data, self.postcode.data, self.country.data
        )

    def fill_from(self, address: PostalAddress) -> None:
        """Pre-fill from an address (a subscription's, or an account's saved one)."""
        for field, value in address.to_dict().items():
            getattr(self, field).data = value
