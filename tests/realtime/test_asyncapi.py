"""docs/asyncapi.yaml describes every event type the code declares, and what the services really
emit validates against it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.utils import timezone

from core.roles import Role
from core.secrets import unseal
from domains.alarms import services as alarms
from domains.catalog import api as catalog
from domains.catalog.models import CatalogProduct
from domains.clients import services as clients
from domains.clients.models import Client
from domains.geofencing import services as geofencing
from domains.geofencing.models import Geofence
from domains.kitchen import services as kitchen
from domains.members import services
from domains.notifications import services as notify
from domains.notifications.models import Notification
from domains.onec import services as onec_services
from domains.orders import services as orders
from domains.shops import services as shops
from domains.shops.models import ExpenseCategory
from domains.stock import services as stock
from domains.tracking import services as tracking
from domains.tracking.fixes import Fix
from domains.visits import services as visits
from domains.webhooks import services as webhooks
from realtime.events import EVENT_TYPES
from realtime.fanout import fan_out
from realtime.frames import Close
from realtime.models import OutboxEvent
from realtime.streams import envelope
from realtime.topics import TOPICS
from tests.catalog.test_exchange import batch as catalog_batch
from tests.declared import shipped, shipped_names
from tests.factories import branch_factory, member_factory, order_catalog, shop_product, stock_up
from tests.onec.sim import connect, simulated_1c
from tests.webhooks.receiver import receiver

ROOT = Path(__file__).resolve().parents[2]
DOC = yaml.safe_load((ROOT / "docs/asyncapi.yaml").read_text())
SCHEMAS = DOC["components"]["schemas"]


def schema_for(name: str) -> dict:
    # resolve local refs for jsonschema with the whole components block as the root
    return {**SCHEMAS[name], "components": DOC["components"]}


def test_every_declared_event_type_is_documented_with_its_topic_and_version():
    documented = {name.removeprefix("event."): s for name, s in SCHEMAS.items() if name.startswith("event.")}
    assert set(documented) == set(shipped(EVENT_TYPES))
    for name, spec in shipped(EVENT_TYPES).items():
        assert (documented[name]["x-topic"], documented[name]["x-version"]) == (spec.topic, spec.version), name
    assert SCHEMAS["topic"]["enum"] == shipped_names(TOPICS)


def test_close_codes_are_all_documented():
    text = (ROOT / "docs/realtime.md").read_text()
    for code in Close:
        assert f"`{code.value}`" in text, code


@pytest.mark.django_db
def test_emitted_events_validate_against_the_document(tenant, admin, django_capture_on_commit_callbacks):
    # an SMS gateway that is down, for what happens on the shop floor: alarm.notify_failing
    notify.gateway_save(tenant=tenant, url="http://127.0.0.1:9/sms", body="{message}", content_type="text/plain")
    notify.preference_update(preference=notify.preference_for(tenant_id=tenant.pk, user=admin.user), phone="+99890")
    notify.rule_save(
        tenant=tenant,
        name="Shop floor",
        event_types=[
            "kitchen.meal_served",
            "stock.low",
            "sale.recorded",
            "sale.returned",
            "expense.changed",
            "visit.planned",
            "visit.checked_in",
        ],
        roles=["admin"],
        channels=["http"],
    )
    # when the services change things, every domain included
    services.tenant_update(tenant=tenant, name="Documented", actor=admin.user)
    member = services.member_create(tenant=tenant, username="new-cook", password="a-Long-pass-123", role=Role.COOK)
    services.member_change_role(membership=member, role=Role.MANAGER, actor=admin.user)
    services.member_update(membership=member, onec_code="M-7", actor=admin.user)
    services.member_deactivate(membership=member_factory(tenant=tenant, role=Role.VIEWER))
    services.session_revoked(user_id=admin.user_id, tenant_id=tenant.pk)  # a refresh token used twice
    rice = stock.product_create(tenant=tenant, name="Rice", unit="g", minimum=Decimal(500), actor=admin.user)
    with django_capture_on_commit_callbacks(execute=True):  # the kitchen follows stock after commit
        plov = kitchen.meal_create(tenant=tenant, name="Plov", recipe=[{"product": rice, "quantity": Decimal(100)}])
    stock_up(rice, 1000, actor=admin.user)
    kitchen.serve(meal=plov, portions=6, actor=admin.user)
    fan_out()  # the job those changes asked for, as the worker runs it: portions_changed, notifications
    stock.product_update(product=rice, minimum=Decimal(100), actor=admin.user)
    stock.adjust(product=rice, reason="waste", quantity=Decimal(-200), actor=admin.user)
    report = kitchen.build_variance_report(tenant=tenant, month=date.today(), now=timezone.now() + timedelta(days=40))
    alarms.acknowledge(alarm=report.alarm, actor=admin.user)
    kitchen.settings_update(tenant=tenant, variance_threshold_pct=Decimal(20), actor=admin.user)
    _, package = order_catalog(tenant=tenant)
    order, _ = orders.order_place(tenant=tenant, actor=admin.user, customer=admin.user, package=package, account="p")
    orders.dispatch(order.pk)  # completes at once: status_changed and pin_ready
    _, failing = order_catalog(tenant=tenant, simulation={"error_rate": 1}, error_alarm_threshold=1)
    order, _ = orders.order_place(tenant=tenant, actor=admin.user, customer=admin.user, package=failing, account="p")
    orders.dispatch(order.pk)  # one error is this provider's threshold: alarm.provider_errors
    branch = branch_factory(tenant=tenant)
    soap = shop_product(tenant=tenant)
    stock_up(soap, 10, actor=admin.user, branch=branch)
    sale, _ = shops.sale_record(
        tenant=tenant, branch=branch, actor=admin.user, lines=[{"product": soap, "quantity": 2}], payment_method="cash"
    )
    shops.sale_return(sale=sale, actor=admin.user)
    rent = ExpenseCategory.objects.get(tenant=tenant, name="Rent")
    expense = shops.expense_create(
        tenant=tenant,
        branch=branch,
        category=rent,
        amount=Decimal(900),
        currency="USD",
        spent_on=date.today(),
        actor=admin.user,
    )
    shops.expense_update(expense=expense, amount=Decimal(950), actor=admin.user)
    agent = member_factory(tenant=tenant, role=Role.AGENT).user
    fix = Fix(index=0, recorded_at=timezone.now(), lat=41.3, lon=69.2, accuracy=5.0, battery=80)
    tracking.record([tracking.Batch(tenant_id=tenant.pk, agent_id=agent.pk, fixes=[fix], source="live")])
    tracking.sweep_presence(now=timezone.now() + timedelta(hours=1))  # online -> offline
    client = clients.client_create(tenant=tenant, name="Shop", lat=41.3, lon=69.2, agents=[agent])
    planned = timezone.now()
    visit = visits.visit_create(tenant=tenant, actor=admin.user, agent=agent, client=client, planned_at=planned)
    visit = visits.check_in(visit=visit, actor=agent, lat=41.3081, lon=69.2, accuracy=5.0)  # ~900 m north
    visits.check_out(visit=visit, actor=agent, lat=None, lon=None, accuracy=None)
    other = visits.visit_create(tenant=tenant, actor=admin.user, agent=agent, client=client, planned_at=planned)
    visits.cancel(visit=other, actor=admin.user)
    # a territory the agent leaves and comes back to, and a client's zone entered and left
    square = [[[69.195, 41.295], [69.205, 41.295], [69.205, 41.305], [69.195, 41.305], [69.195, 41.295]]]
    district = Geofence(tenant=tenant, name="District", kind="territory", dwell_minutes=1)
    district.geometry = {"type": "Polygon", "coordinates": square}
    geofencing.geofence_save(geofence=district)
    start = timezone.now() - timedelta(hours=1)
    places = [(41.30, 69.20), (41.30, 69.20), (41.30, 69.21), (41.30, 69.20)]
    fixes = [Fix(index=n, recorded_at=start + timedelta(minutes=n), lat=a, lon=b) for n, (a, b) in enumerate(places)]
    walker = member_factory(tenant=tenant, role=Role.AGENT).user
    tracking.record([tracking.Batch(tenant_id=tenant.pk, agent_id=walker.pk, fixes=fixes, source="upload")])
    catalog.apply_changes(tenant=tenant, changes=catalog_batch())
    with simulated_1c(clients=5, products=5) as onec:
        connect(tenant, onec)
        onec.primary.down = onec.failover.down = True
        assert onec_services.run_exchange(tenant=tenant).status == "failed"  # the alarm
        onec.primary.down = onec.failover.down = False
        assert onec_services.run_exchange(tenant=tenant).status == "succeeded"  # cleared
        order, _ = catalog.place_order(
            membership=member_factory(tenant=tenant, role=Role.MANAGER),
            client_id=Client.objects.get(tenant=tenant, code="K-000000").pk,
            lines=[
                {
                    "product": CatalogProduct.objects.filter(code__startswith="P-", in_stock__gt=0).first().pk,
                    "quantity": "1",
                }
            ],
        )
        onec_services.send_field_order(order_id=order.pk)  # the journal's event
    with receiver() as gone:  # a receiver answering 410: alarm.webhook_failing
        gone.answers = [410]
        endpoint, _ = webhooks.endpoint_create(
            tenant=tenant, actor=admin.user, url=gone.url, event_types=["sale.recorded"]
        )
        shops.sale_record(
            tenant=tenant,
            branch=branch,
            actor=admin.user,
            lines=[{"product": soap, "quantity": 1}],
            payment_method="cash",
        )
        fan_out()
        webhooks.deliver_due(endpoint_id=endpoint.pk)
    fan_out()
    for pending in Notification.objects.filter(tenant=tenant, channel="http"):
        notify.send(pending.pk)
    # then every event is an envelope whose data matches its type's schema
    rows = list(OutboxEvent.objects.order_by("pk"))
    assert {r.type for r in rows} == set(shipped(EVENT_TYPES))
    for row in rows:
        event = envelope(row)
        for key in row.audience.get("sealed", []):  # what a recipient receives
            event["data"][key] = unseal(event["data"][key])
        jsonschema.validate(event, schema_for("envelope"))
        jsonschema.validate(event["data"], schema_for(f"event.{row.type}"))
