"""Form fields and helpers shared by every forms module (admin, activities, reports, public).

WTForms ships English messages only, so each field a user can trip over (a mistyped number or
date, a tampered select value) is wrapped here once with a Vietnamese message. Choices are
built as ``SelectChoice`` objects: WTForms 3.3 deprecates ``(value, label)`` tuples and 3.4
removes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from contest.errors import abort_vi
from contest.helpers.formatting import format_number
from contest.helpers.text import is_digits, too_long_message
from contest.helpers.timeutil import DATE_FORMAT
from contest.models.base import MAX_DB_INT
from contest.services.documents import signers
from contest.services.errors import DomainError

CHOOSE_FROM_LIST = "Vui lòng chọn một mục trong danh sách."
INVALID_CHOICE = "Lựa chọn không hợp lệ."
INVALID_INTEGER = "Vui lòng nhập một số nguyên."
INVALID_DATE = "Ngày không hợp lệ; vui lòng nhập theo dạng ngày/tháng/năm."
#: What a date field accepts: the ISO date <input type=date> sends, or one typed as DD/MM/YYYY.
DATE_FORMATS = ["%Y-%m-%d", DATE_FORMAT]


def query_int(name: str, low: int = 1, high: int = MAX_DB_INT) -> int | None:
    """A whole number from the query string between low and high; None when it is missing,
    not plain digits or out of range (page=abc, contest_id=99999999999999999999): a
    filter or page number a user mistyped is dropped, never handed to the database."""
    value = request.args.get(name, "").strip()
    if not is_digits(value) or len(value) > len(str(high)):
        return None
    number = int(value)
    return number if low <= number <= high else None


def choices(items: Mapping | Iterable, *, first: tuple | None = None) -> list[SelectChoice]:
    """``{value: label}`` or ``[(value, label), ...]`` as WTForms option objects, after an
    optional ``first`` ``(value, label)`` such as ``(None, "Tất cả")``."""
    pairs = items.items() if isinstance(items, Mapping) else items
    head = [SelectChoice(*first)] if first is not None else []
    return head + [SelectChoice(value, label) for value, label in pairs]


def choice_values(field: SelectField) -> list:
    """The values (not labels) a select field offers."""
    return [choice.value for choice in field.choices or []]


def optional_int(value: object) -> int | None:
    """Select coercion: blank means "none"; anything else not a number is refused (ValueError)."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


def int_or_none(value: object) -> int | None:
    """Select coercion that never fails: junk becomes -1, never a real id, so the choice check
    (or the service) answers "please choose" instead of a parse error."""
    try:
        return optional_int(value)
    except (TypeError, ValueError):
        return -1


def max_length(n: int, what: str | None = None) -> Length:
    """A Length(max=n) validator saying, in Vietnamese, how long the text may be."""
    if what:
        return Length(max=n, message=too_long_message(what, n))
    return Length(max=n, message=f"Tối đa {format_number(n)} ký tự. Vui lòng rút gọn.")


def show_refusal(form, refusal: DomainError, *, aliases: Mapping[str, str] | None = None,
                 flash_rest: bool = True) -> list[str]:
    """Put a service's refusal beside the fields it is about (``aliases`` maps a service's
    field name to the form's); return the messages no plain field of the form fits, which are
    flashed unless ``flash_rest`` is False (the page then shows them above the form)."""
    aliases = aliases or {}
    rest: list[str] = [] if refusal.errors else [refusal.message]
    for name, messages in refusal.errors.items():
        target = form._fields.get(aliases.get(name, name))
        if target is None or target.type in ("FieldList", "FormField"):
            rest.extend(messages)
        else:
            target.errors = [*target.errors, *messages]
    if flash_rest:
        for message in rest:
            flash(message, "error")
    return rest


class ActionForm(FlaskForm):
    """An empty form: a button that changes state (delete, start, forget me) still carries
    a CSRF token."""


class VnSelectField(SelectField):
    """A select whose refusals speak Vietnamese: a value that cannot be coerced
    (``invalid_value_message``) and one not among the choices (``invalid_choice_message``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", CHOOSE_FROM_LIST)
        kwargs.setdefault("invalid_choice_message", CHOOSE_FROM_LIST)
        super().__init__(*args, **kwargs)


class IdSelectField(VnSelectField):
    """A select of database ids: blank means none; a value that is no number at all is a
    tampered form and says so (``INVALID_CHOICE``)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", optional_int)
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        super().__init__(*args, **kwargs)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes, refusing unknown values in Vietnamese."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        super().__init__(*args, **kwargs)


class VnIntegerField(IntegerField):
    """A whole number with a Vietnamese message; blank means None (add Optional/InputRequired).

    ``grouping=True`` accepts Vietnamese thousands grouping ("1.250", "1 250") — only for
    counts, where "1.5" cannot mean one and a half. ``counts_only=True`` also refuses signs
    and more than nine digits at parse time.
    """

    def __init__(self, *args, grouping: bool = False, counts_only: bool = False, **kwargs):
        kwargs.setdefault("invalid_value_message", INVALID_INTEGER)
        super().__init__(*args, **kwargs)
        self.grouping = grouping
        self.counts_only = counts_only

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = str(valuelist[0] if valuelist[0] is not None else "").strip()
        if not text:
            return
        if self.grouping:
            text = text.replace(".", "").replace(" ", "")
        if self.counts_only and not (is_digits(text) and len(text) <= 9):
            raise ValueError(self.invalid_value_message)
        try:
            self.data = int(text)
        except ValueError as error:
            raise ValueError(self.invalid_value_message) from error


class VnDateField(DateField):
    """A date from <input type=date> (YYYY-MM-DD) or typed as DD/MM/YYYY; blank means None."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", DATE_FORMATS)
        kwargs.setdefault("invalid_value_message", INVALID_DATE)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        if not " ".join(valuelist).strip():
            return
        super().process_formdata([" ".join(valuelist).strip()])
        check_year_range(self)


#: Dates people enter here (rounds, activities, filters) fall well inside these years; outside
#: them, time-zone arithmetic would overflow Python's datetime (a 500 instead of a message).
MIN_YEAR, MAX_YEAR = 2000, 2100


def check_year_range(field) -> None:
    """For date fields' process_formdata: refuse a year outside MIN_YEAR..MAX_YEAR."""
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        field.data = None
        raise ValueError(f"Hãy chọn ngày trong các năm từ {MIN_YEAR} đến {MAX_YEAR}.")


def signing_from_query(base):
    """``base`` (a ``signers.Signing``) with the number and signer the download form sent in the
    query string (``number``, ``authority``, ``position``, ``signer``); a refused value is a 400
    with its Vietnamese message."""
    given = {name: request.args.get(name) for name, _label, _longest in signers.FIELDS
             if name in request.args}
    try:
        return signers.override(base, given)
    except signers.DocumentValueError as error:
        abort_vi(400, str(error))
