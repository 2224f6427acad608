from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional, ValidationError

from ..shipping.services import country_choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class CheckoutForm(FlaskForm):
    class Meta:
        # The cart's checkout keeps working when the form page sat open for hours.
        csrf_time_limit = None

    email = EmailField(
        "Email address", filters=[_strip],
        description="We send your order confirmation and a private link to follow your order here.",
        validators=[InputRequired("Please enter your email address."),
                    Email("Please enter a valid email address, like name@example.com.", check_deliverability=False),
                    Length(max=254)],
    )
    name = StringField("Full name", filters=[_strip], validators=[
        InputRequired("Please enter the name the parcel goes to."), Length(max=200)])
    line1 = StringField("Address line 1", filters=[_strip], validators=[
        InputRequired("Please enter the first line of the address."), Length(max=200)])
    line2 = StringField("Address line 2 (optional)", filters=[_strip], validators=[Optional(), Length(max=200)])
    city = StringField("Town or city", filters=[_strip], validators=[
        InputRequired("Please enter the town or city."), Length(max=120)])
    postcode = StringField("Postcode or ZIP", filters=[_strip], validators=[Length(max=20)],
                           description="Leave empty if your address has none.")
    country = SelectField("Country", validators=[InputRequired("Please choose a country.")])
    discount_code = StringField("Discount code (optional)", filters=[_strip], validators=[Optional(), Length(max=40)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "Choose a country")] + country_choices()

    def validate_postcode(self, field):
        if self.country.data == "GB" and not field.data:
            raise ValidationError("Please enter the postcode: every UK address has one.")
