"""待确认: a roster row of one organiser that names a person it may not see,
waiting for the reviewer of the person's unit.

Three kinds, told apart only by the reviewer: a new person the roster
registers (`NEW`, joining the unit's staff list only when confirmed), a
registered person exactly as registered (`SAME`), and a registered number
with other details (`DIFFERS`). Nobody is enrolled until the reviewer
confirms; the organiser sees every such row the same way (待单位确认, then
enrolled or 单位未确认), whatever the registry holds.

Every link carries the participant as the roster described them (number,
series, level, manager): a `NEW` link names nobody yet (`person_id` None),
and its person is created only when the reviewer confirms, so an import
writes the same rows for a number nobody has as for one registered
elsewhere (no timing oracle, issue 14)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import DecisionMixin, DescribedPersonMixin, Model, TimestampMixin
from .person import Person
from .training_class import TrainingClass
from .unit import Unit

NEW, SAME, DIFFERS = "new", "same", "differs"
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


class RosterLink(DescribedPersonMixin, DecisionMixin, TimestampMixin, Model):
    __tablename__ = "roster_link"
    __table_args__ = (Index("ix_roster_link_unit_state", "unit_id", "state"),
                      Index("ix_roster_link_person", "person_id", "unit_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # new, same or differs
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_class.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # None: NEW, until confirmed
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # whose reviewer decides
    # the participant as the roster gave them (the number may be missing), the decision: the mixins
    id_number_required = False

    training_class: Mapped[TrainingClass] = relationship()
    person: Mapped[Person | None] = relationship()
    unit: Mapped[Unit] = relationship()

    def __str__(self) -> str:
        return f"{self.name} @ {self.training_class}"
