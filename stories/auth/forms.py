"""Forms for signing in and for researchers' registration."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from archive.users import password_problem, username_problem


class LoginForm(FlaskForm):
    """Sign in with an account name and password."""

    username = StringField(
        _l("Account name"), validators=[DataRequired(_l("Please enter your account name."))]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    next = HiddenField()


class RegisterResearcherForm(FlaskForm):
    """A researcher asks for an account; an admin approves it before it opens anything."""

    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Please tell us your name.")), Length(max=120)]
    )
    affiliation = StringField(
        _l("Affiliation"),
        validators=[DataRequired(_l("Please tell us your university or organisation.")), Length(max=200)],
        description=_l("Your university, organisation or community group, or 'independent'."),
    )
    purpose = TextAreaField(
        _l("Research purpose"),
        validators=[DataRequired(_l("Please describe what you want to research.")), Length(max=3000)],
        description=_l("What you are researching and how you plan to use the stories."),
    )
    username = StringField(
        _l("Account name"),
        validators=[DataRequired(_l("Please choose an account name.")), Length(max=40)],
        description=_l("3 to 40 letters, digits, dots, dashes or underscores."),
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please choose a password."))],
        description=_l("At least 12 characters. A few unrelated words make a good password."),
    )
    password_again = PasswordField(
        _l("Password again"), validators=[DataRequired(_l("Please type your password again."))]
    )
    terms = BooleanField(
        _l("I agree to the researcher terms above."),
        validators=[DataRequired(_l("Please agree to the researcher terms."))],
    )

    def validate_username(self, field):
        problem = username_problem(field.data)
        if problem is not None:
            raise ValidationError(problem)

    def validate_password(self, field):
        problem = password_problem(field.data, self.username.data)
        if problem is not None:
            raise ValidationError(problem)

    def validate_password_again(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same."))
