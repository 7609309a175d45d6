"""Writes of visits: planning, GPS-verified check-in and check-out, checklist results, photos.

The lifecycle is planned → in_progress → completed, or cancelled from either of the first two.
Each transition and its ``visit.*`` event are one transaction. An agent has at most one visit
in progress; the database's partial unique index settles two racing check-ins.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.models import Organization, User
from core.tenancy import create_named, update_named
from core.timezones import iso_z
from domains.clients.api import Client, photo_save
from domains.tracking.api import CheckinRules, checkin_rules, distance_m
from domains.visits import events
from domains.visits.models import StepKind, Verification, Visit, VisitPhoto, VisitResult, VisitState, VisitStep
from realtime.events import emit
from workers.outbox import enqueue

OPEN = (VisitState.PLANNED, VisitState.IN_PROGRESS)
# A finished visit goes to the organization's 1C, if it has one (by name: the 1C integration
# builds on visits, not the other way round).
REPORT_ACTOR = "onec.send_visit"


def _announce(visit: Visit, type: str, actor: User) -> None:
    emit(
        tenant_id=visit.tenant_id,
        type=type,
        actor_id=actor.pk,
        roles=events.MANAGERS,
        users=[visit.agent_id],
        data={
            "visit_id": visit.pk,
            "agent_id": visit.agent_id,
            "client_id": visit.client_id,
            "client_name": visit.client.name,
            "state": visit.state,
            "planned_at": iso_z(visit.planned_at),
            "checkin_at": iso_z(visit.checkin_at),
            "checkin_verification": visit.checkin_verification,
            "checkin_distance_m": visit.checkin_distance_m,
            "checkout_at": iso_z(visit.checkout_at),
            "checkout_verification": visit.checkout_verification,
            "checkout_distance_m": visit.checkout_distance_m,
            "status_id": visit.status_id,
        },
    )


def verify(
    client: Client, *, lat: float | None, lon: float | None, accuracy: float | None, rules: CheckinRules
) -> tuple[str, float | None]:
    """(verification, distance in metres) of a fix against the client's location.

    Unverifiable without a usable fix (none, (0, 0), or accuracy worse than the tenant's
    accuracy filter) or when the client has no location; otherwise verified within the radius
    and out_of_range beyond it, with the distance either way.
    """
    if lat is None or lon is None or (lat == 0 and lon == 0) or not client.has_location:
        return Verification.UNVERIFIABLE, None
    distance = round(distance_m(lat, lon, client.lat, client.lon), 1)
    if rules.accuracy_m is not None and accuracy is not None and accuracy > rules.accuracy_m:
        return Verification.UNVERIFIABLE, distance
    return (Verification.VERIFIED if distance <= rules.radius_m else Verification.OUT_OF_RANGE), distance


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update(of=("self",)).select_related("client").get(pk=visit.pk)


def _require_state(visit: Visit, *states: str, code: str, message: str) -> None:
    if visit.state not in states:
        raise Conflict(message, code=code, state=visit.state)


@transaction.atomic
def visit_create(*, tenant: Organization, actor: User, **values: Any) -> Visit:
    visit = Visit.objects.create(tenant=tenant, created_by=actor, **values)
    _announce(visit, "visit.planned", actor)
    return visit


@transaction.atomic
def visit_update(*, visit: Visit, actor: User, **values: Any) -> Visit:
    """The plan (agent, client, time, type, priority) changes only while planned; the note and
    the outcome status until the visit is cancelled."""
    visit = _locked(visit)
    planning = {"agent", "client", "planned_at", "type", "priority"} & set(values)
    if planning:
        _require_state(
            visit, VisitState.PLANNED, code="invalid_state", message=gettext("Only a planned visit can be re-planned.")
        )
    _require_state(
        visit, *OPEN, VisitState.COMPLETED, code="invalid_state", message=gettext("A cancelled visit is closed.")
    )
    for name, value in values.items():
        setattr(visit, name, value)
    visit.save()
    if planning:
        _announce(visit, "visit.planned", actor)
    return visit


@transaction.atomic
def check_in(*, visit: Visit, actor: User, lat: float | None, lon: float | None, accuracy: float | None) -> Visit:
    visit = _locked(visit)
    _require_state(
        visit, VisitState.PLANNED, code="invalid_state", message=gettext("Only a planned visit can be checked in.")
    )
    other = Visit.objects.filter(tenant_id=visit.tenant_id, agent_id=visit.agent_id, state=VisitState.IN_PROGRESS)
    open_id = other.values_list("pk", flat=True).first()
    if open_id:
        raise Conflict(gettext("Check out of the open visit first."), code="visit_open", open_visit=open_id)
    rules = checkin_rules(tenant_id=visit.tenant_id)
    verification, distance = verify(visit.client, lat=lat, lon=lon, accuracy=accuracy, rules=rules)
    visit.state = VisitState.IN_PROGRESS
    visit.checkin_at = timezone.now()
    visit.checkin_lat, visit.checkin_lon, visit.checkin_accuracy = lat, lon, accuracy
    visit.checkin_verification, visit.checkin_distance_m = verification, distance
    try:
        with transaction.atomic():
            visit.save()
    except IntegrityError as exc:  # a concurrent check-in of the same agent won
        raise Conflict(gettext("Check out of the open visit first."), code="visit_open") from exc
    _announce(visit, "visit.checked_in", actor)
    return visit


@transaction.atomic
def check_out(
    *, visit: Visit, actor: User, lat: float | None, lon: float | None, accuracy: float | None, **values: Any
) -> Visit:
    visit = _locked(visit)
    _require_state(
        visit, VisitState.IN_PROGRESS, code="not_checked_in", message=gettext("Check in before checking out.")
    )
    done = set(VisitResult.objects.filter(visit=visit).values_list("step_id", flat=True))
    missing = list(
        VisitStep.objects.filter(tenant_id=visit.tenant_id, required=True)
        .exclude(pk__in=done)
        .values_list("pk", flat=True)
    )
    if missing:
        raise Conflict(gettext("Record every required checklist step first."), code="steps_incomplete", steps=missing)
    rules = checkin_rules(tenant_id=visit.tenant_id)
    verification, distance = verify(visit.client, lat=lat, lon=lon, accuracy=accuracy, rules=rules)
    visit.state = VisitState.COMPLETED
    visit.checkout_at = timezone.now()
    visit.checkout_lat, visit.checkout_lon, visit.checkout_accuracy = lat, lon, accuracy
    visit.checkout_verification, visit.checkout_distance_m = verification, distance
    for name, value in values.items():
        setattr(visit, name, value)
    visit.save()
    _announce(visit, "visit.checked_out", actor)
    enqueue(REPORT_ACTOR, visit.pk)
    return visit


@transaction.atomic
def cancel(*, visit: Visit, actor: User, note: str | None = None) -> Visit:
    visit = _locked(visit)
    _require_state(
        visit, *OPEN, code="invalid_state", message=gettext("Only a planned or open visit can be cancelled.")
    )
    visit.state = VisitState.CANCELLED
    if note:
        visit.note = note
    visit.save()
    _announce(visit, "visit.cancelled", actor)
    return visit


def _check_value(step: VisitStep, value: Any) -> Any:
    ok = {
        StepKind.CHECK: isinstance(value, bool),
        StepKind.NUMBER: isinstance(value, int | float | str) and not isinstance(value, bool) and _is_number(value),
        StepKind.TEXT: isinstance(value, str) and 0 < len(value) <= 2000,
    }[step.kind]
    if not ok:
        message = {
            StepKind.CHECK: gettext("This step takes yes or no."),
            StepKind.NUMBER: gettext("This step takes a number."),
            StepKind.TEXT: gettext("This step takes text of 1 to 2000 characters."),
        }[step.kind]
        raise ValidationError({"value": [message]}, code="invalid")
    return str(Decimal(str(value))) if step.kind == StepKind.NUMBER else value


def _is_number(value: Any) -> bool:
    try:
        return Decimal(str(value)).is_finite()
    except ArithmeticError:
        return False


@transaction.atomic
def record_result(*, visit: Visit, step: VisitStep, value: Any, actor: User) -> VisitResult:
    """Set (or replace) the visit's result for one checklist step; only while checked in."""
    visit = _locked(visit)
    _require_state(
        visit, VisitState.IN_PROGRESS, code="not_checked_in", message=gettext("Results are recorded while checked in.")
    )
    result, _ = VisitResult.objects.update_or_create(
        visit=visit,
        step=step,
        defaults={"tenant_id": visit.tenant_id, "value": _check_value(step, value), "recorded_by": actor},
    )
    return result


def visit_photo_add(*, visit: Visit, actor: User, upload: File, content_type: str, **values: Any) -> VisitPhoto:
    if visit.state not in (VisitState.IN_PROGRESS, VisitState.COMPLETED):
        raise Conflict(gettext("Photos are taken during a visit."), code="not_checked_in", state=visit.state)
    photo = VisitPhoto(tenant_id=visit.tenant_id, visit=visit, uploaded_by=actor, **values)
    return photo_save(photo, upload, content_type=content_type)


def step_create(*, tenant: Organization, **values: Any) -> VisitStep:
    return create_named(VisitStep, tenant=tenant, **values)


def step_update(*, step: VisitStep, **values: Any) -> VisitStep:
    return update_named(step, **values)


def step_delete(*, step: VisitStep) -> None:
    step.mark_deleted()
    step.save(update_fields=["deleted_at", "updated_at"])
