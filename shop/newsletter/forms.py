from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..shipping.forms import strip


class NewsletterForm(FlaskForm):
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


class ConfirmForm(FlaskForm):
    pass
