from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from app.twofa import bp
from app.twofa.forms import EnableForm


@bp.route("/enable", methods=["GET", "POST"])
@login_required
def enable():
    form = EnableForm()
    if form.validate_on_submit():
        # Stage 04 shows the QR code to scan from here. Until then, change nothing.
        flash(
            "Two-factor authentication is not on yet:"
            " the next stage adds the QR code to scan with the Authy app.",
            "info",
        )
        return redirect(url_for("main.profile", username=current_user.username))
    return render_template(
        "twofa/enable.html", title="Enable two-factor authentication", form=form
    )
