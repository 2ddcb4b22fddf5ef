"""Chat ids, sealed: the only way the bot keeps what routes an answer back to a person.

A Telegram chat id identifies a person. The bot never stores it in clear: it stores it **sealed**
(``cryptography``'s Fernet, authenticated encryption, key from ``settings.bot_encryption_key`` or derived
from ``settings.secret_key``) where it must send something later (an answer to a thread, a weekly
challenge), and a **keyed hash** (HMAC-SHA256) where it only needs to recognise the chat again (a
returning person, ``/forget``). Without the key neither can be turned back into the id, and the hash of
one installation matches nothing in another's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

    from tremplin.core.settings import Settings


class Seal:
    """Seal and open chat ids (or any small JSON value) with one installation's key."""

    def __init__(self, key_material: str) -> None:
        from cryptography.fernet import Fernet

        self._fernet: Fernet = Fernet(_fernet_key(key_material))
        self._hash_key = hashlib.sha256(b"tremplin.bot.hash\x00" + key_material.encode()).digest()

    def seal(self, value: Any) -> str:
        """The value (a chat id, a tuple of ids), encrypted and authenticated, as text."""
        return self._fernet.encrypt(json.dumps(value).encode()).decode()

    def open(self, sealed: str) -> Any:
        """The value ``seal`` sealed; ``cryptography.fernet.InvalidToken`` under another key."""
        return json.loads(self._fernet.decrypt(sealed.encode()))

    def key(self, value: Any) -> str:
        """A keyed hash of the value: the same chat gives the same 64 hex digits, nothing gives it back."""
        return hmac.new(self._hash_key, json.dumps(value).encode(), hashlib.sha256).hexdigest()


def _fernet_key(material: str) -> bytes:
    """A Fernet key as given (urlsafe base64 of 32 bytes), or one derived from any other secret text."""
    try:
        raw = base64.urlsafe_b64decode(material.encode())
        if len(raw) == 32:
            return material.encode()
    except (ValueError, TypeError):
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(b"tremplin.bot.seal\x00" + material.encode()).digest())


def seal_for(settings: Settings) -> Seal:
    """The installation's seal: ``bot_encryption_key`` if set, else derived from ``secret_key``."""
    return _seal(settings.bot_encryption_key or "secret:" + settings.secret_key)


@lru_cache(maxsize=8)
def _seal(material: str) -> Seal:
    return Seal(material)
