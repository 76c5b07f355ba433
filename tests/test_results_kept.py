"""Results a resident keeps: the answer key in words, the participation certificate."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from contest.extensions import db
from contest.models import Contest, Round
from contest.services.taking import attempts as svc
from tests import factories
from tests.helpers import fresh_attempt_at as _attempt
from tests.helpers import remember as _remember


@pytest.fixture
def world(app, client):
    with app.app_context():
        for n in range(3):
            factories.make_question("a", text=f"Câu hỏi thử số {n}?", options=[
                f"Phương án một {n}", f"Phương án hai {n}", f"Phương án ba {n}"], correct=0)
        unit = factories.make_unit(name="Tổ dân phố số 5")
        contest = factories.make_contest(slug="cchc", title="Cuộc thi tìm hiểu CCHC 2026",
                                         participation_certificates=True)
        round_ = factories.make_round(contest, name="Đợt 1", quota={"a": 3})
        participant = factories.make_participant(contest, full_name="Lê Thị Hoa",
                                                 unit_id=unit.id)
        data = {"round_id": round_.id, "contest_id": contest.id,
                "participant_id": participant.id}
    _remember(app, client, data["participant_id"])
    return data


def _submit_two_right(app, client, world) -> str:
    path = client.post(f"/c/cchc/rounds/{world['round_id']}/start").location
    with app.app_context():
        items = svc.load_items(_attempt(path))
        right = {i.position: i.option_order.index(i.version.correct_option) for i in items}
    wrong = (right[2] + 1) % 3
    client.post(path + "/submit", data={"confirm": "yes", "q1": str(right[1]), "q2": str(wrong),
                                        "q3": str(right[3])})
    return path


def _close_round(app, world) -> None:
    with app.app_context():
        round_ = db.session.get(Round, world["round_id"])
        round_.closes_at = factories.now() - timedelta(seconds=1)
        round_.opens_at = round_.closes_at - timedelta(days=1)
        db.session.commit()


def test_answer_key_marks_each_question_right_or_wrong_in_words(app, client, world):
    path = _submit_two_right(app, client, world)
    before = client.get(path + "/result").get_data(as_text=True)
    assert 'class="verdict"' not in before and "Giải thích" not in before  # not before close
    _close_round(app, world)
    page = client.get(path + "/result").get_data(as_text=True)
    verdicts = re.findall(r'<p class="verdict"><span class="badge (?:ok|bad)">(Đúng|Sai)</span>',
                          page)
    assert verdicts == ["Đúng", "Sai", "Đúng"]
    assert page.count(": đúng.</p>") == 2 and page.count(": sai. Đáp án đúng: <strong>") == 1
    assert page.count("<strong>Giải thích:</strong> Giải thích câu") == 3
    assert page.count("<strong>Căn cứ:</strong> Kế hoạch TTCCHC 2026, mục II.1") == 3


def test_submitted_resident_downloads_a_small_participation_certificate(app, client, world):
    path = _submit_two_right(app, client, world)
    page = client.get(path + "/result").get_data(as_text=True)
    assert f'href="{path}/certificate.pdf"' in page and "Giấy chứng nhận tham gia" in page
    response = client.get(path + "/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    # It names the resident: a shared phone's browser must not keep it.
    assert response.headers["Cache-Control"] == "no-store"
    assert len(response.data) < 200 * 1024, len(response.data)
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in ("GIẤY CHỨNG NHẬN THAM GIA", "Lê Thị Hoa", "Tổ dân phố số 5",
                     "Cuộc thi tìm hiểu CCHC 2026", "Đợt 1", "2/3 câu trả lời đúng"):
        assert expected in text, (expected, text)


def test_participation_certificate_is_signed_by_the_committee_as_set(app, client, world):
    from contest.services.documents import signers

    with app.app_context():
        signers.save("committee", {"number": "", "authority": "TM. BAN TỔ CHỨC",
                                   "position": "TRƯỞNG BAN", "signer": "Lê Thị Thu"},
                     actor_id=None)
        db.session.commit()
    path = _submit_two_right(app, client, world)
    text = PdfReader(io.BytesIO(client.get(path + "/certificate.pdf").data)).pages[0]
    text = text.extract_text()
    for expected in ("TM. BAN TỔ CHỨC", "TRƯỞNG BAN", "Lê Thị Thu"):
        assert expected in text, (expected, text)


def test_no_certificate_unless_enabled_submitted_and_ones_own(app, client, world):
    path = client.post(f"/c/cchc/rounds/{world['round_id']}/start").location
    response = client.get(path + "/certificate.pdf")
    assert response.status_code == 409 and "sau khi bạn nộp bài" in response.get_data(
        as_text=True)
    client.post(path + "/submit", data={"confirm": "yes"})
    assert app.test_client().get(path + "/certificate.pdf").status_code == 404  # a stranger
    with app.app_context():
        db.session.execute(sa.update(Contest).values(participation_certificates=False))
        db.session.commit()
    response = client.get(path + "/certificate.pdf")
    assert response.status_code == 404 and "không cấp giấy chứng nhận" in response.get_data(
        as_text=True)
    assert "certificate.pdf" not in client.get(path + "/result").get_data(as_text=True)
