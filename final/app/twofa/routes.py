import io

import qrcode
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from app import authy
from app import db
from app import login
from app import recovery
from app import throttle
from app.events import event
from app.models import PendingLogin
from app.sessions import end_other_sessions
from app.sessions import fresh_login_required
from app.sessions import recently_authenticated
from app.twofa import bp
from app.twofa.forms import DisableForm
from app.twofa.forms import EnableForm

# Where the session keeps the registration JWT between the Enable 2FA button and the scan.
REGISTRATION_JWT = "registration_jwt"
# What the QR page says when the phone did not add the account.
FAILED = {
    "denied": "The Authy app did not add the account. Please try again.",
    "expired": "The QR code has expired. Please try again.",
}


def registration_token():
    """The registration JWT this user asked for last, while it can still be scanned; else None."""
    token = session.get(REGISTRATION_JWT)
    # A browser may have been used by someone else before, and an older QR code may have been
    # seen by someone else: only the user's newest one counts.
    expected = current_user.registration_id
    if token is None or expected is None or authy.registration_id_of(token) != expected:
        return None
    return token


@bp.route("/enable", methods=["GET", "POST"])
@fresh_login_required
def enable():
    if current_user.authy_id is not None:
        return redirect(url_for("main.profile", username=current_user.username))
    form = EnableForm()
    refusal = None
    if form.validate_on_submit():
        # Only a POST makes a new QR code: it is an invitation to add this account to a phone.
        refusal = throttle.enable_refusal(current_user)
        if refusal is None:
            # Each has a random id of its own, kept here: a scan of an older one binds nothing.
            current_user.registration_id = authy.new_registration_id()
            db.session.commit()
            session[REGISTRATION_JWT] = authy.registration_jwt(current_user.registration_id)
            return redirect(url_for("twofa.scan"))
        flash(refusal, "danger")
    title = "Enable two-factor authentication"
    return render_template("twofa/enable.html", title=title, form=form), 429 if refusal else 200


@bp.route("/enable/scan")
@fresh_login_required
def scan():
    token = registration_token()
    if token is None:
        return redirect(url_for("twofa.enable"))
    page = render_template(
        "twofa/scan.html",
        title="Scan the QR code",
        link=authy.registration_link(token),
        poll_interval=current_app.config["POLL_INTERVAL"],
    )
    # The page shows the link with the JWT in it: no cache may keep a copy.
    return page, {"Cache-Control": "no-store"}


@bp.route("/enable/qr.png")
@fresh_login_required
def qr_code():
    token = registration_token()
    if token is None:
        abort(404)
    picture = io.BytesIO()
    qrcode.make(authy.registration_link(token), box_size=6).save(picture, "PNG")
    return picture.getvalue(), {"Content-Type": "image/png", "Cache-Control": "no-store"}


@bp.route("/enable/status", methods=["POST"])
@login_required
def enable_status():
    # A POST, because it may turn 2FA on; the page's script sends the CSRF token in a header.
    # It needs the same fresh login as the button: the page goes to the password page, which
    # brings the user back to the QR code.
    if not recently_authenticated():
        flash(login.needs_refresh_message, login.needs_refresh_message_category)
        return {"redirect": url_for("auth.confirm", next=url_for("twofa.scan"))}
    if registration_token() is None:
        return {"message": FAILED["expired"]}
    # Authy is asked at most once per POLL_INTERVAL, however often the browser asks: all
    # users share the app's API key, and its limit at Authy, so one must not use it up.
    if not current_user.claim_registration_check(current_app.config["POLL_INTERVAL"]):
        return {"status": "pending"}
    try:
        status, authy_id = authy.registration_status(current_user.registration_id)
    except authy.AuthyError as error:
        return {"message": str(error)}
    if status == "pending":
        return {"status": "pending"}
    session.pop(REGISTRATION_JWT)
    if status == "completed":
        current_user.authy_id = authy_id
        current_user.registration_id = None  # this QR code has done its work
        recovery.end_codes(current_user.id)  # codes from an earlier phone end with it
        db.session.commit()
        event("2fa_enabled", current_user, authy_id=authy_id)
        end_other_sessions()
        flash("Two-factor authentication is now enabled.", "success")
        return {"redirect": url_for("main.profile", username=current_user.username)}
    return {"message": FAILED[status]}


@bp.route("/disable", methods=["GET", "POST"])
@fresh_login_required
def disable():
    if current_user.authy_id is None:
        return redirect(url_for("main.profile", username=current_user.username))
    form = DisableForm()
    if form.validate_on_submit():
        try:
            authy.delete_user(current_user.authy_id)
        except authy.AuthyError as error:
            # Turning 2FA off halfway would be worse than not at all: it stays on.
            flash(f"Two-factor authentication is still on. {error}", "danger")
            return redirect(url_for("twofa.disable"))
        current_user.authy_id = None
        # A login waiting for the phone elsewhere can no longer be approved.
        PendingLogin.end_all(current_user.id, "cancelled")
        recovery.end_codes(current_user.id)  # they are a way past the phone: off with it
        db.session.commit()
        event("2fa_disabled", current_user)
        end_other_sessions()
        flash("Two-factor authentication is now disabled.", "success")
        return redirect(url_for("main.profile", username=current_user.username))
    return render_template(
        "twofa/disable.html", title="Disable two-factor authentication", form=form
    )
