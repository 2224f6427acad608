"""Finding products and posts for what a visitor typed.

The index lives in the database and is kept in step by the database itself, so an edit is
found the moment it is committed (migration 21e34e2011d8 creates it):

- SQLite: the FTS5 table `search_index` (porter stemmer, unicode61), filled by triggers on
  `product` and `post`; ranked by bm25.
- PostgreSQL: the generated `search_vector` column of `product` and `post` ('english'
  configuration, GIN index); ranked by ts_rank.

Neither tokenizer splits a Korean word from the particle written onto it ("늑대소년은"), nor
Chinese or Japanese words from each other, so a query in those scripts matches each word as a
substring of the title, summary and text instead.

What was typed is never handed to a query language: it is cut into words, and each word goes
to the database as a quoted term (FTS5) or through plainto_tsquery (PostgreSQL), all of which
must match. Only active products and published posts are found.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, column, func, literal_column, or_, select, table
from sqlalchemy.orm import selectinload

from ..blog.models import Post
from ..blog.services import is_published
from ..catalog.models import Product
from ..extensions import db

MAX_QUERY_LENGTH = 200
MAX_TERMS = 12
PRODUCT_LIMIT = 12
POST_LIMIT = 10

WORD = re.compile(r"\w+")
# Hangul (jamo, compatibility jamo, syllables), kana and CJK ideographs.
UNSPACED_SCRIPTS = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass
class Results:
    query: str
    terms: list[str]
    products: list[Product] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    more_products: bool = False  # more matched than are shown
    more_posts: bool = False

    @property
    def found(self) -> bool:
        return bool(self.products or self.posts)


def terms(query: str) -> list[str]:
    """The words of a query, in order, each once: letters and digits of any script. Quotes,
    stars, dashes, brackets and operators are not words, so they reach no query language."""
    words = WORD.findall(unicodedata.normalize("NFKC", query or "").replace("_", " "))
    return list(dict.fromkeys(words))[:MAX_TERMS]


def search(query: str) -> Results:
    found = Results(query=query, terms=terms(query))
    if not found.terms:
        return found
    if UNSPACED_SCRIPTS.search(" ".join(found.terms)):
        finder = _substrings
    elif db.session.get_bind().dialect.name == "postgresql":
        finder = _postgres
    else:
        finder = _sqlite
    found.products, found.more_products = _load(Product, finder(Product, found.terms, PRODUCT_LIMIT + 1), PRODUCT_LIMIT)
    found.posts, found.more_posts = _load(Post, finder(Post, found.terms, POST_LIMIT + 1), POST_LIMIT)
    return found


# What each kind is searched on (title, summary, text) and when the public may see it.
def _columns(model) -> tuple:
    if model is Product:
        return Product.name, Product.summary, Product.description
    return Post.title, Post.excerpt, Post.body_markdown


def _visible(model):
    return Product.is_active if model is Product else is_published()


SEARCH_INDEX = table("search_index", column("kind"), column("ref"))


def _sqlite(model, words: list[str], limit: int) -> Select:
    # The FTS5 table's hidden column of its own name stands for the whole row in MATCH and bm25.
    index = literal_column("search_index")
    # Each word a quoted string: FTS5 reads NEAR, AND, *, - or ( inside quotes as text.
    match = " ".join(f'"{word}"' for word in words)
    kind = "product" if model is Product else "post"
    # bm25 weighs the columns kind, ref, title, summary, body; lower is better.
    score = func.bm25(index, 0.0, 0.0, 10.0, 4.0, 1.0)
    return (
        select(model.id)
        .select_from(model)
        .join(SEARCH_INDEX, SEARCH_INDEX.c.ref == model.id)
        .where(index.op("MATCH")(match), SEARCH_INDEX.c.kind == kind, _visible(model))
        .order_by(score, model.id)
        .limit(limit)
    )


def _postgres(model, words: list[str], limit: int) -> Select:
    vector = literal_column(f"{model.__tablename__}.search_vector")
    query = func.plainto_tsquery("english", " ".join(words))
    return (
        select(model.id)
        .where(vector.op("@@")(query), _visible(model))
        .order_by(func.ts_rank(vector, query).desc(), model.id)
        .limit(limit)
    )


def _substrings(model, words: list[str], limit: int) -> Select:
    title, *_ = columns = _columns(model)
    every_word = and_(*(or_(*(c.icontains(word, autoescape=True) for c in columns)) for word in words))
    in_title = case((and_(*(title.icontains(word, autoescape=True) for word in words)), 0), else_=1)
    newest = Post.published_at.desc() if model is Post else Product.position
    return select(model.id).where(every_word, _visible(model)).order_by(in_title, newest, model.id).limit(limit)


def _load(model, ids_query: Select, limit: int) -> tuple[list, bool]:
    ids = list(db.session.scalars(ids_query))
    if not ids:
        return [], False
    if model is Product:
        options = (selectinload(Product.variants), selectinload(Product.images))
    else:
        options = (selectinload(Post.author),)
    rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
    ranked = [rows[i] for i in ids if i in rows]
    return ranked[:limit], len(ranked) > limit
