"""Reference data from the plan: content areas, activity forms, units, categories."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base


class ContentArea(Base):
    """One of the 11 content areas of plan section II.1 (a, b, c, d, đ, e, f, g, h, i, k)."""

    __tablename__ = "content_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The plan's letter: a, b, c, d, đ, e, f, g, h, i, k.
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ContentArea {self.code}>"


class ActivityForm(Base):
    """One of the 7 outreach forms of plan section II.2 (a, b, c, d, đ, e, f)."""

    __tablename__ = "activity_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(2), unique=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    position: Mapped[int] = mapped_column(default=0)


UNIT_NAME_MAX_LENGTH = 200

UNIT_KINDS = {
    "residential_group": "Tổ dân phố",
    "agency": "Cơ quan, đơn vị",
}


class Unit(Base):
    """A tổ dân phố or a cơ quan/đơn vị: where participants belong and who reports outreach."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(UNIT_NAME_MAX_LENGTH), unique=True)
    #: "residential_group" or "agency" (see UNIT_KINDS).
    kind: Mapped[str] = mapped_column(sa.String(30), default="residential_group")
    #: Population (tổ dân phố) or headcount (cơ quan), for participation rates.
    population: Mapped[int | None]
    #: Households (số hộ) of a tổ dân phố, kept when the ward's own list gives it.
    households: Mapped[int | None]
    #: Named in plan IV.2 as responsible for outreach (reports quarterly).
    is_plan_responsible: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    @property
    def kind_label(self) -> str:
        return UNIT_KINDS.get(self.kind, self.kind)

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"


class ParticipantCategory(Base):
    """A đối tượng: cán bộ công chức viên chức, người dân, học sinh sinh viên, doanh nghiệp..."""

    __tablename__ = "participant_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    #: Categories sharing a group are ranked together when a contest ranks groups separately.
    ranking_group: Mapped[str] = mapped_column(sa.String(60), default="")
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
