"""What a staff password and a username must be.

Passwords follow NIST SP 800-63B: at least ``MIN_LENGTH`` characters, no composition rules, and refused when
they are among the common passwords of ``common_passwords.txt`` (the 20,000 most common passwords, lowercased,
compiled by Royce Williams from public breach corpora; the list Django ships). Usernames use a safe character
set: they appear in pages, logs and audit lines.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tremplin.core.models import Staff

MIN_LENGTH = 12
MAX_LENGTH = 200
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,79}$")
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in COMMON_FILE.read_text(encoding="utf-8").splitlines() if line.strip())


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def password_problem(password: str, username: str = "") -> str | None:
    """Why ``password`` may not be used (an English reason, translated by the pages), or ``None``."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return f"the password must have {MIN_LENGTH} to {MAX_LENGTH} characters"
    folded = _folded(password)
    if folded in common_passwords() or (username and folded == _folded(username)):
        return "the password is too common: choose a less predictable one"
    return None


def username_problem(username: str) -> str | None:
    """Why ``username`` may not be used, or ``None``."""
    if not USERNAME.match(username):
        return (
            "the username must have 1 to 80 characters: letters, digits, '.', '_', '-' or '@', "
            "starting with a letter or digit"
        )
    return None


def fingerprint(staff: Staff) -> str:
    """A short digest of the account's password hash: a session or a phone's field token made before the password
    changed no longer matches it, so changing the password ends them all."""
    return hashlib.sha256((staff.password_hash or "").encode()).hexdigest()[:16]
