"""The catalogue: categories, products and their variants, stock with its ledger, pictures.

Every change calls an operation in catalog/operations.py, is recorded in the audit trail
and committed once; a CatalogError is shown on the form with what was typed kept."""

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import RequestEntityTooLarge

from ...catalog import operations as catalog
from ...catalog.models import Category, Product, ProductImage, ProductKind, Variant
from ...core.forms import options
from ...core.vat import VatRate
from ...extensions import db
from .. import audit
from ..blueprint import bp
from ..catalogue_forms import CategoryForm, ImageForm, ProductForm, StockForm, VariantForm, pence, pounds
from ..changes import committed, rolled_back


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error):
    """An upload past MAX_CONTENT_LENGTH never reaches a form: say so on the page it came from."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    flash(f"That file is larger than {limit} MB, the most the shop accepts: please upload a smaller one.", "error")
    back = request.referrer or ""
    return redirect(back if back.startswith(request.host_url) else url_for("admin.dashboard"), 303)


@bp.get("/catalogue")
def catalogue():
    categories = db.session.scalars(select(Category).order_by(Category.position, Category.name)).all()
    products = db.session.scalars(
        select(Product)
        .options(selectinload(Product.variants), selectinload(Product.images))
        .join(Product.category)
        .order_by(Category.position, Product.position, Product.name)
    ).all()
    return render_template("admin/catalogue/index.html", categories=categories, products=products)


# ---- categories ---------------------------------------------------------------------------


@bp.route("/catalogue/categories/new", methods=["GET", "POST"])
@bp.route("/catalogue/categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int | None = None):
    category = db.get_or_404(Category, category_id) if category_id else None
    form = CategoryForm(obj=category)
    error = None
    if form.validate_on_submit():
        draft = catalog.CategoryDraft(
            slug=form.slug.data,
            name=form.name.data,
            description=form.description.data,
            position=form.position.data or 0,
        )
        try:
            saved = catalog.save_category(draft, category)
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
        else:
            return committed(
                "category.create" if category is None else "category.update",
                saved,
                slug=saved.slug,
                message=f"Saved the category {saved.name}.",
                to=url_for("admin.catalogue"),
            )
    return render_template("admin/catalogue/category.html", form=form, category=category, error=error)


# ---- products -----------------------------------------------------------------------------


def _category_choices() -> list[tuple[int, str]]:
    return [(c.id, c.name) for c in db.session.scalars(select(Category).order_by(Category.position, Category.name))]


@bp.route("/catalogue/products/new", methods=["GET", "POST"])
def product_new():
    form = ProductForm()
    form.category_id.choices = options(_category_choices())
    error = None
    if form.validate_on_submit():
        try:
            product = catalog.save_product(_product_draft(form))
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
        else:
            return committed(
                "product.create",
                product,
                slug=product.slug,
                message=f"Created {product.name}. It stays hidden until you publish it: add a variant first.",
                to=url_for("admin.product", product_id=product.id),
            )
    return render_template("admin/catalogue/product_new.html", form=form, error=error)


def _product_draft(form: ProductForm) -> catalog.ProductDraft:
    return catalog.ProductDraft(
        slug=form.slug.data,
        name=form.name.data,
        category_id=form.category_id.data,
        summary=form.summary.data or "",
        description=form.description.data or "",
        kind=ProductKind(form.kind.data),
        vat_rate=VatRate(form.vat_rate.data),
        is_featured=form.is_featured.data,
        position=form.position.data or 0,
    )


def _product(product_id: int) -> Product:
    return db.first_or_404(
        select(Product)
        .where(Product.id == product_id)
        .options(selectinload(Product.variants), selectinload(Product.images))
    )


@bp.route("/catalogue/products/<int:product_id>", methods=["GET", "POST"])
def product(product_id: int):
    found = _product(product_id)
    form = ProductForm(obj=found)
    form.category_id.choices = options(_category_choices())
    error = None
    if form.validate_on_submit():
        try:
            catalog.save_product(_product_draft(form), found)
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
            found = _product(product_id)
        else:
            return committed(
                "product.update",
                found,
                slug=found.slug,
                message="Saved.",
                to=url_for("admin.product", product_id=found.id),
            )
    return render_template(
        "admin/catalogue/product.html", product=found, form=form, error=error, image_form=ImageForm(prefix="image")
    )


@bp.post("/catalogue/products/<int:product_id>/publish")
def product_publish(product_id: int):
    found = _product(product_id)
    publish = request.form.get("publish") == "1"
    try:
        catalog.set_published(found, publish)
    except catalog.CatalogError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        audit.record("product.publish" if publish else "product.hide", found, slug=found.slug)
        db.session.commit()
        flash(f"{found.name} is {'in the shop' if publish else 'hidden from the shop'}.", "success")
    return redirect(url_for("admin.product", product_id=found.id), 303)


@bp.post("/catalogue/products/<int:product_id>/images")
def product_image_add(product_id: int):
    found = _product(product_id)
    image_form = ImageForm(prefix="image")
    error = None
    if image_form.validate_on_submit():
        try:
            image = catalog.add_image(found, image_form.image.data.stream, alt=image_form.alt.data)
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
            found = _product(product_id)
        else:
            return committed(
                "product.image_add",
                found,
                image=image.path,
                widths=image.widths,
                message="The picture is added.",
                to=url_for("admin.product", product_id=found.id) + "#pictures",
            )
    form = ProductForm(obj=found)
    form.category_id.choices = options(_category_choices())
    return (
        render_template(
            "admin/catalogue/product.html", product=found, form=form, image_form=image_form, image_error=error
        ),
        422,
    )


@bp.post("/catalogue/images/<int:image_id>/remove")
def product_image_remove(image_id: int):
    image = db.get_or_404(ProductImage, image_id)
    product_id = image.product_id
    audit.record("product.image_remove", image.product, image=image.path)
    catalog.remove_image(image)
    db.session.commit()
    flash("The picture is removed.", "success")
    return redirect(url_for("admin.product", product_id=product_id) + "#pictures", 303)


@bp.post("/catalogue/images/<int:image_id>/cover")
def product_image_cover(image_id: int):
    image = db.get_or_404(ProductImage, image_id)
    catalog.make_cover(image)
    return committed(
        "product.image_cover",
        image.product,
        image=image.path,
        message="That picture now comes first.",
        to=url_for("admin.product", product_id=image.product_id) + "#pictures",
    )


# ---- variants and stock -------------------------------------------------------------------


def _variant_draft(form: VariantForm) -> catalog.VariantDraft:
    return catalog.VariantDraft(
        sku=form.sku.data,
        name=form.name.data,
        price_pence=pence(form.price.data),
        weight_g=form.weight_g.data,
        hs_code=form.hs_code.data,
        origin_country=form.origin_country.data,
        free_shipping=form.free_shipping.data,
        position=form.position.data or 0,
    )


@bp.route("/catalogue/products/<int:product_id>/variants/new", methods=["GET", "POST"])
def variant_new(product_id: int):
    found = _product(product_id)
    form = VariantForm(data={"origin_country": "KR"} if request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        try:
            variant = catalog.save_variant(_variant_draft(form), found)
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
            found = _product(product_id)
        else:
            return committed(
                "variant.create",
                variant,
                sku=variant.sku,
                price_pence=variant.price_pence,
                message=f"Added {variant.sku}. Its stock starts at 0: add what you have below.",
                to=url_for("admin.variant", variant_id=variant.id),
            )
    return render_template("admin/catalogue/variant.html", product=found, variant=None, form=form, error=error)


@bp.route("/catalogue/variants/<int:variant_id>", methods=["GET", "POST"])
def variant(variant_id: int):
    found = db.get_or_404(Variant, variant_id)
    form = VariantForm(obj=found, data={"price": pounds(found.price_pence)} if request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        before = found.price_pence
        try:
            catalog.save_variant(_variant_draft(form), found.product, found)
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
            found = db.get_or_404(Variant, variant_id)
        else:
            detail = {"sku": found.sku}
            if before != found.price_pence:
                detail.update(price_from=before, price_to=found.price_pence)
            return committed(
                "variant.update",
                found,
                **detail,
                message="Saved. Orders already placed keep the price they were placed at.",
                to=url_for("admin.variant", variant_id=found.id),
            )
    return _variant_page(found, form=form, error=error)


def _variant_page(found: Variant, *, form=None, error=None, stock_form=None, stock_error=None, status=200):
    form = form or VariantForm(obj=found, data={"price": pounds(found.price_pence)})
    return (
        render_template(
            "admin/catalogue/variant.html",
            product=found.product,
            variant=found,
            form=form,
            error=error,
            stock_form=stock_form or StockForm(prefix="stock"),
            stock_error=stock_error,
            movements=catalog.stock_movements(found),
        ),
        status,
    )


@bp.post("/catalogue/variants/<int:variant_id>/stock")
def variant_stock(variant_id: int):
    found = db.get_or_404(Variant, variant_id)
    stock_form = StockForm(prefix="stock")
    error = None
    if stock_form.validate_on_submit():
        try:
            movement = catalog.adjust_stock(
                found, stock_form.change.data, reason=stock_form.reason.data, actor=audit.admin_actor()
            )
        except catalog.CatalogError as refused:
            error = rolled_back(refused)
            found = db.get_or_404(Variant, variant_id)
        else:
            return committed(
                "stock.adjust",
                found,
                sku=found.sku,
                change=movement.change,
                reason=movement.reason,
                message=f"Stock of {found.sku} is now {movement.stock_after}.",
                to=url_for("admin.variant", variant_id=found.id) + "#stock",
            )
    return _variant_page(found, stock_form=stock_form, stock_error=error, status=422)
