"""The demo agent's route is all today's, whatever the hour `make run` seeds it at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from core.demo import DEMO_SLUG, seed_demo
from core.models import Organization
from core.timezones import tenant_zone
from domains.visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("hour", [0, 1, 12, 22, 23])
def test_every_demo_visit_is_planned_for_the_local_today(monkeypatch, hour):
    moment = datetime(2026, 12, 7, hour, 50, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    seed_demo()
    tenant = Organization.objects.get(slug=DEMO_SLUG)
    zone = tenant_zone(tenant)
    days = {visit.planned_at.astimezone(zone).date() for visit in Visit.objects.filter(tenant=tenant)}
    assert days == {moment.astimezone(zone).date()}
    assert Visit.objects.filter(tenant=tenant, state="planned").count() == 2
