"""``flask --app contest ...`` commands. Each prints its result and exits non-zero on failure."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from contest.extensions import db
from contest.helpers.timeutil import now_utc
from contest.models import ROLES, Role, Unit, User

users_cli = AppGroup("users", help="Tài khoản Ban tổ chức.")
bank_cli = AppGroup("bank", help="Ngân hàng câu hỏi: nhập, xuất.")
attempts_cli = AppGroup("attempts", help="Lượt thi: chấm các bài quá hạn.")
results_cli = AppGroup("results", help="Kết quả: chốt số thực tế của câu hỏi dự đoán.")


@click.command("seed")
@with_appcontext  # a plain click command has no app context under test_cli_runner()
def seed_command() -> None:
    """Load reference data from the plan (content areas, forms, units, categories)."""
    from contest.services.setup.seed import seed_reference_data

    added = seed_reference_data()
    click.echo(
        "Đã nạp dữ liệu danh mục: "
        f"{added['content_areas']} lĩnh vực, {added['activity_forms']} hình thức, "
        f"{added['units']} đơn vị, {added['categories']} đối tượng mới."
    )


@click.command("demo")
@with_appcontext  # a plain click command has no app context under test_cli_runner()
def demo_command() -> None:
    """Create a demo contest with a round open now and one QR entry point."""
    from contest.services.setup.demo import create_demo
    from contest.services.setup.seed import seed_reference_data

    seed_reference_data()
    result = create_demo(now_utc())
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if result.created:
        click.echo(f"Đã tạo cuộc thi mẫu '{result.contest_slug}'.")
    else:
        click.echo(f"Cuộc thi mẫu '{result.contest_slug}' đã có, giữ nguyên.")
    if result.entry_code:
        click.echo(f"Đường dẫn dự thi (mã QR mẫu): {base}/q/{result.entry_code}")


def _validate_password(password: str, username: str) -> None:
    from contest.services.people.users import UserError, check_password_rules

    try:
        check_password_rules(password, username)
    except UserError as error:
        raise click.ClickException(error.message) from error


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(sorted(role.value for role in Role)), required=True)
@click.option("--password", help="Bỏ trống để nhập khi được hỏi.")
@click.option("--full-name", default="")
@click.option("--unit", "unit_name", help="Tên đơn vị (bắt buộc với unit_reporter).")
def create_user_command(username, role, password, full_name, unit_name) -> None:
    """Create an organiser account."""
    username = username.strip().lower()
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.ClickException(f"Tên đăng nhập '{username}' đã tồn tại.")
    unit = None
    if role == Role.UNIT_REPORTER:
        if not unit_name:
            raise click.ClickException("Tài khoản báo cáo của đơn vị cần --unit.")
        unit = db.session.scalar(sa.select(Unit).where(Unit.name == unit_name))
        if unit is None:
            raise click.ClickException(f"Không có đơn vị '{unit_name}'.")
    if password is None:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    _validate_password(password, username)
    user = User(username=username, role=role, full_name=full_name, unit=unit)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản '{username}' ({ROLES[role]}).")


@users_cli.command("ensure-admin")
@click.option("--username", default="admin")
def ensure_admin_command(username: str) -> None:
    """Create an admin account if there is none; print its password once."""
    if db.session.scalar(sa.select(User).where(User.role == Role.ADMIN, User.active)):
        click.echo("Đã có tài khoản quản trị; không tạo mới.")
        return
    from contest.services.people.users import generate_password

    password = generate_password()
    user = User(username=username, role=Role.ADMIN, full_name="Quản trị hệ thống",
                must_change_password=True)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo("Đã tạo tài khoản quản trị (chỉ hiện một lần, hãy ghi lại):")
    click.echo(f"Tên đăng nhập: {username}")
    click.echo(f"Mật khẩu: {password}")


#: What a folder given to ``bank import`` contributes. Old Excel/other sheet and document
#: files are passed on so the import refuses them with a message instead of skipping them.
BANK_FILE_SUFFIXES = (".csv", ".xlsx", ".xls", ".xlsm", ".ods", ".docx", ".docm", ".doc")


def _bank_files(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Excel's and Word's "~$" lock files and hidden files are skipped.
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in BANK_FILE_SUFFIXES
                           and not p.name.startswith(("~$", ".")))
            if not found:
                raise click.ClickException(
                    f"Không có tệp .docx, .xlsx, .xls hoặc .csv nào trong {path}.")
            files += found
        else:
            files.append(path)
    return files


@bank_cli.command("import")
@click.argument("paths", nargs=-1, required=True,
                type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra, không ghi gì; in từng câu đã hiểu.")
@click.option("--area", "area_code", metavar="CODE",
              help="Mã lĩnh vực cho các câu không ghi lĩnh vực (ví dụ a, dd).")
@click.option("--practice", is_flag=True,
              help="Câu hỏi ôn tập: không bao giờ rút vào đề thi (trừ dòng ghi «Ôn tập: Không»).")
def bank_import_command(paths: tuple[Path, ...], dry_run: bool, area_code: str | None,
                        practice: bool) -> None:
    """Import questions from Word (.docx), .xlsx/.xls/.csv files or folders (all or nothing).

    The same files and checks as the import page; the exit status is 1 when anything is
    refused. With --practice they go to the practice pool (e.g. questions/practice/).
    """
    from contest.services.bank import import_export as bank_io

    files = _bank_files(paths)
    try:
        report = bank_io.import_files(
            [(p.name, p.read_bytes()) for p in files], dry_run=dry_run, actor_id=None,
            area_code=area_code, practice=practice,
            max_bytes=current_app.config["MAX_IMPORT_BYTES"],
        )
    except bank_io.ImportRefused as refused:
        report = refused.report
    if dry_run and report.ok:
        for planned in report.to_add:
            click.echo(f"{planned.file}, {planned.where}: [{planned.area_code}] "
                       f"{planned.content.text[:60]} → {planned.correct_letter}"
                       + (f" ({planned.how})" if planned.how else ""))
    for wanted in report.unmapped_sheets:
        click.echo(f"{wanted.file}, dòng {wanted.row}: các cột "
                   + ", ".join(f"{letter} «{written}»" for _, letter, written in wanted.columns)
                   + " — hãy sửa tiêu đề theo tệp mẫu, hoặc ghép cột một lần ở trang nhập "
                     "câu hỏi (cách ghép được lưu cho lần sau).", err=True)
    for line in report.lines():
        click.echo(line)
    if not report.ok:
        sys.exit(1)


@bank_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def bank_export_command(path: Path) -> None:
    """Export the whole bank to .xlsx, in the import columns."""
    from contest.services.bank import import_export as bank_io
    if path.suffix.lower() != ".xlsx":
        raise click.ClickException("Tệp xuất phải có đuôi .xlsx.")
    data, count = bank_io.export_bank()
    path.write_bytes(data)
    click.echo(f"Đã xuất {count} câu hỏi ra {path}.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Copy the live SQLite database to PATH, consistently, while the site keeps running."""
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "Lệnh này chỉ sao lưu cơ sở dữ liệu SQLite. Với PostgreSQL, dùng pg_dump/pg_restore "
            "theo mục 'Sao lưu' trong docs/deploy.md."
        )
    source_path = url.database
    if not source_path or source_path == ":memory:" or not Path(source_path).exists():
        raise click.ClickException(f"Không tìm thấy tệp cơ sở dữ liệu: {source_path!r}.")
    if path.exists():
        raise click.ClickException(f"Tệp {path} đã có; hãy chọn tên khác (không ghi đè).")
    if not path.parent.is_dir():
        raise click.ClickException(f"Không có thư mục {path.parent}.")
    # SQLite's online backup API copies a consistent snapshot page by page even while
    # other connections write (WAL); a plain file copy could catch a half-written state.
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(str(path))
    try:
        with target:
            source.backup(target, pages=1024)
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        path.unlink(missing_ok=True)
        raise click.ClickException(f"Bản sao lưu không toàn vẹn ({check}); đã xóa, hãy thử lại.")
    size_mb = path.stat().st_size / (1024 * 1024)
    click.echo(f"Đã sao lưu cơ sở dữ liệu vào {path} ({size_mb:.1f} MB).")


#: Cron starts the sweep each minute on every server; within this interval only the
#: first one to claim it works (a little under a minute, for clocks and cron jitter).
SWEEP_EVERY = timedelta(seconds=50)


@attempts_cli.command("sweep")
@click.option("--force", is_flag=True,
              help="Quét ngay cả khi máy chủ khác vừa quét trong phút này.")
def attempts_sweep_command(force: bool) -> None:
    """Grade attempts left open past their deadline (finish time = their deadline), then fix
    the prediction figure of rounds that have closed.

    Safe to schedule every minute on every server: one of them does the work.
    """
    from contest.helpers.scheduling import claim_run
    from contest.services.results.ranking import fix_closed_rounds
    from contest.services.taking.attempts import expire_overdue, prepare_open_rounds

    now = now_utc()
    if not claim_run("attempts.sweep", now, SWEEP_EVERY) and not force:
        click.echo("Máy chủ khác vừa quét trong phút này; bỏ qua.")
        return
    graded = expire_overdue(now, current_app.config["SUBMIT_GRACE_SECONDS"])
    db.session.commit()
    click.echo(f"Đã chấm {graded} bài thi quá hạn.")
    # A round that has closed gets its prediction figure fixed here, not on a page view.
    for round_, actual in fix_closed_rounds(now):
        click.echo(f"{round_.name}: đã chốt số thực tế = {actual}")
    prepared = prepare_open_rounds(now)
    if prepared:
        click.echo(f"Đã chuẩn bị sẵn đề cho {prepared} lượt thi sắp bắt đầu.")


@results_cli.command("fix-actual")
@click.option("--round", "round_id", type=int, help="Chỉ đợt thi có mã này.")
def results_fix_actual_command(round_id: int | None) -> None:
    """Fix the prediction's actual figure of every closed round that has none yet."""
    from contest.models import Round
    from contest.services.results.ranking import RankingError, fix_prediction_actual, grade_overdue

    now = now_utc()
    query = sa.select(Round).where(Round.closes_at <= now).order_by(Round.closes_at)
    if round_id is not None:
        query = sa.select(Round).where(Round.id == round_id)
    rounds = list(db.session.scalars(query))
    if not rounds:
        raise click.ClickException("Không có đợt thi nào đã kết thúc.")
    grade_overdue(now, current_app.config["SUBMIT_GRACE_SECONDS"])
    failed = False
    for round_ in rounds:
        try:
            actual = fix_prediction_actual(round_, now)
        except RankingError as error:
            click.echo(f"{round_.name}: {error}", err=True)
            failed = True
            continue
        db.session.commit()
        click.echo(f"{round_.name}: số thực tế = {actual}")
    if failed:
        sys.exit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(bank_cli)
    app.cli.add_command(results_cli)
    app.cli.add_command(attempts_cli)
