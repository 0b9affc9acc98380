"""Open Badges 3.0 credentials (W3C VC 2.0 `OpenBadgeCredential`) for certificates,
secured as VC-JOSE: a compact JWS (`typ: vc+jwt`), Ed25519 (joserfc).

The issuer's public key is published as a JWKS at /.well-known/jwks.json; a
verifier with the token and that key checks it offline. The Ed25519 key is a
private JWK in the file named by XUESHI_CREDENTIAL_KEY; outside production
`xueshi init` makes a demo key in the instance folder (as it does the demo PDF
signer), in production nothing is issued without one. The holder appears only
as salted hashes (OB 3.0 IdentityObject) of the name and the ID number: the
credential proves whom it is about to whoever knows them, and tells no one else."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from .errors import BusinessError

ALG = "Ed25519"  # RFC 9864 (fully specified; "EdDSA" is deprecated)
DEMO_KEY = "demo-credential-key.json"
CONTEXTS = ["https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
_keys: dict[str, OKPKey] = {}


def _key_path() -> Path | None:
    cfg = current_app.config
    if cfg.get("XUESHI_CREDENTIAL_KEY"):
        return Path(cfg["XUESHI_CREDENTIAL_KEY"])
    if cfg.get("XUESHI_ENV") == "production":
        return None
    demo = Path(current_app.instance_path) / DEMO_KEY
    return demo if demo.exists() else None


def key() -> OKPKey:
    path = _key_path()
    if path is None:
        raise BusinessError(gettext(
            "No credential signing key is configured (XUESHI_CREDENTIAL_KEY): "
            "certificates cannot be issued."), status=409)
    found = _keys.get(str(path))
    if found is None:
        try:
            found = OKPKey.import_key(json.loads(path.read_text()))
        except (OSError, ValueError, JoseError):
            raise BusinessError(gettext(
                "The credential signing key (XUESHI_CREDENTIAL_KEY) cannot be read: "
                "certificates cannot be issued."), status=409) from None
        found.ensure_kid()
        _keys[str(path)] = found
    return found


def jwks() -> dict:
    """The public key set verifiers fetch once (no private part)."""
    public = key().as_dict(private=False)
    return {"keys": [{**public, "kid": key().kid, "alg": ALG, "use": "sig"}]}


def create_demo_key(folder: Path) -> bool:
    path = Path(folder) / DEMO_KEY
    if path.exists():
        return False
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(OKPKey.generate_key("Ed25519").as_dict(private=True)))
    return True


def timestamp(at: datetime) -> str:
    """A VC date-time: UTC with its zone (stored times may come back without one)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _identity(kind: str, value: str) -> dict:
    salt = secrets.token_hex(16)
    return {"type": "IdentityObject", "identityType": kind, "hashed": True, "salt": salt,
            "identityHash": "sha256$" + hashlib.sha256((value + salt).encode()).hexdigest()}


def credential(*, url: str, number: str, name: str, description: str, holder_name: str,
               id_number: str, valid_from: datetime, credits: str, tags: list[str],
               achievement_type: str, status_index: int) -> dict:
    """The OpenBadgeCredential of one certificate (a plain JSON document)."""
    base = current_app.config["XUESHI_PUBLIC_BASE_URL"].rstrip("/")
    from .certificates import ISSUER
    from . import identifiers, status_list

    return {
        "@context": CONTEXTS,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base, "type": ["Profile"], "name": ISSUER,
                   "otherIdentifier": [{"type": "IdentifierEntry", "identifierType": "identifier",
                                        "identifier": identifiers.issuer_code()}]},
        "validFrom": timestamp(valid_from),
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity("name", holder_name), _identity("identifier", id_number)],
            "creditsEarned": float(credits),
            "achievement": {
                "id": f"{url}#achievement", "type": ["Achievement"], "name": name,
                "description": description, "achievementType": achievement_type,
                "criteria": {"narrative": description}, "tag": tags,
                "creditsAvailable": float(credits),
            },
        },
        "identifier": [{"type": "IdentifierEntry", "identifierType": "identifier",
                        "identifier": number}],
        "credentialStatus": status_list.entry(status_index),
    }


def sign(document: dict) -> str:
    """`document` as a VC-JOSE compact JWS (application/vc+jwt)."""
    k = key()
    header = {"alg": ALG, "typ": "vc+jwt", "cty": "vc", "kid": k.kid}
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return jws.serialize_compact(header, payload, k, algorithms=[ALG])


def verify(token: str) -> dict | None:
    """The credential inside `token` when the issuer's key signed it, else None."""
    try:
        found = jws.deserialize_compact(token.strip(), key(), algorithms=[ALG])
        if found.headers().get("typ") != "vc+jwt":
            return None
        return json.loads(found.payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        return None
