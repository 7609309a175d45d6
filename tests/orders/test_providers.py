"""The HTTP JSON provider against a real HTTP server (the simulated provider served by
``simulate_provider``'s handler): the contract, failover, timeouts, refusals, idempotency."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from core.roles import Role
from domains.orders import services
from domains.orders.management.commands.simulate_provider import handler_for
from domains.orders.models import OrderStatus, ProviderKind
from domains.orders.providers import http
from domains.orders.providers.base import ProviderRejected, ProviderUnavailable, SubmitRequest
from domains.orders.providers.http import HttpAdapter
from domains.orders.providers.simulated import MemoryStore, SimulatedProvider
from tests.factories import member_factory, order_catalog
from tests.net import free_port


@pytest.fixture(autouse=True)
def _no_cooldown():
    http.COOLDOWNS.until.clear()
    yield
    http.COOLDOWNS.until.clear()


@pytest.fixture
def serve():  # type: ignore[no-untyped-def]
    servers = []

    def start(*, hang_seconds: float = 5, token: str = "", **knobs: float) -> tuple[str, MemoryStore]:
        store = MemoryStore()
        calm = {"delay_seconds": 0, "failure_rate": 0, "error_rate": 0, "timeout_rate": 0, **knobs}
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), handler_for(SimulatedProvider(calm, store=store), hang_seconds=hang_seconds, token=token)
        )
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}", store

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


REQUEST = SubmitRequest(key="order-1", product_code="game", package_code="gems", account="player", extra="")


def test_submit_lookup_and_status_speak_the_contract(serve):
    url, store = serve(token="Bearer t0k")
    adapter = HttpAdapter(base_url=url, auth_header="Authorization", auth_token="Bearer t0k", timeout_seconds=2)
    first = adapter.submit(REQUEST)
    assert first.status == "completed" and first.pin and first.reference.startswith("SIM-")
    again = adapter.submit(REQUEST)  # the idempotency key: the same order, not a second one
    assert (again.reference, again.pin) == (first.reference, first.pin)
    assert store.orders["count:created"] == "1" and store.orders["count:resubmitted"] == "1"
    assert adapter.lookup("order-1").reference == first.reference
    assert adapter.lookup("order-unknown") is None
    assert adapter.status(key="order-1", reference=first.reference).pin == first.pin
    with pytest.raises(ProviderRejected) as refused:
        HttpAdapter(base_url=url, timeout_seconds=2).submit(REQUEST)  # no credentials
    assert refused.value.http_status == 401
    with pytest.raises(ProviderRejected):
        adapter.submit(SubmitRequest(key="o2", product_code="g", package_code="p", account="invalid-9", extra=""))


def test_a_dead_primary_fails_over_and_the_switch_is_counted(serve):
    url, _ = serve()
    switches = []
    dead = f"http://127.0.0.1:{free_port()}"
    adapter = HttpAdapter(base_url=dead, failover_url=url, timeout_seconds=2, on_failover=switches.append)
    answer = adapter.submit(REQUEST)
    assert answer.endpoint == "failover" and answer.status == "completed"
    assert switches == ["failover"]
    # the primary is skipped while it cools down: no second connection error first
    assert adapter.status(key="order-1", reference=answer.reference).endpoint == "failover"
    assert switches == ["failover"]


def test_5xx_and_timeouts_are_transient_and_try_the_failover(serve):
    broken, _ = serve(error_rate=1)
    hanging, _ = serve(timeout_rate=1, hang_seconds=3)
    with pytest.raises(ProviderUnavailable) as error:
        HttpAdapter(base_url=broken, timeout_seconds=1).submit(REQUEST)
    assert error.value.http_status == 503 and error.value.endpoint == "primary"
    with pytest.raises(ProviderUnavailable, match="timed out"):
        HttpAdapter(base_url=hanging, timeout_seconds=1).submit(REQUEST)
    good, _ = serve()
    assert HttpAdapter(base_url=broken, failover_url=good, timeout_seconds=1).submit(REQUEST).endpoint == "failover"


@pytest.mark.django_db
def test_an_http_provider_order_through_failover_lands_in_the_timeline(serve, tenant):
    url, _ = serve()
    provider, package = order_catalog(
        tenant=tenant,
        kind=ProviderKind.HTTP,
        base_url=f"http://127.0.0.1:{free_port()}",
        failover_url=url,
        timeout_seconds=2,
    )
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    order, _ = services.order_place(tenant=tenant, actor=customer, customer=customer, package=package, account="p")
    order = services.dispatch(order.pk)
    assert order.status == OrderStatus.COMPLETED
    attempt = order.attempts.get()
    assert (attempt.endpoint, attempt.outcome, attempt.http_status) == ("failover", "completed", 200)
    provider.refresh_from_db()
    assert provider.failovers == 1


@pytest.mark.django_db
def test_a_redelivered_dispatch_looks_the_order_up_instead_of_sending_it_again(tenant):
    provider, package = order_catalog(tenant=tenant, simulation={"delay_seconds": 3600})
    customer = member_factory(tenant=tenant, role=Role.CUSTOMER).user
    order, _ = services.order_place(tenant=tenant, actor=customer, customer=customer, package=package, account="p")
    # a worker sent it, then died before recording the answer: the provider has it, we do not
    simulated = SimulatedProvider(provider.simulation)  # calm: no simulated 5xx or timeouts
    store = simulated.store
    simulated.submit(
        SubmitRequest(key=order.provider_key, product_code="game", package_code="gems100", account="p", extra="")
    )
    type(order).objects.filter(pk=order.pk).update(dispatch_attempts=1)
    before = store.get(order.provider_key)
    order = services.dispatch(order.pk)
    assert order.status in (OrderStatus.DISPATCHED, OrderStatus.PROCESSING) and order.provider_reference
    assert store.get(order.provider_key) == before  # looked up, not created again
    assert order.dispatch_attempts == 2
