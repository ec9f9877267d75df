"""The recovery codes page: how many are left, and new ones (app/recovery.py), shown once.

Only a POST makes codes, and its answer is the only page that ever shows them: the
database keeps their hashes, and no cookie, log or later page holds the codes themselves.
"""

from urllib.parse import quote

from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user

from app import recovery
from app.events import event
from app.sessions import fresh_login_required
from app.twofa import bp
from app.twofa.forms import RecoveryCodesForm


@bp.route("/recovery-codes", methods=["GET", "POST"])
@fresh_login_required
def recovery_codes():
    if not current_user.has_2fa:
        return redirect(url_for("main.profile", username=current_user.username))
    form = RecoveryCodesForm()
    codes = None
    if form.validate_on_submit():
        codes = recovery.replace_codes(current_user)
        event("recovery_codes_created", current_user, count=len(codes))
    page = render_template(
        "twofa/recovery_codes.html",
        title="Recovery codes",
        form=form,
        codes=codes,
        left=recovery.codes_left(current_user.id),
        download=codes and download_link(codes),
    )
    return page, {"Cache-Control": "no-store"}


def download_link(codes):
    """A data: link holding the codes as a text file: the browser saves it, and the server
    is not asked for them again."""
    text = "\n".join(
        [f"Recovery codes for {current_user.username}. Each works once.", "", *codes, ""]
    )
    return "data:text/plain;charset=utf-8," + quote(text)
