"""Certificate identifiers (GB/T 36904 style): shape, check character, parsing."""
from __future__ import annotations

import pytest
from flask import Flask
from stdnum.iso7064 import mod_37_36

from app.services import identifiers

ISSUER = "51370200MJ0000000N"


@pytest.fixture()
def ctx():
    app = Flask(__name__)
    app.config["XUESHI_ISSUER_CREDIT_CODE"] = ISSUER
    with app.app_context():
        yield


def test_identifier_has_type_issuer_serial_version_and_check(ctx):
    ident = identifiers.make(identifiers.YEAR_CERTIFICATE, 2026, 123, version=2)
    type_code, issuer, serial, version, check = ident.split("-")
    assert (type_code, issuer, serial, version) == ("JXXS", ISSUER, "20260000123", "02")
    assert mod_37_36.is_valid(ident.replace("-", "")) and len(ident) <= 40
    assert identifiers.make(identifiers.CLASS_CERTIFICATE, 2026, 123) != ident


def test_parse_accepts_any_spacing_and_case_and_catches_typos(ctx):
    ident = identifiers.make(identifiers.CLASS_CERTIFICATE, 2026, 42)
    parsed = identifiers.parse(ident.lower().replace("-", " "))
    assert str(parsed) == ident and parsed.number == 42 and parsed.version == 1
    for i, ch in enumerate(ident):
        if ch == "-":
            continue
        for other in "07AZ":
            if other != ch:
                typo = ident[:i] + other + ident[i + 1:]
                assert identifiers.parse(typo) is None, typo  # every single substitution is caught
    assert identifiers.parse(ident[:-3] + ident[-1:]) is None
    assert identifiers.parse("") is None and identifiers.parse(None) is None
