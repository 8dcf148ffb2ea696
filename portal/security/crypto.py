"""Field encryption (AES-256-GCM) for identifiers such as tax ids, with key rotation.

Ciphertext is stored as ``v1:<key id>:<base64url(nonce || ciphertext+tag)>``: the key id lets
old rows be read after the current key changes, and `rotate_encrypted_fields` re-encrypts them.
Keys come from FIELD_ENCRYPTION_KEYS (``keyid:base64key,...``, the first is current). In
development, when it is unset, one key is derived from SECRET_KEY so that a fresh checkout runs;
production refuses to start without it (portal.config.check_config).
"""

from __future__ import annotations

import base64
import binascii
import os
from functools import lru_cache

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import Text, TypeDecorator

FORMAT_VERSION = "v1"
NONCE_BYTES = 12
DEV_KEY_ID = "dev"


class FieldCryptoError(ValueError):
    """A key list that cannot be used, or a ciphertext no known key opens."""


class Keyring:
    """The current key encrypts; every listed key decrypts."""

    def __init__(self, keys: list[tuple[str, bytes]]):
        if not keys:
            raise FieldCryptoError("no field encryption key")
        self.current_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}

    def encrypt(self, plaintext: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current_id].encrypt(nonce, plaintext.encode(), None)
        token = base64.urlsafe_b64encode(nonce + sealed).decode()
        return f"{FORMAT_VERSION}:{self.current_id}:{token}"

    def decrypt(self, stored: str) -> str:
        try:
            version, key_id, token = stored.split(":", 2)
            cipher = self._ciphers[key_id]
            raw = base64.urlsafe_b64decode(token)
        except (ValueError, KeyError, binascii.Error) as exc:
            raise FieldCryptoError("unreadable or unknown-key ciphertext") from exc
        if version != FORMAT_VERSION:
            raise FieldCryptoError(f"unknown ciphertext format {version!r}")
        try:
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except InvalidTag as exc:
            raise FieldCryptoError("ciphertext was altered or the key is wrong") from exc

    def is_current(self, stored: str) -> bool:
        return stored.startswith(f"{FORMAT_VERSION}:{self.current_id}:")


def parse_keys(spec: str) -> list[tuple[str, bytes]]:
    """``"k2:BASE64,k1:BASE64"`` → [("k2", key), ("k1", key)]; AES-128/192/256 keys."""
    keys = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, _, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise FieldCryptoError(f"key {key_id!r} is not base64") from exc
        if not key_id or len(key) not in (16, 24, 32):
            raise FieldCryptoError(f"key {key_id!r} must be named and 16, 24 or 32 bytes long")
        keys.append((key_id, key))
    if len({key_id for key_id, _ in keys}) != len(keys):
        raise FieldCryptoError("key ids must be unique")
    return keys


def derive_dev_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"efi field encryption")
    return hkdf.derive(secret_key.encode())


@lru_cache(maxsize=8)
def _keyring_for(spec: str, secret_key: str) -> Keyring:
    if spec.strip():
        return Keyring(parse_keys(spec))
    return Keyring([(DEV_KEY_ID, derive_dev_key(secret_key))])


def keyring() -> Keyring:
    """The keyring of the current app's configuration."""
    config = current_app.config
    return _keyring_for(config.get("FIELD_ENCRYPTION_KEYS", ""), config["SECRET_KEY"])


class EncryptedString(TypeDecorator):
    """A text column stored encrypted; reads and writes plain `str` in Python.

    Encryption is randomised, so these columns cannot be searched, sorted or made unique.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring().encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else keyring().decrypt(value)


def encrypted_columns(metadata: sa.MetaData) -> list[sa.Column]:
    return [
        column
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def unreadable_columns(connection: sa.Connection, metadata: sa.MetaData) -> list[str]:
    """The encrypted columns whose first stored value no configured key opens: a SECRET_KEY
    changed under keys derived from it, or a key dropped from FIELD_ENCRYPTION_KEYS."""
    ring, unreadable = keyring(), []
    for column in encrypted_columns(metadata):
        raw = sa.type_coerce(column, Text)  # the stored ciphertext, not the decrypted value
        stored = connection.scalar(sa.select(raw).where(column.is_not(None)).limit(1))
        try:
            if stored is not None:
                ring.decrypt(stored)
        except FieldCryptoError:
            unreadable.append(f"{column.table.name}.{column.name}")
    return unreadable


def rotate_encrypted_fields(engine: sa.Engine, metadata: sa.MetaData, *, batch_size=500) -> int:
    """Re-encrypt, batch by batch, every encrypted value not under the current key.

    Returns the number of values rewritten. Each batch is one UPDATE with many parameter sets in
    its own transaction, so a long run holds no long locks and can be resumed; rewritten rows
    stop matching the filter, so the loop ends when none are left.
    """
    ring = keyring()
    current_prefix = f"{FORMAT_VERSION}:{ring.current_id}:%"
    rewritten = 0
    for column in encrypted_columns(metadata):
        table = column.table
        (key,) = table.primary_key.columns
        raw = sa.type_coerce(column, Text)  # the stored ciphertext, not the decrypted value
        pending = (
            sa.select(key, raw)
            .where(column.is_not(None), raw.not_like(current_prefix))
            .limit(batch_size)
        )
        update = (
            table.update()
            .where(key == sa.bindparam("row_key"))
            .values({column.name: sa.bindparam("sealed", type_=Text)})
        )
        while True:
            with engine.begin() as connection:
                rows = connection.execute(pending).all()
                if not rows:
                    break
                connection.execute(
                    update,
                    [{"row_key": k, "sealed": ring.encrypt(ring.decrypt(v))} for k, v in rows],
                )
            rewritten += len(rows)
    return rewritten
