"""The back office's own forms: sign-in's second step, list filters, order actions."""

from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..core.forms import ShopForm, strip
from ..core.money import pence_from_text
from .lists import FilterForm


class CodeForm(ShopForm):
    code = StringField(
        "Code",
        filters=[strip],
        validators=[DataRequired("Type the code from your app."), Length(max=40)],
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )


class SetupCodeForm(ShopForm):
    code = StringField(
        "Code from the app",
        filters=[strip],
        validators=[DataRequired("Type the 6-digit code your app shows."), Length(max=12)],
        description="After adding the account, type the 6-digit code the app shows.",
    )


class AuditFilters(FilterForm):
    admin = SelectField("Admin", choices=[], validate_choice=False)
    action = SelectField("Action", choices=[], validate_choice=False)


class PoundsField(StringField):
    """An amount typed in pounds ("12.50"), read as pence (`field.pence`)."""

    pence: int | None = None

    def pre_validate(self, form):
        self.pence = None
        if self.data:
            try:
                self.pence = pence_from_text(self.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None


class OrderFilters(FilterForm):
    q = StringField("Search", filters=[strip], description="Order number, email or name")
    status = SelectField("Status", choices=[], validate_choice=False)
    country = SelectField("Country", choices=[], validate_choice=False)
    placed_from = DateField("Placed from", validators=[Optional()])
    placed_to = DateField("Placed to", validators=[Optional()])


class ShipForm(ShopForm):
    carrier = SelectField("Carrier", choices=[])
    tracking_number = StringField(
        "Tracking number", filters=[strip], validators=[DataRequired("Type the carrier's tracking number.")]
    )


class CancelForm(ShopForm):
    reason = StringField(
        "Reason",
        filters=[strip],
        validators=[DataRequired("Say why: the customer is told."), Length(max=200)],
        description="The customer is told this in the email.",
    )


class RefundForm(ShopForm):
    amount = PoundsField("Amount (£)", validators=[DataRequired("Type the amount to refund.")])
    reason = StringField(
        "Reason", filters=[strip], validators=[Length(max=200)], description="Optional; emailed to the customer."
    )
    seen_pence = HiddenField()


class ConfirmForm(ShopForm):
    """A button that changes something: only the CSRF token."""
