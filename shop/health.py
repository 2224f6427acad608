"""GET /health, for the load balancer: 200 when this process can reach the database and the
job queue, 503 (with which one failed) when it cannot. Never cached, never rate-limited."""

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db
from .jobs import queue

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:
        log.exception("Health check: the database is unreachable")
        db.session.rollback()
        checks["database"] = "unreachable"
    try:
        queue.pending(current_app)
        checks["queue"] = "ok"
    except Exception:
        log.exception("Health check: the job queue is unreachable")
        checks["queue"] = "unreachable"
    healthy = all(state == "ok" for state in checks.values())
    response = jsonify(status="ok" if healthy else "failing", checks=checks)
    response.status_code = 200 if healthy else 503
    response.cache_control.no_store = True
    return response
