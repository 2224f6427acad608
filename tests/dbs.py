"""Test databases: a migrated SQLite file, and scratch PostgreSQL databases when
TEST_DATABASE_URL points at a server the tests may create databases on."""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop.config import normalise_database_url
from shop.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


@contextmanager
def scratch_postgres_database():
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    server_url = make_url(normalise_database_url(POSTGRES_URL))
    name = f"shop_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def empty_database(backend: str, folder: Path):
    if backend == "postgresql":
        with scratch_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{folder / f'shop-{uuid.uuid4().hex[:8]}.db'}"


def migrate_to_head(url: str) -> None:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def empty_all_tables() -> None:
    """Delete every row the test wrote, keeping the migrated schema."""
    tables = [f'"{t.name}"' for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
