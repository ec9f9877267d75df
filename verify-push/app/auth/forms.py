import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import StringField
from wtforms import SubmitField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length
from wtforms.validators import ValidationError

from app import db
from app import usernames
from app.models import User


def strip_lower(value):
    return value.strip().lower() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    # The field holds the username's key (app/usernames.py): Alice logs in as alice.
    username = StringField("Username", validators=[DataRequired()], filters=[usernames.key])
    password = PasswordField("Password", validators=[DataRequired()])
    remember_me = BooleanField("Remember Me")
    submit = SubmitField("Login")


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Confirm")


class RegistrationForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Length(max=64)], filters=[usernames.normalize]
    )
    email = StringField(
        "Email",
        validators=[DataRequired(), Email(), Length(max=120)],
        filters=[strip_lower],
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8)])
    password2 = PasswordField(
        "Repeat Password",
        validators=[DataRequired(), EqualTo("password", message="Passwords must match.")],
    )
    submit = SubmitField("Register")

    def validate_username(self, username):
        problem = usernames.problem(username.data)
        if problem:
            raise ValidationError(problem)
        key = usernames.key(username.data)
        user = db.session.scalar(sa.select(User).where(User.username_key == key))
        if user is not None:
            raise ValidationError("Please use a different username.")

    def validate_email(self, email):
        user = db.session.scalar(sa.select(User).where(User.email == email.data))
        if user is not None:
            raise ValidationError("Please use a different email address.")


class ChangePasswordForm(RegistrationForm):
    """The current password, and a new one held to exactly the rules of registration: this
    form is RegistrationForm's two password fields (with their validators), without its
    username and email."""

    username = None
    email = None
    current_password = PasswordField("Current password", validators=[DataRequired()])
    submit = SubmitField("Change password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password.label.text = "New password"
        self.password2.label.text = "Repeat new password"

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.password.data == self.current_password.data:
            self.password.errors.append("Choose a password other than your current one.")
            return False
        return True


class RecoveryCodeForm(FlaskForm):
    code = StringField("Recovery code", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Sign in")
