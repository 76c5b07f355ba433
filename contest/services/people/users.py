"""Back-office accounts: create, edit role/unit, deactivate, reset a password.

The rule that matters most: the ward must never be left without an active
admin, so the last one can be neither deactivated nor given another role.
The caller commits; every change writes an audit entry (never a password).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.text import (
    clean,
    has_control_characters,
    too_long_message,
    without_control_characters,
)
from contest.models import ROLES, Role, Unit, User
from contest.models.user import (
    FULL_NAME_MAX_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME_MAX_LENGTH,
    hash_password,
    password_matches,
)
from contest.services.errors import DomainError
from contest.services.people import passwords

USER_FIELDS = ["username", "full_name", "role", "unit_id", "active"]
USERNAME_PATTERN = re.compile(rf"[a-z0-9][a-z0-9._-]{{2,{USERNAME_MAX_LENGTH - 1}}}")
#: Readable when dictated over the phone: no 0/O, 1/l/I.
PASSWORD_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"  # noqa: S105
GENERATED_PASSWORD_LENGTH = 14


class UserError(DomainError):
    """An account change refused; ``field`` names the form field to mark (or None)."""


@dataclass
class UserData:
    username: str
    full_name: str
    role: str
    unit_id: int | None = None


def generate_password(length: int = GENERATED_PASSWORD_LENGTH) -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(length))


def check_password_rules(password: str, username: str, field: str = "password") -> None:
    """A password nobody guesses first (ASVS 2.1.1, 2.1.7): long enough, not on the list
    of common passwords, not the username inside, not one character or run repeated."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(too_long_message("Mật khẩu", MAX_PASSWORD_LENGTH), field)
    if passwords.is_repetition(password):
        raise UserError("Mật khẩu không được chỉ là một ký tự hoặc một cụm ký tự lặp lại "
                        "(như “aaaa…” hay “abab…”).", field)
    if username and username.lower() in password.lower():
        raise UserError("Mật khẩu không được chứa tên đăng nhập.", field)
    if passwords.is_common(password):
        raise UserError("Mật khẩu này nằm trong danh sách mật khẩu phổ biến, rất dễ bị đoán; "
                        "vui lòng chọn mật khẩu khác.", field)


def _check_role_and_unit(role: str, unit_id: int | None, keep_unit_id: int | None = None
                         ) -> int | None:
    """The unit a user of ``role`` is bound to; ``keep_unit_id`` (the account's current unit)
    stays allowed even if deactivated since, so the account can still be edited."""
    if role not in ROLES:
        raise UserError("Vai trò không hợp lệ.", "role")
    if role != Role.UNIT_REPORTER:
        return None  # only a unit reporter is tied to a unit
    if unit_id is None:
        raise UserError("Tài khoản báo cáo của đơn vị phải chọn đơn vị.", "unit_id")
    unit = db.session.get(Unit, unit_id)
    if unit is None or (not unit.active and unit.id != keep_unit_id):
        raise UserError("Đơn vị đã chọn không tồn tại hoặc đã ngừng sử dụng.", "unit_id")
    return unit.id


def _active_admin_ids(lock: bool) -> list[int]:
    query = sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    if lock:
        # Two admins removing each other at once: the second waits, then sees one left.
        query = query.with_for_update()
    return list(db.session.scalars(query))


def _guard_last_admin(user: User, *, losing_admin: bool) -> None:
    if losing_admin and user.role == Role.ADMIN and user.active:
        if _active_admin_ids(lock=True) == [user.id]:
            raise UserError(
                "Đây là tài khoản quản trị cuối cùng đang hoạt động; hãy tạo hoặc mở lại "
                "một tài khoản quản trị khác trước.", "role",
            )


def create_user(data: UserData, actor_id: int | None,
                password: str | None = None) -> tuple[User, str]:
    """Create an account; returns it with its password (generated when none is given).

    The owner must change that first password at their first sign-in."""
    username = clean(data.username).lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            f"Tên đăng nhập dài 3–{USERNAME_MAX_LENGTH} ký tự, chỉ gồm chữ thường không dấu, "
            "chữ số, dấu chấm, gạch dưới hoặc gạch ngang, bắt đầu bằng chữ hoặc số.", "username",
        )
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise UserError(f"Tên đăng nhập “{username}” đã có người dùng.", "username")
    full_name = clean(data.full_name)
    if not full_name:
        raise UserError("Vui lòng nhập họ và tên.", "full_name")
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        raise UserError(too_long_message("Họ và tên", FULL_NAME_MAX_LENGTH), "full_name")
    unit_id = _check_role_and_unit(data.role, data.unit_id)
    if password:
        check_password_rules(password, username)
    else:
        password = generate_password()
    # Whoever creates the account knows its first password: its owner chooses their own.
    user = User(username=username, full_name=full_name, role=data.role, unit_id=unit_id,
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(actor_id, "user.create", object_type="user", object_id=user.id,
                 summary=f"Tạo tài khoản {username} ({ROLES[data.role]})",
                 after=audit.snapshot(user, USER_FIELDS))
    return user, password


def update_user(user: User, *, full_name: str, role: str, unit_id: int | None,
                actor_id: int | None) -> User:
    full_name = clean(full_name)
    if not full_name:
        raise UserError("Vui lòng nhập họ và tên.", "full_name")
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        raise UserError(too_long_message("Họ và tên", FULL_NAME_MAX_LENGTH), "full_name")
    unit_id = _check_role_and_unit(role, unit_id, keep_unit_id=user.unit_id)
    _guard_last_admin(user, losing_admin=role != Role.ADMIN)
    before = audit.snapshot(user, USER_FIELDS)
    user.full_name, user.role, user.unit_id = full_name, role, unit_id
    after = audit.snapshot(user, USER_FIELDS)
    if before != after:
        audit.record(actor_id, "user.update", object_type="user", object_id=user.id,
                     summary=f"Sửa tài khoản {user.username}", before=before, after=after)
    return user


def set_active(user: User, active: bool, actor_id: int | None) -> User:
    if user.active == active:
        return user
    if not active:
        if user.id == actor_id:
            raise UserError("Bạn không thể tự khóa tài khoản của mình.", "active")
        _guard_last_admin(user, losing_admin=True)
    user.active = active
    if not active:
        user.end_sessions()
    audit.record(actor_id, "user.activate" if active else "user.deactivate", object_type="user",
                 object_id=user.id,
                 summary=f"{'Mở khóa' if active else 'Khóa'} tài khoản {user.username}",
                 before={"active": not active}, after={"active": active})
    return user


def reset_password(user: User, actor_id: int | None) -> str:
    """Give the account a new random password and return it (to be shown once).

    Every session of the account ends, and the next sign-in must choose a new password.
    """
    password = generate_password()
    user.set_password(password)
    user.must_change_password = True
    user.end_sessions()
    audit.record(actor_id, "user.reset_password", object_type="user", object_id=user.id,
                 summary=f"Đặt lại mật khẩu tài khoản {user.username}")
    return password


def change_own_password(user: User, current: str, new: str) -> None:
    """The signed-in user's own change: every other session of the account ends.

    The caller signs the current session in again (it carries the old session version).
    """
    if not user.check_password(current):
        raise UserError("Mật khẩu hiện tại không đúng.", "current_password")
    check_password_rules(new, user.username, "new_password")
    user.set_password(new)
    user.must_change_password = False
    user.end_sessions()
    audit.record(user.id, "user.change_password", object_type="user", object_id=user.id,
                 summary="Tự đổi mật khẩu")


def sign_out(user: User) -> None:
    """Logout: the session's cookie, even copied before, no longer signs anyone in."""
    user.end_sessions()


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made the way real ones are (same cost)."""
    return hash_password(secrets.token_urlsafe(16))


def record_sign_in(username: str, user: User | None, *, succeeded: bool) -> None:
    """An audit entry for a sign-in, successful or not (never the password); caller commits.

    A failed attempt records the name typed (cut short, control characters dropped), and
    the account when one has that name, so an admin sees who is being tried.
    """
    typed = without_control_characters(username)[:USERNAME_MAX_LENGTH]
    if succeeded and user is not None:
        audit.record(user.id, "auth.login", object_type="user", object_id=user.id,
                     summary=f"Đăng nhập: {user.username}")
        return
    reason = "tài khoản đã bị khóa" if user is not None and not user.active else (
        "sai tên đăng nhập hoặc mật khẩu")
    audit.record(None, "auth.login_failed", object_type="user",
                 object_id=user.id if user is not None else "",
                 summary=f"Đăng nhập không thành công với tên “{typed}” ({reason})")


def authenticate(username: str, password: str) -> User | None:
    """The account ``username`` names if ``password`` is its password, else None.

    A password is checked against a hash even when no account has that name, so the time
    a wrong answer takes does not tell which usernames exist. An inactive account is
    returned too: the caller refuses it, after the password proved who is asking.
    """
    username = username.strip().lower()
    # No username holds a control character, and PostgreSQL refuses a NUL in a query.
    user = None if has_control_characters(username) else db.session.scalar(
        sa.select(User).where(User.username == username))
    if user is None:
        password_matches(_dummy_hash(), password)
        return None
    return user if user.check_password(password) else None
