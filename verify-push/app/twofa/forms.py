from flask_wtf import FlaskForm
from wtforms import SubmitField


class EnableForm(FlaskForm):
    submit = SubmitField("Enable 2FA")


class DisableForm(FlaskForm):
    submit = SubmitField("Disable")


class RecoveryCodesForm(FlaskForm):
    submit = SubmitField("Show new recovery codes")
