"""The structured audit log of organiser changes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from contest.extensions import db
from contest.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def record(
    actor_id: int | None,
    action: str,
    *,
    object_type: str = "",
    object_id: Any = "",
    summary: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add an audit entry to the session; the caller's commit makes it stick with the change."""
    if before is not None and after is not None:
        # Keep only what changed, so the log reads as a diff.
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after.get(k) for k in sorted(changed)}
    entry = AuditEntry(
        user_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:500],
        before=_plain(before),
        after=_plain(after),
    )
    db.session.add(entry)
    return entry


def snapshot(obj: Any, fields: list[str]) -> dict:
    """The named attributes of a model as a plain dict, for before/after values."""
    return {name: _plain(getattr(obj, name)) for name in fields}
