"""Import every table so that `Base.metadata` is complete (Alembic, tests, backup)."""

from muster.audit.models import AuditEntry
from muster.auth.models import ApiToken, User
from muster.db import Base
from muster.guarantees.models import Contribution, ForceRequirement
from muster.procurement.models import CapabilityCoalition, JointProcurement, LoanRequest, Need
from muster.reference.models import Course, Nation, Phase, PriorityArea
from muster.scenarios.models import (
    Condition,
    ConditionEvent,
    ContingencyPlan,
    MandatePosition,
    MandateProposal,
    MonteCarloRun,
    PhaseEvent,
    Scenario,
)
from muster.training.models import Cohort, Plan, Pledge, Site, TrainingRequest, TrainingTotal

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "CapabilityCoalition",
    "Cohort",
    "Condition",
    "ConditionEvent",
    "ContingencyPlan",
    "MandatePosition",
    "MandateProposal",
    "MonteCarloRun",
    "Contribution",
    "Course",
    "ForceRequirement",
    "JointProcurement",
    "LoanRequest",
    "Nation",
    "Need",
    "Phase",
    "Plan",
    "PhaseEvent",
    "PriorityArea",
    "Pledge",
    "Scenario",
    "Site",
    "TrainingRequest",
    "TrainingTotal",
    "User",
]
