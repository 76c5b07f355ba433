"""One role guard per protected blueprint, instead of a decorator on every view."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from contest.errors import abort_vi
from contest.extensions import login_manager

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: The blueprints behind sign-in (nested ones, like admin.users, go with their parent).
SIGNED_IN_BLUEPRINTS = frozenset({"admin", "reports", "activities"})


def guard_blueprint(
    bp: Blueprint, *roles: str, read_only_roles: tuple[str, ...] = ()
) -> None:
    """Require sign-in and one of ``roles`` for every view of ``bp``.

    Users with a role in ``read_only_roles`` may also enter, but only to read.
    """

    @bp.before_request
    def _require_role():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role in roles:
            return None
        if current_user.role in read_only_roles and request.method in READ_ONLY_METHODS:
            return None
        abort_vi(403, "Tài khoản của bạn không được phép thực hiện thao tác này.")


def require_password_change():
    """A generated, reset or admin-given password is changed before anything else
    behind sign-in (registered for every request by the auth blueprint)."""
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    if (request.blueprint or "").split(".")[0] not in SIGNED_IN_BLUEPRINTS:
        return None
    return redirect(url_for("auth.change_password"))
