"""The rate limits' shared store in the database, used while Redis cannot be reached."""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from contest.models.base import Base


class RateLimitCounter(Base):
    """One fixed-window counter of Flask-Limiter (see contest/services/rate_limits.py)."""

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    count: Mapped[int]
    #: Seconds since the epoch, as the limits library counts time.
    expires_at: Mapped[float] = mapped_column(sa.Float, index=True)
