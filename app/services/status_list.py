"""Revocation and suspension as a W3C Bitstring Status List (v1.0), itself a
signed credential (VC-JOSE, like the certificates' own) at a stable public URL.

Every class and year certificate holds one index (`status_index`), numbered
across both kinds when it is issued. List n (1, 2, …) covers the indexes
[(n-1)·LIST_SIZE, n·LIST_SIZE); each entry is STATUS_SIZE = 2 bits whose value
is the certificate's state: 0 valid, 1 suspended, 2 revoked. One entry with
`statusPurpose: "message"` carries both, because an Open Badges 3.0 credential
has exactly one `credentialStatus`. A state change writes the entry in the
same transaction (`write`), so the published list follows on commit; the list
is signed when it is fetched, from the stored bits."""
from __future__ import annotations

import base64
import gzip
from collections import defaultdict
from typing import Iterable

from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Certificate, StatusList, YearCertificate
from ..models.base import utcnow
from .locks import for_update

LIST_SIZE = 131_072  # entries per list: the specification's minimum, for herd privacy
STATUS_SIZE = 2      # bits per entry
VALUES = {"valid": 0, "suspended": 1, "revoked": 2}
MESSAGES = [{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "suspended"},
            {"status": "0x2", "message": "revoked"}, {"status": "0x3", "message": "revoked"}]


def place(index: int) -> tuple[int, int]:
    """(list number, position in that list) of a certificate's status index."""
    return index // LIST_SIZE + 1, index % LIST_SIZE


def allocate(count: int) -> int:
    """The first of `count` fresh consecutive status indexes (their lists are
    created as needed). The caller holds the writers' lock (locks.serialise_writers)."""
    tops = [db.session.execute(select(func.max(m.status_index))).scalar()
            for m in (Certificate, YearCertificate)]
    start = max((t for t in tops if t is not None), default=-1) + 1
    first, last = place(start)[0], place(start + max(count, 1) - 1)[0]
    for number in range(first, last + 1):
        if db.session.get(StatusList, number) is None:
            db.session.add(StatusList(number=number, bits=bytes(LIST_SIZE * STATUS_SIZE // 8),
                                      updated_at=utcnow()))
    db.session.flush()
    return start


def _put(bits: bytearray, position: int, value: int) -> None:
    for k in range(STATUS_SIZE):  # most significant bit first, the first bit the leftmost
        bit = position * STATUS_SIZE + k
        mask = 0x80 >> (bit % 8)
        if (value >> (STATUS_SIZE - 1 - k)) & 1:
            bits[bit // 8] |= mask
        else:
            bits[bit // 8] &= ~mask & 0xFF


def value_at(bits: bytes, position: int) -> int:
    value = 0
    for k in range(STATUS_SIZE):
        bit = position * STATUS_SIZE + k
        value = (value << 1) | ((bits[bit // 8] >> (7 - bit % 8)) & 1)
    return value


def write(rows: Iterable, state: str) -> None:
    """Set the entries of certificates `rows` to `state`, each list row-locked,
    in the caller's transaction."""
    by_list: dict[int, list[int]] = defaultdict(list)
    for row in rows:
        number, position = place(row.status_index)
        by_list[number].append(position)
    for number, positions in sorted(by_list.items()):
        status = db.session.execute(for_update(
            select(StatusList).where(StatusList.number == number))).scalar_one()
        bits = bytearray(status.bits)
        for position in positions:
            _put(bits, position, VALUES[state])
        status.bits, status.updated_at = bytes(bits), utcnow()


def url(number: int) -> str:
    return f"{current_app.config['XUESHI_PUBLIC_BASE_URL'].rstrip('/')}/credentials/status/{number}"


def entry(index: int) -> dict:
    """The `credentialStatus` of the certificate holding `index`."""
    number, position = place(index)
    return {"id": f"{url(number)}#{position}", "type": "BitstringStatusListEntry",
            "statusPurpose": "message", "statusListIndex": str(position),
            "statusListCredential": url(number), "statusSize": STATUS_SIZE,
            "statusMessage": MESSAGES}


def encode(bits: bytes) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bitstring."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(bits, mtime=0)).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("not multibase base64url")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def document(status: StatusList) -> dict:
    """The BitstringStatusListCredential of one list (unsigned)."""
    from . import credentials

    base = current_app.config["XUESHI_PUBLIC_BASE_URL"].rstrip("/")
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url(status.number),
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": base,
        "validFrom": credentials.timestamp(status.updated_at),
        "credentialSubject": {"id": f"{url(status.number)}#list", "type": "BitstringStatusList",
                              "statusPurpose": "message", "encodedList": encode(status.bits)},
    }


def published(number: int) -> str | None:
    """List `number` as the signed credential verifiers fetch (vc+jwt), or None."""
    from . import credentials

    status = db.session.get(StatusList, number)
    return None if status is None else credentials.sign(document(status))
