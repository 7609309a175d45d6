"""A job asked for by a committed transaction survives the process dying between the commit
and the send (workers.outbox): a real process, killed at that instant."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.roles import Role
from domains.orders.models import Order, OrderStatus
from tests.factories import member_factory, order_catalog
from tests.orders.test_webhooks_and_workers import wait_for
from tests.realtime.conftest import database_url
from workers import outbox
from workers.models import PendingJob

ROOT = Path(__file__).resolve().parents[2]

# Place an order and die the moment its transaction commits: before the after-commit send.
CRASH = """
import os, sys
import django
django.setup()
from django.db import transaction
from core.models import Organization, User
from domains.orders import services
from domains.orders.models import Package
tenant_id, customer_id, package_id = map(int, sys.argv[1:4])
with transaction.atomic():
    transaction.on_commit(lambda: os._exit(9))
    services.order_place(
        tenant=Organization.objects.get(pk=tenant_id),
        actor=User.objects.get(pk=customer_id),
        customer=User.objects.get(pk=customer_id),
        package=Package.objects.get(pk=package_id),
        account="crash",
    )
"""


@pytest.mark.django_db(transaction=True)
def test_an_order_placed_by_a_process_that_died_at_commit_is_still_dispatched(tenant, worker):
    _provider, package = order_catalog(tenant=tenant)
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    env = {**os.environ, "DATABASE_URL": database_url(), "DJANGO_SETTINGS_MODULE": "core.settings"}
    died = subprocess.run(
        [sys.executable, "-c", CRASH, str(tenant.pk), str(customer.pk), str(package.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert died.returncode == 9, died.stderr
    order = Order.objects.get(tenant=tenant, account="crash")
    assert order.status == OrderStatus.CREATED
    assert list(PendingJob.objects.values_list("actor_name", "args")) == [("orders.dispatch", [order.pk])]
    # The relay (every two seconds in production) sends what the dead process could not.
    assert outbox.relay_pending(min_age_seconds=0) == 1
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED)
    assert not PendingJob.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_job_is_sent_after_commit_and_its_row_goes(tenant, worker, django_capture_on_commit_callbacks):
    _provider, package = order_catalog(tenant=tenant)
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    from domains.orders import services

    with django_capture_on_commit_callbacks(execute=True):
        order, _ = services.order_place(tenant=tenant, actor=customer, customer=customer, package=package, account="ok")
    assert not PendingJob.objects.exists()
    wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.COMPLETED)
    # Nothing is left for the relay to send twice.
    assert outbox.relay_pending(min_age_seconds=0) == 0
