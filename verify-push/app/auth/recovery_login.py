"""Lost your phone? After the password, a recovery code (app/recovery.py) instead of the
push: it signs the user in and is used up. The next page says how many codes are left and
how to move 2FA to a new phone."""

from datetime import timedelta

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from app import db
from app import recovery
from app import throttle
from app.auth import bp
from app.auth.forms import RecoveryCodeForm
from app.auth.push import end_push_login
from app.auth.push import log_in
from app.auth.push import pending_login
from app.events import event
from app.models import User
from app.models import utcnow

WRONG = "That is not one of your unused recovery codes."
MALFORMED = "A recovery code has 24 letters and digits, such as 7k2m-q9xr-..."


@bp.route("/login/recovery", methods=["GET", "POST"])
def recovery_login():
    # Only after the password: the waiting login says whose codes to check.
    pending = pending_login()
    if pending is None:
        return redirect(url_for("auth.login"))
    # The password was proved when the login began: not long ago, as for a fresh login.
    if utcnow() - pending.created_at > timedelta(seconds=current_app.config["FRESH_AUTH_SECONDS"]):
        return redirect(end_push_login(pending, "expired"))
    user = db.session.get(User, pending.user_id)
    form = RecoveryCodeForm()
    status = 200
    if form.validate_on_submit():
        code = recovery.normalize(form.code.data)
        refusal = throttle.recovery_refusal(user) if code else None
        if code is None:
            form.code.errors.append(MALFORMED)  # cannot match: not counted, nothing changes
        elif refusal:
            event("recovery_throttled", user)
            flash(refusal, "danger")
            status = 429
        elif recovery.use_code(pending, code):
            throttle.recovery_ok(user)
            left = recovery.codes_left(user.id)
            event("recovery_code_used", user, left=left)
            log_in(user, pending.remember)
            return redirect(url_for("auth.recovered"))
        elif pending_login() is None:
            return redirect(url_for("auth.login"))  # another request ended this login first
        else:
            event("recovery_code_fail", user)
            flash(WRONG, "danger")
    page = render_template("auth/recovery.html", title="Use a recovery code", form=form)
    return page, status


@bp.route("/login/recovered")
@login_required
def recovered():
    """After a recovery code: how many are left, and how to move 2FA to a new phone."""
    left = recovery.codes_left(current_user.id)
    return render_template("auth/recovered.html", title="Signed in with a recovery code", left=left)
