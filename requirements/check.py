"""Is every dependency of pyproject.toml in the lock files, at a version it accepts?

Run by every `make` install and by `make lock`: a dependency added to (or tightened in)
pyproject.toml without `make lock` stops the install here with a message, instead of
an install that silently lacks it. Standard library plus pip's own `packaging`.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

try:
    from packaging.requirements import Requirement
except ImportError:  # a bare venv: pip carries its own copy
    from pip._vendor.packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
#: Lock file -> the pyproject groups it must hold.
LOCKS = {"app": [], "test": ["test"], "bench": ["bench"]}
PIN = re.compile(r"^([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    return {normalise(name): version for name, version in PIN.findall(lock.read_text())}


def problems(root: Path = ROOT) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    found = []
    for lock_name, extras in LOCKS.items():
        lock = root / "requirements" / f"{lock_name}.txt"
        if not lock.exists():
            found.append(f"{lock.relative_to(root)} is missing")
            continue
        pins = locked(lock)
        wanted = list(project["dependencies"])
        for extra in extras:
            wanted += project["optional-dependencies"][extra]
        for line in wanted:
            requirement = Requirement(line)
            if requirement.marker and not requirement.marker.evaluate():
                continue
            version = pins.get(normalise(requirement.name))
            if version is None:
                found.append(f"{requirement.name} is not in {lock.relative_to(root)}")
            elif not requirement.specifier.contains(version, prereleases=True):
                found.append(f"{requirement.name}=={version} in {lock.relative_to(root)} "
                             f"does not satisfy {requirement}")
    return found


def main() -> int:
    found = problems()
    for problem in found:
        print(f"requirements/check.py: {problem}", file=sys.stderr)
    if found:
        print("pyproject.toml and the lock files disagree: run `make lock` and commit "
              "requirements/*.txt (README: Updating dependencies).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
