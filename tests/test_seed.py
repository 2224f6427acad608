from sqlalchemy import func, select

from shop.extensions import db
from shop.models import Plan, Post, Product, Variant, ZoneCountry
from shop.seed import load_all


def snapshot():
    """Every row of every table, so 'changes nothing' is checked exactly."""
    return {
        table.name: sorted(tuple(map(str, row)) for row in db.session.execute(select(table)))
        for table in db.metadata.sorted_tables
    }


def test_seed_twice_leaves_the_same_rows(app, runner):
    first = runner.invoke(args=["shop", "seed"])
    assert first.exit_code == 0, first.output
    assert "post           3 added" in first.output
    with app.app_context():
        after_first = snapshot()
    second = runner.invoke(args=["shop", "seed"])
    assert second.exit_code == 0, second.output
    assert all(line.endswith(" 0 added") for line in second.output.strip().splitlines())
    with app.app_context():
        assert snapshot() == after_first


def test_seed_loads_the_catalogue_countries_plans_and_film_article(seeded):
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Product)) == 7
        assert db.session.scalar(select(func.count()).select_from(Plan)) == 7
        gb = db.session.get(ZoneCountry, "GB")
        assert gb.zone.code == "uk" and gb.ships
        assert db.session.get(ZoneCountry, "DE").zone.code == "europe"
        assert db.session.get(ZoneCountry, "AU").zone.code == "rest-of-world"
        assert not db.session.get(ZoneCountry, "KP").ships
        first_post = db.session.scalar(select(Post).order_by(Post.published_at))
        assert first_post.slug == "top-5-korean-movies-that-make-you-cry"


def test_seed_never_overwrites_what_an_admin_changed(seeded):
    with seeded.app_context():
        variant = db.session.scalar(select(Variant).filter_by(sku="MASK-MIX-7"))
        variant.price_pence = 1100
        db.session.commit()
        load_all(seeded.config["SHOP_CONTENT_DIR"])
        assert db.session.scalar(select(Variant.price_pence).filter_by(sku="MASK-MIX-7")) == 1100
