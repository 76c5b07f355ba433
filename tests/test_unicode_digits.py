"""Digits from other scripts ("²", "١٢", "¹⁹⁷⁰") pass str.isdigit() but are not numbers a
form should take: each gets a Vietnamese 4xx message, never a 500 or Python's English."""

from __future__ import annotations

from tests.helpers import open_round_setup, register, start


def test_answers_and_predictions_with_foreign_digits_are_refused(app):
    slug, round_id, *_ = open_round_setup(app)
    client = app.test_client()
    assert register(app, client, slug).status_code == 302
    public_id = start(client, slug, round_id)
    save = client.post(f"/a/{public_id}/answer", json={"prediction": "²"})
    assert save.status_code == 400 and save.get_json()["ok"] is False
    float_guess = client.post(f"/a/{public_id}/answer", json={"prediction": 1.5})
    assert float_guess.status_code == 400
    submitted = client.post(f"/a/{public_id}/submit", data={"q1": "²", "prediction": "3"})
    assert submitted.status_code in (200, 302)


def test_registration_with_foreign_digits_gets_vietnamese_messages(app):
    slug, *_ = open_round_setup(app)
    client = app.test_client()
    response = client.post(f"/c/{slug}/register", data={
        "full_name": "Lê Thị Số", "phone": "0912 345 678", "birth_year": "¹⁹⁷⁰",
        "citizen_id": "١٢٣٤٥٦٧٨٩٠١٢", "unit": "²", "category": "²", "consent": "y",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "invalid literal" not in page
    assert "Năm sinh gồm 4 chữ số" in page and "12 chữ số" in page
    confirm = client.post(f"/c/{slug}/confirm", data={"phone": "0912 345 678",
                                                     "birth_year": "¹⁹⁷⁰"})
    assert confirm.status_code < 500
