from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from contest.forms import max_length
from contest.models.user import MAX_PASSWORD_LENGTH, USERNAME_MAX_LENGTH


class LoginForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."),
                                      max_length(USERNAME_MAX_LENGTH)]
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."),
                                 max_length(MAX_PASSWORD_LENGTH)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại."),
                    max_length(MAX_PASSWORD_LENGTH)],
    )
    new_password = PasswordField(
        "Mật khẩu mới",
        # The rules (length, common passwords...) are the service's: users.check_password_rules.
        validators=[DataRequired("Vui lòng nhập mật khẩu mới.")],
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")],
    )
