"""One role guard per protected blueprint, instead of a decorator on every view."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user

from contest.errors import abort_vi
from contest.extensions import login_manager

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


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
