"""Units (tổ dân phố, cơ quan/đơn vị): create, edit, deactivate, merge.

Plain functions over plain values; the caller commits, so the change and its
audit entry land together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

import sqlalchemy as sa

from contest.extensions import db
from contest.helpers import audit
from contest.helpers.formatting import format_number
from contest.helpers.text import (
    clean,
    control_characters_message,
    has_control_characters,
    natural_key,
    too_long_message,
)
from contest.models import UNIT_KINDS, Activity, Participant, Unit, User
from contest.models.reference import UNIT_NAME_MAX_LENGTH
from contest.services.errors import DomainError

UNIT_FIELDS = ["name", "kind", "population", "households", "is_plan_responsible", "active"]
T = TypeVar("T")
#: Larger than any ward or agency; a typo with extra zeros is caught.
POPULATION_MAX = 1_000_000


def in_natural_order(items: Iterable[T], group: Callable[[Unit], object] | None = None,
                     *, group_descending: bool = False,
                     unit: Callable[[T], Unit] = lambda item: item) -> list[T]:
    """Units by ``group`` (e.g. kind), then the order set by hand, then name read naturally.

    The one order of every list of units ("Tổ dân phố 2" before "Tổ dân phố 10"); SQL
    compares names letter by letter, so lists are ordered here after the query. ``unit``
    finds the unit in each item (rows that carry a unit and counts).
    """
    ordered = sorted(items, key=lambda item: (unit(item).position, natural_key(unit(item).name)))
    if group is not None:
        # Stable: keeps the order above within each group.
        ordered.sort(key=lambda item: group(unit(item)), reverse=group_descending)
    return ordered


class UnitError(DomainError):
    """A rule refused the change; ``field`` names the form field to mark (or None)."""


@dataclass
class UnitData:
    name: str
    kind: str = "residential_group"
    population: int | None = None
    is_plan_responsible: bool = False
    active: bool = True
    #: Số hộ; None leaves what is recorded alone (the form does not ask for it).
    households: int | None = None


def units_by_name() -> dict[str, Unit]:
    """Every unit by its name as :func:`find_by_name` compares it, for checking many rows."""
    return {clean(unit.name).casefold(): unit for unit in db.session.scalars(sa.select(Unit))}


def find_by_name(name: str, exclude_id: int | None = None) -> Unit | None:
    """The unit with this name, ignoring case and extra spaces (NFC)."""
    wanted = clean(name).casefold()
    # Compared in Python: SQLite's lower() leaves Vietnamese letters alone, and a ward
    # has at most a few hundred units.
    for unit in db.session.scalars(sa.select(Unit)):
        if unit.id != exclude_id and clean(unit.name).casefold() == wanted:
            return unit
    return None


def validate(data: UnitData, exclude_id: int | None = None) -> UnitData:
    name = clean(data.name)
    if not name:
        raise UnitError("Vui lòng nhập tên đơn vị.", "name")
    if len(name) > UNIT_NAME_MAX_LENGTH:
        raise UnitError(too_long_message("Tên đơn vị", UNIT_NAME_MAX_LENGTH), "name")
    if has_control_characters(name):
        raise UnitError(control_characters_message("Tên đơn vị"), "name")
    if data.kind not in UNIT_KINDS:
        raise UnitError("Loại đơn vị không hợp lệ.", "kind")
    if data.population is not None and not 0 <= data.population <= POPULATION_MAX:
        raise UnitError(
            f"Dân số / số người phải từ 0 đến {format_number(POPULATION_MAX)}.", "population")
    if data.households is not None and not 0 <= data.households <= POPULATION_MAX:
        raise UnitError(f"Số hộ phải từ 0 đến {format_number(POPULATION_MAX)}.", "households")
    if find_by_name(name, exclude_id) is not None:
        raise UnitError(f"Đã có đơn vị tên “{name}”.", "name")
    return UnitData(name, data.kind, data.population, bool(data.is_plan_responsible),
                    bool(data.active), data.households)


def create_unit(data: UnitData, actor_id: int | None) -> Unit:
    data = validate(data)
    position = (db.session.scalar(sa.select(sa.func.max(Unit.position))) or 0) + 1
    unit = Unit(name=data.name, kind=data.kind, population=data.population,
                households=data.households, is_plan_responsible=data.is_plan_responsible,
                active=data.active, position=position)
    db.session.add(unit)
    db.session.flush()
    audit.record(actor_id, "unit.create", object_type="unit", object_id=unit.id,
                 summary=f"Thêm đơn vị {unit.name}", after=audit.snapshot(unit, UNIT_FIELDS))
    return unit


def update_unit(unit: Unit, data: UnitData, actor_id: int | None) -> Unit:
    data = validate(data, exclude_id=unit.id)
    before = audit.snapshot(unit, UNIT_FIELDS)
    unit.name, unit.kind, unit.population = data.name, data.kind, data.population
    unit.is_plan_responsible, unit.active = data.is_plan_responsible, data.active
    if data.households is not None:
        unit.households = data.households
    after = audit.snapshot(unit, UNIT_FIELDS)
    if before != after:
        audit.record(actor_id, "unit.update", object_type="unit", object_id=unit.id,
                     summary=f"Sửa đơn vị {unit.name}", before=before, after=after)
    return unit


def set_active(unit: Unit, active: bool, actor_id: int | None) -> Unit:
    if unit.active == active:
        return unit
    unit.active = active
    verb = "Mở lại" if active else "Ngừng sử dụng"
    audit.record(actor_id, "unit.activate" if active else "unit.deactivate", object_type="unit",
                 object_id=unit.id, summary=f"{verb} đơn vị {unit.name}",
                 before={"active": not active}, after={"active": active})
    return unit


@dataclass
class MergeResult:
    participants: int
    users: int
    activities: int


def merge_units(source: Unit, target: Unit, actor_id: int | None) -> MergeResult:
    """Move everything that belongs to ``source`` to ``target``, then deactivate ``source``.

    Used when a unit was entered twice or two tổ dân phố were joined. The
    source is kept (inactive) rather than deleted so old report notes and
    the audit log still name it.
    """
    if source.id == target.id:
        raise UnitError("Không thể gộp một đơn vị vào chính nó.", "target_id")
    if not target.active:
        raise UnitError(
            f"Đơn vị “{target.name}” đang ngừng sử dụng; hãy mở lại trước khi gộp vào.",
            "target_id",
        )
    moved = MergeResult(
        participants=db.session.execute(
            sa.update(Participant).where(Participant.unit_id == source.id)
            .values(unit_id=target.id)
        ).rowcount,
        users=db.session.execute(
            sa.update(User).where(User.unit_id == source.id).values(unit_id=target.id)
        ).rowcount,
        activities=db.session.execute(
            sa.update(Activity).where(Activity.unit_id == source.id).values(unit_id=target.id)
        ).rowcount,
    )
    was_active = source.active
    source.active = False
    audit.record(
        actor_id, "unit.merge", object_type="unit", object_id=source.id,
        summary=(f"Gộp đơn vị {source.name} vào {target.name}: {moved.participants} thí sinh, "
                 f"{moved.users} tài khoản, {moved.activities} hoạt động"),
        before={"active": was_active, "unit_id": source.id},
        after={"active": False, "merged_into": target.id, "merged_into_name": target.name,
               "participants": moved.participants, "users": moved.users,
               "activities": moved.activities},
    )
    # Bulk updates bypass the identity map: make loaded objects re-read their unit.
    db.session.flush()
    db.session.expire_all()
    return moved
