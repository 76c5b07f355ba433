"""Nobody learns whether a phone or a CCCD is registered without holding that person's
details; returning residents get back in; wrong tries hold a phone; organisers release it.

The rule is written in contest/services/taking/registration.py.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry, IdentityTry, Participant, PhoneHold
from contest.services.taking import phone_holds
from tests.helpers import public_world as _world
from tests.helpers import register_resident as _register
from tests.helpers import start_round as _start
from tests.helpers import text_of as _text

REGISTERED = "0912 345 678"
UNKNOWN = "0987 654 321"
_CODE = re.compile(r"\b[23456789ACDEHKMNPRTUVXY]{4}-?[23456789ACDEHKMNPRTUVXY]{4}\b")


@pytest.fixture
def world(app_ctx):
    return _world()


@pytest.fixture
def resident(app, client, world):
    """Trần Văn Bình, born 1970, registered on REGISTERED; ``client`` is his phone."""
    assert _register(client, world, phone=REGISTERED, citizen_id="037070001234").status_code \
        == 302
    return db.session.scalar(sa.select(Participant))


def _same(*responses, typed=()) -> str:
    """Status, redirect and page of each response, with what differs by design (the typed
    phone and a new participant's random code) blanked; all equal or the assertion fails."""
    seen = []
    for response, value in zip(responses, typed or [""] * len(responses), strict=True):
        page = _CODE.sub("CODE", _text(response))
        if value:
            page = page.replace(value, "PHONE")
        seen.append((response.status_code, response.headers.get("Location"), page))
    assert all(s == seen[0] for s in seen), "responses differ"
    return seen[0][2]


def test_registering_with_a_registered_phone_answers_as_an_unknown_one(app, world, resident):
    fresh, probe = app.test_client(), app.test_client()
    details = {"full_name": "Kẻ Dò Tìm", "birth_year": "1980"}
    on_registered = _register(probe, world, phone=REGISTERED, **details)
    on_unknown = _register(fresh, world, phone=UNKNOWN, **details)
    _same(on_registered, on_unknown)
    page = _same(probe.get("/c/cchc"), fresh.get("/c/cchc"))
    assert "Đăng ký thành công" in page and "Kẻ Dò Tìm" in page
    assert "Trần Văn Bình" not in page
    # The prober has an entry of their own; the resident's is untouched.
    mine = _text(probe.get("/c/cchc/me"))
    assert "Trần Văn Bình" not in mine and "Kẻ Dò Tìm" in mine


def test_registering_with_a_registered_citizen_id_answers_as_an_unknown_one(app, world,
                                                                           resident):
    details = {"full_name": "Kẻ Dò Tìm", "birth_year": "1980"}
    taken = _register(a := app.test_client(), world, phone="0912 000 001",
                      citizen_id="037070001234", **details)
    free = _register(b := app.test_client(), world, phone="0912 000 001",
                     citizen_id="037070009999", **details)
    # The second of these is the first one's person coming back: it resumes.
    assert taken.status_code == free.status_code == 302
    assert "đã được đăng ký" not in _text(a.get("/c/cchc")) + _text(b.get("/c/cchc"))
    c, d = app.test_client(), app.test_client()
    _same(_register(c, world, phone="0912 000 002", citizen_id="037070001234", **details),
          _register(d, world, phone="0912 000 003", citizen_id="037070008888", **details))
    _same(c.get("/c/cchc"), d.get("/c/cchc"))


@pytest.mark.parametrize("details", [
    {"full_name": "Trần Văn Bình", "birth_year": "1971"},   # the name known, the year guessed
    {"full_name": "Ai Đó", "birth_year": "1970"},
])
def test_a_wrong_confirmation_answers_alike_for_registered_and_unknown_phones(app, world,
                                                                             resident,
                                                                             details):
    responses = [app.test_client().post("/c/cchc/confirm", data={"phone": phone, **details})
                 for phone in (REGISTERED, UNKNOWN)]
    page = _same(*responses, typed=(REGISTERED, UNKNOWN))
    assert responses[0].status_code == 400 and "chưa khớp" in page
    assert "Trần Văn Bình" not in page.replace('value="Trần Văn Bình"', "")


def _a_day_later():
    """Tries older than the counting window no longer count (nor exist)."""
    for row in db.session.scalars(sa.select(IdentityTry)):
        row.at -= timedelta(hours=25)
    db.session.commit()


def test_twenty_wrong_confirmations_hold_the_phone_and_unknown_phones_alike(app, world,
                                                                           resident):
    _a_day_later()  # the resident registered yesterday

    def tries(phone):
        prober = app.test_client()
        return [prober.post("/c/cchc/confirm", data={
            "phone": phone, "full_name": "Trần Văn Bình", "birth_year": str(1990 - i)})
            for i in range(20)]

    on_registered, on_unknown = tries(REGISTERED), tries(UNKNOWN)
    statuses = [r.status_code for r in on_registered]
    limit = phone_holds.TRY_LIMIT
    assert statuses == [400] * (limit - 1) + [429] * (20 - limit + 1), statuses
    assert [r.status_code for r in on_unknown] == statuses
    for a, b in zip(on_registered, on_unknown, strict=True):
        _same(a, b, typed=(REGISTERED, UNKNOWN))
    held = _same(on_registered[-1], on_unknown[-1], typed=(REGISTERED, UNKNOWN))
    assert "liên hệ Ban tổ chức" in held
    # Even the right details are refused now, from a new phone.
    right = app.test_client().post("/c/cchc/confirm", data={
        "phone": REGISTERED, "full_name": "Trần Văn Bình", "birth_year": "1970"})
    assert right.status_code == 429 and "tạm khóa" in _text(right)
    # Registering with it too, whoever types it.
    refused = _register(app.test_client(), world, phone=REGISTERED, full_name="Người Mới")
    assert refused.status_code == 429 and "liên hệ Ban tổ chức" in _text(refused)
    assert db.session.scalar(sa.select(sa.func.count(Participant.id))) == 1


def test_registering_counts_as_a_try_so_the_hold_comes_alike(app, world, resident):
    """A prober who registers on a phone and then confirms reaches the hold at the same
    step whether or not someone registered the phone before (a day or more ago: within the
    day the resident's own registration is one of the phone's tries, see registration.py)."""
    _a_day_later()

    def probe(phone):
        client = app.test_client()
        first = _register(client, world, phone=phone, full_name="Kẻ Dò Tìm", birth_year="1980")
        assert first.status_code == 302
        client.post("/c/cchc/forget")
        return [client.post("/c/cchc/confirm", data={
            "phone": phone, "full_name": "Không Ai", "birth_year": "1999"}).status_code
            for _ in range(6)]

    assert probe(REGISTERED) == probe(UNKNOWN) == [400] * 3 + [429] * 3


def test_the_hold_never_blocks_the_browser_that_remembers_the_resident(app, client, world,
                                                                      resident):
    prober = app.test_client()
    for year in range(1990, 2010):
        prober.post("/c/cchc/confirm", data={"phone": REGISTERED, "full_name": "Trần Văn Bình",
                                            "birth_year": str(year)})
    assert phone_holds.is_held(world["contest_id"], "+84912345678")
    page = _text(client.get("/c/cchc"))
    assert "Trần Văn Bình" in page and "Bắt đầu làm bài" in page
    attempt_path = _start(client, world)
    assert client.get(attempt_path).status_code == 200
    # Confirming or registering again from that browser goes straight back to the contest.
    assert client.get("/c/cchc/confirm").status_code == 302
    assert client.post("/c/cchc/confirm", data={"phone": REGISTERED}).status_code == 302


def test_the_personal_code_resumes_on_a_fresh_phone_and_is_shown_where_promised(app, client,
                                                                               world, resident):
    code = resident.personal_code_display
    assert code in _text(client.get("/c/cchc"))
    slip = _text(client.get("/c/cchc/me/code"))
    assert code in slip and "/c/cchc/confirm" in slip and "Trần Văn Bình" in slip
    assert code in _text(client.get("/c/cchc/me"))
    attempt_path = _start(client, world)
    client.post(attempt_path + "/submit", data={"confirm": "yes", "prediction": "3"})
    assert code in _text(client.get(attempt_path + "/result"))

    fresh = app.test_client()
    wrong = fresh.post("/c/cchc/confirm", data={"personal_code": "2222-2222"})
    assert wrong.status_code == 400 and "Không tìm thấy mã dự thi" in _text(wrong)
    typed = code.lower().replace("-", " ")
    right = fresh.post("/c/cchc/confirm", data={"personal_code": typed})
    assert right.status_code == 302
    assert "Bài thi của tôi" in _text(fresh.get("/c/cchc"))
    assert "Lượt 1" in _text(fresh.get("/c/cchc/me"))
    # A printable slip asks who you are when the browser does not know.
    assert app.test_client().get("/c/cchc/me/code").status_code == 302


def test_the_code_still_resumes_a_held_phone(app, world, resident):
    for year in range(1990, 1996):
        app.test_client().post("/c/cchc/confirm", data={
            "phone": REGISTERED, "full_name": "X", "birth_year": str(year)})
    assert phone_holds.is_held(world["contest_id"], "+84912345678")
    response = app.test_client().post("/c/cchc/confirm",
                                      data={"personal_code": resident.personal_code})
    assert response.status_code == 302


def test_organisers_see_held_phones_and_release_them_audited(app, client, world, resident,
                                                            login_as):
    for year in range(1990, 2010):
        app.test_client().post("/c/cchc/confirm", data={
            "phone": REGISTERED, "full_name": "Trần Văn Bình", "birth_year": str(year)})
    organiser = app.test_client()
    with app.app_context():
        from tests import factories
        user = factories.make_user(role="organiser")
        username = user.username
    assert organiser.post("/login", data={"username": username,
                                          "password": factories.PASSWORD}).status_code == 302
    page = _text(organiser.get(f"/admin/results/contests/{world['contest_id']}/held-phones"))
    assert "0912 345 678" in page and "Đang khóa" in page
    hold = db.session.scalar(sa.select(PhoneHold))
    released = organiser.post(f"/admin/results/held-phones/{hold.id}/release")
    assert released.status_code == 302
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "phone_hold.release"))
    assert entry is not None and entry.user_id == user.id and "091****678" in entry.summary
    assert "0912345678" not in entry.summary
    assert not phone_holds.is_held(world["contest_id"], "+84912345678")
    again = organiser.post(f"/admin/results/held-phones/{hold.id}/release")
    assert again.status_code == 302
    assert "đã được mở khóa trước đó" in _text(organiser.get(again.location))
    # The resident gets in again with the right details.
    right = app.test_client().post("/c/cchc/confirm", data={
        "phone": REGISTERED, "full_name": "Trần Văn Bình", "birth_year": "1970"})
    assert right.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "phone_hold.release")) == 1


def test_confirmation_needs_name_and_birth_year_and_says_so(app, world, resident):
    response = app.test_client().post("/c/cchc/confirm",
                                      data={"phone": REGISTERED, "birth_year": "1970"})
    assert response.status_code == 400 and "cả họ và tên và năm sinh" in _text(response)
    bad_code = app.test_client().post("/c/cchc/confirm", data={"personal_code": "abc"})
    assert bad_code.status_code == 400 and "8 chữ và số" in _text(bad_code)


def test_viewers_see_held_phones_masked_and_cannot_release(app, client, login_as):
    from tests import factories

    with app.app_context():
        contest = factories.make_contest()
        hold = PhoneHold(contest_id=contest.id, phone="+84912345678",
                         held_at=factories.now())
        db.session.add(hold)
        db.session.commit()
        contest_id, hold_id = contest.id, hold.id
    login_as("viewer")
    page = _text(client.get(f"/admin/results/contests/{contest_id}/held-phones"))
    assert "091****678" in page and "0912345678" not in page
    assert "Mở khóa</button>" not in page
    assert client.post(f"/admin/results/held-phones/{hold_id}/release").status_code == 403
    with app.app_context():
        assert phone_holds.is_held(contest_id, "+84912345678")
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "phone_hold.release")) == 0
