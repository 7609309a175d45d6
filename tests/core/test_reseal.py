"""Key rotation: `manage.py reseal_secrets` seals every stored secret with the new first key, so
the old key can be dropped; values no key opens are reported, not lost."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from core.secrets import SecretUnreadable, reset_keys, seal, unseal
from domains.onec import services as onec
from domains.onec.models import Connection
from realtime.models import OutboxEvent

pytestmark = pytest.mark.django_db
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings):  # type: ignore[no-untyped-def]
    def use(*values: str) -> None:
        settings.FIELD_ENCRYPTION_KEYS = list(values)
        reset_keys()

    yield use
    reset_keys()


def reseal(*args: str) -> str:
    out = StringIO()
    call_command("reseal_secrets", *args, stdout=out)
    return out.getvalue()


def test_after_a_rotation_every_secret_opens_with_the_new_key_alone(tenant, keys):
    keys(OLD)
    onec.connection_save(tenant=tenant, wsdl_url="http://1c.test/ws?wsdl", password="s3cret-1c")
    event = OutboxEvent.objects.create(
        tenant=tenant,
        topic="orders",
        type="order.pin_ready",
        occurred_at="2026-12-01T00:00:00Z",
        data={"order_id": 1, "pin": seal("4321")},
        audience={"sealed": ["pin"]},
    )
    keys(NEW, OLD)
    assert "onec.Connection.password_sealed: 1 resealed" in reseal("--dry-run")
    assert unseal(Connection.objects.get().password_sealed) == "s3cret-1c"  # a dry run changes nothing…
    keys(NEW)
    with pytest.raises(SecretUnreadable):
        unseal(Connection.objects.get().password_sealed)  # …so the new key alone cannot open it yet
    keys(NEW, OLD)
    out = reseal()
    assert "onec.Connection.password_sealed: 1 resealed" in out and "outbox events: 1 resealed" in out
    keys(NEW)
    assert unseal(Connection.objects.get().password_sealed) == "s3cret-1c"
    event.refresh_from_db()
    assert unseal(event.data["pin"]) == "4321"
    assert "onec.Connection.password_sealed: 0 resealed" in reseal()  # again: nothing to do


def test_a_value_no_key_opens_is_reported_and_left_as_it_is(tenant, keys):
    keys(OLD)
    onec.connection_save(tenant=tenant, wsdl_url="http://1c.test/ws?wsdl", password="s3cret-1c")
    stored = Connection.objects.get().password_sealed
    keys(NEW)  # the old key dropped too early
    with pytest.raises(CommandError, match="1 values open with no configured key"):
        reseal()
    assert Connection.objects.get().password_sealed == stored
