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

from .core.calendar import cutoff_for, ships_on
from .core.vat import VatRate
from .extensions import db
from .models import (
    Author,
    Category,
    DiscountCode,
    DiscountDuration,
    DiscountKind,
    ParcelRate,
    Plan,
    PlanKind,
    Post,
    Product,
    ProductImage,
    ProductKind,
    ShippingZone,
    Tag,
    Variant,
    ZoneCountry,
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


def _add_missing(model, added: Counter, key: tuple[str, ...], rows: list[dict]) -> None:
    """Add, in one flush, the rows whose natural key (the `key` fields) the table lacks.

    Rows already there are never touched, so an admin's edits survive; of two rows with the
    same key in the content, the first wins.
    """
    present = {tuple(row) for row in db.session.execute(select(*(getattr(model, name) for name in key)))}
    new = []
    for row in rows:
        natural_key = tuple(row[name] for name in key)
        if natural_key not in present:
            present.add(natural_key)
            new.append(model(**row))
    db.session.add_all(new)
    db.session.flush()
    added[model.__tablename__] += len(new)


def _ids(model, key: str) -> dict:
    """Natural key -> id for every row of `model`, the ones just added included."""
    return {natural_key: id_ for natural_key, id_ in db.session.execute(select(getattr(model, key), model.id))}


def load_shipping(content: Path, added: Counter) -> None:
    data = _yaml(content, "shipping.yaml")
    zones = data["zones"]
    existing_zones = set(db.session.scalars(select(ShippingZone.code)))
    _add_missing(
        ShippingZone,
        added,
        ("code",),
        [
            {
                "code": zone["code"],
                "name": zone["name"],
                "position": position,
                "box_shipping_pence": zone["box_shipping_pence"],
            }
            for position, zone in enumerate(zones)
        ],
    )
    zone_ids = _ids(ShippingZone, "code")
    # Weight bands only for zones this run created: a band the owner removed stays removed.
    _add_missing(
        ParcelRate,
        added,
        ("zone_id", "max_weight_g"),
        [
            {
                "zone_id": zone_ids[zone["code"]],
                "max_weight_g": band["max_weight_g"],
                "price_pence": band["price_pence"],
            }
            for zone in zones
            if zone["code"] not in existing_zones
            for band in zone["parcel_rates"]
        ],
    )
    defaults = [zone["code"] for zone in zones if zone.get("default")]
    if not defaults:
        raise SeedError("shipping.yaml names no default zone for the countries it does not list")
    default_zone_id = zone_ids[defaults[-1]]
    no_ship = {_country_code(code) for code in data.get("no_shipping", [])}
    countries = [
        {"country_code": _country_code(code), "zone_id": zone_ids[zone["code"]]}
        for zone in zones
        for code in zone.get("countries", [])
    ]
    countries += [
        {"country_code": country.alpha_2, "zone_id": default_zone_id, "ships": country.alpha_2 not in no_ship}
        for country in pycountry.countries
    ]
    _add_missing(ZoneCountry, added, ("country_code",), countries)


def load_catalog(content: Path, added: Counter) -> None:
    categories = _yaml(content, "catalog.yaml")["categories"]
    _add_missing(
        Category,
        added,
        ("slug",),
        [
            {"slug": cat["slug"], "name": cat["name"], "description": cat.get("description", ""), "position": position}
            for position, cat in enumerate(categories)
        ],
    )
    category_ids = _ids(Category, "slug")
    # Pictures and variants come with a product the seed creates, never later: a picture the
    # owner removed or a SKU they renamed does not come back on the next deploy.
    products_before = set(db.session.scalars(select(Product.slug)))
    _add_missing(
        Product,
        added,
        ("slug",),
        [
            {
                "slug": item["slug"],
                "name": item["name"],
                "category_id": category_ids[cat["slug"]],
                "kind": ProductKind(item.get("kind", "goods")),
                "vat_rate": VatRate(item.get("vat_rate", "standard")),
                "summary": item.get("summary", ""),
                "description": item.get("description", ""),
                "is_featured": item.get("featured", False),
                "position": position,
            }
            for cat in categories
            for position, item in enumerate(cat["products"])
        ],
    )
    product_ids = _ids(Product, "slug")
    items = [item for cat in categories for item in cat["products"] if item["slug"] not in products_before]
    _add_missing(
        ProductImage,
        added,
        ("product_id", "path"),
        [
            {"product_id": product_ids[item["slug"]], "path": image["path"], "alt": image["alt"], "position": position}
            for item in items
            for position, image in enumerate(item.get("images", []))
        ],
    )
    _add_missing(
        Variant,
        added,
        ("sku",),
        [
            {
                "sku": variant["sku"],
                "product_id": product_ids[item["slug"]],
                "name": variant["name"],
                "price_pence": variant["price_pence"],
                "weight_g": variant["weight_g"],
                "stock": variant["stock"],
                "hs_code": variant["hs_code"],
                "origin_country": variant["origin_country"],
                "free_shipping": variant.get("free_shipping", False),
                "position": position,
            }
            for item in items
            for position, variant in enumerate(item.get("variants", []))
        ],
    )


def load_plans(content: Path, added: Counter) -> None:
    _add_missing(
        Plan,
        added,
        ("code",),
        [
            {
                "code": plan["code"],
                "name": plan["name"],
                "kind": PlanKind(plan["kind"]),
                "months": plan["months"],
                "price_pence": plan["price_pence"],
                "blurb": plan.get("blurb", ""),
                "position": position,
            }
            for position, plan in enumerate(_yaml(content, "plans.yaml")["plans"])
        ],
    )


def load_editions(content: Path, added: Counter) -> None:
    rows = []
    for item in _yaml(content, "editions.yaml")["editions"]:
        year, month = (int(part) for part in item["month"].split("-"))
        first_day = date(year, month, 1)
        rows.append(
            {
                "month": first_day,
                "theme": item["theme"],
                "description": item.get("description", ""),
                "manifest": item["manifest"],
                "cutoff_at": cutoff_for(first_day),
                "ships_on": ships_on(first_day),
                "capacity": item.get("capacity"),
            }
        )
    _add_missing(Edition, added, ("month",), rows)


def load_blog(content: Path, added: Counter) -> None:
    _add_missing(
        Author,
        added,
        ("slug",),
        [
            {"slug": author["slug"], "name": author["name"], "bio": author["bio"], "avatar_path": author.get("avatar")}
            for author in _yaml(content, "authors.yaml")["authors"]
        ],
    )
    present = set(db.session.scalars(select(Post.slug)))
    new_posts = []
    for path in sorted((content / "posts").glob("*.md")):
        doc = frontmatter.load(path)
        if doc["slug"] not in present:
            present.add(doc["slug"])
            new_posts.append(doc)
    _add_missing(
        Tag,
        added,
        ("slug",),
        [{"slug": slug, "name": name} for doc in new_posts for slug, name in doc.get("tags", {}).items()],
    )
    authors = {author.slug: author for author in db.session.scalars(select(Author))}
    tags = {tag.slug: tag for tag in db.session.scalars(select(Tag))}
    for doc in new_posts:
        published = doc["published_at"]
        if published.tzinfo is None:
            published = published.replace(tzinfo=UTC)
        db.session.add(
            Post(
                slug=doc["slug"],
                title=doc["title"],
                seo_title=doc.get("seo_title"),
                excerpt=doc["excerpt"],
                body_markdown=doc.content,
                hero_image=doc.get("hero_image"),
                hero_alt=doc.get("hero_alt", ""),
                author=authors.get(doc["author"]),
                tags=[tags[slug] for slug in doc.get("tags", {})],
                published_at=published,
                updated_at=datetime.now(UTC),
                # Demo posts are not news: the newsletter announces what is published next.
                announced_at=datetime.now(UTC),
            )
        )
        added["post"] += 1
    db.session.flush()


def _utc(value):
    if value is None or not isinstance(value, datetime):
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_discounts(content: Path, added: Counter) -> None:
    if not (content / "discounts.yaml").exists():
        return
    _add_missing(
        DiscountCode,
        added,
        ("code",),
        [
            {
                "code": item["code"].upper(),
                "description": item.get("description", ""),
                "kind": DiscountKind(item["kind"]),
                "percent_off": item.get("percent_off"),
                "amount_off_pence": item.get("amount_off_pence"),
                "valid_from": _utc(item.get("valid_from")),
                "valid_until": _utc(item.get("valid_until")),
                "usage_limit": item.get("usage_limit"),
                "per_customer_limit": item.get("per_customer_limit"),
                "duration": DiscountDuration(item.get("duration", "once")),
                "duration_payments": item.get("duration_payments"),
            }
            for item in _yaml(content, "discounts.yaml")["discounts"]
        ],
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
    tables = [
        "shipping_zone",
        "parcel_rate",
        "zone_country",
        "category",
        "product",
        "product_image",
        "variant",
        "plan",
        "edition",
        "author",
        "tag",
        "post",
        "discount_code",
    ]
    return {table: added[table] for table in tables}
