"""Job kinds and recording a job. Handlers are registered by the code that owns the side
effect, so this package imports no area."""

import json
from collections.abc import Callable

from flask import current_app

from ..extensions import db
from .models import Job

Handler = Callable[..., None]
HANDLERS: dict[str, Handler] = {}

NEW_JOBS = "jobs.new"  # session.info key: ids of the jobs this transaction added
APP = "jobs.app"  # session.info key: the app the jobs belong to (to run or queue them after commit)


class UnknownJobKind(LookupError):
    pass


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register `fn(**payload)` to run jobs of `kind`. It must be safe to run twice (a
    worker may die after the effect and before recording it) and raise to be retried."""

    def register(fn: Handler) -> Handler:
        if HANDLERS.get(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} already has a handler")
        HANDLERS[kind] = fn
        return fn

    return register


def enqueue(kind: str, **payload) -> Job:
    """Record a job in the current transaction (flushes, never commits). It runs only if
    the transaction commits."""
    if kind not in HANDLERS:
        raise UnknownJobKind(f"no handler is registered for job kind {kind!r}")
    json.dumps(payload)  # fail here, in the caller, on a payload the column cannot hold
    job = Job(kind=kind, payload=payload)
    db.session.add(job)
    db.session.flush()
    remember_for_dispatch(job)
    return job


def remember_for_dispatch(job: Job) -> None:
    """Hand `job` to the queue when the current transaction commits."""
    info = db.session.info
    info.setdefault(NEW_JOBS, []).append(job.id)
    info[APP] = current_app._get_current_object()
