"""Jinja filters and globals shared by every blueprint."""

from __future__ import annotations

from flask import Flask
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from contest.helpers import timeutil
from contest.helpers.formatting import (
    format_number,
    format_percent,
    format_phone,
    mask_citizen_id,
    mask_phone,
    to_roman,
)
from contest.models.base import REASON_MAX_LENGTH
from contest.models.contest import ROUND_STATE_LABELS, RoundState
from contest.services.documents import signers
from contest.services.practice import study
from contest.services.results.prizes import NO_WINNERS_TEXT

# Raw HTML is off: organisers' rules text can never inject markup or script.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("table")


def render_markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))  # noqa: S704 - html disabled above


def render_rules(text: str | None) -> Markup:
    """The rules (thể lệ) as typed or pasted from Word: lines, headings and lists kept.

    Rules written when the field took Markdown still render as Markdown. Every piece of
    text is escaped: nothing an organiser types becomes markup.
    """
    if study.looks_like_markdown(text):
        return render_markdown(text)
    html = []
    for block in study.parse(text or "", keep_lines=True):
        if block.kind == "ul":
            items = "".join(f"<li>{escape(item)}</li>" for item in block.items)
            html.append(f"<ul>{items}</ul>")
        else:
            html.append(f"<{block.kind}>{escape(block.text)}</{block.kind}>")
    return Markup("\n".join(html))  # noqa: S704 - every text escaped above


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = timeutil.format_local
    app.jinja_env.filters["localtime_end"] = timeutil.format_local_end
    app.jinja_env.filters["localtime_seconds"] = timeutil.format_local_seconds
    app.jinja_env.filters["localclock"] = timeutil.format_local_clock
    app.jinja_env.filters["localdate"] = timeutil.format_local_date
    app.jinja_env.filters["date"] = timeutil.format_date
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["rules"] = render_rules
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["phone"] = format_phone
    app.jinja_env.filters["mask_citizen_id"] = mask_citizen_id
    app.jinja_env.filters["number"] = format_number
    app.jinja_env.filters["percent"] = format_percent
    app.jinja_env.filters["roman"] = to_roman
    app.jinja_env.filters["duration"] = timeutil.format_duration
    # Globals rather than context: macros imported from another template see them too.
    app.jinja_env.globals["RoundState"] = RoundState
    app.jinja_env.globals["round_state_labels"] = ROUND_STATE_LABELS
    app.jinja_env.globals["signing_limits"] = signers.FIELD_LIMITS
    app.jinja_env.globals["reason_max_length"] = REASON_MAX_LENGTH
    app.jinja_env.globals["no_winners_text"] = NO_WINNERS_TEXT

    @app.context_processor
    def _globals() -> dict:
        return {
            "organisation_name": app.config["ORGANISATION_NAME"],
        }
