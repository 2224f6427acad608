"""Sign-in's second step for admins: set up an authenticator app (QR code and secret shown
once), then a code from it — or a recovery code — in each new session."""

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from ...extensions import db, limiter
from .. import audit
from .. import second_factor as two_factor
from ..blueprint import bp, pass_second_factor
from ..forms import CodeForm, SetupCodeForm


def _me():
    return current_user._get_current_object()


def _next_page() -> str:
    """Back to the admin page that asked for the second factor; nowhere else."""
    target = request.values.get("next", "")
    if target.startswith("/admin") and "//" not in target and "\\" not in target:
        return target
    return url_for("admin.dashboard")


def _attempts_limit() -> str:
    return current_app.config["ADMIN_SECOND_FACTOR_LIMIT"]


def _per_admin() -> str:
    # The admin's password is already known to whoever is here: count per account, not per IP.
    who = f"user-{current_user.id}" if current_user.is_authenticated else request.remote_addr
    return f"admin-second-factor:{who}"


def _failed(response) -> bool:
    return bool(g.get("second_factor_failed"))


@bp.route("/second-factor", methods=["GET", "POST"])
@limiter.limit(_attempts_limit, key_func=_per_admin, methods=["POST"], deduct_when=_failed)
def second_factor():
    me = _me()
    if not two_factor.is_enrolled(me):
        return redirect(url_for("admin.second_factor_setup", next=request.values.get("next")))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            used = two_factor.verify(me, form.code.data)
        except two_factor.SecondFactorError as exc:
            db.session.rollback()
            g.second_factor_failed = True
            error = exc.message
        else:
            audit.record("admin.sign_in", me, second_factor=used)
            db.session.commit()
            pass_second_factor()
            if used == "recovery code":
                left = two_factor.recovery_codes_left(me)
                flash(
                    f"Signed in with a recovery code: {left} left. Make new ones "
                    "from the menu if you are running short.",
                    "info",
                )
            return redirect(_next_page())
    return render_template("admin/second_factor.html", form=form, error=error, next=request.values.get("next", ""))


@bp.route("/second-factor/setup", methods=["GET", "POST"])
@limiter.limit(_attempts_limit, key_func=_per_admin, methods=["POST"], deduct_when=_failed)
def second_factor_setup():
    me = _me()
    if two_factor.is_enrolled(me):
        return redirect(url_for("admin.second_factor", next=request.values.get("next")))
    form = SetupCodeForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_setup(me, form.code.data)
        except two_factor.SecondFactorError as exc:
            db.session.rollback()
            g.second_factor_failed = True
            error = exc.message
        else:
            audit.record("admin.second_factor_set_up", me)
            db.session.commit()
            pass_second_factor()
            # Shown in this response only: the codes are never stored in the clear.
            return render_template("admin/recovery_codes.html", codes=codes, next=_next_page())
    pending = two_factor.start_setup(me)
    db.session.commit()
    secret = two_factor.secret_of(pending)
    uri = two_factor.provisioning_uri(me, secret)
    return render_template(
        "admin/second_factor_setup.html",
        form=form,
        error=error,
        qr=two_factor.qr_svg(uri),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        next=request.values.get("next", ""),
    )


@bp.route("/recovery-codes", methods=["GET", "POST"])
@limiter.limit(_attempts_limit, key_func=_per_admin, methods=["POST"], deduct_when=_failed)
def recovery_codes():
    """New recovery codes, for an admin who has used or lost theirs: a current code from the
    app first, so a session left open is not enough."""
    me = _me()
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            two_factor.verify(me, form.code.data)
        except two_factor.SecondFactorError as exc:
            db.session.rollback()
            g.second_factor_failed = True
            error = exc.message
        else:
            codes = two_factor.new_recovery_codes(me)
            audit.record("admin.recovery_codes_renewed", me)
            db.session.commit()
            return render_template("admin/recovery_codes.html", codes=codes, next=url_for("admin.dashboard"))
    left = two_factor.recovery_codes_left(me)
    return render_template("admin/recovery_codes_renew.html", form=form, error=error, left=left)
