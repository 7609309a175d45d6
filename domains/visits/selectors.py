"""Reads of visits: agents see their own, those with ``visits.view_all`` every visit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from core.models import Membership, Organization
from core.roles import has_capability
from core.timezones import iso_z, start_of_day
from domains.locations.api import day_movement
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


def day_report(*, tenant: Organization, agent_id: int, day: date) -> dict[str, Any]:
    """An agent's day: their movement (trips, stops, time at clients and outside their
    territory) and their visits planned for the day, done or not."""
    since = start_of_day(tenant, day)
    visits = (
        Visit.objects.filter(
            tenant=tenant, agent_id=agent_id, planned_at__gte=since, planned_at__lt=since + timedelta(days=1)
        )
        .select_related("client")
        .order_by("planned_at", "id")
    )
    rows = [
        {
            "id": v.pk,
            "client_id": v.client_id,
            "client_name": v.client.name,
            "state": v.state,
            "planned_at": iso_z(v.planned_at),
            "checkin_at": iso_z(v.checkin_at),
            "checkout_at": iso_z(v.checkout_at),
            "checkin_verification": v.checkin_verification,
        }
        for v in visits
    ]
    states = [row["state"] for row in rows]
    return {
        **day_movement(tenant=tenant, agent_id=agent_id, day=day),
        "visits_planned": sum(1 for state in states if state != VisitState.CANCELLED),
        "visits_done": states.count(VisitState.COMPLETED),
        "visits_cancelled": states.count(VisitState.CANCELLED),
        "visits": rows,
    }
