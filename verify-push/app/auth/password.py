"""Change password: reached from the profile; the current password first, under the same
limits as a login, then every other session and every login waiting for the phone ends."""

from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user

from app import db
from app import throttle
from app.auth import bp
from app.auth.forms import ChangePasswordForm
from app.events import event
from app.models import PendingLogin
from app.sessions import end_other_sessions
from app.sessions import fresh_login_required


@bp.route("/password", methods=["GET", "POST"])
@fresh_login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return page(form)
    wrong = check_current_password(form.current_password.data)
    if wrong:
        message, status = wrong
        flash(message, "danger")
        return page(form), status
    set_password(form.password.data)
    flash("Your password has been changed. Every other browser signed in to your account"
          " has been signed out.", "success")
    return redirect(url_for("main.profile", username=current_user.username))


def page(form):
    return render_template("auth/change_password.html", title="Change password", form=form)


def check_current_password(password):
    """None if `password` is the signed-in user's; else (message, HTTP status).

    Held to the login's limits (app/throttle.py): a wrong password here counts as a failed
    login, so this page is no way round them for someone at a signed-in computer.
    """
    username, address = current_user.username_key, request.remote_addr
    refusal = throttle.password_refusal(username, address, current_user)  # as at login
    if refusal:
        event("password_throttled", current_user, step="change_password")
        return refusal, 429
    if not current_user.check_password(password):
        event("password_fail", current_user, step="change_password")
        return "Invalid current password.", 200
    throttle.password_ok(username, address, current_user)
    event("password_ok", current_user, step="change_password")
    return None


def set_password(password):
    """The new password; whoever used the old one elsewhere is signed out."""
    user = current_user._get_current_object()
    user.set_password(password)
    # A login waiting for the phone was started with the old password: it can no longer end
    # with anyone signed in.
    PendingLogin.end_all(user.id, "cancelled")
    db.session.commit()
    event("password_changed", user)
    end_other_sessions()  # a new session token; this browser stays signed in
