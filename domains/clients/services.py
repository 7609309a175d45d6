"""Writes of clients, their assignments and photos, and of the reference dictionaries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files import File
from django.db import transaction
from rest_framework.exceptions import ValidationError

from core.errors import Conflict
from core.models import Organization, User
from domains.clients.models import Client, ClientAssignment, ClientPhoto, Reference

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
        raise ValidationError({"name": [f"This {kind.replace('_', ' ')} exists already."]}, code="unique")


# Clients


def _require_unique_code(*, tenant_id: int, code: str, exclude: int | None = None) -> None:
    if not code:
        return
    clash = Client.objects.filter(tenant_id=tenant_id, code=code)
    if exclude:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"code": ["Another client has this code."]}, code="unique")


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
        raise Conflict("An agent is checked in at this client; check out first.", code="visit_in_progress")
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
