"""Forms of the Culture Box: where a box goes (subscribing, gifting, moving house)."""

from datetime import date

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..shipping.services import country_choices


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ShipToForm(FlaskForm):
    """The box's address. `ship_to()` gives it as the ShipTo columns."""

    class Meta:
        csrf_time_limit = None  # a form left open for hours still submits

    name = StringField("Full name", filters=[_strip], validators=[
        InputRequired("Please enter the name the box goes to."), Length(max=200)])
    line1 = StringField("Address line 1", filters=[_strip], validators=[
        InputRequired("Please enter the first line of the address."), Length(max=200)])
    line2 = StringField("Address line 2 (optional)", filters=[_strip], validators=[Optional(), Length(max=200)])
    city = StringField("Town or city", filters=[_strip], validators=[
        InputRequired("Please enter the town or city."), Length(max=120)])
    postcode = StringField("Postcode or ZIP", filters=[_strip], validators=[Length(max=32)],
                           description="Leave empty if the address has none.")
    country = SelectField("Country", validators=[InputRequired("Please choose a country.")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [("", "Choose a country")] + country_choices()

    def validate_postcode(self, field):
        if self.country.data == "GB" and not field.data:
            raise ValidationError("Please enter the postcode: every UK address has one.")

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
    gift_message = TextAreaField("Message for the card (optional)", filters=[_strip],
                                 validators=[Optional(), Length(max=500)])

    def set_choices(self, plans, months: list[date]) -> None:
        self.plan.choices = [(plan.code, plan.name) for plan in plans]
        self.first_month.choices = [(f"{m:%Y-%m}", f"The {m:%B %Y} box") for m in months]
