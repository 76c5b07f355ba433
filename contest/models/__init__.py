"""All models, importable from one place: ``from contest.models import Round``."""

from contest.models.activity import (
    Activity,
    ActivityAttachment,
    ReportNote,
    activity_content_area,
)
from contest.models.attempt import (
    Attempt,
    AttemptItem,
    AttemptStatus,
    CachedResult,
    FinishedBy,
    PreparedDraw,
    ResultPublication,
)
from contest.models.bank import OPTION_LETTERS, ColumnMapping, Question, QuestionVersion
from contest.models.base import Base, UTCDateTime, new_public_id, utcnow
from contest.models.contest import Contest, ContestStatus, Round, RoundState, contest_category
from contest.models.document import DocumentSetting
from contest.models.jobs import ScheduledRun
from contest.models.people import (
    ENTRY_POINT_KINDS,
    GENDERS,
    EntryPoint,
    IdentityTry,
    Participant,
    PhoneHold,
    Scan,
)
from contest.models.practice import PracticeTally
from contest.models.rate_limit import RateLimitCounter
from contest.models.reference import (
    UNIT_KINDS,
    ActivityForm,
    ContentArea,
    ParticipantCategory,
    Unit,
)
from contest.models.user import ROLES, AuditEntry, Role, User

# One name a line, so models added in parallel branches merge without conflicts.
__all__ = [
    "ENTRY_POINT_KINDS",
    "GENDERS",
    "OPTION_LETTERS",
    "ROLES",
    "UNIT_KINDS",
    "Activity",
    "ActivityAttachment",
    "ActivityForm",
    "Attempt",
    "AttemptItem",
    "AttemptStatus",
    "AuditEntry",
    "Base",
    "CachedResult",
    "ColumnMapping",
    "ContentArea",
    "Contest",
    "ContestStatus",
    "DocumentSetting",
    "EntryPoint",
    "FinishedBy",
    "IdentityTry",
    "Participant",
    "ParticipantCategory",
    "PhoneHold",
    "PracticeTally",
    "PreparedDraw",
    "Question",
    "QuestionVersion",
    "RateLimitCounter",
    "ReportNote",
    "ResultPublication",
    "Role",
    "Round",
    "RoundState",
    "Scan",
    "ScheduledRun",
    "UTCDateTime",
    "Unit",
    "User",
    "activity_content_area",
    "contest_category",
    "new_public_id",
    "utcnow",
]
