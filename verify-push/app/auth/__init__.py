from flask import Blueprint

bp = Blueprint("auth", __name__)

from app.auth import password  # noqa: E402,F401
from app.auth import push  # noqa: E402,F401
from app.auth import push_buttons  # noqa: E402,F401
from app.auth import recovery_login  # noqa: E402,F401
from app.auth import routes  # noqa: E402,F401
