# ruff: noqa: RUF001 (Uzbek and Russian words, as the admin reads them)
"""Documents to 1C: finished visits with their checklist results, each sent once (1C deduplicates
by Oqim's id), retried while 1C is away, journaled, and given up on after the last retry."""

from __future__ import annotations

import logging
import time

import pytest
from django.utils import timezone

from domains.onec import services, tasks
from domains.onec.models import Document
from domains.visits import services as visits
from realtime.models import OutboxEvent
from tests.factories import bearer
from tests.fieldwork import field  # noqa: F401  (fixture)
from tests.onec.sim import connect
from workers.models import PendingJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(tenant, field):  # type: ignore[no-untyped-def] # noqa: F811
    field["agent"].onec_code = "A-777"
    field["agent"].save()
    field["client"].code = "K-9"
    field["client"].save()
    step = visits.step_create(tenant=tenant, name="Shelf photo taken", required=True)
    agent = field["agent"].user
    visit = visits.visit_create(
        tenant=tenant, actor=field["manager"].user, agent=agent, client=field["client"], planned_at=timezone.now()
    )
    visit = visits.check_in(visit=visit, actor=agent, lat=None, lon=None, accuracy=None)
    visits.record_result(visit=visit, step=step, value=True, actor=agent)
    return visits.check_out(visit=visit, actor=agent, lat=None, lon=None, accuracy=None)


def test_checking_out_asks_for_the_report_in_the_same_transaction(finished):
    assert PendingJob.objects.filter(actor_name="onec.send_visit", args=[finished.pk]).exists()


def test_a_finished_visit_goes_to_1c_once_with_its_results(api, tenant, admin, finished, onec, connection):
    onec.primary.down = onec.failover.down = True
    with pytest.raises(services.NotSent):  # 1C away: the job is retried later
        services.send_visit(visit_id=finished.pk)
    waiting = Document.objects.get(kind="visit")
    assert (waiting.status, waiting.attempts) == ("pending", 1) and "HTTP 503" in waiting.last_error
    onec.primary.down = onec.failover.down = False
    services.send_visit(visit_id=finished.pk)
    services.send_visit(visit_id=finished.pk)  # a repeated job sends nothing more
    assert onec.base.state()["documents"] == 1
    body = onec.base.documents[f"visit-{finished.pk}"]["body"]
    assert body["client"] == "K-9" and body["agent"] == "A-777"
    assert body["results"] == [{"step": "Shelf photo taken", "kind": "check", "value": True}]
    journal = api.get("/api/onec/documents/?kind=visit", **bearer(admin)).json()["results"]
    assert [(d["status"], d["number"], d["attempts"]) for d in journal] == [("sent", "VIS-000001", 2)]
    states = [e.data["status"] for e in OutboxEvent.objects.filter(type="onec.document_changed").order_by("pk")]
    assert states == ["pending", "sent"]


def test_1c_refusing_a_document_fails_it_without_retrying(tenant, finished, onec, connection):
    onec.primary.malformed_rate = onec.failover.malformed_rate = 1.0
    services.send_visit(visit_id=finished.pk)  # no NotSent: a retry would be refused the same way
    assert Document.objects.get(kind="visit").status == "failed"


def test_after_the_last_retry_the_journal_says_it_gave_up(api, admin, tenant, finished, onec, connection):
    connection.enabled = False
    connection.save()
    with pytest.raises(services.NotSent):
        services.send_visit(visit_id=finished.pk)
    # what Dramatiq's Retries middleware sends to on_retry_exhausted
    message = {"actor_name": "onec.send_visit", "args": [finished.pk], "kwargs": {}, "options": {}}
    tasks.gave_up.fn(message, {"retries": 40, "max_retries": 40})
    assert tasks.send_visit.options["on_retry_exhausted"] == tasks.gave_up.actor_name
    document = Document.objects.get(kind="visit")
    assert document.status == "failed" and document.last_error.startswith("gave up after 40 attempts: no 1C")
    (row,) = api.get("/api/onec/documents/", HTTP_ACCEPT_LANGUAGE="uz", **bearer(admin)).json()["results"]
    assert row["last_error"] == "40 urinishdan keyin toʻxtatildi: 1C ulanishi yoqilmagan: yoqilishi bilan yuboriladi"


def test_an_organization_without_1c_sends_nothing(tenant, finished):
    services.send_visit(visit_id=finished.pk)
    assert not Document.objects.exists()


def test_only_admins_read_the_journal(api, tenant, field, onec):  # noqa: F811
    connect(tenant, onec)
    assert api.get("/api/onec/documents/", **bearer(field["manager"])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_retry_while_1c_is_off_is_one_warning_with_no_traceback(tenant, finished, onec, connection, worker, caplog):
    connection.enabled = False
    connection.save()
    # through the broker to a real worker, as in production; backoff of milliseconds, not seconds
    tasks.send_visit.send_with_options(args=(finished.pk,), min_backoff=20, max_backoff=40)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not Document.objects.filter(kind="visit", attempts__gte=3).exists():
        time.sleep(0.05)
    assert Document.objects.get(kind="visit").attempts >= 3  # retried, by the broker, on its backoff
    time.sleep(0.3)  # the worker logs after the job returns
    # (the check-out's own request for it may be tried too: one line per attempt)
    retried = {(r.levelname, r.reason) for r in caplog.records if r.name == "oqim.jobs"}
    assert retried == {("WARNING", "no 1C connection is enabled: sent once one is")}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], "a traceback was logged"
