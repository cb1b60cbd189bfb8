"""What a move keeps in the topology cache, sealed with a key kept apart (#33).

A move (Heat's adopt) needs the master's export: its template (a hidden parameter's default is in it,
in clear), its environment and each resource's `resource_data` (Heat's export holds a RandomString's
value and a key pair's private key decrypted). Dropping those would make a move ask for values the
operator may not know, or adopt a master whose secrets are gone. So the record is sealed (Fernet:
AES-128-CBC and HMAC-SHA256, from `cryptography`) with a key that lives apart from the cache: in the XDG
*data* directory (the cache is in the *state* one), 0600, made at first use. A copy of the cache file
alone (a backup, a support bundle, a shared jump host's cache) holds no secret.

A record the key cannot open (the key was removed or replaced) is treated as absent: the next read of
the master keeps it again. Hidden values *given* at create are never kept, sealed or not.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from cryptography.fernet import Fernet, InvalidToken

PREFIX = b"sealed:"


def key_path() -> Path:
    return Path(platformdirs.user_data_dir("mrconsole")) / "cache.key"


def _key(create: bool) -> bytes | None:
    path = key_path()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        if not create:
            return None
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another console made it first: theirs
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def seal(data: bytes) -> bytes:
    key = _key(create=True)
    assert key is not None
    return PREFIX + Fernet(key).encrypt(data)


def unseal(blob: bytes) -> bytes | None:
    """The data, or None when the key cannot open it (gone, replaced, or the record was altered)."""
    if not blob.startswith(PREFIX):
        return blob  # written before records were sealed: read once, sealed at the next save
    key = _key(create=False)
    if key is None:
        return None
    try:
        return Fernet(key).decrypt(blob[len(PREFIX) :])
    except (InvalidToken, ValueError):
        return None
