"""The comment form, as on the original site: name and email required (the email is never
shown), an optional website, and the comment."""

from wtforms import BooleanField, HiddenField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from ..core.forms import LARGEST_ID, ShopForm, email_field, strip
from . import services


class CommentForm(ShopForm):
    # No CSRF token, as with most blog comment forms: the commenter has no account or session
    # a forged post could act for, and a token would give every reader of a post a session.
    # Moderation, the honeypot, the rate limit and the length limits are the defences.
    class Meta:
        csrf = False

    body = TextAreaField(
        "Comment *",
        filters=[strip],
        validators=[
            DataRequired("Write your comment."),
            Length(
                min=services.MIN_BODY,
                max=services.MAX_BODY,
                message=f"Write a comment of {services.MIN_BODY} to {services.MAX_BODY:,} characters.",
            ),
        ],
    )
    name = StringField(
        "Name *",
        filters=[strip],
        validators=[
            DataRequired("Enter your name."),
            Length(max=services.MAX_NAME, message=f"Keep your name to {services.MAX_NAME} characters."),
        ],
    )
    email = email_field("Email *", required="Enter your email address.")
    website = URLField(
        "Website",
        filters=[strip],
        validators=[
            Optional(),
            URL(require_tld=True, message="Enter a web address starting with https://."),
            Length(max=services.MAX_WEBSITE),
        ],
    )
    notify_replies = BooleanField("Email me when someone replies to my comment")
    parent_id = HiddenField()
    # Hidden from people by the stylesheet; bots that fill in every field fill this one too.
    url = StringField("Leave this empty")

    def parent(self) -> int | None:
        value = self.parent_id.data or ""
        return int(value) if value.isdigit() and 0 < int(value) <= LARGEST_ID else None
