from wtforms import EmailField, StringField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..core.forms import strip
from ..shipping.forms import DeliveryAddressForm


class CheckoutForm(DeliveryAddressForm):
    """The cart's checkout: who to email, where the parcel goes, and a discount code."""

    email = EmailField(
        "Email address",
        filters=[strip],
        description="We send your order confirmation and a private link to follow your order here.",
        validators=[
            InputRequired("Please enter your email address."),
            Email("Please enter a valid email address, like name@example.com.", check_deliverability=False),
            Length(max=254),
        ],
    )
    discount_code = StringField("Discount code (optional)", filters=[strip], validators=[Optional(), Length(max=40)])
