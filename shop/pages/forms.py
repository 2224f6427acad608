"""The contact form."""

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..core.forms import ShopForm, email_field, strip


class ContactForm(ShopForm):
    name = StringField("Your name *", filters=[strip], validators=[DataRequired("Enter your name."), Length(max=120)])
    email = email_field("Email address *", required="Enter your email address, so we can answer.")
    order_number = StringField("Order number (optional)", filters=[strip], validators=[Length(max=40)])
    message = TextAreaField(
        "Your message *",
        filters=[strip],
        validators=[
            DataRequired("Write your message."),
            Length(min=10, max=5000, message="Write between 10 and 5,000 characters."),
        ],
    )
    # A field people never see (hidden by the stylesheet); bots that fill every field fill it.
    website = StringField("Leave this empty")
