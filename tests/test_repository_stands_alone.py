"""A clone is all a reader has: no product file points outside the repository or at internal issue numbers."""

import re
import subprocess
from pathlib import Path

from app.config import ROOT

PRODUCT_PATHS = (
    "README.md",
    "docs",
    "app",
    "matching",
    "migrations",
    "seed_data",
    "tests",
    "bench",
    "Makefile",
    "pyproject.toml",
    "docker-compose.yml",
    "Dockerfile",
)
FORBIDDEN = re.compile(r"\.\./shared|issue #?[0-9]", re.IGNORECASE)
THIS_FILE = Path(__file__).resolve()


def product_files() -> list[Path]:
    """Tracked and not-yet-added files under the product paths (every file there outside a git checkout)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *PRODUCT_PATHS],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
        files = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        files = [
            p
            for name in PRODUCT_PATHS
            for p in ([ROOT / name] if (ROOT / name).is_file() else (ROOT / name).rglob("*"))
        ]
    return [p for p in files if p.is_file() and "__pycache__" not in p.parts and p.resolve() != THIS_FILE]


def test_the_product_paths_are_found():
    names = {p.relative_to(ROOT).as_posix() for p in product_files()}
    assert {"README.md", "app/config.py", "Makefile"} <= names


def test_no_product_file_mentions_paths_outside_the_repository_or_issue_numbers():
    found = []
    for path in product_files():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary files (e.g. spreadsheets) carry no prose
        for number, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    assert not found, "say it without ../shared or internal issue numbers:\n" + "\n".join(found)
