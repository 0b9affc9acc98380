"""All models, one module per aggregate."""
from .account import UserScope
from .activity import Activity
from .audit import AuditEntry, AuditHead, VerifyLookupCount
from .claim import Claim
from .dashboard import DashboardSnapshot
from .department import Department
from .district import DISTRICTS, District
from .evidence import Evidence
from .export import ExportBatch
from .identity import ClientFailure, LoginState, PasswordHistory, RecoveryCode, RefreshToken, RoleGrant
from .job import Job
from .governance import BaseEvaluation, Case, DishonestyRecord, Inspection
from .ledger import Ledger, YearCertificate
from .message import Message
from .lookup import IdLookup, LookupAlert
from .person import Person
from .person_request import PersonRequest
from .plan import PlanProject, PlanPublication, Seminar
from .roster_link import RosterLink
from .status import StatusList
from .training_base import TrainingBase
from .training_class import Certificate, Enrolment, TrainingClass
from .unit import Unit

__all__ = [
    "ClientFailure",
    "LoginState",
    "PasswordHistory",
    "RecoveryCode",
    "RefreshToken",
    "RoleGrant",
    "BaseEvaluation",
    "Case",
    "DishonestyRecord",
    "Inspection",
    "Certificate",
    "StatusList",
    "Enrolment",
    "PlanProject",
    "PlanPublication",
    "Seminar",
    "TrainingClass",
    "Activity",
    "Claim",
    "Evidence",
    "ExportBatch",
    "DashboardSnapshot",
    "Job",
    "Ledger",
    "Message",
    "YearCertificate",
    "IdLookup",
    "LookupAlert",
    "AuditEntry",
    "AuditHead",
    "VerifyLookupCount",
    "DISTRICTS",
    "Department",
    "District",
    "Person",
    "PersonRequest",
    "RosterLink",
    "TrainingBase",
    "Unit",
    "UserScope",
]
