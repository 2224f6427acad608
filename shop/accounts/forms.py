"""Account forms. Passwords are never echoed back into a re-rendered form."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..core.addresses import PostalAddress
from ..core.forms import ShopForm
from ..shipping.forms import strip
from .passwords import MAX_LENGTH, MIN_LENGTH

EMAIL = [
    DataRequired("Enter your email address."),
    Email("Enter an email address like name@example.com."),
    Length(max=254),
]


NEW_PASSWORD_HINT = f"At least {MIN_LENGTH} characters. A few unrelated words are easy to remember and hard to guess."


class RegisterForm(ShopForm):
    name = StringField("Your name", validators=[Optional(), Length(max=120)])
    email = EmailField("Email address", validators=EMAIL, filters=[strip])
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."), Length(max=MAX_LENGTH)],
        description=NEW_PASSWORD_HINT,
    )
    # Set when the account is created from a guest order's confirmation page.
    order = HiddenField()
    order_token = HiddenField()


class SignInForm(ShopForm):
    email = EmailField("Email address", validators=EMAIL, filters=[strip])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device for 30 days")


class ForgotPasswordForm(ShopForm):
    email = EmailField("Email address", validators=EMAIL, filters=[strip])


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
    new_email = EmailField("New email address", validators=EMAIL, filters=[strip])
    password = PasswordField("Your password", validators=[DataRequired("Enter your password.")])


class ConfirmForm(ShopForm):
    """A button that POSTs (confirm a link, sign out, delete an address, pause a box): the
    CSRF token only."""


class DeleteAccountForm(ShopForm):
    password = PasswordField("Your password", validators=[DataRequired("Enter your password to delete your account.")])


class AddressForm(ShopForm):
    name = StringField(
        "Full name", validators=[DataRequired("Enter the name of the person receiving the parcel."), Length(max=120)]
    )
    line1 = StringField(
        "Address line 1", validators=[DataRequired("Enter the first line of the address."), Length(max=200)]
    )
    line2 = StringField("Address line 2 (optional)", validators=[Optional(), Length(max=200)])
    city = StringField("Town or city", validators=[DataRequired("Enter a town or city."), Length(max=120)])
    region = StringField("County, state or province (optional)", validators=[Optional(), Length(max=120)])
    postal_code = StringField(
        "Postcode or ZIP",
        validators=[Optional(), Length(max=20)],
        description="Needed for UK addresses and most other countries.",
    )
    country = SelectField("Country", validators=[DataRequired("Choose a country.")])
    phone = StringField(
        "Phone (optional)",
        validators=[Optional(), Length(max=40)],
        description="Only given to the courier, for delivery questions.",
    )
    make_default = BooleanField("Use this as my default address at checkout")

    def postal_address(self) -> PostalAddress:
        return PostalAddress.of(
            self.name.data, self.line1.data, self.line2.data, self.city.data, self.postal_code.data, self.country.data
        )

    @staticmethod
    def values_of(address) -> dict:
        """A saved address as this form's fields."""
        a = address.postal_address
        return {
            "name": a.name,
            "line1": a.line1,
            "line2": a.line2,
            "city": a.city,
            "region": address.region,
            "postal_code": a.postcode,
            "country": a.country,
            "phone": address.phone,
        }
