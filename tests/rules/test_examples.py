"""Every pair in shared/rules/examples, through evaluate() and the command line."""
from __future__ import annotations

import json
import re
from decimal import Decimal

from app.rules import evaluate

NUMBER_FIELDS = ("public", "professional", "total")


def _assert_decimals(result: dict) -> None:
    for item in result["items"]:
        assert type(item["public"]) is Decimal and type(item["professional"]) is Decimal
    for field in NUMBER_FIELDS:
        assert type(result[field]) is Decimal
    if result["in_scope"]:
        assert all(type(v) is Decimal for v in result["shortfall"].values())
    else:  # rev. 2: no finding about an out-of-scope person
        assert result["compliant"] is None and result["shortfall"] is None


def test_examples_through_evaluate(examples, as_data):
    for name, given, expected in examples:
        result = evaluate(given)
        _assert_decimals(result)
        assert as_data(result) == as_data(expected), name


def test_examples_through_the_command_line_as_one_array(examples, cli, as_data, tmp_path):
    path = tmp_path / "all.json"
    path.write_text(json.dumps([given for _, given, _ in examples], default=str), "utf-8")
    done = cli("evaluate", str(path))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    text = done.stdout.decode("utf-8")
    assert not re.search(r"\d\.0\b", text), "whole numbers are written as integers"
    results = json.loads(text, parse_float=Decimal)
    assert len(results) == len(examples)
    for (name, _, expected), result in zip(examples, results):
        assert as_data(result) == as_data(expected), name


def test_one_example_through_stdin_as_a_single_object(examples, cli, as_data):
    name, given, expected = next(e for e in examples if "overseas" in e[0])
    done = cli("evaluate", input=json.dumps(given, default=str).encode())
    assert done.returncode == 0, done.stderr.decode()
    assert b"22.5" in done.stdout and b'"public": 7.5' in done.stdout
    assert as_data(json.loads(done.stdout, parse_float=Decimal)) == as_data(expected)
