"""`python -m app.rules evaluate [FILE]` (rules-2026.md, "Command line")."""
from __future__ import annotations

import io
import json
import sys
from decimal import Decimal

import pytest

from app.rules import cli as cli_module

COURSE = {"id": "c1", "kind": "platform_course", "category": "public",
          "date": "2026-03-01", "hours": 2}
PERSON_YEAR = {"person": {"id": "P1"}, "year": 2026, "activities": [COURSE]}


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# -- as a subprocess: the outside check's view -------------------------------

@pytest.mark.parametrize("data, says", [
    (b'{"person": {"id": "P1"}, "year": 2026, "activities": [', "JSON"),
    (b'"just a string"', "对象"),
    (b'{"person": {"id": "P1"}, "year": 2025, "activities": []}', "年度"),
])
def test_bad_input_exits_2_with_one_chinese_line_and_no_output(cli, data, says):
    done = cli("evaluate", input=data)
    assert done.returncode == 2
    assert done.stdout == b""
    err = done.stderr.decode("utf-8")
    assert err.count("\n") == 1 and err.endswith("\n")
    assert says in err and _chinese(err)


def test_no_or_unknown_subcommand_prints_usage_and_exits_2(cli):
    done = cli("frobnicate")
    assert done.returncode == 2 and done.stdout == b""
    assert b"evaluate" in done.stderr


# -- in process: the details ---------------------------------------------------

def run_main(monkeypatch, capsys, args, stdin: bytes = b""):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    status = cli_module.main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_usage_without_arguments(monkeypatch, capsys):
    status, out, err = run_main(monkeypatch, capsys, [])
    assert (status, out) == (2, "") and "evaluate" in err


def test_reads_a_file_and_writes_integers_and_one_decimal(monkeypatch, capsys, tmp_path):
    path = tmp_path / "py.json"
    path.write_text(json.dumps(dict(PERSON_YEAR, activities=[
        dict(COURSE, hours=22.5), dict(COURSE, id="c2", hours=7.5, category="professional")])))
    status, out, err = run_main(monkeypatch, capsys, ["evaluate", str(path)])
    assert (status, err) == (0, "")
    assert '"public": 22.5' in out and '"professional": 7.5' in out and '"total": 30,' in out
    assert '"year": 2026' in out and "30.0" not in out and '"30"' not in out


def test_a_byte_order_mark_is_allowed(monkeypatch, capsys):
    data = "\ufeff".encode() + json.dumps(PERSON_YEAR).encode()
    status, out, _ = run_main(monkeypatch, capsys, ["evaluate"], data)
    assert status == 0 and json.loads(out)["public"] == 2


def test_an_array_keeps_order_and_puts_errors_in_place(monkeypatch, capsys):
    data = json.dumps([PERSON_YEAR, {"person": {"id": "P2"}, "year": 2030, "activities": []},
                       "nonsense", dict(PERSON_YEAR, person={"id": "P3"})]).encode()
    status, out, err = run_main(monkeypatch, capsys, ["evaluate", "-"], data)
    assert (status, err) == (0, "")
    results = json.loads(out)
    assert [r.get("person_id") for r in results] == ["P1", None, None, "P3"]
    assert "2030" in results[1]["error"] and _chinese(results[2]["error"])
    assert set(results[1]) == {"error"}


def test_an_empty_array_gives_an_empty_array(monkeypatch, capsys):
    assert run_main(monkeypatch, capsys, ["evaluate"], b" [ ] ")[:2] == (0, "[]\n")


def test_hours_are_read_as_decimals(monkeypatch, capsys):
    text = json.dumps(PERSON_YEAR).replace('"hours": 2', '"hours": 1.50').replace(
        "]}", ', {"id": "c2", "kind": "platform_course", "category": "public", '
              '"date": "2026-03-01", "hours": 1.0000000000000001}]}')
    status, out, _ = run_main(monkeypatch, capsys, ["evaluate"], text.encode())
    items = json.loads(out)["items"]
    assert status == 0 and items[0]["public"] == 1.5 and items[1]["notes"] == ["invalid"]


def test_whole_numbers_must_be_json_integers(monkeypatch, capsys):
    text = json.dumps(PERSON_YEAR).replace("2026,", "2026.0,")
    status, out, err = run_main(monkeypatch, capsys, ["evaluate"], text.encode())
    assert (status, out) == (2, "") and "year" in err


def test_very_large_numbers_stay_exact(monkeypatch, capsys):
    hours = "9" * 5000
    text = json.dumps(PERSON_YEAR).replace('"hours": 2', f'"hours": {hours}.5')
    status, out, err = run_main(monkeypatch, capsys, ["evaluate"], text.encode())
    assert status == 0, err
    assert json.loads(out, parse_float=Decimal, parse_int=Decimal)["public"] == Decimal(
        hours + ".5")


@pytest.mark.parametrize("data", [b"", b"{", b"NaN", b'{"a": Infinity}', b'[-Infinity]',
                                  b"\xff\xfe{}", b"{} {}", b"[1,]"])
def test_input_that_is_not_json_exits_2(monkeypatch, capsys, data):
    status, out, err = run_main(monkeypatch, capsys, ["evaluate"], data)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "JSON" in err


@pytest.mark.parametrize("data", [b"[]x", b"42", b"null", b"true"])
def test_a_top_level_value_that_is_not_an_object_or_array(monkeypatch, capsys, data):
    status, out, err = run_main(monkeypatch, capsys, ["evaluate"], data)
    assert (status, out) == (2, "") if data != b"[]x" else status == 2
    assert err.count("\n") == 1 and _chinese(err)


def test_an_unreadable_file_exits_2(monkeypatch, capsys, tmp_path):
    for path in (tmp_path / "missing.json", tmp_path):
        status, out, err = run_main(monkeypatch, capsys, ["evaluate", str(path)])
        assert (status, out) == (2, "")
        assert err.count("\n") == 1 and "文件" in err


def test_extra_arguments_print_usage(monkeypatch, capsys):
    status, out, err = run_main(monkeypatch, capsys, ["evaluate", "a", "b"])
    assert (status, out) == (2, "") and "evaluate" in err
