import os

from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from config import Config

db = SQLAlchemy()
# Batch mode lets Alembic change columns of an existing SQLite table.
migrate = Migrate(render_as_batch=True)
login = LoginManager()
login.login_view = "auth.login"
login.login_message = "Please log in to access this page."
login.login_message_category = "info"
csrf = CSRFProtect()
bootstrap = Bootstrap5()


def create_app(config_class=Config):
    app = Flask(__name__)
    app.config.from_object(config_class)
    if app.config["SECRET_KEY"] in (None, "", "dev") and not (app.debug or app.testing):
        raise RuntimeError(
            "Set SECRET_KEY to a long random value (the development key 'dev' only"
            " works in debug mode and tests), for example the output of:"
            " python -c \"import secrets; print(secrets.token_hex())\""
        )
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db)
    login.init_app(app)
    csrf.init_app(app)
    bootstrap.init_app(app)

    # Every call to Authy gives up after AUTHY_TIMEOUT seconds (see app/authy.py).
    from app import authy
    authy.init_app(app)

    from app.errors import bp as errors_bp
    app.register_blueprint(errors_bp)

    from app.auth import bp as auth_bp
    app.register_blueprint(auth_bp, url_prefix="/auth")

    from app.main import bp as main_bp
    app.register_blueprint(main_bp)

    from app.twofa import bp as twofa_bp
    app.register_blueprint(twofa_bp, url_prefix="/2fa")

    return app


from app import models  # noqa: E402,F401  (the models register themselves with db)
