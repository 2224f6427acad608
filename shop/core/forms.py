"""The base of every form the shop shows: text that no person types, and whole numbers no
column can hold, are refused per field.

A NUL byte cannot be stored in a PostgreSQL text column (the driver raises, and the page would
fail), and other control characters have no place in a name, an address or a code. Such a
field gets an error on the re-rendered form, what was typed elsewhere is kept, and no other
validator (which might query the database with it) runs.
"""

import re
from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

# The largest id an INTEGER column holds on PostgreSQL: a bigger number from a request is not a
# row, and asking the database for it fails ("integer out of range") instead of finding none.
LARGEST_ID = 2**31 - 1


def row_id(message: str) -> NumberRange:
    """A validator for an id taken from a form: a positive number a database row could have."""
    return NumberRange(1, LARGEST_ID, message)


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """A select or radio field's choices from (value, label) pairs: WTForms 3.3 deprecates
    passing the pairs themselves."""
    return [SelectChoice(value, label) for value, label in pairs]


def page_number(text: str) -> int:
    """`request.args.get("page", 1, type=page_number)`: a page a list could have, else the
    default (Flask falls back to it on ValueError). A huge page would overflow the OFFSET."""
    number = int(text)
    if not 1 <= number <= 100_000:
        raise ValueError(text)
    return number


# C0 controls and DEL, except tab, line feed and carriage return (a textarea's own).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_CHARACTER_ERROR = "Please remove the invisible control characters from this field."


def has_control_characters(value) -> bool:
    values = value if isinstance(value, list | tuple) else [value]
    return any(isinstance(item, str) and CONTROL_CHARACTERS.search(item) for item in values)


TOO_LARGE_ERROR = "Please enter a smaller number."


def _too_large(field) -> bool:
    """A whole number no database column holds: storing it would fail, not just be wrong."""
    return isinstance(field, IntegerField) and isinstance(field.data, int) and abs(field.data) > LARGEST_ID


class ShopForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        refused = {}
        for field in self:
            if has_control_characters(field.raw_data or field.data):
                refused[field.name] = CONTROL_CHARACTER_ERROR
            elif _too_large(field):
                refused[field.name] = TOO_LARGE_ERROR
        if not refused:
            return super().validate(extra_validators)
        for field in self:
            field.errors = [refused[field.name]] if field.name in refused else []
        return False


def strip(value):
    """A field filter: what was typed, without the spaces around it."""
    return value.strip() if isinstance(value, str) else value


MAX_EMAIL = 254  # the longest address SMTP carries (RFC 5321)


def email_field(label: str, *, required: str | None = None, **kwargs) -> EmailField:
    """An email address as every form of the shop asks for it: stripped, at most MAX_EMAIL
    characters, "like name@example.com" when it is not one; required (with the message
    `required`, which says why the shop needs it) or optional."""
    return EmailField(
        label,
        filters=[strip],
        validators=[
            DataRequired(required) if required else Optional(),
            Email("Enter an email address like name@example.com."),
            Length(max=MAX_EMAIL),
        ],
        **kwargs,
    )
