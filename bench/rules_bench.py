"""Benchmark of the rules engine against a JSON round trip of the same data.

    python bench/rules_bench.py [--n 20000] [--seed 2026] [--rounds 5] [--profile]

Generates N seeded person-years (about 7 activities each, mostly valid, hours
as ints or floats as the app hands them over), then times, in one process:

- engine: `app.rules.evaluate` on every person-year;
- JSON:   `json.loads(json.dumps(py))` per person-year (the fair comparison:
          the same objects, one at a time, through the C codec both ways).

Each is timed over the whole list, in alternating rounds; the best round of
each counts. Prints person-years per second for both; the last line is `ratio=R`
(engine time / JSON time, 2 decimals; the goal is R <= 1.0 on one core).
`--profile` prints the engine's top functions under cProfile instead.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.rules import evaluate  # noqa: E402

YEAR = 2026
POOLED = ("offline_training", "priority_training", "online_training",
          "academic_activity", "expert_service")
WEIGHTS = {  # kind: relative frequency
    "platform_course": 30, "offline_training": 14, "online_training": 12,
    "priority_training": 6, "academic_activity": 6, "expert_service": 3,
    "public_subject_exam": 8, "education_or_tour": 4, "achievement": 5,
    "qualification_exam": 3, "assignment": 1, "leave_exemption": 1,
}


def _day(rng: random.Random, out_of_year: float = 0.03) -> str:
    year = YEAR if rng.random() >= out_of_year else rng.choice((YEAR - 1, YEAR + 1))
    return (date(year, 1, 1) + timedelta(days=rng.randrange(365))).isoformat()


def _hours(rng: random.Random, high: int):
    if rng.random() < 0.7:
        return rng.randint(1, high)
    return rng.randint(2, high * 2) / 2  # x.5 or whole, as a float


def _activity(rng: random.Random, i: int) -> dict:
    kind = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    act: dict = {"id": f"a{i}", "kind": kind,
                 "category": "public" if rng.random() < 0.35 else "professional"}
    if kind in ("platform_course", "public_subject_exam"):
        act.update(date=_day(rng), hours=_hours(rng, 12))
        if kind == "public_subject_exam":
            act["passed"] = rng.random() < 0.9
    elif kind in POOLED:
        start = date.fromisoformat(_day(rng))
        act["days"] = [{"date": (start + timedelta(days=d)).isoformat(),
                        "hours": _hours(rng, 9)} for d in range(rng.randint(1, 3))]
        if kind == "online_training":
            act["channel"] = "wechat" if rng.random() < 0.1 else "platform"
    elif kind == "achievement":
        act.update(date=_day(rng), project=f"project {rng.randrange(6)}")
    elif kind == "qualification_exam":
        act["date"] = _day(rng)
        if rng.random() < 0.5:
            act["courses"] = rng.randint(1, 4)
    elif kind == "education_or_tour":
        act["date"] = _day(rng)
    else:
        start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(-200, 300))
        act.update(start=start.isoformat(),
                   end=(start + timedelta(days=rng.randrange(20, 400))).isoformat())
        if kind == "leave_exemption":
            act["reason"] = rng.choice(("overseas", "illness", "maternity"))
    if rng.random() < 0.03:  # a few bad records
        act[rng.choice(("date", "hours", "category", "kind", "id"))] = rng.choice((None, "", -1))
    return act


def person_years(n: int, seed: int) -> list[dict]:
    """N realistic person-years (seeded)."""
    rng = random.Random(seed)
    series = ("engineering",) * 18 + ("economics", "health")
    return [{"person": {"id": f"P{k:06d}", "series": rng.choice(series),
                        "title_level": "intermediate"},
             "year": YEAR,
             "activities": [_activity(rng, i) for i in range(rng.randint(4, 10))]}
            for k in range(n)]


def _time(function, data) -> float:
    start = time.perf_counter()
    for one in data:
        function(one)
    return time.perf_counter() - start


def _json_round_trip(one):
    return json.loads(json.dumps(one))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    data = person_years(args.n, args.seed)
    if args.profile:
        import cProfile
        import pstats
        cProfile.runctx("for one in data: evaluate(one)", globals(), {"data": data},
                        "/tmp/rules_bench.prof")
        pstats.Stats("/tmp/rules_bench.prof").sort_stats("tottime").print_stats(15)
        return
    activities = sum(len(one["activities"]) for one in data)
    _time(evaluate, data[:500])  # warm up (plan compilation, caches)
    engine = round_trip = float("inf")
    for _ in range(args.rounds):  # alternate, so that a busy moment hits both
        engine = min(engine, _time(evaluate, data))
        round_trip = min(round_trip, _time(_json_round_trip, data))
    print(f"person-years: {args.n} ({activities / args.n:.1f} activities each), "
          f"best of {args.rounds} alternating rounds, one process")
    print(f"engine evaluate():            {args.n / engine:10.0f} person-years/s "
          f"({engine / args.n * 1e6:.1f} us each)")
    print(f"json.loads(json.dumps(py)):   {args.n / round_trip:10.0f} person-years/s "
          f"({round_trip / args.n * 1e6:.1f} us each)")
    print(f"ratio={engine / round_trip:.2f}")


if __name__ == "__main__":
    main()
