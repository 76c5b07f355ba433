"""Jinja filters and globals shared by every blueprint."""

from __future__ import annotations

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup

from contest import timeutil

# Raw HTML is off: organisers' rules text can never inject markup or script.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")


def render_markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))  # noqa: S704 - html disabled above


def mask_phone(phone: str | None) -> str:
    """+84912345678 → 091****678: enough to recognise oneself, not to call."""
    if not phone:
        return ""
    national = "0" + phone[3:] if phone.startswith("+84") else phone
    if len(national) < 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 6) + national[-3:]


def mask_citizen_id(value: str | None) -> str:
    if not value:
        return ""
    return "*" * (len(value) - 4) + value[-4:]


def format_number(value: int | float | None, decimals: int = 0) -> str:
    """Vietnamese number format: 1.234.567,8."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = timeutil.format_local
    app.jinja_env.filters["localtime_end"] = timeutil.format_local_end
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_citizen_id"] = mask_citizen_id
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["duration"] = timeutil.format_duration

    @app.context_processor
    def _globals() -> dict:
        return {
            "organisation_name": app.config["ORGANISATION_NAME"],
        }
