"""The blog editor's form: Markdown body, excerpt, tags, author, and when it is published."""

from flask_wtf.file import FileField, FileRequired
from wtforms import DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..core.forms import ShopForm, options, strip


class PostForm(ShopForm):
    class Meta:
        csrf_time_limit = None  # a post may be open in the editor for hours

    title = StringField("Title", filters=[strip], validators=[InputRequired("Give the post a title."), Length(max=200)])
    slug = StringField(
        "Address name",
        filters=[strip],
        validators=[Optional(), Length(max=160)],
        description="The post lives at /blog/<address name>. Leave empty to make it from the title.",
    )
    excerpt = TextAreaField(
        "Excerpt", filters=[strip], validators=[Length(max=600)], description="Shown on cards and in search results."
    )
    body_markdown = TextAreaField(
        "Text (Markdown)",
        validators=[InputRequired("The post has no text yet."), Length(max=200_000)],
        description="**bold**, *italic*, ## headings, [links](https://…). A line with only [[product:slug]] shows a product card.",
    )
    tags = StringField(
        "Tags", filters=[strip], validators=[Length(max=400)], description="Separated by commas, e.g. Films, K-drama."
    )
    author_id = SelectField("Author", coerce=int)
    publish = RadioField(
        "Publishing",
        choices=options([("draft", "Keep as a draft"), ("now", "Publish now"), ("at", "Publish at the time below")]),
        default="draft",
    )
    publish_at = DateTimeLocalField("Publish at (UK time)", format="%Y-%m-%dT%H:%M", validators=[Optional()])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.publish.data == "at" and self.publish_at.data is None and not self.publish_at.errors:
            # Optional() ends the field's own checks when it is empty, so this one is here.
            self.publish_at.errors = ["Choose when the post should appear."]
            return False
        return valid


class HeroForm(ShopForm):
    image = FileField(
        "Hero picture",
        validators=[FileRequired("Please choose a picture to upload.")],
        description="JPEG, PNG, WebP or GIF, up to 5 MB; wide pictures look best.",
    )
    alt = StringField(
        "Describe it",
        filters=[strip],
        validators=[InputRequired("Describe the picture for people who cannot see it."), Length(max=255)],
    )
