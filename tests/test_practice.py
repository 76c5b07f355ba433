"""Practice (Ôn tập): the practice pool, never drawn in a round, and the practice pages."""

from __future__ import annotations

import random

from contest.extensions import db
from contest.models import Round
from contest.services.contests.rounds import active_question_counts
from contest.services.taking.attempts import draw_questions
from tests import factories


def test_a_round_never_draws_a_practice_question(app_ctx):
    practice = {factories.make_question("a", practice=True).id for _ in range(5)}
    contest_ids = {factories.make_question("a").id for _ in range(3)}
    round_ = factories.make_round(quota={"a": 3})
    round_ = db.session.get(Round, round_.id)
    rng = random.Random(7)
    for _ in range(30):
        drawn = {row[0] for row in draw_questions(round_, rng)}
        assert drawn == contest_ids
        assert not drawn & practice
    # The quota check counts only what a round can draw.
    assert active_question_counts()["a"] == 3
