"""Reproducible installs: requirements/*.txt pin every dependency of pyproject.toml to an
exact version with hashes, and the check that `make` runs before installing catches a
dependency added to pyproject.toml without `make lock`."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LOCKS = ["app", "test", "bench"]


def _check_module():
    spec = importlib.util.spec_from_file_location("lock_check", ROOT / "requirements/check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lock_files_cover_pyproject():
    assert _check_module().problems() == []


@pytest.mark.parametrize("name", LOCKS)
def test_every_locked_package_has_an_exact_version_and_a_hash(name):
    text = (ROOT / "requirements" / f"{name}.txt").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2].strip())
    assert len(entries) > 20
    for entry in entries:
        assert re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])?==\S+", entry), entry
        assert "--hash=sha256:" in entry, entry


def test_a_dependency_missing_from_the_lock_is_reported(tmp_path):
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    pyproject = (ROOT / "pyproject.toml").read_text()
    (tmp_path / "pyproject.toml").write_text(
        pyproject.replace('dependencies = [\n', 'dependencies = [\n    "left-pad-vn>=1.0",\n', 1)
        .replace('"flask>=3.0"', '"flask>=99"'))
    found = _check_module().problems(tmp_path)
    assert "left-pad-vn is not in requirements/app.txt" in found
    assert any(p.startswith("flask==") and "does not satisfy flask>=99" in p for p in found)


def test_make_installs_only_from_the_lock_files():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r requirements/$(1).txt" in makefile
    assert "--no-deps -e ." in makefile
    assert "pip install --quiet -e" not in makefile
