"""Demo content from files in content/: catalogue, shipping zones, plans, authors, posts.

Idempotent by natural key (slug, SKU, code, country): rows already in the database are
left exactly as they are, so running the seed twice, or after an admin edited a price,
changes nothing.
"""

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import frontmatter
import pycountry
import yaml
from sqlalchemy import select

from .core.calendar import SHIP_DAY, cutoff_for
from .extensions import db
from .models import (
    Author, Category, DiscountCode, DiscountKind, ParcelRate, Plan, PlanKind, Post, Product, ProductImage, ProductKind,
    ShippingZone, Tag, Variant, ZoneCountry,
)
from .subscriptions.models import Edition


class SeedError(ValueError):
    """A content file says something the shop cannot load."""


def _country_code(code) -> str:
    # YAML reads an unquoted NO (Norway) as False: insist on real ISO codes.
    if not isinstance(code, str) or pycountry.countries.get(alpha_2=code) is None:
        raise SeedError(f"not an ISO 3166 alpha-2 country code: {code!r} (quote NO in YAML)")
    return code


def _yaml(content_dir: Path, name: str) -> dict:
    return yaml.safe_load((content_dir / name).read_text(encoding="utf-8"))


def _get_or_add(model, counter: Counter, key: dict, **fields):
    row = db.session.scalar(select(model).filter_by(**key))
    if row is None:
        row = model(**key, **fields)
        db.session.add(row)
        db.session.flush()
        counter[model.__tablename__] += 1
    return row


def load_shipping(content: Path, added: Counter) -> None:
    data = _yaml(content, "shipping.yaml")
    default_zone = None
    for position, zone_data in enumerate(data["zones"]):
        zone = _get_or_add(
            ShippingZone, added, {"code": zone_data["code"]},
            name=zone_data["name"], position=position,
            box_shipping_pence=zone_data["box_shipping_pence"],
        )
        for band in zone_data["parcel_rates"]:
            _get_or_add(
                ParcelRate, added, {"zone_id": zone.id, "max_weight_g": band["max_weight_g"]},
                price_pence=band["price_pence"],
            )
        if zone_data.get("default"):
            default_zone = zone
        for code in zone_data.get("countries", []):
            _get_or_add(ZoneCountry, added, {"country_code": _country_code(code)}, zone_id=zone.id)
    no_ship = {_country_code(code) for code in data.get("no_shipping", [])}
    for country in pycountry.countries:
        _get_or_add(
            ZoneCountry, added, {"country_code": country.alpha_2},
            zone_id=default_zone.id, ships=country.alpha_2 not in no_ship,
        )


def load_catalog(content: Path, added: Counter) -> None:
    data = _yaml(content, "catalog.yaml")
    for position, cat in enumerate(data["categories"]):
        category = _get_or_add(
            Category, added, {"slug": cat["slug"]},
            name=cat["name"], description=cat.get("description", ""), position=position,
        )
        for p_position, item in enumerate(cat["products"]):
            product = _get_or_add(
                Product, added, {"slug": item["slug"]},
                name=item["name"], category_id=category.id,
                kind=ProductKind(item.get("kind", "goods")),
                summary=item.get("summary", ""), description=item.get("description", ""),
                is_featured=item.get("featured", False), position=p_position,
            )
            for i_position, image in enumerate(item.get("images", [])):
                _get_or_add(
                    ProductImage, added, {"product_id": product.id, "path": image["path"]},
                    alt=image["alt"], position=i_position,
                )
            for v_position, variant in enumerate(item.get("variants", [])):
                _get_or_add(
                    Variant, added, {"sku": variant["sku"]},
                    product_id=product.id, name=variant["name"],
                    price_pence=variant["price_pence"], weight_g=variant["weight_g"],
                    stock=variant["stock"], hs_code=variant["hs_code"],
                    origin_country=variant["origin_country"],
                    free_shipping=variant.get("free_shipping", False), position=v_position,
                )


def load_plans(content: Path, added: Counter) -> None:
    for position, plan in enumerate(_yaml(content, "plans.yaml")["plans"]):
        _get_or_add(
            Plan, added, {"code": plan["code"]},
            name=plan["name"], kind=PlanKind(plan["kind"]), months=plan["months"],
            price_pence=plan["price_pence"], blurb=plan.get("blurb", ""), position=position,
        )


def load_editions(content: Path, added: Counter) -> None:
    for item in _yaml(content, "editions.yaml")["editions"]:
        year, month = (int(part) for part in item["month"].split("-"))
        first_day = date(year, month, 1)
        _get_or_add(
            Edition, added, {"month": first_day},
            theme=item["theme"], description=item.get("description", ""), manifest=item["manifest"],
            cutoff_at=cutoff_for(first_day), ships_on=first_day.replace(day=SHIP_DAY),
            capacity=item.get("capacity"),
        )


def load_blog(content: Path, added: Counter) -> None:
    for author in _yaml(content, "authors.yaml")["authors"]:
        _get_or_add(
            Author, added, {"slug": author["slug"]},
            name=author["name"], bio=author["bio"], avatar_path=author.get("avatar"),
        )
    for path in sorted((content / "posts").glob("*.md")):
        doc = frontmatter.load(path)
        if db.session.scalar(select(Post).filter_by(slug=doc["slug"])) is not None:
            continue
        author = db.session.scalar(select(Author).filter_by(slug=doc["author"]))
        tags = [
            _get_or_add(Tag, added, {"slug": slug}, name=name)
            for slug, name in doc.get("tags", {}).items()
        ]
        published = doc["published_at"]
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        db.session.add(
            Post(
                slug=doc["slug"], title=doc["title"], excerpt=doc["excerpt"],
                body_markdown=doc.content, hero_image=doc.get("hero_image"),
                hero_alt=doc.get("hero_alt", ""), author=author, tags=tags,
                published_at=published, updated_at=datetime.now(UTC),
            )
        )
        added["post"] += 1


def _utc(value):
    if value is None or not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_discounts(content: Path, added: Counter) -> None:
    if not (content / "discounts.yaml").exists():
        return
    for item in _yaml(content, "discounts.yaml")["discounts"]:
        _get_or_add(
            DiscountCode, added, {"code": item["code"].upper()},
            description=item.get("description", ""), kind=DiscountKind(item["kind"]),
            percent_off=item.get("percent_off"), amount_off_pence=item.get("amount_off_pence"),
            valid_from=_utc(item.get("valid_from")), valid_until=_utc(item.get("valid_until")),
            usage_limit=item.get("usage_limit"), per_customer_limit=item.get("per_customer_limit"),
        )


def load_all(content_dir: str) -> dict[str, int]:
    content = Path(content_dir)
    added: Counter = Counter()
    load_shipping(content, added)
    load_catalog(content, added)
    load_plans(content, added)
    load_editions(content, added)
    load_blog(content, added)
    load_discounts(content, added)
    db.session.commit()
    tables = ["shipping_zone", "parcel_rate", "zone_country", "category", "product",
              "product_image", "variant", "plan", "edition", "author", "tag", "post", "discount_code"]
    return {table: added[table] for table in tables}
