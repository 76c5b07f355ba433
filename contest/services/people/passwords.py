"""The list of common passwords shipped with the app (contest/data/common_passwords/).

Read once per process, from the package: nothing is fetched at run time.
"""

from __future__ import annotations

import gzip
from functools import cache
from importlib import resources


@cache
def common_passwords() -> frozenset[str]:
    """19,640 common passwords in lower case (Django's list; see the folder's README)."""
    data = resources.files("contest").joinpath(
        "data/common_passwords/common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def is_common(password: str) -> bool:
    return password.strip().lower() in common_passwords()


def is_repetition(password: str) -> bool:
    """One character, or one short run of characters, over and over: "aaaa…", "abab…"."""
    size = len(password)
    return any(size % unit == 0 and password == password[:unit] * (size // unit)
               for unit in range(1, min(4, size // 2) + 1))
