"""What a browser or a chat app fetches beside the pages: the icons and the link preview.

Zalo, Facebook and phones' home screens ask for these at fixed addresses; without
them every visit logged a 404 and a shared link showed no picture.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, make_response, render_template, send_from_directory, url_for

from contest.errors import abort_vi
from contest.extensions import db
from contest.helpers.timeutil import now_utc
from contest.models import Contest
from contest.models.contest import SLUG_MAX_LENGTH
from contest.public import bp
from contest.services.contests import entry_points, posters

#: Icons change with a release, not daily; a week of caching spares slow connections.
ICON_MAX_AGE = 7 * 24 * 3600


def _static_image(name: str, mimetype: str):
    folder = current_app.static_folder + "/img"
    return send_from_directory(folder, name, mimetype=mimetype, max_age=ICON_MAX_AGE)


@bp.route("/favicon.ico")
def favicon():
    return _static_image("favicon.ico", "image/vnd.microsoft.icon")


@bp.route("/apple-touch-icon.png")
def touch_icon():
    return _static_image("apple-touch-icon.png", "image/png")


@bp.route("/apple-touch-icon-precomposed.png")
def touch_icon_precomposed():
    """Older iPhones ask for this name first."""
    return touch_icon()


#: Search engines may list the contests; the back office is not for them.
ROBOTS_TXT = """User-agent: *
Disallow: /admin/
Disallow: /reports/
Disallow: /activities/
Disallow: /login
"""


@bp.route("/robots.txt")
def robots_txt():
    response = make_response(ROBOTS_TXT)
    response.mimetype = "text/plain"
    response.cache_control.max_age = ICON_MAX_AGE
    return response


# --------------------------------------------------------------------------- link preview

#: The preview picture changes when the contest or its rounds do; an hour is fresh enough.
PREVIEW_MAX_AGE = 3600


def _published_contest(slug: str) -> Contest:
    contest = db.session.scalar(sa.select(Contest).where(Contest.slug == slug)) \
        if len(slug) <= SLUG_MAX_LENGTH else None
    if contest is None or not contest.is_published:
        abort_vi(404, "Không tìm thấy cuộc thi này.")
    return contest


def contest_url(contest: Contest) -> str:
    """The address to share: the public one (CONTEST_PUBLIC_BASE_URL), as on posters."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for("public.contest", slug=contest.slug)


def _poster_dates(contest: Contest) -> posters.RoundDates | None:
    now = now_utc()
    round_ = contest.round_open_at(now) or contest.next_round_after(now)
    if round_ is None:
        return None
    return posters.RoundDates(round_.name, round_.opens_at, round_.closes_at)


def share_meta(contest: Contest) -> dict:
    """What the page's Open Graph and Twitter card tags say (templates/public/_share_meta)."""
    description = contest.purpose or (
        f"{contest.organiser} tổ chức. Đăng ký trong một phút trên điện thoại và làm bài "
        "trắc nghiệm ngay.")
    base = current_app.config["PUBLIC_BASE_URL"]
    return {
        "title": contest.title, "description": description, "url": contest_url(contest),
        "image": base + url_for("public.contest_preview", slug=contest.slug),
        "image_width": posters.PREVIEW_SIZE[0], "image_height": posters.PREVIEW_SIZE[1],
    }


@bp.app_context_processor
def _share_meta_global() -> dict:
    """Lets any resident page tag itself for link previews: share_meta(contest)."""
    return {"share_meta": share_meta}


@bp.route("/c/<slug>/preview.png")
def contest_preview(slug: str):
    """The contest's poster as a picture, for the preview of a shared link (og:image)."""
    contest = _published_contest(slug)
    png = posters.poster_preview_png(
        title=contest.title, url=contest_url(contest), organiser=contest.organiser,
        dates=_poster_dates(contest))
    response = make_response(png)
    response.mimetype = "image/png"
    response.cache_control.public = True
    response.cache_control.max_age = PREVIEW_MAX_AGE
    return response


@bp.route("/c/<slug>/share")
def share(slug: str):
    """"Chia sẻ" without JavaScript: the link to copy, and the QR code to show a neighbour."""
    contest = _published_contest(slug)
    return render_template("public/share.html", contest=contest, share=share_meta(contest))


@bp.route("/c/<slug>/qr.svg")
def contest_qr(slug: str):
    contest = _published_contest(slug)
    response = make_response(entry_points.qr_svg(contest_url(contest)))
    response.mimetype = "image/svg+xml"
    response.cache_control.max_age = PREVIEW_MAX_AGE
    return response
