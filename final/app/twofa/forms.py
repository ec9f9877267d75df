from flask_wtf import FlaskForm
from wtforms import SubmitField


class EnableForm(FlaskForm):
    submit = SubmitField("Enable 2FA")


class DisableForm(FlaskForm):
    submit = SubmitField("Disable")
