from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from core.models import Membership, Organization, User
from core.roles import Role

pytestmark = pytest.mark.django_db


def test_create_tenant_makes_the_organization_and_its_admin(monkeypatch, capsys):
    monkeypatch.setenv("OQIM_ADMIN_PASSWORD", "long-enough-pass-77")
    call_command("create_tenant", "--name", "Chorsu Bazaar", "--admin-username", "boss")
    tenant = Organization.objects.get(slug="chorsu-bazaar")
    member = Membership.objects.get(tenant=tenant)
    assert member.role == Role.ADMIN and member.user.check_password("long-enough-pass-77")
    assert "chorsu-bazaar" in capsys.readouterr().out


def test_create_tenant_refuses_a_weak_password_and_writes_nothing(monkeypatch):
    monkeypatch.setenv("OQIM_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError, match="password"):
        call_command("create_tenant", "--name", "Weak", "--admin-username", "weakling")
    assert not Organization.objects.filter(slug="weak").exists()
    assert not User.objects.filter(username="weakling").exists()


def test_create_tenant_refuses_a_duplicate_slug(monkeypatch):
    monkeypatch.setenv("OQIM_ADMIN_PASSWORD", "long-enough-pass-77")
    call_command("create_tenant", "--name", "Dup", "--admin-username", "one")
    with pytest.raises(CommandError, match="slug"):
        call_command("create_tenant", "--name", "Dup", "--admin-username", "two")


def test_seed_demo_is_idempotent_with_one_login_per_role(capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    tenant = Organization.objects.get(slug="demo")
    typed_in = Membership.objects.filter(tenant=tenant, user__username__startswith="demo-")
    assert sorted(typed_in.values_list("role", flat=True)) == sorted(r.value for r in Role)
    # and the agents 1C lists are there once each, the demo agent matched by its 1C code
    from_1c = Membership.objects.filter(tenant=tenant).exclude(onec_code="")
    assert sorted(from_1c.values_list("onec_code", "role")) == [
        ("A-001", "agent"),
        ("A-002", "agent"),
        ("A-003", "agent"),
    ]
    assert from_1c.get(onec_code="A-001").user.username == "demo-agent"
    assert Membership.objects.filter(tenant=tenant).count() == len(Role) + 2
    assert Organization.objects.filter(slug="demo").count() == 1
    assert "0 logins created now" in capsys.readouterr().out.splitlines()[-9]


def test_worker_and_scheduler_refuse_embedded_mode(settings):
    settings.EMBEDDED = True
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("worker")
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("scheduler")


def test_seeding_the_demo_tells_no_one_but_shows_everything(settings):  # type: ignore[no-untyped-def]
    from domains.notifications.models import Notification, Rule
    from realtime.fanout import fan_out
    from realtime.models import OutboxEvent

    call_command("seed_demo")
    # A fresh install: the kitchen was stocked below its minimums while it was seeded, the demo's
    # rules follow low stock, and still no one is told.
    assert Rule.objects.exists() and OutboxEvent.objects.filter(type="stock.low").exists()
    history = set(Notification.objects.values_list("pk", "state"))  # the log's demo history
    assert history and {state for _pk, state in history} == {"sent"}
    fan_out()
    assert set(Notification.objects.values_list("pk", "state")) == history
    assert OutboxEvent.objects.filter(audience__quiet=True).count() == OutboxEvent.objects.count()
