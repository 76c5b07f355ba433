"""Sending a file the app has just made: a workbook, a CSV, a Word or PDF document, a
poster, a QR code. One media type per format, one way to send, for every blueprint.

Whether a browser or a proxy may keep the file is not decided here:
:func:`contest.security.never_stored` decides it for every response, by who asked
(signed in) and what it holds (a resident's result, a certificate).
"""

from __future__ import annotations

import io

from flask import Response, send_file

#: File extension → media type.
MEDIA_TYPES: dict[str, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    # Werkzeug adds "; charset=utf-8" to text types; Excel reads the Vietnamese text
    # correctly because the exports also start with a BOM.
    "csv": "text/csv",
    "png": "image/png",
    "svg": "image/svg+xml",
}


def send_made_file(data: bytes, name: str, *, inline: bool = False) -> Response:
    """``data`` as the file ``name``, its media type from the name's extension.

    A download ("attachment") unless ``inline``: a PDF a resident opens in the phone's
    viewer (a certificate, a result list, the study material). A name with Vietnamese
    letters is sent both plain and encoded (RFC 6266), so every browser keeps it.
    """
    extension = name.rsplit(".", 1)[-1].lower()
    return send_file(io.BytesIO(data), mimetype=MEDIA_TYPES[extension],
                     as_attachment=not inline, download_name=name)
