"""Names must print: characters the PDF fonts cannot draw are refused at registration."""

from __future__ import annotations

from contest.helpers.pdf import undrawable_characters
from contest.services.taking import registration
from contest.services.taking.registration import UNIT_OTHER, RegistrationInput
from tests import factories


def test_vietnamese_names_draw_and_emoji_do_not():
    assert undrawable_characters("Nguyễn Thị Ánh Tuyết") == []
    assert undrawable_characters("Đặng Văn Ỹ, Phạm Thị Ợ-Ầ (ông bà) 1985") == []
    # Decomposed input (NFD from some keyboards) is judged as the letters it makes.
    assert undrawable_characters("Nguye\u0302\u0303n") == []
    assert undrawable_characters("Lan 😀🌸 Lan 😀") == ["😀", "🌸"]
    assert undrawable_characters("王小明") == ["王", "小", "明"]


def _input(**fields) -> RegistrationInput:
    data = {"full_name": "Trần Văn Bình", "phone": "0912 345 678", "birth_year": "1970",
            "consent": True, "unit": UNIT_OTHER, "unit_other": "Tổ dân phố Phúc Lộc"}
    data.update(fields)
    return RegistrationInput(**data)


def test_registration_names_the_characters_it_cannot_print(app_ctx):
    contest = factories.make_contest(slug="cchc")
    now = factories.now()
    _, errors = registration.validate(contest, _input(full_name="Lan 🌸 Hương"), now)
    assert errors["full_name"].startswith("Họ và tên có ký tự không in được")
    assert "🌸" in errors["full_name"]
    _, errors = registration.validate(contest, _input(unit_other="Tổ 5 ⭐⭐"), now)
    assert "Tên đơn vị có ký tự không in được" in errors["unit_other"] and "⭐" in errors[
        "unit_other"]
    values, errors = registration.validate(contest, _input(full_name="Hoàng Thị Ỷ"), now)
    assert "full_name" not in errors and values["full_name"] == "Hoàng Thị Ỷ"


def test_the_registration_form_shows_the_refusal(client, app_ctx):
    contest = factories.make_contest(slug="cchc")
    factories.make_round(contest)
    response = client.post("/c/cchc/register", data={
        "full_name": "Lan 😀", "phone": "0912 345 678", "birth_year": "1970",
        "unit": UNIT_OTHER, "unit_other": "Tổ dân phố số 2",
        "category": str(contest.categories[0].id), "consent": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Họ và tên có ký tự không in được" in page and "😀" in page
