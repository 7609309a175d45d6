"""A race the database must settle (PostgreSQL, the services run): two check-ins of one agent at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from core.errors import Conflict
from core.roles import Role
from domains.visits import services as visits
from domains.visits.models import Visit
from tests.factories import member_factory, tenant_factory
from tests.fieldwork import TASHKENT, client_factory
from tests.stock.test_concurrency import run_threads

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_two_check_ins_at_once_leave_one_visit_open():
    tenant = tenant_factory()
    agent = member_factory(tenant=tenant, role=Role.AGENT)
    client = client_factory(tenant=tenant, agents=[agent])
    planned = [
        Visit.objects.create(
            tenant=tenant, agent=agent.user, client=client, planned_at=timezone.now(), created_by=agent.user
        )
        for _ in range(6)
    ]

    def check_in(n: int) -> str:
        try:
            visits.check_in(visit=planned[n], actor=agent.user, lat=TASHKENT[0], lon=TASHKENT[1], accuracy=5.0)
        except Conflict as exc:
            return exc.get_codes()
        return "ok"

    outcomes = run_threads(6, check_in)
    assert sorted(outcomes) == ["ok"] + ["visit_open"] * 5
    assert Visit.objects.filter(state="in_progress").count() == 1
