"""Visits' settings."""

ENUM_NAME_OVERRIDES = {
    "StepKindEnum": "domains.visits.models.StepKind",
    "VerificationEnum": "domains.visits.models.Verification",
    "VisitStateEnum": "domains.visits.models.VisitState",
}
