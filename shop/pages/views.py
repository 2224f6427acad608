from flask import Blueprint, current_app, render_template, url_for

from ..blog import services as blog
from ..catalog import services as catalog
from ..subscriptions import services as box
from . import instagram

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    return render_template(
        "pages/home.html",
        featured=catalog.featured_products(),
        posts=blog.latest_posts(),
        monthly=box.monthly_plan(),
        instagram=instagram.load(current_app.config["SHOP_CONTENT_DIR"]),
    )


@bp.get("/robots.txt")
def robots():
    body = f"User-agent: *\nDisallow: /admin\nDisallow: /cart\nDisallow: /checkout\nDisallow: /account\n\nSitemap: {url_for('pages.sitemap', _external=True)}\n"
    return current_app.response_class(body, mimetype="text/plain")


@bp.get("/sitemap.xml")
def sitemap():
    xml = render_template(
        "pages/sitemap.xml",
        categories=catalog.categories(),
        products=catalog.active_products(),
        posts=blog.latest_posts(limit=1000),
    )
    return current_app.response_class(xml, mimetype="application/xml")
