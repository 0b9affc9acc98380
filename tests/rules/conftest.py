"""Fixtures of the rules-engine tests (no Flask app, no database)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO.parent / "shared" / "rules" / "examples"


@pytest.fixture(scope="session")
def examples() -> list[tuple[str, dict, dict]]:
    """(name, input, expected output) for every pair in shared/rules/examples."""
    pairs = sorted(EXAMPLES.glob("*.in.json"))
    assert pairs, f"examples missing: {EXAMPLES}"  # fail, never skip
    out = []
    for path in pairs:
        expected = path.with_name(path.name.replace(".in.json", ".out.json"))
        assert expected.exists(), f"no expected output for {path.name}"
        out.append((path.name[: -len(".in.json")],
                    json.loads(path.read_text("utf-8"), parse_float=Decimal),
                    json.loads(expected.read_text("utf-8"), parse_float=Decimal)))
    return out


def _person_year(*activities, series="engineering", year=2026, person_id="P001"):
    person = {"id": person_id, "title_level": "intermediate"}
    if series is not None:
        person["series"] = series
    return {"person": person, "year": year, "activities": list(activities)}


@pytest.fixture
def py():
    """py(*activities, series=..., year=...) -> a person-year dict."""
    return _person_year


@pytest.fixture
def run(py):
    """run(*activities, **person) -> the engine's result for that person-year."""
    from app.rules import evaluate

    return lambda *activities, **kw: evaluate(py(*activities, **kw))


@pytest.fixture
def cli():
    """cli(*args, input=bytes) -> CompletedProcess of `python -m app.rules`."""
    def _cli(*args, input: bytes = b""):
        env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONIOENCODING="utf-8")
        return subprocess.run([sys.executable, "-m", "app.rules", *args], input=input,
                              capture_output=True, cwd=REPO, env=env, timeout=60)
    return _cli


def comparable(result: dict) -> dict:
    """A result with notes as sets, for comparing with an expected one."""
    out = dict(result)
    out["items"] = [dict(item, notes=set(item["notes"])) for item in result["items"]]
    return out


@pytest.fixture
def as_data():
    """as_data(result) -> the result with notes as sets."""
    return comparable
