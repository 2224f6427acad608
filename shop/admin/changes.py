"""How every change in the back office ends: saved (audited, committed once, said, and back
to a page) or refused (nothing of it kept, the reason shown on the form). For the back
office's views only: they are the edge that commits."""

from flask import flash, redirect
from werkzeug.wrappers import Response

from ..extensions import db
from . import audit


def committed(action: str, subject, *, message: str, to: str, **detail) -> Response:
    """Record `action` on `subject` in the audit trail with the change, commit both, flash
    `message` and go to `to` (a 303, so a reload never posts again)."""
    audit.record(action, subject, **detail)
    db.session.commit()
    flash(message, "success")
    return redirect(to, 303)


def rolled_back(refusal: Exception) -> str:
    """Throw away what a refused operation changed; its message is for the form."""
    db.session.rollback()
    return str(refusal)
