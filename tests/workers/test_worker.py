"""Actors run on a real Dramatiq worker against this run's broker (in-memory or Redis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from domains.members.tasks import flush_expired_tokens
from tests.factories import user_factory
from workers.broker import broker

pytestmark = pytest.mark.django_db(transaction=True)


def test_flush_expired_tokens_deletes_only_expired_ones(worker):
    user = user_factory()
    now = timezone.now()
    OutstandingToken.objects.create(user=user, jti="old", token="x", expires_at=now - timedelta(days=1))
    OutstandingToken.objects.create(user=user, jti="new", token="y", expires_at=now + timedelta(days=1))
    # when: sent twice, as an at-least-once broker may deliver it
    flush_expired_tokens.send()
    flush_expired_tokens.send()
    broker.join(flush_expired_tokens.queue_name, timeout=20_000)
    worker.join()
    # then
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == ["new"]


def test_every_actor_has_an_explicit_name_retry_policy_and_time_limit():
    from workers.registry import discover_actors

    discover_actors()
    for name in broker.get_declared_actors():
        actor = broker.get_actor(name)
        assert "." in name, f"{name}: actors are named <app>.<verb>"
        assert "max_retries" in actor.options and "time_limit" in actor.options, name
