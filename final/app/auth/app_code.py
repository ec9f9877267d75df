"""No notification? The code from the Authy app, typed on the waiting login's own page.

The code ends the waiting login exactly as an approval does (push.sign_in): once, and only
this login, for the user whose password was right. Guessing is what to fear, since a code
has only seven digits: so few codes are checked per login (CODE_ATTEMPTS) and few wrong
ones per account (CODE_LIMIT in CODE_WINDOW seconds, app/throttle.py).
"""

import re

from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import InputRequired
from wtforms.validators import Regexp

from app import authy
from app import db
from app import throttle
from app.auth import bp
from app.auth.push import end_push_login
from app.auth.push import pending_login
from app.auth.push import sign_in
from app.events import event
from app.models import User

# What Authy checks: 6 to 10 digits (the app shows 7), ASCII only: "٣" is a digit to Python.
# Regexp() matches from the start; \Z makes it match the whole code.
CODE = re.compile(r"[0-9]{6,10}\Z")
WRONG = "That code is not right. Check the code in your Authy app and type it again."
NO_MORE = "No more codes for this login. Tap Approve on your phone, or log in again."


def without_spaces(value):
    """The code as typed, without the spaces people put in it ("123 4567")."""
    return "".join(value.split()) if isinstance(value, str) else value


class AppCodeForm(FlaskForm):
    code = StringField(
        "Code",
        filters=[without_spaces],
        validators=[
            InputRequired("Type the code your Authy app shows."),
            Regexp(CODE, message="The code is the 7 digits your Authy app shows, digits only."),
        ],
    )
    submit = SubmitField("Log in")


@bp.route("/login/push/code", methods=["GET", "POST"])
def app_code():
    pending = pending_login()
    if pending is None:
        return redirect(url_for("auth.login"))
    form = AppCodeForm()
    if not form.validate_on_submit():
        return page(form)  # the form, or what is wrong with what was typed: nothing checked
    # The waiting login's own clock decides, as for an approval.
    if pending.has_expired():
        return redirect(end_push_login(pending, "expired"))
    user = db.session.get(User, pending.user_id)
    if user.authy_id is None:
        return redirect(end_push_login(pending, "failed"))  # 2FA went off meanwhile
    refusal = throttle.code_refusal(user)  # the account's wrong codes, over all its logins
    if refusal:
        return page(form, refusal, 429)
    # Atomic: two tabs, or a script, get no more tries between them than one page.
    if not pending.claim_code_try(current_app.config["CODE_ATTEMPTS"]):
        throttle.code_not_checked(user)
        db.session.refresh(pending)
        if pending.consumed_at is not None:
            return redirect(url_for("auth.login"))  # another request ended the login just now
        event("code_throttled", user, code=pending.code, reason="login")
        return page(form, NO_MORE, 429)
    try:
        right = authy.code_is_valid(user.authy_id, form.code.data)
    except authy.AuthyError as error:
        # Authy could not say: nobody is signed in, and the try does not count against the
        # account (it still counts for this login, which asks Authy at most CODE_ATTEMPTS times).
        throttle.code_not_checked(user)
        return page(form, str(error))
    if not right:
        event("code_fail", user, code=pending.code)
        return page(form, WRONG)
    throttle.code_ok(user)
    # Exactly as an approval ends it: once. If the phone's Approve (or another tab's code)
    # ended this login a moment ago, that request signed the user in, and this one does not.
    return redirect(sign_in(pending, user, "code") or url_for("auth.login"))


def page(form, error=None, status=200):
    """The code page; `error` under the field."""
    if error:
        form.code.errors = [*form.code.errors, error]
    return render_template("auth/app_code.html", title="Enter the code from your Authy app", form=form), status
