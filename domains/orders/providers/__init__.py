"""Provider adapters: one interface (``base.Adapter``), an HTTP JSON provider and a simulated one."""

from __future__ import annotations

from django.db.models import F

from core.secrets import unseal
from domains.orders.models import Provider, ProviderKind
from domains.orders.providers.base import Adapter
from domains.orders.providers.http import HttpAdapter
from domains.orders.providers.simulated import SimulatedProvider


def adapter_for(provider: Provider) -> Adapter:
    if provider.kind == ProviderKind.SIMULATED:
        return SimulatedProvider(provider.simulation)

    def count_failover(endpoint: str) -> None:
        Provider.objects.filter(pk=provider.pk).update(failovers=F("failovers") + 1)

    return HttpAdapter(
        base_url=provider.base_url,
        failover_url=provider.failover_url,
        auth_header=provider.auth_header,
        auth_token=unseal(provider.auth_token_sealed) if provider.auth_token_sealed else "",
        timeout_seconds=provider.timeout_seconds,
        on_failover=count_failover,
    )
