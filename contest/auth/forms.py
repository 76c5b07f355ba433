from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo

from contest.forms import max_length


class LoginForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."), max_length(60)]
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."), max_length(200)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại",
        validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại."), max_length(200)],
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
