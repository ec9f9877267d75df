import io
import time

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

from app import db
from app import login
from app import recovery
from app import throttle
from app import verify
from app.events import event
from app.models import PendingLogin
from app.sessions import end_other_sessions
from app.sessions import fresh_login_required
from app.sessions import recently_authenticated
from app.twofa import bp
from app.twofa.forms import DisableForm
from app.twofa.forms import EnableForm

# Where the session keeps the enrolment between the Enable 2FA button and the scan: the
# entity identity, the access token the QR code hands the phone, and when the token expires.
ENROLMENT = "verify_enrolment"
# What the QR page says when the phone did not add the account.
FAILED = {
    "expired": "The QR code has expired. Please try again.",
}


def enrolment():
    """The enrolment this user asked for last, while its QR code can still be used; else None."""
    found = session.get(ENROLMENT)
    # A browser may have been used by someone else before, and an older QR code may have been
    # seen by someone else: only the user's newest one counts.
    expected = current_user.registration_id
    if not isinstance(found, dict) or expected is None or found.get("identity") != expected:
        return None
    if not isinstance(found.get("expires"), (int, float)) or time.time() >= found["expires"]:
        return None
    return found


def registration_token():
    """The QR code's link while it can be used, else None."""
    found = enrolment()
    return None if found is None else verify.enrolment_link(found["identity"], found["token"])


@bp.route("/enable", methods=["GET", "POST"])
@fresh_login_required
def enable():
    if current_user.has_2fa:
        return redirect(url_for("main.profile", username=current_user.username))
    form = EnableForm()
    refusal = None
    if form.validate_on_submit():
        # Only a POST makes a new QR code: it is an invitation to add this account to a phone.
        refusal = throttle.enable_refusal(current_user)
        if refusal is None:
            # Each has a random entity of its own, kept here: a factor made with an older
            # one binds nothing.
            identity = verify.new_identity()
            try:
                token, expires = verify.access_token(identity, current_user.username)
            except verify.VerifyError as error:
                flash(str(error), "danger")
                return redirect(url_for("twofa.enable"))
            current_user.registration_id = identity
            db.session.commit()
            session[ENROLMENT] = {"identity": identity, "token": token, "expires": expires}
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
        link=token,
        poll_interval=current_app.config["POLL_INTERVAL"],
    )
    # The page shows the link with the access token in it: no cache may keep a copy.
    return page, {"Cache-Control": "no-store"}


@bp.route("/enable/qr.png")
@fresh_login_required
def qr_code():
    token = registration_token()
    if token is None:
        abort(404)
    picture = io.BytesIO()
    qrcode.make(token, box_size=6).save(picture, "PNG")
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
    # Verify is asked at most once per POLL_INTERVAL, however often the browser asks: all
    # users share the app's account, and its limits at Twilio, so one must not use them up.
    if not current_user.claim_registration_check(current_app.config["POLL_INTERVAL"]):
        return {"status": "pending"}
    try:
        status, factor_sid = verify.enrolment_status(current_user.registration_id)
    except verify.VerifyError as error:
        return {"message": str(error)}
    if status == "pending":
        return {"status": "pending"}
    # Verified: the phone proved it holds the factor's key (it signed the factor's sid).
    session.pop(ENROLMENT)
    current_user.set_factor(current_user.registration_id, factor_sid)
    current_user.registration_id = None  # this QR code has done its work
    recovery.end_codes(current_user.id)  # codes from an earlier phone end with it
    db.session.commit()
    event("2fa_enabled", current_user, factor_sid=factor_sid)
    end_other_sessions()
    flash("Two-factor authentication is now enabled.", "success")
    return {"redirect": url_for("main.profile", username=current_user.username)}


@bp.route("/disable", methods=["GET", "POST"])
@fresh_login_required
def disable():
    if not current_user.has_2fa:
        return redirect(url_for("main.profile", username=current_user.username))
    form = DisableForm()
    if form.validate_on_submit():
        try:
            verify.delete_factor(current_user.verify_identity, current_user.factor_sid)
        except verify.VerifyError as error:
            # Turning 2FA off halfway would be worse than not at all: it stays on.
            flash(f"Two-factor authentication is still on. {error}", "danger")
            return redirect(url_for("twofa.disable"))
        current_user.set_factor(None, None)
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
