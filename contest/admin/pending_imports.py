"""The one preview-then-confirm mechanism of every import (question bank, units, Word).

Uploading checks the files and writes nothing; the files themselves (not rows derived
from them) wait on disk under ``instance/imports/<random token>/``, the token and the
uploader's file names and options in the signed session. "Xác nhận" runs the very same
import again on the same bytes, so what is written is checked against the bank or the
list as it is at that moment, and the preview cannot be tampered with: the browser holds
only a session cookie. Abandoned uploads are swept after two hours.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from flask import current_app, session

#: Uploads left unconfirmed are removed after this long.
MAX_AGE_SECONDS = 2 * 3600
_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _root() -> Path:
    root = Path(current_app.instance_path) / "imports"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _sweep(root: Path) -> None:
    limit = time.time() - MAX_AGE_SECONDS
    for path in root.iterdir():
        try:
            if path.is_dir() and path.stat().st_mtime < limit:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


class PendingImport:
    """Files waiting for the organiser's confirmation, one set per kind of import."""

    def __init__(self, kind: str) -> None:
        self.key = f"pending_import_{kind}"

    def _folder(self) -> Path | None:
        token = (session.get(self.key) or {}).get("token", "")
        if not isinstance(token, str) or not _TOKEN_RE.match(token):
            return None
        path = _root() / token
        return path if path.is_dir() else None

    def store(self, files: list[tuple[str, bytes]], options: dict[str, Any] | None = None) -> None:
        """Keep the files (replacing any earlier ones) until confirmed, cancelled or stale."""
        self.discard()
        root = _root()
        _sweep(root)
        token = secrets.token_urlsafe(24)
        folder = root / token
        folder.mkdir()
        # Stored under numbered names: the uploader's file name is kept only in the session.
        for index, (_name, content) in enumerate(files):
            (folder / f"{index}.bin").write_bytes(content)
        session[self.key] = {"token": token, "names": [name for name, _ in files],
                             "options": options or {}}

    def load(self) -> tuple[list[tuple[str, bytes]], dict[str, Any]] | None:
        """The files and options waiting, or None when there are none (done, stale, other)."""
        folder = self._folder()
        if folder is None:
            return None
        pending = session[self.key]
        names = pending.get("names") or []
        try:
            files = [(name, (folder / f"{i}.bin").read_bytes()) for i, name in enumerate(names)]
        except OSError:
            return None
        return files, dict(pending.get("options") or {})

    def update_options(self, options: dict[str, Any]) -> None:
        pending = session.get(self.key)
        if pending:
            session[self.key] = {**pending, "options": options}

    def discard(self) -> None:
        folder = self._folder()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        session.pop(self.key, None)
