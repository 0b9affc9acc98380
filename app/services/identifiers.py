"""Certificate identifiers in the manner of GB/T 36904 (电子证照标识).

    JXPX-51370200MJ0000000N-20260000123-01-K
    type code - issuer's 统一社会信用代码 - serial (year + 7 digits) - version - check character

The check character is ISO 7064 MOD 37,36 (python-stdnum) over the other
characters without the hyphens, so a mistyped identifier is caught before any
lookup. The identifier is printed on the document and carried in its
credential; it is public and guessable by design. The random verification
token behind the QR code is a separate thing."""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from stdnum.cn import uscc
from stdnum.iso7064 import mod_37_36

CLASS_CERTIFICATE = "JXPX"  # 继续教育培训证书 (a filed class's certificate)
YEAR_CERTIFICATE = "JXXS"   # 年度学时证明
TYPES = (CLASS_CERTIFICATE, YEAR_CERTIFICATE)
_SHAPE = re.compile(r"^([A-Z]{4})([0-9A-Z]{18})(\d{4})(\d{7})(\d{2})([0-9A-Z])$")


@dataclass(frozen=True)
class Identifier:
    type_code: str
    issuer: str
    year: int
    number: int
    version: int

    @property
    def serial(self) -> str:
        return f"{self.year}{self.number:07d}"

    def __str__(self) -> str:
        body = f"{self.type_code}{self.issuer}{self.serial}{self.version:02d}"
        return (f"{self.type_code}-{self.issuer}-{self.serial}-{self.version:02d}-"
                f"{mod_37_36.calc_check_digit(body)}")


def issuer_code() -> str:
    """The association's 统一社会信用代码 (XUESHI_ISSUER_CREDIT_CODE)."""
    return current_app.config["XUESHI_ISSUER_CREDIT_CODE"]


def make(type_code: str, year: int, number: int, version: int = 1) -> str:
    assert type_code in TYPES and 0 < number < 10 ** 7 and 0 < version < 100
    return str(Identifier(type_code, issuer_code(), year, number, version))


def prefix(type_code: str, year: int) -> str:
    """What every identifier of this type and year starts with (for counting)."""
    return f"{type_code}-{issuer_code()}-{year}"


def parse(text: str | None) -> Identifier | None:
    """The identifier in `text` (hyphens, spaces and case do not matter), or None when
    it is not one: wrong shape, an invalid issuer code or a wrong check character."""
    compact = re.sub(r"[\s\-‐-—]", "", text or "").upper()
    m = _SHAPE.match(compact)
    if not m or not mod_37_36.is_valid(compact) or not uscc.is_valid(m.group(2)):
        return None
    return Identifier(m.group(1), m.group(2), int(m.group(3)), int(m.group(4)), int(m.group(5)))
