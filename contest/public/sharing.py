"""What a browser or a chat app fetches beside the pages: the icons and the link preview.

Zalo, Facebook and phones' home screens ask for these at fixed addresses; without
them every visit logged a 404 and a shared link showed no picture.
"""

from __future__ import annotations

from flask import current_app, send_from_directory

from contest.public import bp

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
