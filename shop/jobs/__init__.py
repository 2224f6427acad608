"""Durable side effects: emails and outside calls recorded as jobs in the shop's own
database, in the transaction of the change that needs them, and run by a worker.

    from shop import jobs

    @jobs.handler("email.send")            # the owner of the side effect registers it
    def send(to: str, message: str) -> None: ...

    jobs.enqueue("email.send", to=..., message=...)   # adds the row and flushes, never commits

After the edge commits, the new jobs are handed to the queue (Huey); a worker runs each
one at least once, retrying with exponential backoff. See docs/jobs.md.
"""

from flask import Flask

from .models import Job, JobStatus
from .registry import HANDLERS, UnknownJobKind, enqueue, handler

__all__ = ["HANDLERS", "Job", "JobStatus", "UnknownJobKind", "enqueue", "handler", "init_app"]


def init_app(app: Flask) -> None:
    """Hand jobs over after each commit. (`flask jobs …` is registered by shop.cli.)"""
    from . import queue

    # Tests run each job right after its edge commits, in the same process (no worker).
    app.config.setdefault("JOBS_IMMEDIATE", bool(app.config.get("TESTING")))
    queue.install_session_hooks()
