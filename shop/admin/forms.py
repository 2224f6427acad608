"""The back office's own forms (sign-in's second step, the audit filters)."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..shipping.forms import strip
from .lists import FilterForm


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        filters=[strip],
        validators=[DataRequired("Type the code from your app."), Length(max=40)],
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.",
    )


class SetupCodeForm(FlaskForm):
    code = StringField(
        "Code from the app",
        filters=[strip],
        validators=[DataRequired("Type the 6-digit code your app shows."), Length(max=12)],
        description="After adding the account, type the 6-digit code the app shows.",
    )


class AuditFilters(FilterForm):
    admin = SelectField("Admin", choices=[], validate_choice=False)
    action = SelectField("Action", choices=[], validate_choice=False)
