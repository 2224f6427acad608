from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Email, Length

from ..core.forms import ShopForm, page_number, strip
from ..extensions import db, limiter
from ..http_caching import keepable
from ..subscriptions import services as box
from . import alerts, services
from .models import Category

bp = Blueprint("catalog", __name__)


def _shop_page(current: Category | None):
    page = request.args.get("page", 1, type=page_number)
    products = services.active_products_page(page, current_app.config["PRODUCTS_PER_PAGE"], current)
    return render_template("catalog/shop.html", categories=services.categories(), products=products, current=current)


@bp.get("/shop")
@keepable
def shop():
    return _shop_page(None)


@bp.get("/shop/<slug>")
@keepable
def category(slug: str):
    return _shop_page(db.first_or_404(db.select(Category).filter_by(slug=slug)))


class StockAlertForm(ShopForm):
    email = EmailField(
        "Your email address",
        filters=[strip],
        validators=[
            DataRequired("Enter your email address."),
            Email("Enter an email address like name@example.com."),
            Length(max=254),
        ],
    )
    # Hidden from people by the stylesheet; bots that fill in every field fill this one too.
    website = StringField("Leave this empty")


def _product_page(found, selected, alert_form=None, status=200):
    plans = box.active_plans() if found.is_subscription else []
    return render_template(
        "catalog/product.html", product=found, plans=plans, selected=selected, alert_form=alert_form or StockAlertForm()
    ), status


@bp.get("/products/<slug>")
@keepable
def product(slug: str):
    found = services.product_by_slug(slug)
    if found is None:
        abort(404)
    return _product_page(found, services.choose_variant(found, request.args.get("variant")))


@bp.post("/products/<slug>/<sku>/tell-me-when-back")
@limiter.limit(lambda: current_app.config["STOCK_ALERT_RATE_LIMIT"])
def stock_alert(slug: str, sku: str):
    found = services.product_by_slug(slug)
    variant = next((v for v in found.variants if v.sku == sku), None) if found else None
    if variant is None:
        abort(404)
    form = StockAlertForm()
    if not form.validate_on_submit():
        return _product_page(found, variant, form, 422)
    if not form.website.data:  # the honeypot: a filled one is thanked and dropped
        try:
            alerts.ask(variant, form.email.data)
        except alerts.AlertError as error:
            flash(str(error), "info")
            return redirect(url_for("catalog.product", slug=slug, variant=sku))
        db.session.commit()
    flash(f"Thank you: we'll email {form.email.data} once when {variant.name} is back in stock.", "success")
    return redirect(url_for("catalog.product", slug=slug, variant=sku))
