"""Forms of the Culture Box: where a box goes (subscribing, gifting, moving house), and why
a subscriber cancels."""

from datetime import date

from wtforms import HiddenField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.passwords import MAX_LENGTH, MIN_LENGTH
from ..core.forms import ShopForm, email_field, options, strip
from ..shipping.forms import DeliveryAddressForm
from . import churn

BY_EMAIL, BY_ADDRESS = "email", "address"


class SubscribeForm(DeliveryAddressForm):
    """Subscribing (or gifting): the plan and the address; for a gift, a message and either
    the recipient's email (they give their address when they claim it) or their address and
    the first box. A visitor who is not signed in also gives an email and a password: a new
    email creates their account, one that has an account signs them in."""

    gift = False  # set by the gift page
    needs_account = False  # set for a visitor who is not signed in

    email = email_field("Email address", description="Your receipts and box news come here.")
    password = PasswordField(
        "Password",
        validators=[Optional(), Length(max=MAX_LENGTH)],
        description=f"New here? Choose one, at least {MIN_LENGTH} characters. Have an account? Your password.",
    )

    plan = RadioField("Plan", validators=[InputRequired("Please choose a plan.")])
    first_month = SelectField(
        "First box", validators=[Optional()], description="Gifts can start with any of the next boxes still open."
    )
    gift_message = TextAreaField(
        "Message for the card (optional)", filters=[strip], validators=[Optional(), Length(max=500)]
    )
    delivery = RadioField(
        "How should it reach them?",
        choices=options(
            [
                (BY_EMAIL, "Email it to them: they tell us where to send the boxes"),
                (BY_ADDRESS, "I'll type their address"),
            ]
        ),
        validators=[Optional()],
    )
    recipient_email = email_field(
        "Their email address",
        description="We send them your message and a link to give us their address. You won't see it.",
    )
    gift_from = StringField(
        "From (optional)",
        filters=[strip],
        validators=[Optional(), Length(max=120)],
        description="Your name as they know you, in the gift email.",
    )

    # The address lines a gift sent by email leaves to its recipient.
    RECIPIENT_TYPES = ("line1", "line2", "city", "region", "postcode", "phone")

    @property
    def by_email(self) -> bool:
        """The page offers email first (checked when it opens); a form sent without the
        choice is a gift to a typed address, as it always was."""
        return self.delivery.data == BY_EMAIL

    def validate(self, extra_validators=None) -> bool:
        """A gift sent by email needs their name, email and country (for the price of
        shipping); its address is theirs to type."""
        valid = super().validate(extra_validators)
        if self.needs_account:
            if not self.email.data and not self.email.errors:
                self.email.errors = ["Please enter your email address: your account is made with it."]
            if not self.password.data and not self.password.errors:
                self.password.errors = ["Please enter a password: a new one for a new account, or yours."]
        if self.gift and self.by_email:
            for name in self.RECIPIENT_TYPES:
                getattr(self, name).errors = []
            if not self.recipient_email.data and not self.recipient_email.errors:
                self.recipient_email.errors = ["Please enter their email address: the gift is sent to it."]
            valid = True  # the address errors just cleared were the only ones, or are counted below
        return valid and not any(f.errors for f in self)

    def set_choices(self, plans, months: list[date]) -> None:
        self.plan.choices = options([(plan.code, plan.name) for plan in plans])
        self.first_month.choices = options([(f"{m:%Y-%m}", f"The {m:%B %Y} box") for m in months])


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
        self.reason.choices = options(list(churn.REASONS.items()))


class BoxDiscountForm(ShopForm):
    """A discount code on the review page, as at the shop's checkout."""

    class Meta:
        csrf_time_limit = None

    discount_code = StringField("Discount code", filters=[strip], validators=[Optional(), Length(max=40)])


class GiftClaimForm(DeliveryAddressForm):
    """The recipient's address for their gift, and, if they like, an account."""

    password = PasswordField(
        "Choose a password (optional)",
        validators=[Optional(), Length(max=256)],
        description="To create an account with this email and follow your boxes. Leave it empty to skip.",
    )
