"""search: products and posts indexed by the database's own full-text search (an FTS5 table
kept in step by triggers on SQLite; a generated tsvector column with a GIN index on PostgreSQL)

Revision ID: 21e34e2011d8
Revises: 76cb9f42bbdc
Create Date: 2026-12-07 09:30:00.000000

The index is no model: migrations/env.py leaves these objects out of autogenerate's
comparison, and shop/search/services.py is the only code that reads them.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "21e34e2011d8"
down_revision = "76cb9f42bbdc"
branch_labels = None
depends_on = None

# SQLite: one FTS5 table for both kinds. Its rowid is the product's id * 2 or the post's
# id * 2 + 1, so a trigger finds a row's entry by rowid without scanning. The porter stemmer
# finds "masks" for "mask"; unicode61 folds case and accents in any script.
SQLITE_TABLE = """
CREATE VIRTUAL TABLE search_index USING fts5(
    kind UNINDEXED, ref UNINDEXED, title, summary, body,
    tokenize = 'porter unicode61 remove_diacritics 2'
)
"""
SQLITE_SOURCES = {
    # kind: (table, rowid from the row's id, title, summary, body)
    "product": ("product", "{row}.id * 2", "name", "summary", "description"),
    "post": ("post", "{row}.id * 2 + 1", "title", "excerpt", "body_markdown"),
}


def _sqlite_upgrade():
    op.execute(SQLITE_TABLE)
    for kind, (table, rowid, title, summary, body) in SQLITE_SOURCES.items():
        new, old = rowid.format(row="new"), rowid.format(row="old")
        insert = (
            f"INSERT INTO search_index (rowid, kind, ref, title, summary, body) "
            f"VALUES ({new}, '{kind}', new.id, new.{title}, new.{summary}, new.{body});"
        )
        op.execute(f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF id, {title}, {summary}, {body} ON {table} "
            f"BEGIN DELETE FROM search_index WHERE rowid = {old}; {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN DELETE FROM search_index WHERE rowid = {old}; END"
        )
        op.execute(
            f"INSERT INTO search_index (rowid, kind, ref, title, summary, body) "
            f"SELECT {rowid.format(row=table)}, '{kind}', id, {title}, {summary}, {body} FROM {table}"
        )


def _sqlite_downgrade():
    for table, *_ in SQLITE_SOURCES.values():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS search_{table}_{event}")
    op.execute("DROP TABLE IF EXISTS search_index")


# PostgreSQL: a stored generated column per table, so every write keeps it in step, weighted
# title (A) over summary (B) over text (C) for ts_rank; the 'english' configuration stems.
POSTGRES_SOURCES = {"product": ("name", "summary", "description"), "post": ("title", "excerpt", "body_markdown")}


def _postgres_upgrade():
    for table, columns in POSTGRES_SOURCES.items():
        vector = " || ".join(
            f"setweight(to_tsvector('english', coalesce({column}, '')), '{weight}')"
            for column, weight in zip(columns, "ABC", strict=True)
        )
        op.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED")
        op.execute(f"CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)")


def _postgres_downgrade():
    for table in POSTGRES_SOURCES:
        op.execute(f"DROP INDEX IF EXISTS ix_{table}_search_vector")
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgres_upgrade()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_downgrade()
    elif dialect == "postgresql":
        _postgres_downgrade()
