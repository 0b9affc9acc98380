"""All models, one module per aggregate."""
from .account import UserScope
from .audit import AuditEntry, AuditHead
from .department import Department
from .district import DISTRICTS, District
from .person import Person
from .training_base import TrainingBase
from .unit import Unit

__all__ = [
    "AuditEntry",
    "AuditHead",
    "DISTRICTS",
    "Department",
    "District",
    "Person",
    "TrainingBase",
    "Unit",
    "UserScope",
]
