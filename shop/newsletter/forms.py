from wtforms import HiddenField, StringField

from ..core.forms import ShopForm, email_field


class NewsletterForm(ShopForm):
    # No CSRF token: the form is in every page's footer, and a token would give every visitor
    # a session (no page could be cached for them). A forged sign-up only sends a
    # confirmation email the owner can ignore: double opt-in, the honeypot and the rate limit
    # are the defences.
    class Meta:
        csrf = False

    email = email_field("Your email address", required="Enter your email address.")
    source = HiddenField(default="footer")
    # Hidden from people by the stylesheet; bots that fill in every field fill this one too.
    website = StringField("Leave this empty")


class ConfirmForm(ShopForm):
    pass
