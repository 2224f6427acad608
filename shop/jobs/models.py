"""The job table: the outbox of side effects, written in the same transaction as the
change that needs them, so a committed change always has its email or outside call
recorded, and a rolled-back one has none."""

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import enum_by_value, utcnow
from ..extensions import db


class JobStatus(enum.Enum):
    PENDING = "pending"  # waiting for its first run or a retry
    DONE = "done"
    FAILED = "failed"  # out of attempts: listed by `flask jobs failed`, run again by `flask jobs retry`


# A failed job goes back to pending only when someone retries it; a done job is final.
ALLOWED_MOVES: dict[JobStatus, frozenset[JobStatus]] = {
    JobStatus.PENDING: frozenset({JobStatus.DONE, JobStatus.FAILED}),
    JobStatus.FAILED: frozenset({JobStatus.PENDING}),
    JobStatus.DONE: frozenset(),
}


class IllegalJobMove(ValueError):
    pass


class Job(db.Model):
    __table_args__ = (Index("ix_job_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))  # the handler's name, e.g. email.send
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # the handler's keyword arguments
    status: Mapped[JobStatus] = mapped_column(enum_by_value(JobStatus, 16), default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a worker should next run it; a pending job well past this was lost on its way
    # to the queue (or its worker died) and is handed over again.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]

    def move_to(self, to: JobStatus) -> None:
        """The one way a job's status changes (its attempts and last_error are its history)."""
        if to not in ALLOWED_MOVES[self.status]:
            raise IllegalJobMove(f"job {self.id} is {self.status.value}; it cannot become {to.value}")
        self.status = to
        if to is JobStatus.DONE:
            self.done_at = utcnow()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status.value}>"
