"""Coded values and their labels (English msgids, Chinese in translations/)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# 职称系列: code -> label. Which of them other departments handle is the year's rule set's
# (`RuleSet.out_of_scope_series`, see app/services/years.py).
TITLE_SERIES = {
    "engineering": _l("Engineering"),
    "economics": _l("Economics"),
    "agriculture": _l("Agriculture"),
    "research": _l("Natural science research"),
    "higher_education": _l("Higher education teachers"),
    "vocational_teacher": _l("Vocational school teachers"),
    "technical_school_teacher": _l("Technical school teachers"),
    "journalism": _l("Journalism"),
    "publishing": _l("Publishing"),
    "broadcasting": _l("Broadcasting and hosting"),
    "arts": _l("Arts"),
    "arts_crafts": _l("Arts and crafts"),
    "translation": _l("Translation"),
    "library": _l("Library, archives and museums"),
    "statistics": _l("Statistics"),
    "audit": _l("Audit"),
    "lawyer": _l("Lawyers and notaries"),
    "sports": _l("Sports coaching"),
    "lab_technology": _l("Laboratory technology"),
    "social_work": _l("Social work"),
    "health": _l("Health"),
    "k12_teacher": _l("Primary and secondary school teachers"),
    "accounting": _l("Accounting"),
}

TITLE_LEVELS = {
    "junior": _l("Junior"),
    "intermediate": _l("Intermediate"),
    "deputy_senior": _l("Deputy senior"),
    "senior": _l("Senior"),
}

BASE_STATUSES = {
    "active": _l("Active"),
    "excellent": _l("Excellent"),
    "withdrawn": _l("Withdrawn"),
}


def coded(table: dict) -> dict:
    """A column's `info` saying its values are the codes of `table`: screens show
    their labels, offer a select of them in forms and searches, and search by
    equality (an index serves it; "starts with" would be an ILIKE), and the API
    accepts only them."""
    return {"codes": table}


def codes_of(column) -> dict | None:
    """The code table a column was declared with (`coded`), or None."""
    return column.info.get("codes")


def label(table: dict, code: str | None) -> str:
    """The label of a code, or the code itself when unknown."""
    if code is None:
        return ""
    return str(table.get(code, code))


def choices(table: dict) -> list[tuple[str, str]]:
    return [(code, str(text)) for code, text in table.items()]
