"""Valid identifiers and rows for tests."""
from __future__ import annotations

import itertools
from datetime import date, timedelta

from stdnum.cn import ric, uscc

_serial = itertools.count(1)


def id_number(region: str = "370202", born: str | None = None) -> str:
    """A valid 18-character resident ID number, unique per call."""
    n = next(_serial)
    born = born or (date(1970, 1, 1) + timedelta(days=n % 12000)).strftime("%Y%m%d")
    body = f"{region}{born}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def credit_code(region: str = "370202") -> str:
    """A valid unified social credit code, unique per call."""
    body = f"91{region}MA{next(_serial):07d}"
    return body + uscc.calc_check_digit(body)


def broken_check_digit(number: str) -> str:
    last = number[-1]
    return number[:-1] + ("0" if last != "0" else "1")
