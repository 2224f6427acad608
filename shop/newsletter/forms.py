from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..core.forms import ShopForm
from ..shipping.forms import strip


class NewsletterForm(ShopForm):
    # No CSRF token: the form is in every page's footer, and a token would give every visitor
    # a session (no page could be cached for them). A forged sign-up only sends a
    # confirmation email the owner can ignore: double opt-in, the honeypot and the rate limit
    # are the defences.
    class Meta:
        csrf = False

    email = EmailField(
        "Your email address",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.com."),
            Length(max=254),
        ],
    )
    source = HiddenField(default="footer")
    # Hidden from people by the stylesheet; bots that fill in every field fill this one too.
    website = StringField("Leave this empty")


class ConfirmForm(ShopForm):
    pass
