"""The busiest pages run a fixed, small number of SQL statements, whatever the shop's size.

Each page is counted in the demo shop, then again once the shop holds 1,000 more products,
500 more posts and 200 comments on the film article: a query inside a loop (a card asking for
its own product, a lazy relation per row) shows as a count that grows.
"""

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, insert, select

from shop.accounts.models import User
from shop.blog.models import Post, post_tag
from shop.catalog.models import Category, Product, ProductImage, Variant
from shop.comments.models import Comment, CommentStatus
from shop.extensions import db

from .accounts.factories import make_user, sign_in

FILM = "/blog/top-5-korean-movies-that-make-you-cry"
# path -> the most statements it may run: what each runs today (a card with its product,
# the cards' variants and pictures is three, whatever the number of cards).
BUDGET = {
    "/": 8,
    "/shop": 6,
    "/shop/magazines": 6,
    "/products/magazine-issue-1-hallyu": 4,
    "/culture-box": 6,
    "/blog": 4,
    FILM: 17,
    "/feed.xml": 7,
    "/sitemap.xml": 4,
}
# The cart: the user loader, then its lines with their products, categories, number of sizes
# and first pictures in one. The account of a customer with nothing yet: the user loader,
# orders, subscriptions and gifts in one, addresses.
CUSTOMER_BUDGET = {"/cart": 2, "/account": 4}


def count_statements(app, client, path: str) -> int:
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


def counts(app, client, customer) -> dict[str, int]:
    found = {path: count_statements(app, client, path) for path in BUDGET}
    found |= {path: count_statements(app, customer, path) for path in CUSTOMER_BUDGET}
    return found


def grow_the_shop(app) -> None:
    """1,000 products with a variant and a picture, 500 posts with the film article's text
    (its product cards included) and tags, 200 approved comments and replies on the film."""
    now = datetime.now(UTC)
    with app.app_context():
        magazines = db.session.scalar(select(Category).filter_by(slug="magazines"))
        film = db.session.scalar(select(Post).filter_by(slug="top-5-korean-movies-that-make-you-cry"))
        tag_ids = [tag.id for tag in film.tags]
        base = 100_000
        db.session.execute(
            insert(Product),
            [
                dict(
                    id=base + n,
                    slug=f"bulk-product-{n}",
                    name=f"Bulk product {n}",
                    category_id=magazines.id,
                    summary="A product among many",
                    description="Plenty of *them*.",
                    position=n,
                    is_featured=n % 100 == 0,
                )
                for n in range(1000)
            ],
        )
        db.session.execute(
            insert(Variant),
            [
                dict(
                    id=base + n,
                    product_id=base + n,
                    sku=f"BULK-{n}",
                    name="One size",
                    price_pence=1000 + n,
                    weight_g=100,
                    stock=n % 7,
                    hs_code="4902",
                    origin_country="KR",
                )
                for n in range(1000)
            ],
        )
        db.session.execute(
            insert(ProductImage),
            [dict(product_id=base + n, path="img/products/magazine-1.svg", alt="A cover") for n in range(1000)],
        )
        db.session.execute(
            insert(Post),
            [
                dict(
                    id=base + n,
                    slug=f"bulk-post-{n}",
                    title=f"Bulk post {n}",
                    excerpt="One of many.",
                    body_markdown=film.body_markdown,
                    author_id=film.author_id,
                    published_at=now - timedelta(minutes=n + 1),
                    announced_at=now,
                    updated_at=now,
                )
                for n in range(500)
            ],
        )
        db.session.execute(
            insert(post_tag), [dict(post_id=base + n, tag_id=tag) for n in range(500) for tag in tag_ids]
        )
        comments = []
        for n in range(200):
            parent = base + n - 1 if n % 4 else None  # every fourth starts a thread
            comments.append(
                dict(
                    id=base + n,
                    post_id=film.id,
                    parent_id=parent if parent is None else base + (n - n % 4),
                    author_name=f"Reader {n}",
                    author_email=f"reader{n}@example.com",
                    body=f"Comment {n}: https://example.com/{n}",
                    status=CommentStatus.APPROVED,
                    unsubscribe_token=f"token-{n}",
                    created_at=now - timedelta(minutes=300 - n),
                    approved_at=now,
                )
            )
        db.session.execute(insert(Comment), comments)
        db.session.commit()
        # The bulk rows are really there: the counts below are of a big shop.
        assert db.session.query(Product).count() >= 1000
        assert db.session.query(Comment).filter_by(post_id=film.id).count() == 200


def test_each_page_runs_the_same_few_queries_for_a_small_and_a_big_shop(seeded, app, client):
    with app.app_context():
        make_user()
        variant_id = db.session.scalar(select(Variant.id).join(Product).filter(Product.slug == "sheet-mask-set"))
    customer = app.test_client()
    assert sign_in(customer).status_code == 302
    assert customer.post("/cart/add", data={"variant_id": variant_id, "quantity": 1}).status_code == 302
    customer.get("/account")  # the welcome message, once

    small = counts(app, client, customer)
    grow_the_shop(app)
    big = counts(app, client, customer)

    assert big == small
    over = {path: n for path, n in big.items() if n > (BUDGET | CUSTOMER_BUDGET)[path]}
    assert not over, f"over budget: {over}"
    with app.app_context():
        assert db.session.scalar(select(User.id).filter_by(email="min-ji@example.com"))
