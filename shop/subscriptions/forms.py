"""Forms of the Culture Box: where a box goes (subscribing, gifting, moving house)."""

from datetime import date

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..shipping.forms import DeliveryAddressForm, strip


class SubscribeForm(DeliveryAddressForm):
    """Subscribing (or gifting): the plan and the address; for a gift, the first box and a message."""

    plan = RadioField("Plan", validators=[InputRequired("Please choose a plan.")])
    first_month = SelectField(
        "First box", validators=[Optional()], description="Gifts can start with any of the next boxes still open."
    )
    gift_message = TextAreaField(
        "Message for the card (optional)", filters=[strip], validators=[Optional(), Length(max=500)]
    )

    def set_choices(self, plans, months: list[date]) -> None:
        self.plan.choices = [(plan.code, plan.name) for plan in plans]
        self.first_month.choices = [(f"{m:%Y-%m}", f"The {m:%B %Y} box") for m in months]
