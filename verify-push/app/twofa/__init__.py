from flask import Blueprint

bp = Blueprint("twofa", __name__)

from app.twofa import recovery_codes  # noqa: E402,F401
from app.twofa import routes  # noqa: E402,F401
