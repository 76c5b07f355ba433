"""Icons and link previews: what browsers and chat apps fetch beside the pages."""

from __future__ import annotations


def test_favicon_and_touch_icon_are_served_and_linked(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"
    assert "max-age" in icon.headers["Cache-Control"]
    touch = client.get("/apple-touch-icon.png")
    assert touch.status_code == 200 and touch.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/apple-touch-icon-precomposed.png").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in home
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in home
