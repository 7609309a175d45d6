"""Reads of clients and references. Lists keep a constant number of queries at any size: the
assigned agents come in one prefetch, never one query per row."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from core.models import Membership, Organization
from core.pagination import page_by_matches
from core.roles import has_capability
from domains.clients.models import Client, ClientAssignment, ClientPhoto, Reference, digits


def visible_clients(*, membership: Membership) -> QuerySet[Client]:
    """Every live client for those who see all; an agent's own assigned clients otherwise."""
    clients = Client.objects.filter(tenant_id=membership.tenant_id)
    if has_capability(membership.role, "clients.view_all"):
        return clients
    return clients.filter(assignments__agent_id=membership.user_id)


def client_list(*, membership: Membership, search: str = "") -> QuerySet[Client]:
    clients = visible_clients(membership=membership).prefetch_related(
        Prefetch("assignments", queryset=ClientAssignment.objects.order_by("agent_id"))
    )
    search = search.strip()
    if search:
        match = Q(name__icontains=search) | Q(code__iexact=search) | Q(code__istartswith=search)
        number = digits(search)
        if len(number) >= 3:
            match |= Q(phone_digits__contains=number)
        clients = clients.filter(match)
        if len(search) >= 3:  # shorter patterns have no trigram: most rows match, walk in order
            clients = page_by_matches(clients)
    return clients


def reference_list(*, tenant: Organization) -> QuerySet[Reference]:
    return Reference.objects.filter(tenant=tenant)


def client_photos(*, client: Client) -> QuerySet[ClientPhoto]:
    return ClientPhoto.objects.filter(client=client).select_related("status", "source").order_by("-id")


def visible_photos(*, membership: Membership) -> QuerySet[ClientPhoto]:
    """Photos of the clients this member may see."""
    clients = visible_clients(membership=membership)
    return ClientPhoto.objects.filter(client__in=clients).select_related("status", "source")
