"""Forms of the Culture Box: where a box goes (subscribing, gifting, moving house), and why
a subscriber cancels."""

from datetime import date

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..core.forms import ShopForm
from ..shipping.forms import DeliveryAddressForm, strip
from . import churn


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


class CancelForm(ShopForm):
    """Cancelling: why (optional), in a few words for "something else"; `offer_seen` once
    the skip-or-pause offer has been shown and turned down."""

    reason = RadioField("Why are you cancelling? (optional)", validators=[Optional()])
    note = TextAreaField(
        "Tell us more (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=300, message="Please keep it under 300 characters.")],
    )
    offer_seen = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = list(churn.REASONS.items())


class BoxDiscountForm(ShopForm):
    """A discount code on the review page, as at the shop's checkout."""

    class Meta:
        csrf_time_limit = None

    discount_code = StringField("Discount code", filters=[strip], validators=[Optional(), Length(max=40)])
