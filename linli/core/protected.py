"""Protected personal data: encryption at rest and a keyed hash for exact lookup.

Values are encrypted with AES-256-GCM under a key derived from LINLI_FIELD_KEY; a separate
derived key makes an HMAC-SHA256 "blind index" stored beside the ciphertext, so that an exact
ID or phone number can be found without decrypting the table. Ciphertexts carry a version
prefix so that a future key rotation can tell old from new.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

_PREFIX = "v1:"


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@lru_cache(maxsize=4)
def _keys(master: bytes) -> tuple[AESGCM, bytes]:
    return AESGCM(_derive(master, b"linli field encryption")), _derive(master, b"linli blind index")


def encrypt(plaintext: str) -> str:
    aead, _ = _keys(settings.LINLI_FIELD_KEY)
    nonce = os.urandom(12)
    sealed = aead.encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("unknown ciphertext version")
    aead, _ = _keys(settings.LINLI_FIELD_KEY)
    raw = base64.urlsafe_b64decode(token[len(_PREFIX) :].encode())
    return aead.decrypt(raw[:12], raw[12:], None).decode()


def blind_index(value: str) -> str:
    """Keyed hash of a normalized value; equal values give equal hashes, nothing else leaks."""
    _, key = _keys(settings.LINLI_FIELD_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """Stores ciphertext, gives plaintext in Python. Cannot be filtered on: use the hash field."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
