"""Clients for the benches: a city's shops and stalls, each assigned to an agent (the agent's
zone for the ingest's judging), as a list to page and search."""

from __future__ import annotations

import random

from django.db import connection

from bench.harness import people
from core.models import Organization
from core.roles import Role
from domains.clients.models import Client, ClientAssignment

WORDS = ["Baraka", "Oila", "Market", "Savdo", "Do'kon", "Shirin", "Yangi", "Hayot", "Express", "Mini"]


def generate(tenant: Organization, total: int) -> None:
    """``total`` clients near the phones' paths, spread over 50 agents (existing ones first)."""
    agents = [m.user_id for m in people.existing(tenant.pk, Role.AGENT, 50)]
    agents += [m.user_id for m in people.members(tenant, Role.AGENT, 50 - len(agents))]
    rng = random.Random(3)
    for start in range(0, total, 5000):
        rows = Client.objects.bulk_create(
            Client(
                tenant=tenant,
                name=f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}",
                code=f"C-{n:06d}",
                phone=f"+998 9{n % 10} {n:07d}",
                phone_digits=f"9989{n % 10}{n:07d}",
                lat=41.2 + rng.random() * 0.2,
                lon=69.1 + rng.random() * 0.3,
            )
            for n in range(start, min(start + 5000, total))
        )
        ClientAssignment.objects.bulk_create(
            ClientAssignment(tenant=tenant, client=c, agent_id=agents[i % len(agents)]) for i, c in enumerate(rows)
        )
    with connection.cursor() as cursor:  # what autovacuum does after such a load
        cursor.execute("ANALYZE clients_client")
        cursor.execute("ANALYZE clients_clientassignment")


def count(tenant: Organization) -> int:
    return Client.objects.filter(tenant=tenant).count()
