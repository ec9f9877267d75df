"""Two buttons of the waiting page (app/auth/push.py has the page, and Cancel):
Send again, for a push that did not arrive, and This wasn't me, for one that was not ours."""

import math
from datetime import timedelta

from flask import current_app
from flask import flash
from flask import redirect
from flask import session
from flask import url_for

from app import db
from app import throttle
from app import verify
from app.auth import bp
from app.auth.push import PENDING_LOGIN
from app.auth.push import end_push_login
from app.auth.push import pending_login
from app.auth.push import phone_refusal
from app.auth.push import push_failed
from app.auth.push import send_push
from app.events import event
from app.models import PendingLogin
from app.models import User
from app.models import utcnow


@bp.route("/login/push/resend", methods=["POST"])
def push_resend():
    """Send again: a new push for the same login (same code), which replaces the last one."""
    pending = pending_login()
    if pending is None:
        return redirect(url_for("auth.login"))
    # A new request must not erase the phone's no to the current one: that ends the login.
    refused = phone_refusal(pending)
    if refused:
        return redirect(end_push_login(pending, refused))
    config = current_app.config
    if pending.sends > config["RESEND_LIMIT"]:
        flash("No more requests for this login. Log in again if you need another.", "warning")
        return redirect(url_for("auth.push"))
    wait = math.ceil(config["RESEND_COOLDOWN"] - (utcnow() - pending.sent_at).total_seconds())
    if wait > 0:
        flash(f"Please wait {wait} more seconds before asking again.", "warning")
        return redirect(url_for("auth.push"))
    user = db.session.get(User, pending.user_id)
    refusal = throttle.push_refusal(user)  # the account's own limits, over all its logins
    if refusal:
        flash(refusal, "danger")
        return redirect(url_for("auth.push"))
    # Atomic: a double click, or two tabs, cannot send two pushes or get round the limits.
    if not pending.claim_resend(config["RESEND_COOLDOWN"], config["RESEND_LIMIT"]):
        throttle.push_not_sent(user)  # the other click sends the push; this one does not count
        flash("A new request was sent just now.", "info")
        return redirect(url_for("auth.push"))
    started = utcnow()
    seconds = config["PUSH_EXPIRY"]
    try:
        sid = send_push(user, pending.code, started, seconds)
    except verify.VerifyError as error:
        push_failed(user, error)
        return redirect(end_push_login(pending, "failed", str(error)))
    # From now on only the new request counts: approving an older one does nothing.
    pending.set_request(sid, started + timedelta(seconds=seconds))
    event("push_sent", user, code=pending.code, send=pending.sends)
    flash("We sent a new request to your phone.", "info")
    return redirect(url_for("auth.push"))


@bp.route("/login/push/report", methods=["POST"])
def push_report():
    """This wasn't me: a request on the phone was not this login's; stop every login waiting."""
    pending = pending_login()
    if pending is None:
        return redirect(url_for("auth.login"))
    # Counted as a denial. Any other login waiting for this user's phone is somebody else's.
    if pending.end("reported"):
        event("push_reported", pending.user, code=pending.code)
    PendingLogin.end_all(pending.user_id, "cancelled")
    db.session.commit()
    session.pop(PENDING_LOGIN, None)
    flash(
        "Login stopped. If your phone showed a request you did not expect, someone else may"
        " know your password: change it.",
        "warning",
    )
    return redirect(url_for("auth.login"))
