"""Văn bản và người ký: the number and signer each kind of signed document starts from."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField

from contest.admin import bp
from contest.admin.forms import BackOfficeForm
from contest.errors import abort_vi
from contest.extensions import db
from contest.forms import show_refusal
from contest.services.documents import signers


class SigningForm(BackOfficeForm):
    number = StringField("Số, ký hiệu")
    authority = TextAreaField("Quyền hạn ký (mỗi dòng một ý: TM., KT.…)")
    position = StringField("Chức vụ người ký")
    signer = StringField("Họ tên người ký")


def _forms(posted_kind: str | None = None, posted: SigningForm | None = None) -> dict:
    forms = {}
    for kind in signers.KINDS:
        if kind == posted_kind and posted is not None:
            forms[kind] = posted
        else:
            forms[kind] = SigningForm(prefix=kind, data=signers.current(kind).form_values())
    return forms


@bp.route("/documents/")
def document_settings():
    return render_template("admin/documents/settings.html", kinds=signers.KINDS,
                           forms=_forms(), limits=signers.FIELD_LIMITS)


@bp.route("/documents/<kind>", methods=["POST"])
def document_settings_save(kind: str):
    if kind not in signers.KINDS:
        abort_vi(404, "Không có loại văn bản này.")
    form = SigningForm(prefix=kind)
    if form.validate_on_submit():
        try:
            signers.save(kind, form.data, actor_id=current_user.id)
        except signers.DocumentValueError as error:
            show_refusal(form, error)
        else:
            db.session.commit()
            flash(f"Đã lưu số văn bản và người ký: {signers.KINDS[kind].label}.", "success")
            return redirect(url_for("admin.document_settings"))
    return render_template("admin/documents/settings.html", kinds=signers.KINDS,
                           forms=_forms(kind, form),
                           limits=signers.FIELD_LIMITS), 400
