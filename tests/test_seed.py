import pycountry
import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.models import ParcelRate, Plan, Post, Product, Variant, ZoneCountry
from shop.seed import SeedError, load_all


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
        assert db.session.get(ZoneCountry, "NO").zone.code == "europe"  # not YAML's False
        assert db.session.scalar(select(func.count()).select_from(ZoneCountry)) == len(pycountry.countries)
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


def test_the_next_test_sees_the_seeded_content_again(seeded):
    """The test above committed a new price into the shared seeded database; its transaction
    was rolled back, so every test starts from the demo content as loaded."""
    with seeded.app_context():
        assert db.session.scalar(select(Variant.price_pence).filter_by(sku="MASK-MIX-7")) == 1200


def test_seed_refuses_a_country_code_yaml_turned_into_a_boolean(app, tmp_path):
    (tmp_path / "shipping.yaml").write_text(
        "zones:\n  - {code: europe, name: Europe, box_shipping_pence: 0, default: true,\n"
        "     countries: [DE, NO], parcel_rates: []}\n"
    )
    with app.app_context(), pytest.raises(SeedError, match="False"):
        load_all(str(tmp_path))


def test_seed_never_brings_back_a_picture_a_variant_or_a_weight_band_the_owner_removed(seeded):
    with seeded.app_context():
        product = db.session.scalar(select(Product).filter_by(slug="sheet-mask-set"))
        removed_picture = product.images[0].path
        db.session.delete(product.images[0])
        db.session.scalar(select(Variant).filter_by(sku="MASK-MIX-7")).sku = "MASK-SEVEN"
        band = db.session.scalar(select(ParcelRate).order_by(ParcelRate.id).limit(1))
        zone_id, weight = band.zone_id, band.max_weight_g
        db.session.delete(band)
        db.session.commit()

        load_all(seeded.config["SHOP_CONTENT_DIR"])

        assert removed_picture not in {image.path for image in product.images}
        assert db.session.scalar(select(Variant).filter_by(sku="MASK-MIX-7")) is None
        assert db.session.scalar(select(ParcelRate).filter_by(zone_id=zone_id, max_weight_g=weight)) is None
