"""The ``flask --app contest ...`` commands: output, exit codes, what they write."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from contest.extensions import db
from contest.models import (
    Activity,
    Attempt,
    AttemptItem,
    ContentArea,
    Contest,
    EntryPoint,
    Question,
    ResultPublication,
    Round,
    User,
)
from tests import factories

QUESTIONS_DIR = Path(__file__).resolve().parent.parent / "questions"


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_seed_is_idempotent(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    # The fixture seeded already: nothing new, and it says so.
    assert "Đã nạp dữ liệu danh mục: 0 lĩnh vực, 0 hình thức, 0 đơn vị, 0 đối tượng mới." in (
        result.output
    )
    assert count(app, ContentArea) == 11


def test_demo_creates_an_open_round_and_a_qr_once(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "Đã tạo cuộc thi mẫu" in first.output
    assert "https://thi.phuvan.example/q/" in first.output
    with app.app_context():
        code = db.session.scalar(sa.select(EntryPoint.code))
        rounds = db.session.scalars(sa.select(Round).order_by(Round.opens_at)).all()
        assert [r.state(factories.now()) for r in rounds] == ["closed", "open", "upcoming"]
        assert f"https://thi.phuvan.example/q/{code}" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "đã có, giữ nguyên" in second.output
    assert count(app, Contest) == 1 and count(app, EntryPoint) == 1


def test_the_demo_contest_keeps_its_own_rules(app, runner):
    """An organiser who opens the demo contest and saves it unchanged is not refused: its
    settings pass the checks every saved contest passes (an age limit needs the birth year)."""
    from contest.services.contests import rounds

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        contest = db.session.scalar(sa.select(Contest))
        values = rounds.ContestValues(
            **{name: getattr(contest, name) for name in rounds.CONTEST_FIELDS},
            category_ids=[c.id for c in contest.categories])
        assert rounds.validate_contest(
            values, slug_taken=False, known_category_ids=values.category_ids) == {}


def test_demo_has_a_closed_round_with_published_results_and_activities(app, runner, client,
                                                                        login_as):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        closed = db.session.scalars(sa.select(Round).order_by(Round.opens_at)).first()
        pub = db.session.scalar(sa.select(ResultPublication))
        assert pub.round_id == closed.id and len(pub.snapshot["ranking"]) == 12
        assert pub.snapshot["winners"] and closed.prediction_actual == 3
        assert count(app, Activity) == 3
        slug = closed.contest.slug
    page = client.get(f"/c/{slug}/rounds/{closed.id}/results").get_data(as_text=True)
    assert "Nguyễn Thị Hoa" in page and "Giải Nhất" in page
    login_as("viewer")
    assert "Tuyên truyền về cuộc thi" in client.get("/activities/").get_data(as_text=True)


def test_demo_with_the_bank_loaded_has_answered_questions_to_analyse(app, runner, client,
                                                                      login_as):
    """After `make run` loads the starter bank, the demo's closed round has real answers."""
    with app.app_context():
        factories.make_bank(per_area=3)
    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        closed = db.session.scalars(sa.select(Round).order_by(Round.opens_at)).first()
        for attempt in db.session.scalars(sa.select(Attempt).where(Attempt.round_id == closed.id)):
            items = db.session.scalars(sa.select(AttemptItem)
                                       .where(AttemptItem.attempt_id == attempt.id)).all()
            assert len(items) == attempt.question_count == 20
            assert sum(item.is_correct for item in items) == attempt.score
            assert all(item.chosen_option in item.option_order for item in items)
            # Registered when they took part, not when the demo was made.
            assert closed.opens_at <= attempt.participant.created_at <= attempt.started_at
        contest_id = closed.contest_id
    login_as("viewer")
    page = client.get(f"/reports/items?contest={contest_id}").get_data(as_text=True)
    assert '<strong id="analysed">12</strong>' in page


def test_users_create_with_password_option(app, runner):
    result = runner.invoke(args=["users", "create", "  ToChuc1 ", "--role", "organiser",
                                 "--password", "mot-mat-khau-dai", "--full-name", "Lê Thị B"])
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản 'tochuc1' (Ban tổ chức)." in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "tochuc1"))
        assert user.role == "organiser" and user.full_name == "Lê Thị B"
        assert user.check_password("mot-mat-khau-dai")
        assert "mot-mat-khau-dai" not in user.password_hash


def test_users_create_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["users", "create", "xem1", "--role", "viewer"],
                           input="mat-khau-nhap-tay\nmat-khau-nhap-tay\n")
    assert result.exit_code == 0, result.output
    assert "mat-khau-nhap-tay" not in result.output  # hidden input is not echoed
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "xem1"))
        assert user.check_password("mat-khau-nhap-tay")


def test_users_create_refuses_bad_role(app, runner):
    result = runner.invoke(args=["users", "create", "x1", "--role", "superuser",
                                 "--password", "mot-mat-khau-dai"])
    assert result.exit_code != 0 and "superuser" in result.output
    assert count(app, User) == 0


def test_users_create_refuses_short_password(app, runner):
    result = runner.invoke(args=["users", "create", "x2", "--role", "admin", "--password", "ngan"])
    assert result.exit_code == 1
    assert "Mật khẩu phải có ít nhất 12 ký tự." in result.output
    assert count(app, User) == 0


def test_users_create_refuses_duplicate_username(app, runner):
    with app.app_context():
        factories.make_user("organiser", username="trung")
    result = runner.invoke(args=["users", "create", "TRUNG", "--role", "viewer",
                                 "--password", "mot-mat-khau-dai"])
    assert result.exit_code == 1 and "Tên đăng nhập 'trung' đã tồn tại." in result.output
    assert count(app, User) == 1


def test_users_create_unit_reporter_needs_a_known_unit(app, runner):
    args = ["users", "create", "tdp1", "--role", "unit_reporter", "--password", "mot-mat-khau-dai"]
    missing = runner.invoke(args=args)
    assert missing.exit_code == 1 and "cần --unit" in missing.output
    unknown = runner.invoke(args=[*args, "--unit", "Tổ không có"])
    assert unknown.exit_code == 1 and "Không có đơn vị 'Tổ không có'." in unknown.output
    ok = runner.invoke(args=[*args, "--unit", "Phòng Văn hóa – Xã hội"])
    assert ok.exit_code == 0, ok.output
    assert count(app, User) == 1


def test_ensure_admin_prints_the_login_only_the_first_time(app, runner):
    first = runner.invoke(args=["users", "ensure-admin"])
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert "Tên đăng nhập: admin" in lines
    password = next(line for line in lines if line.startswith("Mật khẩu: ")).split(": ", 1)[1]
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        assert admin.role == "admin" and admin.check_password(password)
    second = runner.invoke(args=["users", "ensure-admin"])
    assert second.exit_code == 0
    assert "Mật khẩu:" not in second.output and "Tên đăng nhập:" not in second.output
    assert count(app, User) == 1


def test_bank_import_folder_then_again_adds_nothing(app, runner):
    first = runner.invoke(args=["bank", "import", str(QUESTIONS_DIR)])
    assert first.exit_code == 0, first.output
    assert "Đã thêm 112 câu hỏi" in first.output and "Lỗi" not in first.output
    second = runner.invoke(args=["bank", "import", str(QUESTIONS_DIR)])
    assert second.exit_code == 0, second.output
    assert "Đã thêm 0 câu hỏi; bỏ qua 112 câu" in second.output
    assert count(app, Question) == 112


def test_bank_import_dry_run_writes_nothing(app, runner):
    result = runner.invoke(args=["bank", "import", str(QUESTIONS_DIR / "a.csv"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Chạy thử, chưa ghi gì" in result.output
    assert count(app, Question) == 0


def test_bank_import_bad_file_exits_1_and_writes_nothing(app, runner, tmp_path):
    folder = tmp_path / "bank"
    folder.mkdir()
    shutil.copy(QUESTIONS_DIR / "a.csv", folder / "a.csv")
    bad = (QUESTIONS_DIR / "b.csv").read_text(encoding="utf-8").replace("\nb,", "\nz,", 1)
    (folder / "b.csv").write_text(bad, encoding="utf-8")
    result = runner.invoke(args=["bank", "import", str(folder)])
    assert result.exit_code == 1
    assert "Lỗi – b.csv, dòng 2, cột «Lĩnh vực» (A): không có lĩnh vực «z»" in result.output
    assert "không ghi câu hỏi nào" in result.output
    assert count(app, Question) == 0  # a.csv was fine, but all or nothing


def test_bank_import_refuses_xls_in_a_folder_and_skips_excel_lock_files(app, runner, tmp_path):
    shutil.copy(QUESTIONS_DIR / "a.csv", tmp_path / "a.csv")
    (tmp_path / "cu.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    (tmp_path / "~$moi.xlsx").write_bytes(b"\x00lock")  # Excel's lock file while open
    result = runner.invoke(args=["bank", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "Lỗi – cu.xls: không đọc được tệp .xls" in result.output
    assert "~$moi.xlsx" not in result.output
    assert count(app, Question) == 0


def test_bank_import_empty_folder_fails(app, runner, tmp_path):
    result = runner.invoke(args=["bank", "import", str(tmp_path)])
    assert result.exit_code == 1 and "Không có tệp .docx, .xlsx, .xls hoặc .csv" in result.output


def _word_bank(path: Path, *paragraphs: str) -> Path:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(path)
    return path


def test_bank_import_several_files_word_and_sheet_with_one_area(app, runner, tmp_path):
    word = _word_bank(tmp_path / "word.docx", "Câu 1: Câu từ Word?", "A. Có *", "B. Không")
    sheet = tmp_path / "bang.csv"
    sheet.write_text("STT,Câu hỏi,A,B,Đáp án\n1,Câu từ bảng?,Có,Không,2\n", encoding="utf-8")
    dry = runner.invoke(args=["bank", "import", str(word), str(sheet), "--area", "dd",
                              "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "word.docx, Câu 1: [đ] Câu từ Word? → A (đánh dấu * hoặc «(đúng)»)" in dry.output
    assert count(app, Question) == 0
    result = runner.invoke(args=["bank", "import", str(word), str(sheet), "--area", "dd"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(sa.select(Question.text, Question.correct_option)
                                  .order_by(Question.id)).all()
        assert [tuple(r) for r in rows] == [("Câu từ Word?", 0), ("Câu từ bảng?", 1)]


def test_bank_import_exits_1_when_a_word_question_is_refused(app, runner, tmp_path):
    word = _word_bank(tmp_path / "w.docx", "Câu 1: Không đáp án?", "A. Có", "B. Không")
    result = runner.invoke(args=["bank", "import", str(word), "--area", "a"])
    assert result.exit_code == 1
    assert "w.docx, Câu 1 «Không đáp án?»: không tìm thấy đáp án đúng" in result.output
    unknown = runner.invoke(args=["bank", "import", str(word), "--area", "zz"])
    assert unknown.exit_code == 1 and "không có lĩnh vực «zz»" in unknown.output
    assert count(app, Question) == 0


def test_bank_export_writes_xlsx_that_reimports(app, runner, tmp_path):
    runner.invoke(args=["bank", "import", str(QUESTIONS_DIR)])
    target = tmp_path / "ngan-hang.xlsx"
    result = runner.invoke(args=["bank", "export", str(target)])
    assert result.exit_code == 0, result.output
    assert f"Đã xuất 112 câu hỏi ra {target}." in result.output
    assert load_workbook(target).active.max_row == 113
    again = runner.invoke(args=["bank", "import", str(target)])
    assert again.exit_code == 0 and "bỏ qua 112 câu" in again.output


def test_bank_export_needs_xlsx_suffix(app, runner, tmp_path):
    result = runner.invoke(args=["bank", "export", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "đuôi .xlsx" in result.output
    assert not (tmp_path / "x.csv").exists()
