"""Passwords: Argon2id for new hashes; a scrypt hash stored before it still verifies
and becomes Argon2id at the account's next sign-in."""

from __future__ import annotations

import base64
import hashlib

from sqlalchemy import Connection, text

from estate import accounts
from tests.estate.builders import make_organisation

PASSWORD = "a long enough password"


def _old_scrypt_hash(password: str) -> str:
    """A hash exactly as estate stored them before Argon2id."""
    salt = b"0123456789abcdef"
    n, r, p = 2**15, 8, 1
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26)
    b64 = base64.b64encode
    return f"scrypt${n}${r}${p}${b64(salt).decode()}${b64(digest).decode()}"


def test_new_hashes_are_argon2id_and_verify():
    stored = accounts.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert accounts.check_password(stored, PASSWORD)
    assert not accounts.check_password(stored, PASSWORD + "x")
    assert not accounts.check_password("not a hash", PASSWORD)
    assert not accounts.needs_rehash(stored)


def test_an_old_scrypt_hash_signs_in_and_is_upgraded(session, connection: Connection):
    org = make_organisation(session, kind="council")
    account = accounts.add(connection, "oldhash", org.code, "viewer", PASSWORD)
    old = _old_scrypt_hash(PASSWORD)
    connection.execute(
        text("UPDATE users SET password_hash = :h WHERE id = :id"), {"h": old, "id": account.id}
    )
    assert accounts.check_password(old, PASSWORD)
    assert not accounts.check_password(old, "wrong password!")
    assert accounts.needs_rehash(old)
    signed = accounts.sign_in(connection, "oldhash", PASSWORD, "127.0.0.1")
    assert signed.id == account.id
    now = accounts.password_hash(connection, account.id)
    assert now is not None and now.startswith("$argon2id$")
    assert accounts.check_password(now, PASSWORD)
