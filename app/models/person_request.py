"""人员登记申请: a unit reviewer's "add professional", waiting for someone
outside their scope.

Whoever's scope is not the whole city cannot learn by adding a person whether
the number is registered elsewhere: every such add leaves a request, answered
"已提交，待确认" either way (issue 14, no existence oracle). A number nobody
has is a `REGISTER` request, decided by the association; a number registered
in another unit is a `TRANSFER` request (the person moves to the requesting
unit), decided by that unit's reviewer (by the association while the unit
has no active login that may decide). The requester sees neither the kind
nor the unit that holds the number."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import DecisionMixin, DescribedPersonMixin, Model, TimestampMixin
from .person import Person
from .unit import Unit

REGISTER, TRANSFER = "register", "transfer"
PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


class PersonRequest(DescribedPersonMixin, DecisionMixin, TimestampMixin, Model):
    __tablename__ = "person_request"
    __table_args__ = (Index("ix_person_request_unit", "unit_id", "id"),
                      Index("ix_person_request_holder", "holder_unit_id", "id"),
                      Index("ix_person_request_state", "state", "kind", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # register or transfer
    state: Mapped[str] = mapped_column(String(20), default=PENDING)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))  # the requesting unit
    holder_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))  # TRANSFER: whose reviewer decides
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # TRANSFER, or REGISTER once confirmed
    requested_by: Mapped[int | None] = mapped_column(Integer)
    # the person as the requester described them (a number always), the decision: the mixins

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    holder_unit: Mapped[Unit | None] = relationship(foreign_keys=[holder_unit_id])
    person: Mapped[Person | None] = relationship()

    def __str__(self) -> str:
        return self.name
