"""Test databases: a migrated SQLite file, and scratch PostgreSQL databases when
TEST_DATABASE_URL points at a server the tests may create databases on; and a test's
transaction that is rolled back instead of emptying the tables afterwards."""

import os
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from shop import create_app
from shop import seed as demo
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


def backend_of(url: str) -> str:
    return make_url(url).get_backend_name()


def seed_database(url: str) -> None:
    """Load the demo content into the database at `url`, as `flask shop seed` does."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        demo.load_all(app.config["SHOP_CONTENT_DIR"])
        db.session.remove()
        db.engine.dispose()


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        counts = {t.name: conn.scalar(text(f'SELECT count(*) FROM "{t.name}"')) for t in db.metadata.sorted_tables}
    engine.dispose()
    return counts


def assert_unchanged(url: str, before: dict[str, int]) -> None:
    """Every table of a shared database holds as many rows as it did: no test wrote past its
    rolled-back transaction (with a second connection or a thread, without real_commits)."""
    after = row_counts(url)
    changed = {name: (count, after[name]) for name, count in before.items() if after[name] != count}
    assert not changed, f"a test wrote into a shared database; rows (before, after): {changed}"


class _SessionOnOneConnection(Session):
    """Flask-SQLAlchemy's session picks the app's engine for every query; this one uses the
    connection it was given, so every session of the test shares the test's transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


def _sqlite_driver_emits_no_begin(dbapi_connection, connection_record) -> None:
    # pysqlite emits no BEGIN before a SELECT or a SAVEPOINT, so savepoints would escape the
    # test's transaction. SQLAlchemy's documented fix: the driver emits no BEGIN at all, and
    # the engine's "begin" event emits it (below).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


@contextmanager
def rolled_back(app: Flask):
    """Run the test inside one transaction on one connection, rolled back at the end.

    Every `db.session` of the app (the test's, each request's, each CLI command's) is bound
    to that connection with join_transaction_mode="create_savepoint": their commits and
    rollbacks become savepoints, so code that commits behaves as it does in production and
    nothing it writes outlives the test. Only for code on this thread and this connection:
    threads, a live server or a second connection need real commits instead.
    """
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        engine.dispose()  # the hooks apply to connections made from now on
        event.listen(engine, "connect", _sqlite_driver_emits_no_begin)
        event.listen(engine, "begin", _sqlite_begin)
    connection = engine.connect()

    def refuse_a_second_connection(*_):
        raise AssertionError(
            "this test opened a second database connection, which cannot see its rolled-back "
            "transaction and would write past it: mark it real_commits"
        )

    event.listen(engine, "checkout", refuse_a_second_connection)
    outer = connection.begin()
    shared = db.session
    db.session = db._make_scoped_session(
        {"class_": _SessionOnOneConnection, "bind": connection, "join_transaction_mode": "create_savepoint"}
    )
    try:
        yield
    finally:
        try:
            with app.app_context():
                db.session.remove()
        finally:
            db.session = shared
            outer.rollback()
            connection.close()
            engine.dispose()


def empty_all_tables() -> None:
    """Delete every row the test wrote, keeping the migrated schema."""
    tables = [f'"{t.name}"' for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))
