"""Search over the shop's products and the blog's posts, by the database's own full-text
search: FTS5 on SQLite, tsvector on PostgreSQL (docs/search.md)."""
