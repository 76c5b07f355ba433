"""Malformed input at every public endpoint: wrong types, huge values, broken JSON,
missing fields, bad unicode. Each gets a 4xx (or the normal page), never a 500."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contest.extensions import db
from contest.models import Attempt
from tests.helpers import open_round_setup, register, start

HUGE = "9" * 400
INVALID_UTF8 = b"\xff\xfe\xc3\x28\xa0\xa1\xed\xa0\x80"


@pytest.fixture
def journey(app):
    """An open round, a registered resident with an attempt in progress."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a bug must show as a 500 here, not raise
    slug, round_id, code, _ = open_round_setup(app)
    client = app.test_client()
    assert register(app, client, slug).status_code == 302
    public_id = start(client, slug, round_id)
    return {"app": app, "client": client, "slug": slug, "round_id": round_id, "code": code,
            "attempt": public_id}


def assert_not_500(response, what) -> None:
    assert response.status_code < 500, (what, response.status_code,
                                        response.get_data(as_text=True)[:300])


# --------------------------------------------------------------------------- URLs

URL_PARTS = ["x" * 5000, "%00", "..%2F..%2Fetc%2Fpasswd", "<script>", "😀" * 50, "%ff%fe",
             "' OR 1=1 --", "\u202e", " ", "%20", HUGE]


def test_malformed_urls(journey):
    client, slug = journey["client"], journey["slug"]
    urls = []
    for part in URL_PARTS:
        urls += [f"/q/{part}", f"/c/{part}", f"/c/{part}/register", f"/a/{part}",
                 f"/a/{part}/result", f"/c/{slug}/me?page={part}", f"/?q={part}"]
    for url in urls:
        assert_not_500(client.get(url), url)
    for url in (f"/c/{slug}/rounds/{HUGE}/start", f"/c/{slug}/rounds/2147483648/start",
                f"/c/{slug}/rounds/-1/start", f"/c/{slug}/rounds/0/start",
                f"/a/{'x' * 5000}/answer", f"/a/{'x' * 5000}/submit"):
        assert_not_500(client.post(url, data={}), url)


# --------------------------------------------------------------------------- forms

REGISTRATION_CASES = [
    {},
    {"full_name": "", "phone": "", "consent": ""},
    {"full_name": "A" * 100_000, "phone": "0912345678", "consent": "y"},
    {"full_name": "Nguyễn Văn A", "phone": HUGE, "consent": "y"},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "unit": HUGE},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "unit": "-1"},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "unit": "abc"},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "category": HUGE},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "category": "0"},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y",
     "birth_year": "١٩٨٥"},  # Arabic-Indic digits: str.isdigit() says yes
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "birth_year": HUGE},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "birth_year": "-1"},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "gender": "x" * 500},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y",
     "citizen_id": "1" * 5000},
    {"full_name": "Nguyễn Văn A", "phone": "0912345678", "consent": "y", "unit": "other",
     "unit_other": "x" * 100_000},
    {"full_name": "\x00\x01\x02", "phone": "\x00", "consent": "\x00"},
    {"full_name": "Nguyễn Văn A", "phone": "+1 202 555 0100", "consent": "y"},
    {"full_name": "Nguyễn Văn A", "phone": "０９１２３４５６７８", "consent": "y"},
]


@pytest.mark.parametrize("case", range(len(REGISTRATION_CASES)))
def test_malformed_registration_and_confirmation(app, case):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    slug, _, _, _ = open_round_setup(app)
    data = REGISTRATION_CASES[case]
    for path in ("register", "confirm"):
        client = app.test_client()
        response = client.post(f"/c/{slug}/{path}", data=data)
        assert_not_500(response, (path, case))


def test_invalid_utf8_and_wrong_content_types(journey):
    client, slug, attempt = journey["client"], journey["slug"], journey["attempt"]
    bodies = [
        (b"full_name=" + INVALID_UTF8 + b"&phone=0912345678&consent=y",
         "application/x-www-form-urlencoded"),
        (INVALID_UTF8, "application/json"),
        (INVALID_UTF8, "multipart/form-data; boundary=xyz"),
        (b"--xyz\r\nbroken", "multipart/form-data; boundary=xyz"),
        (b"<xml/>", "application/xml"),
        (b"", "text/plain"),
    ]
    for body, content_type in bodies:
        for url in (f"/c/{slug}/register", f"/c/{slug}/confirm", f"/a/{attempt}/answer",
                    f"/a/{attempt}/submit", f"/c/{slug}/rounds/{journey['round_id']}/start"):
            response = client.post(url, data=body, content_type=content_type)
            assert_not_500(response, (url, content_type, body[:20]))


# --------------------------------------------------------------------------- answer JSON

ANSWER_CASES = [
    b"", b"{", b"null", b"[]", b'"text"', b"1", b"{}", b'{"position": 1}',
    b'{"choice": 1}', b'{"position": "1", "choice": "1"}', b'{"position": 1.5, "choice": 0}',
    b'{"position": 1e308, "choice": 0}', b'{"position": 1, "choice": 1e308}',
    b'{"position": 99999999999999999999999, "choice": 0}',
    b'{"position": 1, "choice": 99999999999999999999999}',
    b'{"position": -1, "choice": 0}', b'{"position": 0, "choice": 0}',
    b'{"position": 1, "choice": -1}', b'{"position": 1, "choice": 4}',
    b'{"position": true, "choice": false}', b'{"position": null, "choice": null}',
    b'{"position": [1], "choice": {"a": 1}}', b'{"position": NaN, "choice": Infinity}',
    b'{"prediction": null}', b'{"prediction": "abc"}', b'{"prediction": -5}',
    b'{"prediction": 1e400}', b'{"prediction": 99999999999999999999999999}',
    b'{"prediction": 9223372036854775808}', b'{"prediction": "9223372036854775808"}',
    b'{"prediction": [1]}', b'{"prediction": 1.5}', b'{"prediction": "\\u0000"}',
    b'{"prediction": "' + b"9" * 5000 + b'"}',
    b'{"position": 1, "choice": 0, "extra": "' + b"x" * 100_000 + b'"}',
    b'{"a":' * 5000 + b"1" + b"}" * 5000,  # deep nesting
]


@pytest.mark.parametrize("case", range(len(ANSWER_CASES)))
def test_malformed_answer_json(journey, case):
    client, attempt = journey["client"], journey["attempt"]
    response = client.post(f"/a/{attempt}/answer", data=ANSWER_CASES[case],
                           content_type="application/json")
    assert_not_500(response, ANSWER_CASES[case][:80])
    assert response.is_json, "the autosave endpoint always answers JSON"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=6,
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(payload=st.dictionaries(
    st.sampled_from(["position", "choice", "prediction", "x"]), JSON_VALUES, max_size=3))
def test_generated_answer_payloads_never_500(journey, payload):
    client, attempt = journey["client"], journey["attempt"]
    body = json.dumps(payload, allow_nan=True)
    response = client.post(f"/a/{attempt}/answer", data=body, content_type="application/json")
    assert_not_500(response, payload)
    assert response.status_code in (200, 400, 409, 422), (payload, response.status_code)


SUBMIT_CASES = [
    {}, {"q1": HUGE}, {"q1": "-1"}, {"q1": "99"}, {"q1": "abc", "q2": "\x00"},
    {"prediction": HUGE}, {"prediction": "-1"}, {"prediction": "1e9"},
    {"prediction": "9223372036854775808"}, {"prediction": "١٢"},
    {f"q{n}": "0" for n in range(1, 5000)},
]


@pytest.mark.parametrize("case", range(len(SUBMIT_CASES)))
def test_malformed_submit(journey, case):
    client, attempt = journey["client"], journey["attempt"]
    response = client.post(f"/a/{attempt}/submit", data=SUBMIT_CASES[case])
    assert_not_500(response, SUBMIT_CASES[case])
    with journey["app"].app_context():
        row = db.session.scalar(sa.select(Attempt).where(Attempt.public_id == attempt))
        # Either graded once, or still open with nothing half-written.
        assert row.status in ("in_progress", "submitted")
        if row.status == "submitted":
            assert row.score is not None
