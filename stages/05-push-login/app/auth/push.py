"""Logging in with a push: the password was right, the phone says yes or no.

The login page (app/auth/routes.py) calls start_push_login(); the waiting page asks
push_status() until the phone has answered, the request has expired, or the user cancels.
"""

from datetime import timedelta

from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import login_user

from app import authy
from app import db
from app.auth import bp
from app.auth.redirects import is_safe_next
from app.auth.redirects import safe_next
from app.models import PendingLogin
from app.models import User
from app.models import utcnow

# Where the session keeps the id of the login that waits for the phone: nothing else.
PENDING_LOGIN = "pending_login"
# What the login page says when a login request ends without the user signed in.
ENDED = {
    "denied": "Login request denied.",
    "expired": "Login request expired.",
    "failed": "Your login could not be confirmed. Please log in again.",
}
# What the push may say about the browser: names from these lists, the first that the
# User-Agent header contains (so Edge before Chrome, Chrome before Safari, Android before Linux).
BROWSERS = (
    ("Edg/", "Edge"),
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def pending_login():
    """This browser's login that waits for the phone, while it is still open; else None."""
    pending_id = session.get(PENDING_LOGIN)
    pending = db.session.get(PendingLogin, pending_id) if pending_id else None
    return pending if pending is not None and pending.consumed_at is None else None


def cancel_pending_login():
    pending = pending_login()
    if pending is not None:
        pending.end("cancelled")
    session.pop(PENDING_LOGIN, None)


def browser_summary(user_agent):
    """A short name for the browser, such as "Chrome on Windows", for the push.

    The User-Agent header is whatever the browser (or an attacker) sends: shown as it came,
    it would put their words, and digits that pass for a code, into the user's push. So the
    summary is built only from the names above, never from the header's own text.
    """
    browser = next((name for token, name in BROWSERS if token in user_agent), "Unknown browser")
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    return f"{browser} on {system}" if system else browser


def start_push_login(user, remember):
    """The password was right: send one push, and wait for the answer on the waiting page."""
    seconds = current_app.config["PUSH_EXPIRY"]
    started = utcnow()  # before the push is sent: our expiry is never later than Authy's
    details = {
        "Username": user.username,
        "IP address": request.remote_addr or "unknown",
        "Browser": browser_summary(request.user_agent.string),
    }
    try:
        uuid = authy.send_login_request(user.authy_id, details, seconds)
    except authy.AuthyError as error:
        flash(str(error), "danger")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    pending = PendingLogin(
        user_id=user.id,
        authy_uuid=uuid,
        remember=remember,  # chosen now, at the password step, never later
        next_url=safe_next(),
        created_at=started,
        expires_at=started + timedelta(seconds=seconds),
    )
    db.session.add(pending)
    db.session.commit()
    session[PENDING_LOGIN] = pending.id
    return redirect(url_for("auth.push"))


def end_push_login(pending, status, message=None):
    """End the login without signing in; returns the login page's URL, where the browser goes."""
    if pending.end(status):
        session.pop(PENDING_LOGIN, None)
        flash(message or ENDED[status], "danger")
    return url_for("auth.login")


@bp.route("/login/push")
def push():
    # This page only shows: the push was sent by the login POST, and reloading sends none.
    if pending_login() is None:
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/push.html",
        title="Check your Authy app",
        poll_interval=current_app.config["POLL_INTERVAL"],
    )


@bp.route("/login/push/status", methods=["POST"])
def push_status():
    # Everything comes from the server-side record; nothing the browser sends is read.
    pending = pending_login()
    if pending is None:
        return {"redirect": url_for("auth.login")}
    # Our own clock decides: an answer after the expiry does not count, whatever Authy says.
    if pending.has_expired():
        return {"redirect": end_push_login(pending, "expired")}
    # Authy is asked at most once per POLL_INTERVAL for a login, however often the browser
    # asks: all users share the app's API key, and its limit at Authy.
    if not pending.claim_check(current_app.config["POLL_INTERVAL"]):
        return {"status": "pending"}
    try:
        approval = authy.login_request_status(pending.authy_uuid)
    except authy.AuthyError as error:
        return {"redirect": end_push_login(pending, "failed", str(error))}
    if approval.status == "pending":
        return {"status": "pending"}
    if approval.status != "approved":
        return {"redirect": end_push_login(pending, approval.status)}
    # An approval counts only for this login's request, by the user's phone as it is now.
    user = db.session.get(User, pending.user_id)
    if approval.uuid != pending.authy_uuid or approval.authy_id != user.authy_id:
        return {"redirect": end_push_login(pending, "failed")}
    # Used once: if another request ended this login first, this one signs nobody in.
    if not pending.end("approved"):
        return {"redirect": url_for("auth.login")}
    session.clear()  # nothing from before the login is carried into the signed-in session
    login_user(user, remember=pending.remember)
    next_page = pending.next_url if is_safe_next(pending.next_url) else url_for("main.index")
    return {"redirect": next_page}


@bp.route("/login/push/cancel", methods=["POST"])
def push_cancel():
    cancel_pending_login()
    return redirect(url_for("auth.login"))
