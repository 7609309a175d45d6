"""Reads of visits: agents see their own, those with ``visits.view_all`` every visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from core.models import Membership, Organization
from core.roles import has_capability
from core.timezones import iso_z, start_of_day
from domains.trips.api import day_movement
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


@dataclass(frozen=True)
class VisitReport:
    """A checked-out visit as an accounting system receives it: plain data, for other domains."""

    visit_id: int
    tenant_id: int
    agent_id: int
    body: dict[str, Any]  # the report's fields, but the agent's code in that system


def visit_report(*, visit_id: int) -> VisitReport | None:
    """A checked-out visit with its checklist results and photo count; None for any other."""
    visit = (
        Visit.objects.filter(pk=visit_id, state=VisitState.COMPLETED)
        .select_related("client", "agent", "type", "priority", "status")
        .prefetch_related(Prefetch("results", queryset=VisitResult.objects.select_related("step").order_by("step_id")))
        .annotate(photo_count=Count("photos", filter=Q(photos__deleted_at__isnull=True)))
        .first()
    )
    if visit is None:
        return None
    body = {
        "id": f"visit-{visit.pk}",
        "client": visit.client.code,
        "agent_login": visit.agent.username,
        "planned_at": visit.planned_at.isoformat(),
        "checkin_at": visit.checkin_at.isoformat() if visit.checkin_at else None,
        "checkout_at": visit.checkout_at.isoformat() if visit.checkout_at else None,
        "checkin_verification": visit.checkin_verification,
        "checkout_verification": visit.checkout_verification,
        "checkin_distance_m": visit.checkin_distance_m,
        "checkout_distance_m": visit.checkout_distance_m,
        "type": visit.type.name if visit.type else None,
        "status": visit.status.name if visit.status else None,
        "note": visit.note,
        "photos": visit.photo_count,  # type: ignore[attr-defined]  # the annotation
        "results": [{"step": r.step.name, "kind": r.step.kind, "value": r.value} for r in visit.results.all()],
    }
    return VisitReport(visit.pk, visit.tenant_id, visit.agent_id, body)


def open_visit(*, membership: Membership, visit_id: int, client_id: int) -> bool:
    """Whether the visit is at that client, still open (planned or in progress), and the
    member's own unless they see every visit: where they may take an order."""
    visits = Visit.objects.filter(tenant_id=membership.tenant_id, pk=visit_id, client_id=client_id)
    if not has_capability(membership.role, "visits.view_all"):
        visits = visits.filter(agent_id=membership.user_id)
    return visits.filter(state__in=[VisitState.PLANNED, VisitState.IN_PROGRESS]).exists()


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
