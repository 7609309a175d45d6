"""Exchanges with a simulated 1C over real HTTP (zeep): a full sync, failover, malformed
answers and rows, a crash between commit and confirm, and the same changes applied twice."""

from __future__ import annotations

import pytest

from domains.alarms.models import Alarm
from domains.catalog.models import CatalogProduct, Price, StockLevel
from domains.clients.models import Client
from domains.onec import services
from domains.onec.client import OnecClient
from domains.onec.models import Connection, Exchange, ExchangeStatus
from realtime.models import OutboxEvent

pytestmark = pytest.mark.django_db


def total_rows(onec) -> int:  # type: ignore[no-untyped-def]
    return sum(len(rows) for rows in onec.base.rows.values())


def test_a_first_exchange_brings_the_whole_catalog_and_the_clients(tenant, onec, connection):
    rows = total_rows(onec)
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.SUCCEEDED, exchange.error
    assert exchange.messages == -(-rows // 100)  # pages of 100 rows
    assert (exchange.first_message, exchange.last_message) == (1, exchange.messages)
    assert exchange.url_used == onec.primary_url and exchange.failovers == 0
    assert CatalogProduct.objects.filter(tenant=tenant).count() == 40
    assert Price.objects.filter(tenant=tenant).count() == 80 and StockLevel.objects.count() == 80
    assert Client.objects.filter(tenant=tenant).count() == 120
    assert exchange.counts["clients"] == 120 and exchange.counts["client_terms"] == 120
    connection.refresh_from_db()
    assert connection.applied_message == connection.confirmed_message == exchange.messages
    assert onec.base.state()["confirmed"] == exchange.messages and onec.base.state()["registered"] == 0
    progress = OutboxEvent.objects.filter(type="onec.exchange_progress").count()
    assert progress == exchange.messages
    finished = OutboxEvent.objects.get(type="onec.exchange_finished")
    assert finished.data["status"] == "succeeded" and finished.data["messages"] == exchange.messages


def test_the_same_changes_again_change_nothing_and_new_ones_arrive(tenant, onec, connection):
    services.run_exchange(tenant=tenant)
    catalog_events = OutboxEvent.objects.filter(type="catalog.changed").count()
    again = services.run_exchange(tenant=tenant, trigger="full")  # 1C hands everything again
    assert again.status == ExchangeStatus.SUCCEEDED and again.messages > 0
    assert again.counts == {}
    assert OutboxEvent.objects.filter(type="catalog.changed").count() == catalog_events
    onec.base.register_changes(30)
    later = services.run_exchange(tenant=tenant)
    assert later.status == ExchangeStatus.SUCCEEDED and later.messages == 1
    assert 0 < sum(later.counts.values()) <= 30


def test_a_dead_primary_fails_over_and_is_skipped_for_a_while(tenant, onec, connection):
    onec.primary.down = True
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.SUCCEEDED, exchange.error
    assert exchange.url_used == onec.failover_url and exchange.failovers >= 1
    assert CatalogProduct.objects.filter(tenant=tenant).count() == 40
    connection.refresh_from_db()
    assert connection.primary_skipped_until is not None and connection.failovers == exchange.failovers
    # Back up, but in its cool-down: the next exchange goes to the failover first.
    onec.primary.down = False
    calls = onec.primary.calls
    onec.base.register_changes(5)
    assert services.run_exchange(tenant=tenant).url_used == onec.failover_url
    assert onec.primary.calls == calls


def test_a_hanging_primary_times_out_to_the_failover(tenant, onec, connection):
    onec.primary.hang_rate = 1.0
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.SUCCEEDED and exchange.url_used == onec.failover_url


def test_both_down_fails_the_exchange_naming_each_url_with_one_alarm_until_it_works(tenant, onec, connection):
    onec.primary.down = onec.failover.down = True
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.FAILED
    assert onec.primary_url in exchange.error and onec.failover_url in exchange.error
    assert services.run_exchange(tenant=tenant).status == ExchangeStatus.FAILED  # the outage goes on
    connection.refresh_from_db()
    assert connection.failing_since is not None and connection.applied_message == 0
    (alarm,) = Alarm.objects.filter(tenant=tenant, kind="onec_failing")  # one per outage
    assert alarm.cleared_at is None and onec.primary_url in alarm.message
    onec.primary.down = onec.failover.down = False
    assert services.run_exchange(tenant=tenant).status == ExchangeStatus.SUCCEEDED
    connection.refresh_from_db()
    alarm.refresh_from_db()
    assert connection.failing_since is None and alarm.cleared_at is not None
    assert OutboxEvent.objects.filter(type="alarm.onec_failing").count() == 1
    assert OutboxEvent.objects.get(type="alarm.cleared").data["alarm_id"] == alarm.pk


def test_a_malformed_envelope_is_journaled_and_nothing_is_applied(tenant, onec, connection):
    onec.primary.malformed_rate = onec.failover.malformed_rate = 1.0
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.FAILED and "malformed answer" in exchange.error
    assert not CatalogProduct.all_objects.exists() and not Client.objects.exists()


def test_a_malformed_row_fails_its_message_whole_and_keeps_the_ones_before(tenant, onec, connection):
    services.run_exchange(tenant=tenant)
    onec.base.register_changes(3)
    onec.base.registered.append(("prices", {"product": "not-a-guid", "price_type": "x", "amount": "1"}))
    before = {p.pk: p.amount for p in Price.objects.all()}
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.FAILED
    assert exchange.error.startswith("malformed change: prices[")
    assert exchange.error_record["row"]["product"] == "not-a-guid"
    assert {p.pk: p.amount for p in Price.objects.all()} == before  # the bad message's good rows too
    connection.refresh_from_db()
    assert connection.applied_message == exchange.last_message or exchange.messages == 0


def test_a_crash_between_commit_and_confirm_repeats_nothing_and_skips_nothing(
    tenant, onec, connection, settings, monkeypatch
):
    real = OnecClient.call
    confirms = []

    def dies_on_the_third_confirm(self, operation, **arguments):  # type: ignore[no-untyped-def]
        if operation == "Confirm":
            confirms.append(arguments["MessageNo"])
            if len(confirms) == 3:
                raise KeyboardInterrupt  # as good as kill -9: nothing after it runs
        return real(self, operation, **arguments)

    monkeypatch.setattr(OnecClient, "call", dies_on_the_third_confirm)
    with pytest.raises(KeyboardInterrupt):
        services.run_exchange(tenant=tenant)
    connection.refresh_from_db()
    assert (connection.applied_message, connection.confirmed_message) == (3, 2)
    assert Exchange.objects.get().status == ExchangeStatus.RUNNING  # its worker died
    assert services.run_exchange(tenant=tenant) is None  # not two at once
    settings.ONEC_EXCHANGE_STALE_SECONDS = 0
    monkeypatch.setattr(OnecClient, "call", real)
    resumed = services.run_exchange(tenant=tenant)
    assert resumed.status == ExchangeStatus.SUCCEEDED and resumed.first_message == 4
    assert Exchange.objects.filter(status=ExchangeStatus.FAILED, error__startswith="abandoned").count() == 1
    connection.refresh_from_db()
    assert connection.applied_message == connection.confirmed_message == onec.base.state()["confirmed"]
    assert CatalogProduct.objects.count() == 40 and Client.objects.count() == 120


def test_the_password_is_sealed_and_sent_only_to_1c(tenant, onec, connection):
    connection = Connection.objects.get(pk=connection.pk)
    assert "s3cret-1c" not in connection.password_sealed
    services.connection_save(tenant=tenant, password="wrong")
    exchange = services.run_exchange(tenant=tenant)
    assert exchange.status == ExchangeStatus.FAILED and "HTTP 401" in exchange.error
    assert "wrong" not in exchange.error
