import sqlalchemy as sa
from flask import abort
from flask import render_template
from flask_login import current_user
from flask_login import login_required

from app import db
from app import recovery
from app import throttle
from app.main import bp
from app.models import User


@bp.route("/")
@login_required
def index():
    return render_template("main/index.html", title="Home")


@bp.route("/user/<username>")
@login_required
def profile(username):
    # Another user's profile, or a 404, tells whether a username exists: a limit per address.
    if username != current_user.username and throttle.lookup_refused("profile"):
        abort(429)
    user = db.first_or_404(sa.select(User).where(User.username == username))
    # The owner's own profile says how many recovery codes are left (while 2FA is on).
    left = recovery.codes_left(user.id) if user == current_user and user.has_2fa else None
    return render_template("main/profile.html", title=user.username, user=user, left=left)
