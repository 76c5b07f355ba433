"""User management: admins only (a nested blueprint with its own guard)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_user
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from contest.admin.forms_people import UserCreateForm, UserEditForm
from contest.auth.guards import guard_blueprint
from contest.errors import CSRF_MESSAGE
from contest.extensions import db
from contest.forms import ActionForm, choice_values, choices, show_refusal
from contest.models import Role, Unit, User
from contest.services.people import users as user_service
from contest.services.people.units import in_natural_order
from contest.services.people.users import UserData, UserError

bp = Blueprint("users", __name__)
guard_blueprint(bp, Role.ADMIN)


def _unit_choices() -> list[SelectChoice]:
    units = in_natural_order(db.session.scalars(
        sa.select(Unit).where(Unit.active.is_(True))), lambda u: u.kind)
    return choices(((u.id, f"{u.name} ({u.kind_label})") for u in units),
                   first=(None, "— Không —"))


def _show_password_once(user: User, password: str, created: bool):
    """The password is in this response only: never flashed into the session cookie."""
    response = make_response(render_template(
        "admin/users/password.html", user=user, password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/")
def index():
    users = db.session.scalars(
        sa.select(User).options(selectinload(User.unit))
        .order_by(User.active.desc(), User.role, User.username)
    ).all()
    return render_template("admin/users/list.html", users=users, action_form=ActionForm())


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = UserCreateForm()
    form.unit_id.choices = _unit_choices()
    if form.validate_on_submit():
        data = UserData(username=form.username.data, full_name=form.full_name.data,
                        role=form.role.data, unit_id=form.unit_id.data)
        try:
            user, password = user_service.create_user(data, current_user.id,
                                                      password=form.password.data or None)
        except UserError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            return _show_password_once(user, password, created=True)
    return render_template("admin/users/form.html", form=form, user=None), (
        422 if form.errors else 200)


@bp.route("/<int:user_id>/edit", methods=["GET", "POST"])
def edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    form.unit_id.choices = _unit_choices()
    if user.unit_id and user.unit_id not in choice_values(form.unit_id):
        # An inactive unit still shows, so saving the form does not silently drop it.
        form.unit_id.choices.append(SelectChoice(user.unit_id, f"{user.unit.name} (ngừng sử dụng)"))
    if form.validate_on_submit():
        try:
            user_service.update_user(user, full_name=form.full_name.data, role=form.role.data,
                                     unit_id=form.unit_id.data, actor_id=current_user.id)
        except UserError as error:
            db.session.rollback()
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu tài khoản {user.username}.", "success")
            return redirect(url_for("admin.users.index"))
    return render_template("admin/users/form.html", form=form, user=user), (
        422 if form.errors else 200)


def _set_active(user_id: int, active: bool):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        flash(CSRF_MESSAGE, "error")
        return redirect(url_for("admin.users.index"))
    try:
        user_service.set_active(user, active, current_user.id)
    except UserError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("admin.users.index"))
    db.session.commit()
    flash(f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.username}.", "success")
    return redirect(url_for("admin.users.index"))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/activate", methods=["POST"])
def activate(user_id: int):
    return _set_active(user_id, True)


@bp.route("/<int:user_id>/reset-password", methods=["POST"])
def reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not ActionForm().validate_on_submit():
        flash(CSRF_MESSAGE, "error")
        return redirect(url_for("admin.users.index"))
    password = user_service.reset_password(user, current_user.id)
    db.session.commit()
    if user.id == current_user.id:
        login_user(user)  # an admin resetting their own password keeps this session
    return _show_password_once(user, password, created=False)
