"""Shipping: zones and their countries (and the countries we don't ship to), parcel weight
bands, and the Culture Box's monthly shipping per zone. A change prices the next checkout;
orders and running subscriptions keep what they were quoted."""

from flask import flash, redirect, render_template, url_for
from sqlalchemy import func, select

from ...core.addresses import country_choices
from ...core.forms import options
from ...extensions import db
from ...shipping import operations as shipping_ops
from ...shipping.models import ParcelRate, ShippingZone, ZoneCountry
from ...shipping.services import ShippingError
from .. import audit
from ..blueprint import bp
from ..catalogue_forms import pence, pounds
from ..changes import committed, rolled_back
from ..money_forms import CountryForm, MoveCountriesForm, ParcelRateForm, ZoneForm


def _errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


@bp.get("/shipping")
def shipping():
    zones = shipping_ops.zones()
    counts = dict(db.session.execute(select(ZoneCountry.zone_id, func.count()).group_by(ZoneCountry.zone_id)).all())
    not_shipped = db.session.scalars(
        select(ZoneCountry.country_code).where(ZoneCountry.ships.is_(False)).order_by(ZoneCountry.country_code)
    ).all()
    form = CountryForm()
    form.country.choices = options([("", "Choose a country")] + country_choices())
    form.zone_id.choices = options([(z.id, z.name) for z in zones])
    return render_template(
        "admin/shipping/index.html", zones=zones, counts=counts, not_shipped=not_shipped, country_form=form
    )


@bp.route("/shipping/zones/new", methods=["GET", "POST"])
@bp.route("/shipping/zones/<int:zone_id>", methods=["GET", "POST"])
def zone(zone_id: int | None = None):
    found = db.get_or_404(ShippingZone, zone_id) if zone_id else None
    form = ZoneForm(obj=found, data={"box_shipping": pounds(found.box_shipping_pence)} if found else None)
    error = None
    if form.validate_on_submit():
        try:
            saved = shipping_ops.save_zone(
                code=form.code.data,
                name=form.name.data,
                box_shipping_pence=pence(form.box_shipping.data),
                position=form.position.data or 0,
                zone=found,
            )
        except ShippingError as refused:
            error = rolled_back(refused)
            found = db.session.get(ShippingZone, zone_id) if zone_id else None
        else:
            return committed(
                "zone.create" if found is None else "zone.update",
                saved,
                code=saved.code,
                box_shipping_pence=saved.box_shipping_pence,
                message=f"Saved {saved.name}.",
                to=url_for("admin.zone", zone_id=saved.id),
            )
    return render_template(
        "admin/shipping/zone.html",
        zone=found,
        form=form,
        error=error,
        rate_form=ParcelRateForm(prefix="rate"),
        move_form=MoveCountriesForm(prefix="move"),
        countries=shipping_ops.countries_of(found) if found else [],
    )


@bp.post("/shipping/zones/<int:zone_id>/rates")
def zone_rate_add(zone_id: int):
    found = db.get_or_404(ShippingZone, zone_id)
    form = ParcelRateForm(prefix="rate")
    if not form.validate_on_submit():
        flash(_errors(form), "error")
    else:
        try:
            rate = shipping_ops.save_parcel_rate(
                found, max_weight_g=form.max_weight_g.data, price_pence=pence(form.price.data)
            )
        except ShippingError as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            audit.record("parcel_rate.save", found, max_weight_g=rate.max_weight_g, price_pence=rate.price_pence)
            db.session.commit()
            flash(f"Parcels up to {rate.max_weight_g} g to {found.name} now cost the new price.", "success")
    return redirect(url_for("admin.zone", zone_id=zone_id) + "#rates", 303)


@bp.post("/shipping/rates/<int:rate_id>/delete")
def zone_rate_delete(rate_id: int):
    rate = db.get_or_404(ParcelRate, rate_id)
    zone_id = rate.zone_id
    audit.record("parcel_rate.delete", rate.zone, max_weight_g=rate.max_weight_g)
    shipping_ops.delete_parcel_rate(rate)
    db.session.commit()
    flash("The weight band is removed.", "success")
    return redirect(url_for("admin.zone", zone_id=zone_id) + "#rates", 303)


@bp.post("/shipping/zones/<int:zone_id>/countries")
def zone_countries_move(zone_id: int):
    found = db.get_or_404(ShippingZone, zone_id)
    form = MoveCountriesForm(prefix="move")
    if not form.validate_on_submit():
        flash(_errors(form), "error")
    else:
        codes = form.codes.data.replace(",", " ").split()
        try:
            moved = shipping_ops.move_countries(codes, zone=found)
        except ShippingError as refused:
            db.session.rollback()
            flash(str(refused), "error")
        else:
            audit.record("zone.countries", found, moved=sorted(c.upper() for c in codes))
            db.session.commit()
            flash(f"{moved} countries are now in {found.name}.", "success")
    return redirect(url_for("admin.zone", zone_id=zone_id) + "#countries", 303)


@bp.post("/shipping/countries")
def country_set():
    form = CountryForm()
    form.country.choices = options([("", "Choose a country")] + country_choices())
    form.zone_id.choices = options([(z.id, z.name) for z in shipping_ops.zones()])
    if not form.validate_on_submit():
        flash(_errors(form), "error")
        return redirect(url_for("admin.shipping"), 303)
    found = db.get_or_404(ShippingZone, form.zone_id.data)
    try:
        row = shipping_ops.set_country(form.country.data, zone=found, ships=form.ships.data)
    except ShippingError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        audit.record("country.set", ("country", row.country_code), zone=found.code, ships=row.ships)
        db.session.commit()
        flash(f"{row.country_code} is in {found.name}; we {'ship' if row.ships else 'do not ship'} there.", "success")
    return redirect(url_for("admin.shipping"), 303)
