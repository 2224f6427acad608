"""Forms of the Culture Box: where a box goes (subscribing, gifting, moving house)."""

from datetime import date

from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..shipping.forms import DeliveryAddressForm, strip


class ShipToForm(DeliveryAddressForm):
    """The box's address. `ship_to()` gives it as the ShipTo columns."""

    def ship_to(self) -> dict[str, str]:
        return {
            "ship_name": self.name.data, "ship_line1": self.line1.data, "ship_line2": self.line2.data or "",
            "ship_city": self.city.data, "ship_postcode": self.postcode.data or "", "ship_country": self.country.data,
        }

    def fill_from(self, ship_to: dict[str, str]) -> None:
        """Pre-fill from ShipTo values (a subscription, or an account's saved address)."""
        self.name.data, self.line1.data = ship_to.get("ship_name"), ship_to.get("ship_line1")
        self.line2.data, self.city.data = ship_to.get("ship_line2"), ship_to.get("ship_city")
        self.postcode.data, self.country.data = ship_to.get("ship_postcode"), ship_to.get("ship_country")


class SubscribeForm(ShipToForm):
    """Subscribing (or gifting): the plan and the address; for a gift, the first box and a message."""

    plan = RadioField("Plan", validators=[InputRequired("Please choose a plan.")])
    first_month = SelectField("First box", validators=[Optional()],
                              description="Gifts can start with any of the next boxes still open.")
    gift_message = TextAreaField("Message for the card (optional)", filters=[strip],
                                 validators=[Optional(), Length(max=500)])

    def set_choices(self, plans, months: list[date]) -> None:
        self.plan.choices = [(plan.code, plan.name) for plan in plans]
        self.first_month.choices = [(f"{m:%Y-%m}", f"The {m:%B %Y} box") for m in months]
