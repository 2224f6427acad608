"""The Culture Box: editions (create, edit, how many boxes), the box run (the same operation
as `flask box run`), the packing list, and sending the boxes one by one or from a carrier's
CSV. Plan prices too: a new price is for new subscribers only."""

from datetime import date

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...core.calendar import LONDON, add_months, cutoff_for, month_of, ships_on
from ...core.spreadsheet import stream_csv
from ...db_types import utcnow
from ...extensions import db
from ...subscriptions import box_run, editions, fulfilment
from ...subscriptions.lifecycle import SubscriptionError
from ...subscriptions.models import Edition, Plan, Shipment, ShipmentStatus
from .. import audit
from ..blueprint import bp
from ..box_forms import EditionForm, PlanPriceForm, ShipForm, TrackingCsvForm
from ..catalogue_forms import pence, pounds
from ..changes import committed
from ..lists import keyset_page

MAX_CSV_BYTES = 5 * 1024 * 1024


@bp.get("/culture-box")
def culture_box():
    now = utcnow()
    all_editions = db.session.scalars(select(Edition).order_by(Edition.month.desc())).all()
    upcoming = editions.next_edition(now.astimezone(LONDON).date())
    plans = db.session.scalars(select(Plan).order_by(Plan.position)).all()
    return render_template(
        "admin/culture_box/index.html",
        editions=all_editions,
        upcoming=upcoming,
        count=editions.box_count(upcoming) if upcoming else None,
        plans=plans,
        now=now,
        price_forms={
            plan.id: PlanPriceForm(prefix=f"plan{plan.id}", data={"price": pounds(plan.price_pence)}) for plan in plans
        },
    )


# ---- editions -----------------------------------------------------------------------------


def _parse_month(text: str) -> date | None:
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _draft(form: EditionForm) -> tuple[editions.EditionDraft | None, str | None]:
    """The edition as typed, or the first thing that stops it being read."""
    month = _parse_month(form.month.data)
    if month is None:
        return None, "Enter the month as YYYY-MM, e.g. 2027-03."
    items = []
    for number, row in enumerate((entry.form for entry in form.items), start=1):
        if row.is_empty:
            continue
        if row.value.data is None:
            return None, f"Item {number} needs its customs value in pounds."
        items.append(
            editions.ManifestItem(
                description=row.description.data or "",
                hs_code=row.hs_code.data or "",
                value_pence=pence(row.value.data),
                weight_g=row.weight_g.data or 0,
                origin_country=row.origin_country.data or "",
            )
        )
    draft = editions.EditionDraft(
        month=month,
        theme=form.theme.data,
        description=form.description.data or "",
        cutoff_at=form.cutoff_at.data.replace(tzinfo=LONDON),
        ships_on=form.ships_on.data,
        capacity=form.capacity.data,
        items=items,
    )
    return draft, None


def _fill(form: EditionForm, edition: Edition) -> None:
    form.month.data = edition.code
    form.theme.data = edition.theme
    form.description.data = edition.description
    form.cutoff_at.data = edition.cutoff_at.astimezone(LONDON).replace(tzinfo=None, second=0)
    form.ships_on.data = edition.ships_on
    form.capacity.data = edition.capacity
    for entry, item in zip(form.items, edition.manifest, strict=False):
        row = entry.form
        row.description.data = item["description"]
        row.hs_code.data = item["hs_code"]
        row.value.data = pounds(item["value_pence"])
        row.weight_g.data = item["weight_g"]
        row.origin_country.data = item["origin_country"]


def _save_edition(form: EditionForm, edition: Edition | None):
    draft, error = _draft(form)
    if draft is None:
        return None, error
    try:
        saved = editions.save_edition(draft, edition)
    except SubscriptionError as refused:
        db.session.rollback()
        return None, str(refused)
    audit.record("edition.create" if edition is None else "edition.update", saved, month=saved.code, theme=saved.theme)
    db.session.commit()
    return saved, None


@bp.route("/culture-box/editions/new", methods=["GET", "POST"])
def edition_new():
    form = EditionForm()
    error = None
    if request.method == "GET":
        latest = db.session.scalar(select(Edition).order_by(Edition.month.desc()).limit(1))
        month = add_months(latest.month, 1) if latest else add_months(month_of(utcnow()), 1)
        form.month.data = f"{month:%Y-%m}"
        form.cutoff_at.data = cutoff_for(month).replace(tzinfo=None, second=0)
        form.ships_on.data = ships_on(month)
    elif form.validate_on_submit():
        saved, error = _save_edition(form, None)
        if saved is not None:
            flash(f"Created the {saved.month:%B %Y} edition.", "success")
            return redirect(url_for("admin.edition", edition_id=saved.id), 303)
    return render_template("admin/culture_box/edition_form.html", form=form, edition=None, error=error)


@bp.route("/culture-box/editions/<int:edition_id>/edit", methods=["GET", "POST"])
def edition_edit(edition_id: int):
    edition = db.get_or_404(Edition, edition_id)
    form = EditionForm()
    error = None
    if request.method == "GET":
        _fill(form, edition)
    elif form.validate_on_submit():
        saved, error = _save_edition(form, edition)
        if saved is not None:
            flash("Saved.", "success")
            return redirect(url_for("admin.edition", edition_id=saved.id), 303)
        edition = db.get_or_404(Edition, edition_id)
    return render_template("admin/culture_box/edition_form.html", form=form, edition=edition, error=error)


def _edition_page(edition: Edition, *, csv_form=None, csv_problems=None, status=200):
    stmt = select(Shipment).where(Shipment.edition_id == edition.id).options(joinedload(Shipment.subscription))
    shown = request.args.get("status", "")
    if shown in {s.value for s in ShipmentStatus}:
        stmt = stmt.where(Shipment.status == ShipmentStatus(shown))
    page = keyset_page(stmt, Shipment.id)
    now = utcnow()
    return (
        render_template(
            "admin/culture_box/edition.html",
            edition=edition,
            count=editions.box_count(edition),
            progress=fulfilment.progress(edition),
            runs=editions.runs(edition),
            before_cutoff=now < edition.cutoff_at,
            page=page,
            shown=shown,
            ship_form=ShipForm(),
            csv_form=csv_form or TrackingCsvForm(prefix="csv"),
            csv_problems=csv_problems,
        ),
        status,
    )


@bp.get("/culture-box/editions/<int:edition_id>")
def edition(edition_id: int):
    return _edition_page(db.get_or_404(Edition, edition_id))


@bp.post("/culture-box/editions/<int:edition_id>/run")
def edition_run(edition_id: int):
    found = db.get_or_404(Edition, edition_id)
    try:
        result = box_run.run(found, run_by=audit.admin_actor())
    except box_run.BoxRunError as refused:
        db.session.rollback()
        flash(str(refused), "error")
        return redirect(url_for("admin.edition", edition_id=edition_id), 303)
    audit.record("edition.run", found, month=found.code, created=result.created, total=result.total, ended=result.ended)
    db.session.commit()
    if result.created:
        flash(
            f"{result.created} new shipments created ({result.total} in all). Download the packing list below.",
            "success",
        )
    else:
        flash(f"Nothing new to create: all {result.total} entitled boxes already have a shipment.", "info")
    return redirect(url_for("admin.edition", edition_id=edition_id), 303)


@bp.get("/culture-box/editions/<int:edition_id>/packing-list.csv")
def edition_packing_list(edition_id: int):
    found = db.get_or_404(Edition, edition_id)
    # Streamed as it is read: a run of a hundred thousand boxes is never held in memory.
    return Response(
        stream_with_context(stream_csv(box_run.PACKING_LIST_COLUMNS, box_run.packing_list_rows(found))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="packing-list-{found.code}.csv"'},
    )


@bp.post("/culture-box/shipments/<int:shipment_id>/ship")
def shipment_ship(shipment_id: int):
    shipment = db.get_or_404(Shipment, shipment_id)
    form = ShipForm()
    back = url_for("admin.edition", edition_id=shipment.edition_id, **_list_args())
    if not form.validate_on_submit():
        flash(f"Shipment {shipment.id}: {' '.join(e for errors in form.errors.values() for e in errors)}", "error")
        return redirect(back, 303)
    try:
        fulfilment.mark_shipped(shipment, form.carrier.data, form.tracking_number.data, actor=audit.admin_actor())
    except SubscriptionError as refused:
        db.session.rollback()
        flash(f"Shipment {shipment_id}: {refused}", "error")
        return redirect(back, 303)
    return committed(
        "shipment.ship",
        shipment,
        carrier=shipment.carrier,
        tracking=shipment.tracking_number,
        message=f"Shipment {shipment.id} is shipped; {shipment.subscription.email} is emailed the tracking link.",
        to=back,
    )


def _list_args() -> dict:
    return {k: v for k, v in request.args.items() if k in ("status", "before", "after") and v}


@bp.post("/culture-box/editions/<int:edition_id>/tracking")
def edition_tracking(edition_id: int):
    found = db.get_or_404(Edition, edition_id)
    form = TrackingCsvForm(prefix="csv")
    if not form.validate_on_submit():
        return _edition_page(found, csv_form=form, status=422)
    raw = form.file.data.stream.read(MAX_CSV_BYTES + 1)
    problems = None
    if len(raw) > MAX_CSV_BYTES:
        problems = ["The file is larger than 5 MB: please split it."]
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = ["The file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'."]
    if problems is None:
        try:
            marked = fulfilment.apply_tracking_csv(
                found, text, actor=audit.admin_actor(), default_carrier=form.carrier.data or None
            )
        except fulfilment.TrackingCsvError as refused:
            db.session.rollback()
            problems = refused.problems
        else:
            return committed(
                "edition.tracking_csv",
                found,
                month=found.code,
                marked=marked,
                message=f"{marked} shipments marked shipped; each subscriber is emailed the tracking link.",
                to=url_for("admin.edition", edition_id=edition_id),
            )
    found = db.get_or_404(Edition, edition_id)
    return _edition_page(found, csv_form=form, csv_problems=problems, status=422)


# ---- plans --------------------------------------------------------------------------------


@bp.post("/culture-box/plans/<int:plan_id>/price")
def plan_price(plan_id: int):
    plan = db.get_or_404(Plan, plan_id)
    form = PlanPriceForm(prefix=f"plan{plan.id}")
    if not form.validate_on_submit():
        flash(f"{plan.name}: {' '.join(e for errors in form.errors.values() for e in errors)}", "error")
        return redirect(url_for("admin.culture_box") + "#plans", 303)
    before = plan.price_pence
    try:
        editions.set_plan_price(plan, pence(form.price.data))
    except SubscriptionError as refused:
        db.session.rollback()
        flash(f"{plan.name}: {refused}", "error")
    else:
        audit.record("plan.price", plan, code=plan.code, price_from=before, price_to=plan.price_pence)
        db.session.commit()
        flash(f"{plan.name} now costs new subscribers the new price; running subscriptions keep theirs.", "success")
    return redirect(url_for("admin.culture_box") + "#plans", 303)
