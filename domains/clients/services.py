"""Writes of clients, their assignments and photos, and of the reference dictionaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.bulk import save_differing
from core.errors import Conflict
from core.models import Membership, Organization, User
from core.roles import Role
from domains.clients.models import Client, ClientAssignment, ClientPhoto, Reference, digits

# References


def reference_create(*, tenant: Organization, **values: Any) -> Reference:
    _require_unique_reference(tenant_id=tenant.pk, kind=values["kind"], name=values["name"])
    return Reference.objects.create(tenant=tenant, **values)


def reference_update(*, reference: Reference, **values: Any) -> Reference:
    if "name" in values:
        _require_unique_reference(
            tenant_id=reference.tenant_id, kind=reference.kind, name=values["name"], exclude=reference.pk
        )
    for name, value in values.items():
        setattr(reference, name, value)
    reference.save()
    return reference


def reference_delete(*, reference: Reference) -> None:
    """Soft delete: visits and photos keep showing the label they were recorded with."""
    reference.mark_deleted()
    reference.save(update_fields=["deleted_at", "updated_at"])


def _require_unique_reference(*, tenant_id: int, kind: str, name: str, exclude: int | None = None) -> None:
    clash = Reference.objects.filter(tenant_id=tenant_id, kind=kind, name__iexact=name)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": [gettext("This entry exists already.")]}, code="unique")


# Clients


def _require_unique_code(*, tenant_id: int, code: str, exclude: int | None = None) -> None:
    if not code:
        return
    clash = Client.objects.filter(tenant_id=tenant_id, code=code)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"code": [gettext("Another client has this code.")]}, code="unique")


def _assign(client: Client, agents: Iterable[User]) -> None:
    wanted = {agent.pk for agent in agents}
    current = set(ClientAssignment.objects.filter(client=client).values_list("agent_id", flat=True))
    ClientAssignment.objects.filter(client=client, agent_id__in=current - wanted).delete()
    ClientAssignment.objects.bulk_create(
        [ClientAssignment(tenant_id=client.tenant_id, client=client, agent_id=a) for a in sorted(wanted - current)]
    )


@transaction.atomic
def client_create(*, tenant: Organization, agents: Iterable[User] = (), **values: Any) -> Client:
    _require_unique_code(tenant_id=tenant.pk, code=values.get("code", ""))
    client = Client(tenant=tenant, **values)
    client.save()
    _assign(client, agents)
    return client


@transaction.atomic
def client_update(*, client: Client, agents: Iterable[User] | None = None, **values: Any) -> Client:
    if "code" in values:
        _require_unique_code(tenant_id=client.tenant_id, code=values["code"], exclude=client.pk)
    for name, value in values.items():
        setattr(client, name, value)
    client.save()
    if agents is not None:
        _assign(client, agents)
    return client


@transaction.atomic
def client_delete(*, client: Client) -> None:
    """Soft delete, refused while a visit to the client is in progress."""
    if client.visits.filter(state="in_progress").exists():
        raise Conflict(gettext("An agent is checked in at this client; check out first."), code="visit_in_progress")
    client.mark_deleted()
    client.save(update_fields=["deleted_at", "updated_at"])


# Photos (clients' and visits')


def photo_save(photo: Any, upload: File, *, content_type: str) -> Any:
    """Store the upload through Django's storage API and the row in one step: a row never
    points at a missing file (the file is removed again if the row fails)."""
    photo.content_type = content_type
    photo.size = upload.size
    photo.file.save(upload.name or "photo", upload, save=False)
    try:
        photo.save()
    except Exception:
        photo.file.delete(save=False)
        raise
    return photo


def client_photo_add(*, client: Client, actor: User, upload: File, content_type: str, **values: Any) -> ClientPhoto:
    photo = ClientPhoto(tenant_id=client.tenant_id, client=client, uploaded_by=actor, **values)
    return photo_save(photo, upload, content_type=content_type)


def photo_delete(*, photo: Any) -> None:
    """Soft delete: the file stays for the audit until an operator purges it."""
    photo.mark_deleted()
    photo.save(update_fields=["deleted_at"])


# From 1C

SYNCED_FIELDS = {"name": 200, "phone": 40, "address": 300}


def _synced_client(index: int, row: Any) -> dict[str, Any]:
    """One client row of a 1C exchange, checked; ``ValueError("clients[i]: …")`` if malformed."""

    def fail(problem: str) -> ValueError:
        return ValueError(f"clients[{index}]: {problem}")

    if not isinstance(row, dict):
        raise fail("a row must be an object")
    code = row.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 50:
        raise fail("code must be text of 1 to 50 characters")
    values: dict[str, Any] = {"code": code.strip()}
    for name, limit in SYNCED_FIELDS.items():
        value = row.get(name, "")
        if not isinstance(value, str) or len(value) > limit or (name == "name" and not value.strip()):
            raise fail(f"{name} must be text of {'1' if name == 'name' else '0'} to {limit} characters")
        values[name] = value.strip()
    lat, lon = row.get("lat"), row.get("lon")
    if (lat is None) != (lon is None):
        raise fail("lat and lon come together")
    if lat is not None:
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
            raise fail("lat and lon must be numbers")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise fail("lat/lon out of range")
    values.update(lat=lat, lon=lon, phone_digits=digits(values["phone"]))  # bulk writes skip save()
    agents = row.get("agents")
    if agents is not None and (
        not isinstance(agents, list)
        or len(agents) > 50
        or not all(isinstance(a, str) and 0 < len(a.strip()) <= 50 for a in agents)
    ):
        raise fail("agents must be a list of at most 50 agents' 1C codes")
    return values


def _synced_agents(row: Any) -> list[str] | None:
    agents = row.get("agents")
    return None if agents is None else [a.strip() for a in agents]


def clients_sync(*, tenant: Organization, rows: list[Any]) -> int:
    """Upsert clients by their 1C code (in the caller's transaction); returns how many were
    created or changed. Any malformed row raises ``ValueError`` naming it, before any write."""
    wanted, agents = {}, {}
    for index, row in enumerate(rows):
        values = _synced_client(index, row)
        wanted[values["code"]] = values
        if (codes := _synced_agents(row)) is not None:
            agents[values["code"]] = codes
    existing = {c.code: c for c in Client.objects.filter(tenant=tenant, code__in=wanted)}
    new, changed = save_differing(Client, existing, wanted, lambda code, values: Client(tenant=tenant, **values))
    touched = {c.pk for c in changed}
    if agents:
        by_code = {**existing, **{c.code: c for c in new}}
        touched |= _assign_from_1c(tenant, {by_code[code].pk: codes for code, codes in agents.items()})
    return len(new) + len(touched - {c.pk for c in new})


def _assign_from_1c(tenant: Organization, wanted: dict[int, list[str]]) -> set[int]:
    """A client row that names its agents (by 1C code) makes them its assignments, exactly; a
    code no agent carries yet is skipped until the row comes again. Returns the clients changed."""
    codes = {code for codes in wanted.values() for code in codes}
    users = dict(
        Membership.objects.alive()
        .filter(tenant=tenant, role=Role.AGENT, onec_code__in=codes)
        .values_list("onec_code", "user_id")
    )
    have: dict[tuple[int, int], int] = {
        (client_id, agent_id): pk
        for pk, client_id, agent_id in ClientAssignment.objects.filter(client_id__in=wanted).values_list(
            "pk", "client_id", "agent_id"
        )
    }
    want = {(client_id, users[code]) for client_id, codes in wanted.items() for code in codes if code in users}
    gone = {pair: pk for pair, pk in have.items() if pair not in want}
    added = [pair for pair in want if pair not in have]
    ClientAssignment.objects.filter(pk__in=gone.values()).delete()
    ClientAssignment.objects.bulk_create(
        ClientAssignment(tenant=tenant, client_id=client_id, agent_id=agent_id) for client_id, agent_id in added
    )
    return {client_id for client_id, _ in [*added, *gone]}
