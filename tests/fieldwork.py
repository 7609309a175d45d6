"""Helpers and fixtures shared by the clients, visits, tracking, geofencing and trips tests."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.demo import png
from core.roles import Role
from domains.clients.models import Client, ClientAssignment
from tests.factories import member_factory

# The live-server fixtures of the realtime tests, for the field agents' end-to-end tests.
from tests.realtime.conftest import server, server_factory

__all__ = ["TASHKENT", "client_factory", "field", "photo", "server", "server_factory"]

TASHKENT = (41.3111, 69.2797)


def client_factory(*, tenant, agents=(), name="Baraka Market", lat=TASHKENT[0], lon=TASHKENT[1], **values):  # type: ignore[no-untyped-def]
    client = Client.objects.create(tenant=tenant, name=name, lat=lat, lon=lon, **values)
    for agent in agents:
        ClientAssignment.objects.create(tenant=tenant, client=client, agent=agent.user)
    return client


def photo(name: str = "shop.png", content: bytes | None = None, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else png(), content_type=content_type)


@pytest.fixture
def field(tenant, admin):  # type: ignore[no-untyped-def]
    """A manager, two agents, a viewer, and a client assigned to the first agent."""
    agent = member_factory(tenant=tenant, role=Role.AGENT)
    other_agent = member_factory(tenant=tenant, role=Role.AGENT)
    return {
        "admin": admin,
        "manager": member_factory(tenant=tenant, role=Role.MANAGER),
        "viewer": member_factory(tenant=tenant, role=Role.VIEWER),
        "agent": agent,
        "other_agent": other_agent,
        "client": client_factory(tenant=tenant, agents=[agent]),
    }
