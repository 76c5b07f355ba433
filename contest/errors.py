"""Vietnamese error pages; JSON for JSON clients. A 500 logs its trace and shows none."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không đúng. Vui lòng quay lại và thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép xem trang này."),
    404: ("Không tìm thấy trang", "Đường dẫn không đúng hoặc trang đã bị gỡ bỏ."),
    405: ("Thao tác không được hỗ trợ", "Trang này không nhận thao tác vừa gửi."),
    413: ("Tệp quá lớn", "Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép."),
    429: ("Quá nhiều yêu cầu", "Bạn đã thao tác quá nhiều lần. Vui lòng chờ ít phút rồi thử lại."),
    503: ("Hệ thống đang bận", "Máy chủ tạm thời chưa xử lý được yêu cầu. Vui lòng thử lại sau "
          "vài giây; những gì đã lưu trước đó không bị mất."),
    500: ("Lỗi hệ thống", "Đã có lỗi xảy ra phía máy chủ. Vui lòng thử lại sau ít phút."),
}
CSRF_MESSAGE = (
    "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."
)


def wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def error_response(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    text = message or default_message
    if wants_json():
        return jsonify({"ok": False, "error": text}), code
    return render_template("errors/error.html", code=code, title=title, message=text), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        message = error.description if getattr(error, "vi_message", False) else None
        if error.code == 413 and message is None:
            message = _too_large_message(app)
        return error_response(error.code, message)

    @app.errorhandler(DBAPIError)
    def _database(error: DBAPIError):
        # A connection killed under a request (database restart, failover): nothing of
        # this request was committed, the pool drops the dead connection, and the next
        # request gets a fresh one (pool_pre_ping). Say "try again" (503), which the
        # autosave script does by itself, instead of a 500.
        if not error.connection_invalidated:
            raise error  # any other database error is a bug: the usual 500 path
        from contest.extensions import db

        db.session.remove()
        app.logger.warning("Database connection lost during a request: %s", error.orig)
        return error_response(503)

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError):
        original = getattr(error, "original_exception", None)
        app.logger.error("Unhandled error", exc_info=original or error)
        # A failed write leaves the session unusable until rolled back, and the page
        # itself reads the signed-in user: without this the error page fails too, and
        # the resident gets Werkzeug's bare English one.
        from contest.extensions import db

        db.session.rollback()
        return error_response(500)


def _too_large_message(app: Flask) -> str:
    limit_mb = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
    return (f"Tệp hoặc dữ liệu gửi lên vượt quá {limit_mb} MB cho phép. Hãy gửi tệp nhỏ "
            "hơn (chia thành nhiều tệp nếu cần) hoặc bớt ảnh đính kèm rồi gửi lại.")


def abort_vi(code: int, message: str):
    """Abort with a Vietnamese message shown to the user."""
    from werkzeug.exceptions import default_exceptions

    exc = default_exceptions[code](description=message)
    exc.vi_message = True
    raise exc
