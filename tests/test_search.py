"""/search: products and posts found by the database's own full-text search (FTS5 on SQLite,
tsvector on PostgreSQL), Korean by substring, kept in step with every edit, and never a 500
for what a visitor types."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from shop import create_app
from shop.blog import editing
from shop.catalog import operations as catalog
from shop.extensions import db
from shop.models import Category, Post, Product
from shop.search import services as search
from shop.search.services import terms

from .commerce import new_product
from .dbs import BACKENDS, empty_database

FILM = "top-5-korean-movies-that-make-you-cry"
MAGAZINES = {"magazine-issue-1-hallyu", "magazine-issue-2-seoul-eats", "magazine-issue-3-hanok-heritage"}


def found(query: str) -> tuple[list[str], list[str]]:
    results = search.search(query)
    return [p.slug for p in results.products], [p.slug for p in results.posts]


def film() -> Post:
    return db.session.scalar(select(Post).where(Post.slug == FILM))


def edit(post: Post, **changes) -> None:
    """Save the post as the back office's editor would send it back, with some fields changed."""
    draft = editing.PostDraft(
        slug=post.slug,
        title=post.title,
        body_markdown=post.body_markdown,
        author_id=post.author_id,
        excerpt=post.excerpt,
        tags=[tag.name for tag in post.tags],
        published_at=post.published_at.replace(tzinfo=UTC) if post.published_at else None,
        hero_alt=post.hero_alt,
    )
    for name, value in changes.items():
        setattr(draft, name, value)
    editing.save_post(draft, post)


def typed_in_the_box(response) -> str:
    [value] = re.findall(
        r'<input id="search-page" name="q" type="search" value="([^"]*)"', response.get_data(as_text=True)
    )
    return html.unescape(value)


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# ---- what is found ----


def test_mask_finds_the_sheet_mask_sets_first(seeded):
    with seeded.app_context():
        products, posts = found("mask")
        assert products[:2] == ["sheet-mask-set", "honey-rice-sheet-masks"]
        assert "a-week-of-sheet-masks" in posts
        # Stemmed both ways: the plural finds the singular and the other way round.
        assert found("masks")[0][:2] == products[:2]
        assert "culture-box" not in products and not set(products) & MAGAZINES


def test_magazine_finds_the_magazines(seeded):
    with seeded.app_context():
        products, _ = found("magazine")
        assert set(products[:3]) == MAGAZINES
        assert found("Magazines")[0][:3] == products[:3]


@pytest.mark.parametrize("query", ["Werewolf", "werewolf boy", "A WEREWOLF BOY", "늑대소년"])
def test_the_films_find_the_film_article(seeded, query):
    with seeded.app_context():
        products, posts = found(query)
        assert posts == [FILM]
        assert products == []


def test_every_word_must_match(seeded):
    with seeded.app_context():
        assert found("werewolf bibimbap") == ([], [])
        assert found("늑대소년 bibimbap") == ([], [])
        assert found("werewolf 늑대소년") == ([], [FILM])


def test_korean_is_found_inside_longer_words(seeded):
    """A Korean word carries its particle written onto it; the tokenizers would index
    "늑대소년은" as one word, so Korean is matched as a substring."""
    with seeded.app_context():
        post = film()
        edit(post, body_markdown=post.body_markdown + "\n\n우리는 늑대소년을 사랑해요.")
        assert found("사랑")[1] == [FILM]
        assert found("늑대")[1] == [FILM]


def test_only_active_products_and_published_posts_are_found(seeded):
    with seeded.app_context():
        mask = db.session.scalar(select(Product).where(Product.slug == "sheet-mask-set"))
        catalog.set_published(mask, False)
        assert "sheet-mask-set" not in found("mask")[0]
        assert "sheet-mask-set" not in found("마스크 mask")[0]  # the substring search too

        post = film()
        edit(post, published_at=datetime.now(UTC) + timedelta(days=1))
        assert found("werewolf") == ([], [])
        assert found("늑대소년") == ([], [])
        edit(post, published_at=None)
        assert found("werewolf") == ([], [])
        edit(post, published_at=datetime.now(UTC) - timedelta(minutes=1))
        assert found("werewolf") == ([], [FILM])


# ---- kept in step with edits ----


def test_an_edited_post_is_found_by_its_new_words_and_not_its_old_ones(seeded):
    with seeded.app_context():
        post = film()
        body = post.body_markdown.replace("Werewolf", "Moonlit Changeling").replace("늑대소년", "달빛소년")
        edit(post, body_markdown=body)
        assert found("werewolf") == ([], [])
        assert found("늑대소년") == ([], [])
        assert found("changeling")[1] == [FILM]
        assert found("달빛소년")[1] == [FILM]

        edit(post, title="Films for a rainy Sunday")
        assert found("rainy sunday")[1] == [FILM]
        assert [p.title for p in search.search("rainy sunday").posts] == ["Films for a rainy Sunday"]


def test_a_new_and_an_edited_product_are_found(seeded):
    with seeded.app_context():
        product = new_product()
        assert found("hanji")[0] == []  # hidden until published
        catalog.set_published(product, True)
        assert found("hanji")[0] == ["hanji-notebook"]

        draft = catalog.ProductDraft(
            slug="hanji-notebook",
            name="Mulberry paper notebook",
            category_id=product.category_id,
            summary="Hand-made hanji.",
        )
        catalog.save_product(draft, product)
        assert found("mulberry")[0] == ["hanji-notebook"]
        assert found("hanji")[0] == ["hanji-notebook"]  # still in its summary
        draft.summary = ""
        catalog.save_product(draft, product)
        assert found("hanji")[0] == []


def test_a_deleted_post_leaves_the_index(seeded):
    with seeded.app_context():
        post = film()
        post_id = post.id
        db.session.delete(post)
        db.session.flush()
        assert found("werewolf") == ([], [])
        if db.session.get_bind().dialect.name == "sqlite":
            # The trigger removed its entry, so no stale row waits to be joined.
            left = db.session.scalar(text("SELECT count(*) FROM search_index WHERE rowid = :r"), {"r": post_id * 2 + 1})
            assert left == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_written_before_the_index_existed_are_indexed(backend, tmp_path):
    """The migration that creates the index fills it from the products and posts already there."""
    with empty_database(backend, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="76cb9f42bbdc")
            with db.engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO category (id, slug, name, description, position) VALUES (1, 'c', 'C', '', 0)")
                )
                conn.execute(
                    text(
                        "INSERT INTO product (id, slug, name, kind, category_id, summary, description, is_active,"
                        " vat_rate, is_featured, position, created_at, updated_at) VALUES (7, 'tea', 'Barley tea',"
                        " 'goods', 1, 'Roasted', 'Nutty and warm', :yes, 'standard', :no, 0, :now, :now)"
                    ),
                    {"yes": True, "no": False, "now": datetime(2026, 1, 1)},
                )
                conn.execute(text("INSERT INTO author (id, slug, name, bio) VALUES (1, 'a', 'A', '')"))
                conn.execute(
                    text(
                        "INSERT INTO post (id, slug, title, excerpt, body_markdown, author_id, published_at,"
                        " updated_at, hero_widths, hero_alt) VALUES (3, 'tea-time', 'Tea time', '',"
                        " 'Barley tea in every kitchen', 1, :now, :now, '[]', '')"
                    ),
                    {"now": datetime(2026, 1, 1)},
                )
            upgrade()
            assert found("barley") == (["tea"], ["tea-time"])
            db.session.remove()
            db.engine.dispose()


# ---- the query ----


def test_a_query_becomes_words_and_nothing_else():
    assert terms('"mask" OR NEAR(magazine*, -film) ^x:y') == ["mask", "OR", "NEAR", "magazine", "film", "x", "y"]
    assert terms("늑대소년은  werewolf_boy") == ["늑대소년은", "werewolf", "boy"]
    assert terms("ｍａｓｋ mask") == ["mask"]  # full-width letters are letters
    assert terms("*** --- ()") == []
    assert len(terms(" ".join(f"w{i}" for i in range(100)))) == search.MAX_TERMS


@pytest.mark.parametrize(
    "query",
    ['"', '""', "*", "mask*", "-mask", "NEAR(", "NEAR(mask magazine, 2)", "mask OR", "AND", "(", ")", "^mask",
     "title:mask", "{title}:mask", "'; DROP TABLE post; --", "%", "_", "\\", "🙂", "\u202emask", "mask\u200b"],
)  # fmt: skip
def test_query_language_is_never_read_from_what_was_typed(seeded, client, query):
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    assert typed_in_the_box(response) == query


def test_query_syntax_around_a_word_still_finds_it(seeded):
    with seeded.app_context():
        for query in ('"mask"', "mask*", "-mask", "(mask)", "mask:"):
            assert found(query)[0][:2] == ["sheet-mask-set", "honey-rice-sheet-masks"], query


# ---- the page ----


def test_the_page_groups_products_and_posts_with_prices_pictures_and_excerpts(seeded, client):
    response = client.get("/search?q=mask")
    page = page_text(response)
    assert response.status_code == 200
    shop_part, blog_part = page.split("In the shop", 1)[1].split("On the blog", 1)
    assert "Sheet Mask Set" in shop_part and "From £12.00" in shop_part
    assert 'src="/static/img/products/sheet-masks-7-day' in shop_part
    assert "A Week of Sheet Masks" in blog_part and "Seven evenings, seven masks" in blog_part
    assert 'value="mask"' in page
    assert '<meta name="robots" content="noindex">' in page  # results copy the shop's own pages
    assert "<title>Search: mask — " in page
    assert "noindex" not in client.get("/search").text  # the search page itself may be indexed


def test_nothing_found_says_so_and_suggests_where_to_look(seeded, client):
    response = client.get("/search?q=kimchi+fridge")
    page = page_text(response)
    assert response.status_code == 200
    assert "Nothing found for “kimchi fridge”" in page
    assert 'href="/shop/magazines"' in page and 'href="/shop/beauty"' in page and 'href="/blog"' in page
    assert 'value="kimchi fridge"' in page


def test_an_empty_search_shows_the_box_and_suggestions(seeded, client):
    for url in ("/search", "/search?q=", "/search?q=+++"):
        page = page_text(client.get(url))
        assert 'name="q"' in page and "Nothing found" not in page and "In the shop" not in page
        assert 'href="/shop/magazines"' in page


def test_a_query_with_no_words_asks_for_one(seeded, client):
    page = page_text(client.get("/search", query_string={"q": '*** "" ()'}))
    assert "Search for a word or two" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("x" * 10_000, "Please shorten your search to 200 characters or fewer."),
        ("mask" + " " * 197 + "x", "Please shorten your search to 200 characters or fewer."),
        ("mask\x00", "Please remove the invisible control characters from this field."),
        ("mask\x1b[31m", "Please remove the invisible control characters from this field."),
    ],
)
def test_a_query_no_person_types_is_a_clear_message(seeded, client, query, message):
    response = client.get("/search", query_string={"q": query})
    page = page_text(response)
    assert response.status_code == 422
    assert message in page
    assert "In the shop" not in page


def test_every_page_links_to_search_and_the_blog_and_404_have_the_box(seeded, client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/search"' in home and ">Search</span>" in home
    for path, status in (("/blog", 200), ("/no-such-page", 404)):
        response = client.get(path)
        assert response.status_code == status
        assert 'action="/search"' in response.get_data(as_text=True) and 'role="search"' in response.get_data(
            as_text=True
        )
