"""Keep the catalogs in step with the code.

    python scripts/i18n.py          extract, update translations/zh, compile both catalogs
    python scripts/i18n.py --check  exit 1 if the catalog drifted from the code, a string
                                    lacks its Chinese, or a compiled .mo is stale

English msgids live in the code; `translations/zh` holds the app's Chinese and
`translations_fab/zh` completes Flask-AppBuilder's own catalog (it wins over FAB's)."""
from __future__ import annotations

import io
import subprocess
import tempfile
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
APP_PO = ROOT / "translations/zh/LC_MESSAGES/messages.po"
CATALOGS = [APP_PO, ROOT / "translations_fab/zh/LC_MESSAGES/messages.po"]


def extract():
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
             "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output",
             "--omit-header", "-o", str(pot), "."],
            cwd=ROOT, check=True, capture_output=True,
        )
        with pot.open("rb") as fh:
            return read_po(fh)


def updated_catalog():
    template = extract()
    with APP_PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = created  # keep the header stable between runs
    catalog.obsolete.clear()
    catalog.fuzzy = False
    return catalog


def po_bytes(catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, no_location=True, sort_output=True, width=100, omit_header=False)
    return buf.getvalue()


def mo_bytes(po_path: Path) -> bytes:
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale="zh")
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def untranslated(catalog) -> list[str]:
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]


def main(check: bool) -> int:
    catalog = updated_catalog()
    problems = []
    if check:
        if {m.id for m in catalog if m.id} != {m.id for m in read_po(APP_PO.open("rb")) if m.id}:
            problems.append(f"{APP_PO} is out of date: run python scripts/i18n.py")
        for path in CATALOGS:
            mo = path.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != mo_bytes(path):
                problems.append(f"{mo} is stale: run python scripts/i18n.py")
    else:
        APP_PO.write_bytes(po_bytes(catalog))
        for path in CATALOGS:
            path.with_suffix(".mo").write_bytes(mo_bytes(path))
    missing = untranslated(catalog)
    problems += [f"no Chinese for {m!r}" for m in missing]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
