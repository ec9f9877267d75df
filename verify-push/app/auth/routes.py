import sqlalchemy as sa
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_login import confirm_login
from flask_login import current_user
from flask_login import login_required
from flask_login import login_user
from flask_login import logout_user

from app import db
from app import throttle
from app.auth import bp
from app.auth.forms import ConfirmPasswordForm
from app.auth.forms import LoginForm
from app.auth.forms import RegistrationForm
from app.auth.push import cancel_pending_login
from app.auth.push import start_push_login
from app.auth.redirects import safe_next
from app.events import event
from app.models import User
from app.models import check_login
from app.sessions import authenticated_now


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    # A failed attempt may say that a username or email is taken: a limit per address.
    if form.is_submitted() and throttle.lookup_refused("register"):
        abort(429)
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data)
        user.set_password(form.password.data)
        if add_user(user):
            throttle.lookup_ok("register")
            flash("Congratulations, you are now registered. Please log in.", "success")
            return redirect(url_for("auth.login"))
        # Somebody else registered the name or the address a moment ago. The form's checks
        # now find them, and say which next to its field.
        form.validate()
    return render_template("auth/register.html", title="Register", form=form)


def add_user(user):
    """Store a new user; False if another registration took the username or email first.

    Two registrations at the same moment can both pass the form's checks. The database's
    unique indexes then let one of them in and refuse the other (IntegrityError).
    """
    db.session.add(user)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()
        return False
    return True


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        username, address = form.username.data, request.remote_addr
        user = db.session.scalar(sa.select(User).where(User.username_key == username))
        # Too many failures for this account or from this address: not even looked at.
        if password_throttled(username, user, known=user is not None):
            return render_template("auth/login.html", title="Sign In", form=form), 429
        if check_login(user, form.password.data):
            throttle.password_ok(username, address, user)
            event("password_ok", user)
            cancel_pending_login()  # a new login ends the one before it in this browser
            if user.has_2fa:
                return start_push_login(user, form.remember_me.data)
            login_user(user, remember=form.remember_me.data)
            authenticated_now()
            return redirect(safe_next())
        event("password_fail", user, known=user is not None)
        # One message for both cases, so the page does not tell who has an account.
        flash("Invalid username or password.", "danger")
    return render_template("auth/login.html", title="Sign In", form=form)


def password_throttled(username, user, **details):
    """Too many failed passwords for this account or from this address? Then the page says
    so, the event log notes it (with `details`), and the password is not checked at all."""
    refusal = throttle.password_refusal(username, request.remote_addr, user)
    if refusal:
        event("password_throttled", user, **details)
        flash(refusal, "danger")
    return refusal is not None


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
def confirm():
    """The password again, before a change that needs a fresh login (fresh_login_required)."""
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        username, address = current_user.username_key, request.remote_addr
        if password_throttled(username, current_user, step="confirm"):  # as at login
            page = render_template("auth/confirm.html", title="Confirm your password", form=form)
            return page, 429
        if current_user.check_password(form.password.data):
            throttle.password_ok(username, address, current_user)
            event("password_ok", current_user, step="confirm")
            confirm_login()  # Flask-Login's "fresh" flag
            authenticated_now()
            return redirect(safe_next())
        event("password_fail", current_user, step="confirm")
        flash("Invalid password.", "danger")
    return render_template("auth/confirm.html", title="Confirm your password", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Not just this cookie: every session and remember cookie of the user stops working,
        # so a copy of one (on a shared computer, or stolen) is worth nothing after logout.
        current_user.end_sessions()
        db.session.commit()
        event("logout", current_user)
    cancel_pending_login()  # a login still waiting for the phone ends with the session
    # Everything else the session holds goes too; first, because logout_user() then notes in
    # the empty session that the remember cookie must be deleted.
    session.clear()
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))
