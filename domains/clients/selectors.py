"""Reads of clients and references. Lists keep a constant number of queries at any size: the
assigned agents come in one prefetch, never one query per row."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


def by_code(*, tenant_id: int, codes: Iterable[str]) -> dict[str, Client]:
    """Live clients by their code in the organization's accounting system (1C's, say)."""
    return {c.code: c for c in Client.objects.filter(tenant_id=tenant_id, code__in=list(codes))}


def reference(*, tenant_id: int, kind: str, name: str) -> Reference | None:
    """A live entry of a reference dictionary by its name (a visit type, an image source, ...)."""
    return Reference.objects.filter(tenant_id=tenant_id, kind=kind, name=name).first()


@dataclass(frozen=True, slots=True)
class ClientPlace:
    """A located client as the field domains read it (clients' zones, a stop's nearest client)."""

    id: int
    name: str
    lat: float
    lon: float
    agent_ids: frozenset[int] = frozenset()  # the agents assigned to it (``assigned_client_places``)


def assigned_client_places(*, tenant_id: int) -> list[ClientPlace]:
    """Every live client with a location and at least one assigned agent, in id order, with its
    agents: one query (70,000 clients read in about 0.4 s)."""
    located = Client.objects.filter(
        tenant_id=tenant_id, lat__isnull=False, lon__isnull=False, assignments__isnull=False
    ).order_by("pk")
    rows: dict[int, tuple[str, float, float, set[int]]] = {}
    for pk, name, lat, lon, agent in located.values_list("pk", "name", "lat", "lon", "assignments__agent_id"):
        rows.setdefault(pk, (name, lat, lon, set()))[3].add(agent)
    return [ClientPlace(pk, name, lat, lon, frozenset(agents)) for pk, (name, lat, lon, agents) in rows.items()]


def client_places_within(*, tenant_id: int, south: float, north: float, west: float, east: float) -> list[ClientPlace]:
    """The live clients located inside a box of latitudes and longitudes (edges included)."""
    near = Client.objects.filter(
        tenant_id=tenant_id, lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east
    ).values_list("pk", "name", "lat", "lon")
    return [ClientPlace(pk, name, lat, lon) for pk, name, lat, lon in near]
