"""`python -m app.rules evaluate [FILE]`: person-years in, results out, as JSON.

Input: one person-year object or an array of them, from FILE or stdin (UTF-8,
a byte-order mark allowed). Output: the result object, or an array in the same
order where a rejected person-year becomes {"error": "..."}. A single rejected
person-year, input that is not JSON, or an unreadable file: exit status 2,
one line on stderr, nothing on stdout.
"""
from __future__ import annotations

import json
import sys
from decimal import Decimal

from .engine import MAX_DIGITS, RejectedPersonYear, evaluate

USAGE = "用法(usage): python -m app.rules evaluate [FILE]   (无 FILE 时读标准输入 / stdin)"
_INT_DIGITS = 4300  # Python's default limit for int(str)


class _Fail(Exception):
    """Ends the run with exit status 2 and this one-line message."""


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args in (["-h"], ["--help"]):
        _write(sys.stdout, USAGE)
        return 0
    if not args or args[0] != "evaluate" or len(args) > 2:
        _write(sys.stderr, USAGE)
        return 2
    try:
        data = _parse(_read(args[1] if len(args) == 2 else "-"))
        output = _evaluate_all(data)
    except _Fail as fail:
        _write(sys.stderr, "错误:" + " ".join(str(fail).split()))
        return 2
    _write(sys.stdout, output)
    return 0


def _write(stream, line: str) -> None:
    """One line in UTF-8, whatever the locale's encoding."""
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(line + "\n")
        return
    stream.flush()
    buffer.write((line + "\n").encode("utf-8"))
    buffer.flush()


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        raise _Fail(f"无法读取文件 {path}:{error.strerror or error}") from None


def _parse(raw: bytes):
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Fail("输入不是 UTF-8 编码的 JSON") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_parse_int,
                          parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise _Fail(f"输入不是合法的 JSON(第 {error.lineno} 行第 {error.colno} 列:{error.msg})") from None
    except _Fail:
        raise
    except (ValueError, RecursionError) as error:
        raise _Fail(f"输入不是可处理的 JSON({error})") from None


def _parse_int(digits: str) -> int | Decimal:
    """Integers beyond Python's int(str) limit are still JSON integers; beyond
    the engine's MAX_DIGITS they stay Decimal (and are judged ill-typed)."""
    if len(digits) < _INT_DIGITS:
        return int(digits)
    return int(Decimal(digits)) if len(digits) <= MAX_DIGITS else Decimal(digits)


def _no_constant(name: str):
    raise _Fail(f"输入不是合法的 JSON:{name} 不是 JSON 数值")


def _evaluate_all(data) -> str:
    if isinstance(data, list):
        return "[" + ", ".join(_dumps(_evaluate_or_error(one)) for one in data) + "]"
    try:
        return _dumps(evaluate(data))
    except RejectedPersonYear as rejected:
        raise _Fail(rejected.message) from None


def _evaluate_or_error(person_year) -> dict:
    try:
        return evaluate(person_year)
    except RejectedPersonYear as rejected:
        return {"error": rejected.message}


def _dumps(value) -> str:
    """JSON text of a result: Decimals as plain numbers (30, 22.5)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_dumps(str(k))}: {_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dumps(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
