"""The audit chain's key, kept out of the database: `XUESHI_AUDIT_KEY` from the
environment, else a key file (`XUESHI_AUDIT_KEY_FILE`, default
`instance/audit_key`, created once with mode 0600, outside the web root).
`XUESHI_AUDIT_HASH` chooses the MAC: `hmac-sha256` (default) or `hmac-sm3` (国密)."""
from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

from flask import current_app, has_app_context


def _config(name: str, default: str | None = None) -> str | None:
    if has_app_context() and current_app.config.get(name):
        return current_app.config[name]
    return os.environ.get(name) or default


@lru_cache(maxsize=8)
def _key_from(env_key: str | None, path: str) -> bytes:
    from config import key_from

    return key_from(env_key, Path(path)).encode("utf-8")


def key() -> bytes:
    from config import instance_dir

    return _key_from(_config("XUESHI_AUDIT_KEY"),
                     _config("XUESHI_AUDIT_KEY_FILE") or str(instance_dir() / "audit_key"))


def algorithm() -> str:
    name = (_config("XUESHI_AUDIT_HASH") or "hmac-sha256").lower()
    if name not in ("hmac-sha256", "hmac-sm3"):
        raise RuntimeError(f"XUESHI_AUDIT_HASH must be hmac-sha256 or hmac-sm3, not {name}")
    return name


def signer(purpose: str = "entry") -> Callable[[bytes], str]:
    """The hex MAC function for `purpose` (entry, anchor, archive…), its key and
    algorithm read once: many entries are signed with one lookup."""
    secret, prefix = key(), purpose.encode() + b"\0"
    if algorithm() == "hmac-sm3":
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import hmac as chmac

        def sm3(data: bytes) -> str:
            h = chmac.HMAC(secret, hashes.SM3())
            h.update(prefix + data)
            return h.finalize().hex()

        return sm3
    keyed = hmac.new(secret, prefix, hashlib.sha256)  # keyed once: each entry copies it

    def sha256(data: bytes) -> str:
        h = keyed.copy()
        h.update(data)
        return h.hexdigest()

    return sha256


def mac(data: bytes, purpose: str = "entry") -> str:
    """Hex MAC of `data`; `purpose` separates entry, anchor and archive signatures."""
    return signer(purpose)(data)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a or "", b or "")
