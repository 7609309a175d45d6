"""Connections to the Redis deployment, in one place: a single server or a Sentinel-guarded one.

``REDIS_URL`` names one server. With ``REDIS_SENTINELS`` the master is found through Sentinel
instead, and found again after a failover: each new connection asks Sentinel, and a connection
that fails is dropped, so the next command reaches the promoted replica. ``REDIS_URL`` then only
gives the user, password and database number. The event streams may live on a Redis Cluster of
their own (``REALTIME_REDIS_CLUSTER``, ``realtime.redis_streams``); everything else uses this.
"""

from __future__ import annotations

from typing import Any

import redis
import redis.asyncio
import redis.asyncio.sentinel
import redis.sentinel
from django.conf import settings

from core.config import parse_nodes, url_options


def sentinel_enabled() -> bool:
    return bool(settings.REDIS_SENTINELS)


def _sentinel_kwargs(timeout: float) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if settings.REDIS_SENTINEL_PASSWORD:
        kwargs["password"] = settings.REDIS_SENTINEL_PASSWORD
    return kwargs


def _master(sentinel_class: type, options: dict[str, Any]) -> Any:
    """The master's client through Sentinel: each new connection asks it where the master is."""
    sentinel = sentinel_class(
        parse_nodes(settings.REDIS_SENTINELS),
        sentinel_kwargs=_sentinel_kwargs(options["socket_connect_timeout"]),
        **options,
    )
    return sentinel.master_for(settings.REDIS_SENTINEL_MASTER, **url_options(settings.REDIS_URL))


def client(
    *, decode_responses: bool = False, socket_timeout: float | None = 5.0, connect_timeout: float = 5.0, **extra: Any
) -> Any:
    """A synchronous client of the current master."""
    options = {
        "decode_responses": decode_responses,
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": connect_timeout,
        **extra,
    }
    if not sentinel_enabled():
        return redis.Redis.from_url(settings.REDIS_URL, **options)
    return _master(redis.sentinel.Sentinel, options)


def async_client(*, decode_responses: bool = False, connect_timeout: float = 5.0, **extra: Any) -> Any:
    """An asyncio client of the current master (bound to the running event loop once used)."""
    options = {"decode_responses": decode_responses, "socket_connect_timeout": connect_timeout, **extra}
    if not sentinel_enabled():
        return redis.asyncio.Redis.from_url(settings.REDIS_URL, **options)
    return _master(redis.asyncio.sentinel.Sentinel, options)


class SentinelCachePool:
    """``pool_class`` for Django's Redis cache: it builds pools ``from_url``, Sentinel's are built
    from the master's name."""

    @classmethod
    def from_url(cls, url: str, **options: Any) -> Any:
        timeout = options.get("socket_connect_timeout", 5.0)
        sentinel = redis.sentinel.Sentinel(
            parse_nodes(settings.REDIS_SENTINELS), sentinel_kwargs=_sentinel_kwargs(timeout)
        )
        return redis.sentinel.SentinelConnectionPool(
            settings.REDIS_SENTINEL_MASTER, sentinel, **{**url_options(url), **options}
        )
