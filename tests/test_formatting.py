"""The one number and time formatter, and the one private-file writer."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from app import formatting


@pytest.mark.parametrize("value, text", [
    (Decimal("50").normalize(), "50"),          # str() gives "5E+1"
    (Decimal("1230").normalize(), "1230"),      # str() gives "1.23E+3"
    (Decimal("22.5"), "22.5"),
    (Decimal("30.0"), "30"),
    (16, "16"),
    (7.5, "7.5"),
    (None, ""),
])
def test_hours_are_written_without_scientific_notation(value, text):
    assert formatting.hours(value) == text


def test_hours_for_json_are_ints_when_whole():
    assert formatting.hours_value(Decimal("8.0")) == 8 and type(formatting.hours_value(Decimal("8.0"))) is int
    assert formatting.hours_value(Decimal("2.5")) == 2.5


def test_percent_and_count():
    assert formatting.percent(1, 2) == "50%"
    assert formatting.percent(2, 3) == "66.7%"
    assert formatting.percent(5, 0) == "—"
    assert formatting.count(2400000) == "2,400,000"


def test_times_are_shown_in_shanghai():
    stored = datetime(2026, 12, 1, 8, 25, tzinfo=timezone.utc)
    assert formatting.local_time(stored) == "2026-12-01 16:25"
    assert formatting.local_date(datetime(2026, 12, 31, 17, 0, tzinfo=timezone.utc)) == "2027-01-01"


def test_private_files_are_0600_random_named_and_hashed(app):
    import hashlib

    from app.services import files

    with app.app_context():
        stored = files.write("exports", b"abc")
        target = files.path("exports", stored.name)
        assert target.read_bytes() == b"abc" and oct(target.stat().st_mode)[-3:] == "600"
        assert stored.sha256 == hashlib.sha256(b"abc").hexdigest() and stored.size == 3
        with pytest.raises(FileNotFoundError):
            files.path("exports", "../../etc/passwd")


def test_a_failed_write_leaves_no_file(app):
    from app.services import files

    with app.app_context():
        with pytest.raises(RuntimeError):
            with files.Writer("reports") as out:
                out.write(b"half")
                written = out.path
                raise RuntimeError("disk full")
        assert not written.exists()


def test_code_outside_a_request_has_no_scope_until_it_says_whose(app):
    from app.security import scope as scopes

    with app.app_context():
        with pytest.raises(scopes.NoScope):
            scopes.current_scope()
        with scopes.acting_as_system():
            assert scopes.current_scope() is scopes.SYSTEM
