"""The documents of a publication: public list, prize-handover list, decision, certificates.

Each as Word (read back with python-docx) and as PDF (read back with pypdf): in the decree's
layout, with the signer's title and name, and every table cell printed whole.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from contest.extensions import db
from contest.models import AuditEntry
from contest.services.documents import signers
from contest.services.results import documents
from tests import factories as f
from tests.helpers import docx_text, pdf_pages
from tests.ranking_factories import add_attempt

LONG_UNIT = "Trung tâm Phục vụ hành chính công phường Phù Vân"
OFFICE = documents.Office("UBND phường Phù Vân", "ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN", "Phù Vân")
COMMITTEE = {"committee-number": "", "committee-authority": "TM. BAN TỔ CHỨC",
             "committee-position": "Trưởng ban", "committee-signer": "Nguyễn Thị Hoa"}
DECISION = {"decision-number": "/QĐ-UBND", "decision-authority": "KT. CHỦ TỊCH",
            "decision-position": "Phó Chủ tịch", "decision-signer": "Lê Thị Thu"}


@pytest.fixture
def world(app):
    """A closed round: 1 Giải Nhất and 5 Giải Khuyến khích among seven residents."""
    with app.app_context():
        contest = f.make_contest(slug="cuoc-thi-cchc",
                                 title="Cuộc thi tìm hiểu về cải cách hành chính năm 2026")
        opens = f.now() - timedelta(days=8)
        round_ = f.make_round(contest, name="Tuần 1", opens_at=opens,
                              closes_at=opens + timedelta(days=7),
                              prize_tiers=[{"name": "Giải Nhất", "count": 1},
                                           {"name": "Giải Khuyến khích", "count": 5}])
        unit = f.make_unit(LONG_UNIT, kind="agency")
        names = ["Trần Thị Ánh", "Lê Văn Bình", "Phạm Đức Cường", "Nguyễn Thị Dung",
                 "Hoàng Văn Em", "Đặng Thị Giang", "Vũ Văn Hùng"]
        for i, name in enumerate(names):
            person = f.make_participant(contest, full_name=name, phone=f"+8491234567{i}",
                                        unit_id=unit.id)
            add_attempt(round_, person, score=20 - i, prediction=1,
                        duration_ms=605_300 if i == 1 else 125_400 + i * 1000)
        return {"round_id": round_.id, "names": names}


def _publish(client, world):
    assert client.post(f"/admin/results/rounds/{world['round_id']}/publish",
                       data={"confirm": "yes"}).status_code == 302


def _set_signers(client):
    assert client.post("/admin/documents/committee", data=COMMITTEE).status_code == 302
    assert client.post("/admin/documents/decision", data=DECISION).status_code == 302


def _url(world, what, extension):
    return f"/admin/results/rounds/{world['round_id']}/{what}.{extension}"


def test_documents_wait_for_publication(client, login_as, world):
    login_as("organiser")
    for what in ("results", "handover", "decision"):
        for extension in ("pdf", "docx"):
            response = client.get(_url(world, what, extension))
            assert response.status_code == 409
            assert "chưa được công bố" in response.get_data(as_text=True)


def test_round_page_links_every_document_and_the_signing_forms(client, login_as, world):
    login_as("organiser")
    _publish(client, world)
    page = client.get(f"/admin/results/rounds/{world['round_id']}").get_data(as_text=True)
    for what in ("results", "handover", "decision"):
        for extension in ("pdf", "docx"):
            assert _url(world, what, extension) in page
    assert 'id="committee-signing-signer"' in page and 'id="decision-signing-signer"' in page


def test_public_list_pdf_cells_whole_and_signed(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    response = client.get(_url(world, "results", "pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(pdf_pages(response.data))
    for name in world["names"][:6]:
        assert name in text
    # The texts that used to be cut: the prize, a ten-minute time, the long unit name.
    for whole in ("STT", "Họ và tên", "Điện thoại", "Đơn vị", "Điểm", "Thời gian làm bài",
                  "Giải Khuyến khích", "10 phút 5,3 giây", LONG_UNIT, "091****670",
                  "TM. BAN TỔ CHỨC", "TRƯỞNG BAN", "Nguyễn Thị Hoa",
                  "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
        assert whole in text, whole
    assert world["names"][6] not in text  # no prize left for the seventh
    assert "0912345670" not in text and "0912 345 670" not in text


def test_public_list_docx(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    response = client.get(_url(world, "results", "docx"))
    assert response.status_code == 200 and response.mimetype.endswith("wordprocessingml.document")
    document, text = docx_text(response.data)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "BAN TỔ CHỨC CUỘC THI", "DANH SÁCH", "Người đạt giải Tuần 1",
                     "TM. BAN TỔ CHỨC", "TRƯỞNG BAN", "Nguyễn Thị Hoa"):
        assert expected in text, expected
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == documents.PUBLIC_HEADINGS
    assert rows[1][:5] == ["1", "Trần Thị Ánh", "091****670", LONG_UNIT, "Giải Nhất"]
    assert rows[2][4] == "Giải Khuyến khích" and rows[2][6] == "10 phút 5,3 giây"
    assert len(rows) == 7
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_signer_changed_for_one_download(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    query = "?signer=Ph%E1%BA%A1m+V%C4%83n+Nam&position=Ph%C3%B3+tr%C6%B0%E1%BB%9Fng+ban"
    _document, text = docx_text(client.get(_url(world, "results", "docx") + query).data)
    assert "Phạm Văn Nam" in text and "PHÓ TRƯỞNG BAN" in text and "Nguyễn Thị Hoa" not in text
    response = client.get(_url(world, "results", "pdf") + "?signer=" + "x" * 101)
    assert response.status_code == 400
    assert "Họ tên người ký dài tối đa 100 ký tự." in response.get_data(as_text=True)


def test_handover_list_has_a_signing_column_and_full_phones(app, client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    document, text = docx_text(client.get(_url(world, "handover", "docx")).data)
    assert "DANH SÁCH NHẬN GIẢI THƯỞNG" in text and "Nguyễn Thị Hoa" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "STT")
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[0] == ["STT", "Họ và tên", "Đơn vị", "Số điện thoại", "Giải", "Ký nhận"]
    assert rows[1] == ["1", "Trần Thị Ánh", LONG_UNIT, "0912 345 670", "Giải Nhất", ""]
    assert len(rows) == 7
    pages = pdf_pages(client.get(_url(world, "handover", "pdf")).data)
    text = " ".join(pages)
    for whole in ("STT", "Số điện thoại", "Ký nhận", "0912 345 670", "Giải Khuyến khích",
                  LONG_UNIT, "Nguyễn Thị Hoa"):
        assert whole in text, whole
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "report.export_personal")) == 2


def test_viewer_cannot_download_the_handover_list(client, login_as, world, app):
    login_as("organiser")
    _publish(client, world)
    with client.session_transaction() as session:
        session.clear()
    login_as("viewer")
    page = client.get(f"/admin/results/rounds/{world['round_id']}").get_data(as_text=True)
    assert _url(world, "decision", "docx") in page and "handover" not in page
    response = client.get(_url(world, "handover", "docx"))
    assert response.status_code == 403 and "dữ liệu cá nhân" in response.get_data(as_text=True)
    assert client.get(_url(world, "decision", "docx")).status_code == 200


def test_decision_with_its_annex(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    query = "?number=15%2FQĐ-UBND"
    document, text = docx_text(client.get(_url(world, "decision", "docx") + query).data)
    for expected in ("ỦY BAN NHÂN DÂN", "PHƯỜNG PHÙ VÂN", "Số: 15/QĐ-UBND",
                     "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "QUYẾT ĐỊNH", "Về việc công nhận kết quả và khen thưởng các cá nhân đạt "
                     "giải Tuần 1", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG PHÙ VÂN",
                     "Căn cứ Thể lệ Cuộc thi tìm hiểu về cải cách hành chính năm 2026;",
                     "Điều 1.", "06 cá nhân đạt giải", "01 Giải Nhất, 05 Giải Khuyến khích",
                     "Điều 3.", "Nơi nhận:", "- Như Điều 3;", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH",
                     "Lê Thị Thu", "Kèm theo Quyết định số 15/QĐ-UBND"):
        assert expected in text, expected
    annex = document.tables[-1]
    rows = [[c.text for c in row.cells] for row in annex.rows]
    assert rows[0] == documents.ANNEX_HEADINGS and len(rows) == 7
    assert rows[6][1] == "Đặng Thị Giang" and rows[6][3] == "Giải Khuyến khích"
    pages = pdf_pages(client.get(_url(world, "decision", "pdf") + query).data)
    signed = [page for page in pages if "Lê Thị Thu" in page]
    assert len(signed) == 1 and "Điều 3." in signed[0]
    assert "Kèm theo Quyết định số 15/QĐ-UBND" in pages[-1] and "Đặng Thị Giang" in pages[-1]


def test_certificates_carry_the_signer(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    pages = pdf_pages(client.get(f"/admin/results/rounds/{world['round_id']}/certificates.pdf")
                      .data)
    assert len(pages) == 6
    for page in pages:
        assert "TM. BAN TỔ CHỨC" in page and "TRƯỞNG BAN" in page and "Nguyễn Thị Hoa" in page


def test_public_page_pdf_is_signed_too(client, login_as, world):
    login_as("organiser")
    _set_signers(client)
    _publish(client, world)
    text = " ".join(pdf_pages(
        client.get(f"/c/cuoc-thi-cchc/rounds/{world['round_id']}/results.pdf").data))
    assert "Nguyễn Thị Hoa" in text and "Giải Khuyến khích" in text


def _snapshot(count: int) -> dict:
    winners = [{"participant_id": i, "prize": "Giải Khuyến khích", "tier": 1, "group": "",
                "full_name": f"Người đạt giải số {i}", "unit": LONG_UNIT,
                "phone_masked": "091****678", "score": 15, "duration_ms": 605_300}
               for i in range(1, count + 1)]
    return {"round_name": "Tuần 1", "contest_title": "Cuộc thi tìm hiểu về CCHC",
            "rule": "Thứ tự xếp hạng.", "has_prediction": True,
            "actual_line": "Số người trả lời đúng tất cả câu hỏi: 3", "winners": winners}


def test_list_signature_never_alone_on_a_page():
    """However many winners, the signature's page also holds the end of the list."""
    signing = signers.Signing("", signers.Signature(("TM. BAN TỔ CHỨC",), "TRƯỞNG BAN",
                                                    "Nguyễn Thị Hoa"))
    moved = 0
    for count in range(8, 40):
        document = documents.public_list(_snapshot(count), office=OFFICE,
                                         published_on=date(2026, 4, 3), signing=signing)
        pages = pdf_pages(documents.render_pdf(document))
        signed = [page for page in pages if "Nguyễn Thị Hoa" in page]
        assert len(signed) == 1 and "TRƯỞNG BAN" in signed[0]
        assert f"Người đạt giải số {count} " in signed[0], count
        text = " ".join(pages)
        for i in range(1, count + 1):
            assert f"{i} Người đạt giải số {i} 091****678 {LONG_UNIT} Giải Khuyến khích " \
                   f"15 10 phút 5,3 giây" in text, (count, i)
        moved += len(pages) > 1 and f"Người đạt giải số {count - 2} " not in signed[0]
    assert moved, "no length pushed the closing over a page: the test proves nothing"
