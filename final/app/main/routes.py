import sqlalchemy as sa
from flask import render_template
from flask_login import login_required

from app import db
from app.main import bp
from app.models import User


@bp.route("/")
@login_required
def index():
    return render_template("main/index.html", title="Home")


@bp.route("/user/<username>")
@login_required
def profile(username):
    user = db.first_or_404(sa.select(User).where(User.username == username))
    return render_template("main/profile.html", title=user.username, user=user)
