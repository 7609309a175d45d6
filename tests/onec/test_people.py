"""Agents and their clients from 1C: agents matched by the 1C code on their membership, new ones
created with a login and no password, switched off and on by 1C; clients assigned as 1C says."""

from __future__ import annotations

import pytest

from core.models import Membership
from core.roles import Role
from domains.clients.models import ClientAssignment
from domains.onec import services
from realtime.models import OutboxEvent
from tests.factories import bearer, member_factory, tenant_factory

pytestmark = pytest.mark.django_db


def agents_of(tenant, code: str) -> set[int]:  # type: ignore[no-untyped-def]
    return set(
        ClientAssignment.objects.filter(client__tenant=tenant, client__code=code).values_list("agent", flat=True)
    )


def test_agents_come_from_1c_matched_by_code_and_get_their_clients(tenant, admin, onec, connection):
    known = member_factory(tenant=tenant, role=Role.AGENT)
    known.onec_code = "A-002"
    known.save()
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == "succeeded", exchange.error
    live = Membership.objects.filter(tenant=tenant).exclude(onec_code="")
    assert sorted(live.values_list("onec_code", flat=True)) == ["A-001", "A-002", "A-003", "A-004", "A-005"]
    assert live.get(onec_code="A-002") == known  # matched, not created twice
    created = live.get(onec_code="A-001")
    assert created.role == Role.AGENT and created.user.first_name == "Agent 1"
    assert not created.user.has_usable_password()  # an administrator sets one
    assert exchange.counts["agents"] == 5  # four created, one renamed as 1C names them
    known.user.refresh_from_db()
    assert known.user.first_name == "Agent 2"
    # each client is one agent's, by 1C code: K-000001 is A-002's
    assert agents_of(tenant, "K-000001") == {known.user_id}
    assert ClientAssignment.objects.filter(agent=known.user).count() == 24
    joined = OutboxEvent.objects.filter(type="member.joined", data__onec_code="A-001")
    assert joined.count() == 1


def test_1c_switches_an_agent_off_and_on_and_moves_clients(tenant, onec, connection):
    services.run_exchange(tenant=tenant)
    first = Membership.objects.get(tenant=tenant, onec_code="A-001")
    rows = onec.base.rows
    agent = next(a for a in rows["agents"] if a["code"] == "A-001")
    client = next(c for c in rows["clients"] if c["code"] == "K-000000")
    agent["active"] = False
    client["agents"] = ["A-003", "A-404"]  # an unknown code is skipped
    onec.base.registered.extend([("agents", agent), ("clients", client)])
    assert services.run_exchange(tenant=tenant).status == "succeeded"
    first.refresh_from_db()
    assert first.is_deleted
    third = Membership.objects.get(tenant=tenant, onec_code="A-003")
    assert agents_of(tenant, "K-000000") == {third.user_id}
    agent["active"] = True
    onec.base.registered.append(("agents", agent))
    assert services.run_exchange(tenant=tenant).status == "succeeded"
    back = Membership.objects.get(tenant=tenant, onec_code="A-001")
    assert back.user_id == first.user_id and back.pk != first.pk  # the same person, a new membership
    # off again, and an admin gives the person a membership by hand: 1C's "on" leaves it be
    agent["active"] = False
    onec.base.registered.append(("agents", agent))
    services.run_exchange(tenant=tenant)
    by_hand = member_factory(tenant=tenant, role=Role.VIEWER, user=first.user)
    agent["active"] = True
    onec.base.registered.append(("agents", agent))
    assert services.run_exchange(tenant=tenant).status == "succeeded"
    assert list(Membership.objects.filter(tenant=tenant, user=first.user)) == [by_hand]


def test_a_malformed_agent_row_fails_its_message_with_nothing_applied(tenant, onec, connection):
    onec.base.rows["agents"][0]["name"] = ""
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == "failed" and "agents[0]: name" in exchange.error
    assert not Membership.objects.filter(tenant=tenant).exclude(onec_code="").exists()


def test_an_admin_sets_a_1c_agents_code_and_first_password(api, tenant, admin, onec, connection):
    services.run_exchange(tenant=tenant)
    agent = Membership.objects.get(tenant=tenant, onec_code="A-001")
    url = f"/api/members/{agent.pk}/"
    answer = api.patch(url, {"password": "a-Long-pass-123"}, format="json", **bearer(admin))
    assert answer.status_code == 200 and answer.json()["onec_code"] == "A-001"
    login = api.post(
        "/api/auth/login/", {"username": agent.user.username, "password": "a-Long-pass-123"}, format="json"
    )
    assert login.status_code == 200
    taken = api.patch(url, {"onec_code": "A-002"}, format="json", **bearer(admin))
    assert taken.status_code == 400 and taken.json()["error"]["fields"]["onec_code"]
    weak = api.patch(url, {"password": "123"}, format="json", **bearer(admin))
    assert weak.status_code == 400 and "password" in weak.json()["error"]["fields"]
    empty = api.patch(url, {}, format="json", **bearer(admin))
    assert empty.status_code == 400
    assert OutboxEvent.objects.filter(type="member.updated", data__membership_id=agent.pk).count() == 1


def test_nobody_sets_the_password_of_someone_in_another_organization(api, tenant, admin):
    shared = member_factory(tenant=tenant, role=Role.AGENT)
    member_factory(tenant=tenant_factory(), role=Role.ADMIN, user=shared.user)
    answer = api.patch(f"/api/members/{shared.pk}/", {"password": "a-Long-pass-123"}, format="json", **bearer(admin))
    assert answer.status_code == 400
    assert answer.json()["error"]["fields"]["password"][0]["code"] == "shared_user"
    shared.user.refresh_from_db()
    assert not shared.user.check_password("a-Long-pass-123")
    manager = member_factory(tenant=tenant, role=Role.MANAGER)
    refused = api.patch(f"/api/members/{shared.pk}/", {"onec_code": "X"}, format="json", **bearer(manager))
    assert refused.status_code == 403
