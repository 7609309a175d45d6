"""Reads of visits: agents see their own, those with ``visits.view_all`` every visit."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from core.models import Membership, Organization
from core.roles import has_capability
from domains.visits.models import Visit, VisitPhoto, VisitResult, VisitState, VisitStep


def visible_visits(*, membership: Membership) -> QuerySet[Visit]:
    visits = Visit.objects.filter(tenant_id=membership.tenant_id)
    if has_capability(membership.role, "visits.view_all"):
        return visits
    return visits.filter(agent_id=membership.user_id)


def visit_list(*, membership: Membership) -> QuerySet[Visit]:
    return (
        visible_visits(membership=membership)
        .select_related("client", "agent", "type", "priority", "status")
        .prefetch_related(Prefetch("results", queryset=VisitResult.objects.order_by("step_id")))
    )


def step_list(*, tenant: Organization) -> QuerySet[VisitStep]:
    return VisitStep.objects.filter(tenant=tenant)


def visit_photos(*, visit: Visit) -> QuerySet[VisitPhoto]:
    return VisitPhoto.objects.filter(visit=visit).select_related("status", "source").order_by("-id")


def visible_photos(*, membership: Membership) -> QuerySet[VisitPhoto]:
    """Photos of the visits this member may see."""
    visits = visible_visits(membership=membership)
    return VisitPhoto.objects.filter(visit__in=visits).select_related("status", "source")


def finished_visit(*, visit_id: int) -> Visit | None:
    """A checked-out visit with what a report of it needs (results with their steps, photos)."""
    return (
        Visit.objects.filter(pk=visit_id, state=VisitState.COMPLETED)
        .select_related("client", "agent", "type", "priority", "status")
        .prefetch_related(Prefetch("results", queryset=VisitResult.objects.select_related("step").order_by("step_id")))
        .annotate(photo_count=Count("photos", filter=Q(photos__deleted_at__isnull=True)))
        .first()
    )
