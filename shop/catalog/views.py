from flask import Blueprint, abort, render_template, request

from ..extensions import db
from ..subscriptions import services as box
from . import services
from .models import Category

bp = Blueprint("catalog", __name__)


@bp.get("/shop")
def shop():
    return render_template(
        "catalog/shop.html", categories=services.categories(), products=services.active_products(), current=None
    )


@bp.get("/shop/<slug>")
def category(slug: str):
    current = db.first_or_404(db.select(Category).filter_by(slug=slug))
    return render_template(
        "catalog/shop.html",
        categories=services.categories(),
        products=services.active_products(current),
        current=current,
    )


@bp.get("/products/<slug>")
def product(slug: str):
    found = services.product_by_slug(slug)
    if found is None:
        abort(404)
    plans = box.active_plans() if found.is_subscription else []
    selected = services.choose_variant(found, request.args.get("variant"))
    return render_template("catalog/product.html", product=found, plans=plans, selected=selected)
