"""Every file the app makes is sent one way: the media type of its extension, its name
kept (Vietnamese letters too), as a download except the PDFs a resident reads on screen."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from contest.downloads import MEDIA_TYPES
from tests.helpers import publish, results_world


@pytest.fixture
def world(app):
    return results_world(app)


def _file_name(response) -> str:
    disposition = unquote(response.headers["Content-Disposition"])
    return disposition.rsplit("filename*=UTF-8''", 1)[-1].rsplit('filename="', 1)[-1].strip('"')


def test_each_download_has_the_media_type_of_its_extension(client, login_as, world):
    login_as("admin")
    round_id = world["round_id"]
    assert publish(client, round_id).status_code == 302
    downloads = {
        "/admin/questions/template.xlsx": ("xlsx", "attachment", "Mẫu nhập câu hỏi.xlsx"),
        "/admin/units/import/template.xlsx": ("xlsx", "attachment",
                                              "Mẫu danh sách đơn vị.xlsx"),
        f"/admin/results/rounds/{round_id}/winners.xlsx": ("xlsx", "attachment", None),
        f"/admin/results/rounds/{round_id}/results.docx": ("docx", "attachment", None),
        f"/admin/results/rounds/{round_id}/results.pdf": ("pdf", "inline", None),
        f"/admin/results/rounds/{round_id}/certificates.pdf": ("pdf", "inline", None),
        "/reports/export.xlsx": ("xlsx", "attachment", None),
        "/reports/export/danh-sach-thi-sinh.csv": ("csv", "attachment", None),
        "/activities/report.docx?year=2026&quarter=1": ("docx", "attachment", None),
        "/activities/report.xlsx?year=2026&quarter=1": ("xlsx", "attachment", None),
    }
    for url, (extension, disposition, name) in downloads.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].startswith(MEDIA_TYPES[extension]), url
        assert response.headers["Content-Disposition"].startswith(disposition), url
        assert _file_name(response).endswith(f".{extension}"), url
        if name:
            assert _file_name(response) == name, url
