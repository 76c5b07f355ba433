"""One run per interval for jobs that every server schedules (cron on each of N servers).

The claim is one conditional UPDATE of a shared row: the database lets exactly one
caller move ``last_started_at`` forward within an interval (PostgreSQL re-checks the
condition after waiting for a concurrent writer; SQLite serialises writes), so the
others learn at once that the work is being done and return.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from contest.extensions import db
from contest.models.jobs import ScheduledRun


def claim_run(name: str, now: datetime, every: timedelta) -> bool:
    """True for the one caller that should run job ``name`` now; commits the claim."""
    if db.session.get(ScheduledRun, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(ScheduledRun(name=name, last_started_at=None))
        except IntegrityError:  # another server created it at the same moment
            pass
    claimed = db.session.execute(
        sa.update(ScheduledRun)
        .where(ScheduledRun.name == name,
               sa.or_(ScheduledRun.last_started_at.is_(None),
                      ScheduledRun.last_started_at <= now - every))
        .values(last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return claimed
