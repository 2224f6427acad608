"""The audit trail: every change an admin makes is one AdminAction naming them.

Every admin POST that changes something calls `record` in the same transaction as the
change, so the trail holds exactly what was committed:

    order = orders.mark_shipped(order, carrier=..., tracking=..., actor=admin_actor())
    audit.record("order.ship", order, carrier=carrier, tracking=tracking)
    db.session.commit()
"""

import enum
from datetime import date
from typing import Any

from flask import g
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect

from ..extensions import db
from .models import AdminAction


def admin_actor() -> str:
    """How the signed-in admin is named in other areas' event rows (order events, ...)."""
    return f"admin:{current_user.email}"


def _subject(subject: Any) -> tuple[str | None, str | None]:
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        kind, ident = subject
        return str(kind), None if ident is None else str(ident)
    mapper = sa_inspect(type(subject), raiseerr=False)
    if mapper is not None:
        ident = mapper.primary_key_from_instance(subject)
        return mapper.local_table.name, ":".join(str(part) for part in ident if part is not None) or None
    raise TypeError(f"record() takes a model row, a (type, id) tuple or None, not {subject!r}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return _jsonable(value.value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record(action: str, subject: Any = None, **detail: Any) -> AdminAction:
    """Record that the signed-in admin did `action` to `subject` (a model row, a
    ("type", id) tuple, or None for the shop as a whole), with `detail` kept as JSON.
    Flushes; the view commits it with the change."""
    subject_type, subject_id = _subject(subject)
    row = AdminAction(
        admin_id=current_user.id,
        admin_email=current_user.email,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=_jsonable(detail),
    )
    db.session.add(row)
    db.session.flush()
    g.admin_action_recorded = True
    return row
