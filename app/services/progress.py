"""Where a record is in its workflow, derived from the declarations: the main
path through its states, who acts next, and when each state was reached
(from the audit log, which records every state change)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from ..extensions import db
from ..models import AuditEntry
from ..security import roles as role_table
from .workflow import Workflow


def main_path(wf: Workflow) -> list[str]:
    """The states a record passes when every step goes forward: from the first
    declared state, the first waiting transition (in declaration order) to a new state."""
    if not wf.states:
        return []
    path = [next(iter(wf.states))]
    while True:
        step = next((t for t in wf.transitions.values()
                     if t.waits and t.target and t.target not in path and t.starts_from(path[-1])
                     and t.sources is not None), None)
        if step is None:
            return path
        path.append(step.target)


def next_steps(wf: Workflow, state: str) -> str:
    """What happens next on a row in `state`, the same for every viewer: the waiting
    steps that move it on along the main path first, then the others (sending
    back, withdrawing) in declaration order, each under the roles holding its
    permission in roles.py (the viewer's own buttons are on the page)."""
    path = main_path(wf)
    ahead = path[path.index(state) + 1:] if state in path else path
    steps = sorted((t for t in wf.transitions.values()
                    if t.waits and not t.custom and t.target is not None and t.starts_from(state)),
                   key=lambda t: t.target not in ahead)  # stable: declaration order within
    by_who: dict[str, list[str]] = {}
    for t in steps:
        who = "、".join(str(role_table.ROLE_LABELS.get(r, r))
                       for r in role_table.holders(t.permission, f"{wf.resource}View"))
        by_who.setdefault(who, []).append(str(t.label))
    return ";".join(gettext("%(who)s: %(step)s", who=who, step="、".join(dict.fromkeys(labels)))
                    if who else "、".join(dict.fromkeys(labels)) for who, labels in by_who.items())


def reached(wf: Workflow, row) -> dict[str, datetime]:
    """When the row last entered each state, from its audit entries (a handful per record)."""
    key = wf.state.column.key
    entries = db.session.execute(
        select(AuditEntry.at, AuditEntry.after).where(
            AuditEntry.table_name == row.__tablename__, AuditEntry.record_id == str(row.id))
        .order_by(AuditEntry.seq)).all()
    found = {}
    for at, after in entries:
        try:
            state = json.loads(after or "{}").get(key)
        except ValueError:
            continue
        if state:
            found[state] = at
    return found


@dataclass
class Stage:
    state: str
    label: str
    status: str          # done, current, detour (current, off the main path), todo
    at: datetime | None


def step_bar(wf: Workflow, row) -> dict | None:
    """The bar on a record's page, or None for a workflow without a path."""
    path = main_path(wf)
    if len(path) < 2:
        return None
    current = wf.state_of(row)
    dates = reached(wf, row)
    if current in path:
        index = path.index(current)
        stages = [Stage(s, wf.label(s), "done" if i < index else "current" if i == index else "todo",
                        dates.get(s) if i <= index else None) for i, s in enumerate(path)]
    else:  # sent back, withdrawn, in violation…: after the last path state it leaves from
        came_from = [path.index(s) for t in wf.transitions.values() if t.target == current
                     for s in (t.sources or ()) if s in path]
        index = max(came_from) if came_from else 0
        stages = [Stage(s, wf.label(s), "done", dates.get(s)) for s in path[:index + 1]]
        stages.append(Stage(current, wf.label(current), "detour", dates.get(current)))
        if any(t.waits and t.starts_from(current) for t in wf.transitions.values()):
            stages += [Stage(s, wf.label(s), "todo", None) for s in path[index + 1:]]
    return {"stages": stages, "next": next_steps(wf, current)}
