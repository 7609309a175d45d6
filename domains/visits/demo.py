# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""Demo visits for `make run`: a checklist, a completed verified visit, one checked in 900 m
away (flagged out_of_range), and today's plan."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from core.demo import demo_username, png
from core.models import Organization, User
from core.roles import Role
from core.timezones import local_today, start_of_day
from domains.clients import api as clients_api
from domains.clients.api import Reference, ReferenceKind
from domains.visits import services
from domains.visits.models import StepKind, VisitStep


def seed(tenant: Organization) -> None:
    if VisitStep.all_objects.filter(tenant=tenant).exists():
        return
    agent = User.objects.get(username=demo_username(Role.AGENT))
    manager = User.objects.get(username=demo_username(Role.MANAGER))
    shelf = services.step_create(
        tenant=tenant, name="Peshtaxta tekshirildi", kind=StepKind.CHECK, required=True, position=0
    )
    services.step_create(tenant=tenant, name="Peshtaxtadagi tovarlar soni", kind=StepKind.NUMBER, position=1)
    services.step_create(tenant=tenant, name="Izoh", kind=StepKind.TEXT, position=2)

    def ref(kind: str, name: str) -> Reference | None:
        return clients_api.reference(tenant_id=tenant.pk, kind=kind, name=name)

    regular, normal = ref(ReferenceKind.VISIT_TYPE, "Muntazam tashrif"), ref(ReferenceKind.PRIORITY, "Oʻrta")
    clients = clients_api.by_code(tenant_id=tenant.pk, codes=[f"C-{n:04d}" for n in range(1, 5)])
    now = timezone.now()
    # Every visit on today's route, whatever the hour: near midnight "in two hours" is tomorrow.
    today = start_of_day(tenant, local_today(tenant))
    first, last = today + timedelta(minutes=5), today + timedelta(days=1) - timedelta(minutes=5)

    def plan(code: str, hours: float) -> object:
        return services.visit_create(
            tenant=tenant,
            actor=manager,
            agent=agent,
            client=clients[code],
            planned_at=min(max(now + timedelta(hours=hours), first + timedelta(minutes=hours)), last),
            type=regular,
            priority=normal,
        )

    done = plan("C-0001", -3)
    done = services.check_in(visit=done, actor=agent, lat=41.3113, lon=69.2803, accuracy=6.0)
    services.record_result(visit=done, step=shelf, value=True, actor=agent)
    services.visit_photo_add(
        visit=done,
        actor=agent,
        upload=ContentFile(png(rgb=(40, 160, 60)), name="shelf.png"),
        content_type="image/png",
        step=shelf,
        caption="Merchandayzingdan keyingi peshtaxta",
        source=ref(ReferenceKind.IMAGE_SOURCE, "Kamera"),
    )
    services.check_out(
        visit=done,
        actor=agent,
        lat=41.3112,
        lon=69.2802,
        accuracy=7.0,
        status=ref(ReferenceKind.VISIT_STATUS, "Buyurtma olindi"),
    )
    far = plan("C-0002", -1)
    # About 900 m north of the client: saved, and flagged for the manager.
    services.check_in(visit=far, actor=agent, lat=41.3242, lon=69.2853, accuracy=10.0)
    services.record_result(visit=far, step=shelf, value=True, actor=agent)
    services.check_out(visit=far, actor=agent, lat=41.3242, lon=69.2853, accuracy=10.0)
    plan("C-0003", 1)
    plan("C-0004", 2)
