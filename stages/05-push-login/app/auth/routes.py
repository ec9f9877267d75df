import sqlalchemy as sa
from flask import flash
from flask import redirect
from flask import render_template
from flask import session
from flask import url_for
from flask_login import current_user
from flask_login import login_user
from flask_login import logout_user

from app import db
from app.auth import bp
from app.auth.forms import LoginForm
from app.auth.forms import RegistrationForm
from app.auth.push import cancel_pending_login
from app.auth.push import start_push_login
from app.auth.redirects import safe_next
from app.models import User
from app.models import check_login


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data)
        user.set_password(form.password.data)
        if add_user(user):
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
        user = db.session.scalar(sa.select(User).where(User.username_key == form.username.data))
        if check_login(user, form.password.data):
            cancel_pending_login()  # a new login ends the one before it in this browser
            if user.authy_id is not None:
                return start_push_login(user, form.remember_me.data)
            login_user(user, remember=form.remember_me.data)
            return redirect(safe_next())
        # One message for both cases, so the page does not tell who has an account.
        flash("Invalid username or password.", "danger")
    return render_template("auth/login.html", title="Sign In", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    cancel_pending_login()  # a login still waiting for the phone ends with the session
    # Everything the session holds goes, not only the user's id: the cookie can be read by
    # whoever uses this browser next. First, because logout_user() then notes in the empty
    # session that the remember cookie must be deleted too.
    session.clear()
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))
