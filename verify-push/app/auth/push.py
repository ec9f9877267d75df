"""Logging in with a push: the password was right, the phone says yes or no.

The login page (app/auth/routes.py) calls start_push_login(); the waiting page asks
push_status() until the phone has answered, the request has expired, or the user cancels.
The page's other two buttons, Send again and This wasn't me, are in app/auth/push_buttons.py.
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

from app import db
from app import throttle
from app import verify
from app.auth import bp
from app.auth.redirects import is_safe_next
from app.auth.redirects import safe_next
from app.events import event
from app.models import PendingLogin
from app.models import User
from app.models import new_login_code
from app.models import utcnow
from app.sessions import authenticated_now

# Where the session keeps the id of the login that waits for the phone: nothing else.
PENDING_LOGIN = "pending_login"
# What the login page says when a login request ends without the user signed in.
ENDED = {
    "denied": "Login request denied.",
    "expired": "Login request expired.",
    "failed": "Your login could not be confirmed. Please log in again.",
}
# What the login page says when Verify no longer knows the user's phone (start_push_login).
TWOFA_GONE = (
    "Twilio Verify no longer knows your phone for this account (a Disable may have finished at Verify"
    " without this site hearing of it), so two-factor authentication is now off. Log in"
    " again, then turn it back on from your profile."
)
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
    """End this browser's waiting login (a new login, Cancel, logout) as the phone answered."""
    pending = pending_login()
    if pending is not None:
        # A no from the phone, or the clock, counts as one (against push bombing, below).
        status = phone_refusal(pending) or "cancelled"
        if pending.end(status):
            event(f"push_{status}", pending.user, code=pending.code)
    session.pop(PENDING_LOGIN, None)


def phone_refusal(pending):
    """"denied" or "expired" if the phone (or the clock) said no to this login's request;
    else None. A callback's answer if one was noted, else one question to Verify."""
    if pending.has_expired():
        return "expired"
    answer = pending.answer
    if answer is None and pending.challenge_sid:
        try:
            asked = verify.challenge_status(pending.user.verify_identity, pending.challenge_sid)
        except verify.VerifyError:
            return None  # not known: the browser's choice stands
        answer = asked.status if asked.sid == pending.challenge_sid else None
    return answer if answer in ("denied", "expired") else None


def browser_summary(user_agent):
    """A short name for the browser, such as "Chrome on Windows", for the push.

    The User-Agent header is whatever the browser (or an attacker) sends: shown as it came,
    it would put their words, and digits that pass for a code, into the user's push. So the
    summary is built only from the names above, never from the header's own text.
    """
    browser = next((name for token, name in BROWSERS if token in user_agent), "Unknown browser")
    system = next((name for token, name in SYSTEMS if token in user_agent), None)
    return f"{browser} on {system}" if system else browser


def push_message(user):
    """The challenge's message, the first line the phone shows."""
    return f"Log in as {user.username}?"


def push_details(user, code, started):
    """What the phone shows under the message: enough to tell this login from somebody else's.

    (label, value) pairs, Details.Fields of the challenge. The code is the one the waiting
    page shows. The IP address is the browser's, as the last PROXY_HOPS proxies (our own)
    report it; anything a browser claims itself is ignored.
    """
    return [
        ("Code", code),
        ("Username", user.username),
        ("IP address", request.remote_addr or "unknown"),
        ("Browser", browser_summary(request.user_agent.string)),
        ("Time", started.strftime("%Y-%m-%d %H:%M UTC")),
        ("Codes differ?", "Tap Deny: it is not your login."),
    ]


def send_push(user, code, started, seconds):
    """Create the challenge of a login (or of its Send again): its sid."""
    return verify.send_challenge(
        user.verify_identity, user.factor_sid, push_message(user),
        push_details(user, code, started), seconds,
    )


def start_push_login(user, remember):
    """The password was right: send one push, and wait for the answer on the waiting page."""
    refusal = throttle.push_refusal(user)
    if refusal:
        flash(refusal, "danger")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    seconds = current_app.config["PUSH_EXPIRY"]
    started = utcnow()  # before the push is sent: our expiry is never later than Verify's
    code = new_login_code()
    try:
        sid = send_push(user, code, started, seconds)
    except verify.FactorGone:
        # Verify's own word, over HTTPS with our credentials: no phone can approve for this
        # user, and keeping 2FA on would lock the owner out for good. It goes off, and the
        # user is told.
        throttle.push_not_sent(user)
        user.set_factor(None, None)
        PendingLogin.end_all(user.id, "cancelled")
        user.end_sessions()  # as after any change to 2FA
        db.session.commit()
        event("2fa_disabled", user, reason="factor not found at Verify")
        flash(TWOFA_GONE, "warning")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    except verify.VerifyError as error:
        push_failed(user, error)
        flash(str(error), "danger")
        return redirect(url_for("auth.login", next=request.args.get("next")))
    pending = PendingLogin(
        user_id=user.id,
        challenge_sid=sid,
        code=code,
        remember=remember,  # chosen now, at the password step, never later
        next_url=safe_next(),
        created_at=started,
        sent_at=started,
        expires_at=started + timedelta(seconds=seconds),
    )
    db.session.add(pending)
    db.session.commit()
    event("push_sent", user, code=code)
    session[PENDING_LOGIN] = pending.id
    return redirect(url_for("auth.push"))


def push_failed(user, error):
    """Sending a push failed: it counts against the cap unless Verify refused it outright.

    Without an answer (a timeout, a lost connection) the push may still reach the phone.
    """
    if error.refused:
        throttle.push_not_sent(user)


def end_push_login(pending, status, message=None):
    """End the login without signing in; returns the login page's URL, where the browser goes."""
    if pending.end(status):
        event(f"push_{status}", pending.user, code=pending.code)
        session.pop(PENDING_LOGIN, None)
        flash(message or ENDED[status], "danger")
    return url_for("auth.login")


def sign_in(pending, user, status):
    """End the waiting login as `status` ("approved") and sign its user in; the page to go
    to next.

    Used once: if another request ended this login first, this one signs nobody in (None).
    """
    if not pending.end(status):
        return None
    event(f"push_{status}", user, code=pending.code)
    log_in(user, pending.remember)
    return pending.next_url if is_safe_next(pending.next_url) else url_for("main.index")


def log_in(user, remember):
    """Sign the user in, once the waiting login has ended (here, or with a recovery code)."""
    session.clear()  # nothing from before the login is carried into the signed-in session
    login_user(user, remember=remember)
    authenticated_now()


@bp.route("/login/push")
def push():
    # This page only shows: the push was sent by the login POST, and reloading sends none.
    pending = pending_login()
    if pending is None:
        return redirect(url_for("auth.login"))
    config = current_app.config
    return render_template(
        "auth/push.html",
        title="Check your phone",
        code=pending.code,
        resend_cooldown=config["RESEND_COOLDOWN"],
        resend_limit=config["RESEND_LIMIT"],
        poll_interval=config[
            "CALLBACK_POLL_INTERVAL" if config["VERIFY_WEBHOOK_URL"] else "POLL_INTERVAL"
        ],
    )


@bp.route("/login/push/status", methods=["POST"])
def push_status():
    # Everything comes from the server-side record; nothing the browser sends is read.
    pending = pending_login()
    if pending is None:
        return {"redirect": url_for("auth.login")}
    # Our own clock decides: an answer after the expiry does not count, whatever Verify says.
    if pending.has_expired():
        return {"redirect": end_push_login(pending, "expired")}
    if not pending.challenge_sid:
        return {"status": "pending"}  # Send again is sending a new request just now
    if current_app.config["VERIFY_WEBHOOK_URL"]:
        # Webhooks on: the database knows whether the phone has answered, so most polls
        # cost no Verify call. A denial needs no confirmation; an approval does (below).
        if pending.answer is None:
            return {"status": "pending"}
        if pending.answer == "denied":
            return {"redirect": end_push_login(pending, "denied")}
    # Verify is asked at most once per POLL_INTERVAL for a login, however often the browser
    # asks: all users share the app's account, and its limits at Twilio.
    if not pending.claim_check(current_app.config["POLL_INTERVAL"]):
        return {"status": "pending"}
    # claim_check's commit read the record again: a Send again may have cleared the request
    # since the check above, to send a new one. Ask about the request as it is now, or wait.
    sid = pending.challenge_sid
    if not sid:
        return {"status": "pending"}
    try:
        approval = verify.challenge_status(pending.user.verify_identity, sid)
    except verify.VerifyError as error:
        return {"redirect": end_push_login(pending, "failed", str(error))}
    if approval.status == "pending":
        return {"status": "pending"}
    if approval.status != "approved":
        return {"redirect": end_push_login(pending, approval.status)}
    # An approval counts only for this login's request, by the user's phone as it is now.
    user = db.session.get(User, pending.user_id)
    if approval.sid != sid or not user.has_2fa or approval.factor_sid != user.factor_sid:
        return {"redirect": end_push_login(pending, "failed")}
    return {"redirect": sign_in(pending, user, "approved") or url_for("auth.login")}


@bp.route("/login/push/cancel", methods=["POST"])
def push_cancel():
    cancel_pending_login()
    return redirect(url_for("auth.login"))
