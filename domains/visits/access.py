"""Who may plan and work which visits."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework.exceptions import PermissionDenied, ValidationError

from core.models import Membership, User
from core.roles import has_capability
from domains.clients.api import visible_clients
from domains.visits.models import Visit


def check_plan(membership: Membership, user: User, values: dict[str, Any]) -> None:
    """Without ``visits.view_all`` a member plans only their own visits, at their clients."""
    if has_capability(membership.role, "visits.view_all"):
        return
    if values.get("agent", user) != user:
        raise ValidationError({"agent": [gettext("You plan only your own visits.")]}, code="not_yours")
    client = values.get("client")
    if client is not None and not visible_clients(membership=membership).filter(pk=client.pk).exists():
        raise ValidationError({"client": [gettext("This client is not assigned to you.")]}, code="not_assigned")


def require_own(visit: Visit, user: User) -> Visit:
    """Checking in and out is the visit's agent's alone."""
    if visit.agent_id != user.pk:
        raise PermissionDenied(gettext("Only the visit's agent can do this."), code="not_your_visit")
    return visit
