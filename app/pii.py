"""Personal data at rest and on the wire: keyed hashes to find duplicates, AES-GCM to store, masks to show."""

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class PiiVault:
    """Derives a hash key and an encryption key from one secret, so one setting protects both."""

    def __init__(self, secret: str) -> None:
        root = secret.encode()
        self._hash_key = hmac.new(root, b"laborbridge/hash", hashlib.sha256).digest()
        self._aead = AESGCM(hmac.new(root, b"laborbridge/encrypt", hashlib.sha256).digest())

    def fingerprint(self, value: str) -> str:
        """Stable keyed hash: equal for equal values, useless without the secret."""
        return hmac.new(self._hash_key, value.upper().encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        nonce = os.urandom(12)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def decrypt(self, token: str) -> str:
        raw = base64.b64decode(token)
        return self._aead.decrypt(raw[:12], raw[12:], None).decode()


@lru_cache(maxsize=4)
def vault_for(secret: str) -> PiiVault:
    return PiiVault(secret)


def mask_id_number(value: str) -> str:
    """450225********123X: the county stays visible, the birth date and serial do not."""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    """138****0000."""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


# What a log line must never carry: an 18-character ID number or an 11-digit mobile number.
_ID_RE = re.compile(r"(?<![0-9])([1-9][0-9]{5})([0-9]{8})([0-9]{3}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9])(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def redact(text: str) -> str:
    text = _ID_RE.sub(lambda m: m.group(1) + "********" + m.group(3)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), text)
