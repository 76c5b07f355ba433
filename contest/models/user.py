"""Organiser accounts and the audit log of their changes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from contest.models.base import Base, UTCDateTime, utcnow
from contest.models.reference import Unit


class Role(StrEnum):
    """A back-office account's role, stored as its value (the column stays a string)."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    VIEWER = "viewer"
    UNIT_REPORTER = "unit_reporter"


ROLES = {
    Role.ADMIN: "Quản trị hệ thống",
    Role.ORGANISER: "Ban tổ chức",
    Role.VIEWER: "Lãnh đạo, văn phòng (chỉ xem)",
    Role.UNIT_REPORTER: "Cán bộ báo cáo của đơn vị",
}
#: Roles that change contests, banks, units and any unit's activities; viewers only read.
CHANGE_ROLES = frozenset({Role.ADMIN, Role.ORGANISER})
#: Roles that read the whole back office (contests, results, statistics, every unit).
BACK_OFFICE_ROLES = frozenset({Role.ADMIN, Role.ORGANISER, Role.VIEWER})

MIN_PASSWORD_LENGTH = 12
#: Longer than any passphrase; bounds the hashing work one sign-in can ask for.
MAX_PASSWORD_LENGTH = 200
USERNAME_MAX_LENGTH = 60
FULL_NAME_MAX_LENGTH = 120


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


class User(UserMixin, Base):
    """A back-office account. Residents never have one."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(USERNAME_MAX_LENGTH), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(FULL_NAME_MAX_LENGTH), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    #: One of :class:`Role` (labels in ROLES).
    role: Mapped[str] = mapped_column(sa.String(20))
    #: The one unit a unit reporter reports for.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Part of every session's id (see ``get_id``): raising it ends the sessions that
    #: carry the old value — on logout, password change, reset and deactivation.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: A generated or reset password: the next sign-in must choose a new one first.
    must_change_password: Mapped[bool] = mapped_column(default=False,
                                                        server_default=sa.false())

    unit: Mapped[Unit | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin', 'organiser', 'viewer', 'unit_reporter')", name="role"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users through this
        return self.active

    @property
    def reads_back_office(self) -> bool:
        """Whether this account sees the contest back office; a unit reporter sees only the
        activity log."""
        return self.role in BACK_OFFICE_ROLES

    @property
    def may_change(self) -> bool:
        """Whether this account changes data in the back office (not only reads it)."""
        return self.role in CHANGE_ROLES

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}.{self.session_version}"

    def end_sessions(self) -> None:
        """Every session signed in so far stops working at its next request."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return password_matches(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class AuditEntry(Base):
    """Who changed what, when, with the values before and after."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: Short verb, e.g. "question.update", "round.create", "participant.disqualify".
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), default="")
    object_id: Mapped[str] = mapped_column(sa.String(40), default="")
    summary: Mapped[str] = mapped_column(sa.String(500), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    user: Mapped[User | None] = relationship()
