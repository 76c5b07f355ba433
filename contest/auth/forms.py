from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from contest.forms import max_length
from contest.models.user import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(
        "Tên đăng nhập", validators=[DataRequired("Vui lòng nhập tên đăng nhập."), max_length(60)]
    )
    password = PasswordField(
        "Mật khẩu", validators=[DataRequired("Vui lòng nhập mật khẩu."), max_length(200)]
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại", validators=[DataRequired("Vui lòng nhập mật khẩu hiện tại.")]
    )
    new_password = PasswordField(
        "Mật khẩu mới",
        validators=[
            DataRequired("Vui lòng nhập mật khẩu mới."),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200,
                message=f"Mật khẩu mới phải có từ {MIN_PASSWORD_LENGTH} ký tự.",
            ),
        ],
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")],
    )
