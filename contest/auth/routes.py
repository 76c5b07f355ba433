from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from contest.auth import bp, throttle
from contest.auth.forms import ChangePasswordForm, LoginForm
from contest.extensions import db, limiter
from contest.forms import show_refusal
from contest.helpers.timeutil import now_utc
from contest.models import Role, User
from contest.models.user import MIN_PASSWORD_LENGTH
from contest.services.people import users as user_service
from contest.services.people.users import UserError


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no '//' or backslash tricks.

    Control characters are refused too: a newline cannot go into the Location header
    (it was a 500 after signing in), and browsers drop tabs and newlines inside URLs.
    """
    if not target:
        return None
    target = target.strip()
    if "\\" in target or not target.startswith("/") or target.startswith("//"):
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user: User) -> str:
    if user.role == Role.UNIT_REPORTER:
        return url_for("activities.index")
    return url_for("admin.index")


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _login_failed(response) -> bool:
    # A success redirects (302); a wrong password or a refused form re-renders (422).
    return response.status_code != 302


# Only failed sign-ins count, per address and per (username, address): 429 past the limit.
# Failures on one username from every address together only slow it down (throttle.py):
# nobody can lock the owner out by failing on purpose.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=get_remote_address, methods=["POST"],
               deduct_when=_login_failed, scope="login-address")
@limiter.limit(_login_limit, key_func=throttle.user_address_key, methods=["POST"],
               deduct_when=_login_failed, scope="login-user-address")
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        throttle.slow_down(username[:60])
        user = user_service.authenticate(username, form.password.data)
        if user is None:
            throttle.record_failure(username[:60])
            user_service.record_sign_in(username, None, succeeded=False)
            db.session.commit()
            form.password.errors.append("Tên đăng nhập hoặc mật khẩu không đúng.")
        elif not user.active:
            user_service.record_sign_in(username, user, succeeded=False)
            db.session.commit()
            form.username.errors.append(
                "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị hệ thống."
            )
        else:
            login_user(user)
            user.last_login_at = now_utc()
            user_service.record_sign_in(username, user, succeeded=True)
            db.session.commit()
            flash(f"Xin chào {user.full_name or user.username}.", "success")
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next_url(request.args.get("next")) or home_for(user))
    # Like every form: what was refused comes back with a 4xx and says what to fix.
    status = 422 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        user_service.sign_out(current_user)
        db.session.commit()
    logout_user()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            user_service.change_own_password(user, form.current_password.data,
                                             form.new_password.data)
        except UserError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            login_user(user)  # this session goes on; every other one of the account ends
            flash("Đã đổi mật khẩu.", "success")
            return redirect(home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("auth/change_password.html", form=form,
                           min_length=MIN_PASSWORD_LENGTH), status
