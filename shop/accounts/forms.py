"""Account forms. Passwords are never echoed back into a re-rendered form."""

from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import ShopForm, email_field
from ..shipping.forms import DeliveryAddressForm
from .passwords import MAX_LENGTH, MIN_LENGTH

NEW_PASSWORD_HINT = f"At least {MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess."


class RegisterForm(ShopForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = email_field("Email address", required="Enter your email address.")
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
        description=NEW_PASSWORD_HINT,
    )
    # Set when the account is created from a guest order's confirmation page.
    order = HiddenField()
    order_token = HiddenField()


class SignInForm(ShopForm):
    email = email_field("Email address", required="Enter your email address.")
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 30 days")


class ForgotPasswordForm(ShopForm):
    email = email_field("Email address", required="Enter your email address.")


class ResetPasswordForm(ShopForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
        description=NEW_PASSWORD_HINT,
    )


class ChangePasswordForm(ShopForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password.")])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired("Choose a new password."), Length(max=MAX_LENGTH)],
        description=NEW_PASSWORD_HINT,
    )


class ChangeEmailForm(ShopForm):
    new_email = email_field("New email address", required="Enter your email address.")
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


class ConfirmForm(ShopForm):
    """A button that POSTs (confirm a link, sign out, delete an address, pause a box): the
    CSRF token only."""


class DeleteAccountForm(ShopForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to delete your account.")])


class AddressForm(DeliveryAddressForm):
    """A saved address: the shop's one address form, and whether checkout starts from it."""

    make_default = BooleanField("Use this as my default address at checkout")

    @staticmethod
    def values_of(address) -> dict:
        """A saved address as this form's fields."""
        return address.postal_address.to_dict()
