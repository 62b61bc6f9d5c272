"""Personal data encrypted at rest (issue 15): AES-256-GCM with keys from the environment, and a
keyed hash (HMAC-SHA-256, a key of its own) to find a value without decrypting anything.

Settings (``casework/settings/base.py``; production refuses to start without real ones):

- ``PERSONAL_DATA_KEYS``: base64url 32-byte keys, newest first. Values are encrypted with the
  first and decrypted with whichever key wrote them: each value names its key by a fingerprint.
- ``PERSONAL_DATA_HASH_KEY``: the key of the keyed hash (``blind_index``).

A stored value reads ``pd1:<key fingerprint>:<base64url(nonce ‖ ciphertext ‖ tag)>``; the empty
string stays empty (a case paid in cash has no account). A random nonce per value: the same account
encrypts differently each time, so equality is asked of the keyed hash, never of the ciphertext.
Rotation: put a new key first, keep the old ones after it, run ``manage.py
reencrypt_personal_data``, then drop the old keys (README, "Personal data").
"""

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "pd1:"
_NONCE_BYTES = 12


class PersonalDataKeyError(Exception):
    """A value cannot be decrypted with the configured keys (a key missing, a wrong key, or an
    altered value). Never a silent wrong answer."""


@dataclass(frozen=True)
class _Key:
    fingerprint: str
    cipher: AESGCM


def _decode_key(text: str, *, setting: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{setting}: a key is not base64url") from error
    if len(raw) != 32:
        raise ImproperlyConfigured(f"{setting}: each key must be 32 bytes (base64url), found {len(raw)}")
    return raw


def fingerprint(raw: bytes) -> str:
    """The key's name in each value it encrypts: 8 hex digits of a hash of the key (not the key)."""
    return hashlib.sha256(b"casework personal data key\x00" + raw).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keys(texts: tuple[str, ...]) -> tuple[_Key, ...]:
    if not texts:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS is empty: personal data cannot be encrypted")
    keys = []
    for text in texts:
        raw = _decode_key(text, setting="PERSONAL_DATA_KEYS")
        keys.append(_Key(fingerprint(raw), AESGCM(raw)))
    return tuple(keys)


def _configured() -> tuple[_Key, ...]:
    return _keys(tuple(settings.PERSONAL_DATA_KEYS))


def current_fingerprint() -> str:
    """The newest key's fingerprint: values that do not carry it are re-encrypted by rotation."""
    return _configured()[0].fingerprint


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(plaintext: str) -> str:
    """``plaintext`` encrypted with the newest key (the empty string stays empty)."""
    if plaintext == "":
        return ""
    key = _configured()[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, plaintext.encode(), PREFIX.encode())
    return f"{PREFIX}{key.fingerprint}:{base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"


def decrypt(stored: str) -> str:
    """The plaintext of a stored value, with whichever configured key wrote it."""
    if stored == "":
        return ""
    if not is_encrypted(stored):
        raise PersonalDataKeyError(
            "A personal data column holds a value that is not encrypted; "
            "run `manage.py reencrypt_personal_data` (it encrypts such values)."
        )
    name, _sep, body = stored[len(PREFIX) :].partition(":")
    key = next((key for key in _configured() if key.fingerprint == name), None)
    if key is None:
        raise PersonalDataKeyError(
            f"This value was encrypted with key {name}, which is not in PERSONAL_DATA_KEYS "
            f"(configured: {', '.join(k.fingerprint for k in _configured())}). Put that key back "
            "(after the newest) until `manage.py reencrypt_personal_data` has run."
        )
    try:
        sealed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return key.cipher.decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], PREFIX.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as error:
        raise PersonalDataKeyError(
            f"A value encrypted with key {name} does not decrypt: the key under that name differs "
            "from the one that wrote it, or the value was altered."
        ) from error


def reencrypt(stored: str) -> str:
    """A stored value under the newest key (itself when already; a plaintext left from before
    encryption is encrypted)."""
    if stored == "":
        return ""
    if not is_encrypted(stored):
        return encrypt(stored)
    if stored.startswith(f"{PREFIX}{current_fingerprint()}:"):
        return stored
    return encrypt(decrypt(stored))


@lru_cache(maxsize=4)
def _hash_key(text: str) -> bytes:
    return _decode_key(text, setting="PERSONAL_DATA_HASH_KEY")


def blind_index(value: str, *, purpose: str) -> str:
    """The keyed hash of ``value`` (64 hex digits; empty for an empty value): equal values give
    equal hashes, and without the key a hash cannot be tried against the few billion possible
    account numbers. ``purpose`` ("account", …) keeps the hashes of different kinds apart."""
    if value == "":
        return ""
    message = purpose.encode() + b"\x00" + value.encode()
    return hmac.new(_hash_key(settings.PERSONAL_DATA_HASH_KEY), message, hashlib.sha256).hexdigest()
