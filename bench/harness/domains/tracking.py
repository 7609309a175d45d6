"""Field agents' tracking for the benches: points, agents' states, tracker devices, tracks and the
daily partitions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection

from bench.harness import people
from core.models import Membership, Organization
from core.roles import Role
from domains.tracking import partitions, selectors, services
from domains.tracking.models import LocationPoint, Source

# The field's tables kept the names they had before the split into tracking, geofencing and trips.
POINT_TABLE = "locations_locationpoint"
STATE_TABLE = "locations_agentstate"


def agents(tenant: Organization, count: int) -> list[Membership]:
    """``count`` agents: those with history first (their states and tracks exist), then new ones."""
    have = people.existing(tenant.pk, Role.AGENT, count)
    return have + people.members(tenant, Role.AGENT, count - len(have))


def devices(tenant: Organization, count: int) -> list[str]:
    """``count`` tracker devices, each for an agent of its own; their tokens."""
    return [
        services.device_create(tenant=tenant, agent_id=m.user_id, name="bench", actor=m.user)[1]
        for m in people.members(tenant, Role.AGENT, count)
    ]


def live_points(tenant: Organization) -> int:
    """Points the phones' sockets and the trackers stored."""
    return LocationPoint.objects.filter(tenant=tenant, source=Source.LIVE).count()


@dataclass(frozen=True)
class History:
    """``total`` points of ``agents`` agents, ``per_day`` fixes an agent-day, in days ending
    the day before yesterday. The day is fixed when the plan is made: a run that crosses
    midnight reads the days it wrote."""

    total: int
    agents: int = 500
    per_day: int = 2500
    today: date = field(default_factory=lambda: datetime.now(UTC).date())

    @property
    def days(self) -> int:
        return max(1, self.total // (self.agents * self.per_day))

    @property
    def first(self) -> date:
        return self.today - timedelta(days=self.days + 1)

    @property
    def last(self) -> date:
        return self.first + timedelta(days=self.days - 1)


POINTS_SQL = f"""
    INSERT INTO {POINT_TABLE} (tenant_id, agent_id, recorded_at, received_at, lat, lon, accuracy, speed, heading,
                               battery, client_id, filtered, source)
    SELECT %s, a.id, ts, ts, 41.2 + a.n * 0.0004 + s * 0.00001, 69.2 + sin(s / 50.0) * 0.01,
           5, 1.4, 0, 80, '', '', 'upload'
    FROM bench_agents a,
         generate_series(0, %s - 1) AS s,
         LATERAL (SELECT %s::timestamptz + make_interval(secs => s * 12)) AS t(ts)
"""
STATES_SQL = f"""
    INSERT INTO {STATE_TABLE} (tenant_id, agent_id, recorded_at, lat, lon, accuracy, speed, heading, battery,
        newest_stored_at, last_fix_at, last_seen_at, presence, presence_since, points_accepted,
        points_filtered, held_trail, held_points, announced_at, updated_at)
    SELECT %s, a.id, ts, 41.2 + a.n * 0.0004, 69.2, 5, 1.4, 0, 80, ts, ts, ts, 'offline', ts, %s,
           '{{}}', '[]', 0, ts, ts
    FROM bench_agents a, LATERAL (SELECT %s::timestamptz + make_interval(secs => (%s - 1) * 12)) AS t(ts)
    ON CONFLICT (tenant_id, agent_id) DO NOTHING
"""


def history(tenant: Organization, plan: History) -> dict[str, Any]:
    """The points of ``plan`` (from 08:00 UTC, one every 12 s, a slow random walk), in daily
    partitions, and each agent's state as its last fix left it."""
    days, first, per_day = plan.days, plan.first, plan.per_day
    ids = [m.user_id for m in agents(tenant, plan.agents)]
    partitions.ensure(first + timedelta(days=d) for d in range(days + 2))
    began = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_agents (n int, id bigint)")
        cursor.executemany("INSERT INTO bench_agents VALUES (%s, %s)", list(enumerate(ids)))
        for d in range(days):
            cursor.execute(POINTS_SQL, [tenant.pk, per_day, f"{(first + timedelta(days=d)).isoformat()} 08:00:00+00"])
        last = f"{plan.last.isoformat()} 08:00:00+00"
        cursor.execute(STATES_SQL, [tenant.pk, days * per_day, last, per_day])
        cursor.execute("DROP TABLE bench_agents")
        cursor.execute(f"SELECT count(*) FROM {POINT_TABLE} WHERE tenant_id = %s", [tenant.pk])
        stored = cursor.fetchone()[0]
        cursor.execute(
            "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits"
            f" WHERE inhparent = '{POINT_TABLE}'::regclass"
        )
        size = cursor.fetchone()[0]
        cursor.execute(f"VACUUM ANALYZE {POINT_TABLE}")  # sets the visibility map, as autovacuum would
    return {
        "history_points": stored,
        "history_days": days,
        "history_size": (size or "0").replace(" ", ""),
        "generated_s": round(time.monotonic() - began),
    }


def agents_on(day: date, limit: int | None = None) -> list[int]:
    """The agents with points on ``day`` (read from its partition)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT agent_id FROM {partitions.name_for(day)}{f' LIMIT {int(limit)}' if limit else ''}"
        )
        return [row[0] for row in cursor.fetchall()]


def cluster_finished_days() -> int:
    """What ``locations.maintain`` does hourly: CLUSTER the finished days; how many it did."""
    clustered = 0
    while done := partitions.cluster_before(datetime.now(UTC).date(), limit=50):
        clustered += len(done)
    return clustered


def track(tenant: Organization, agent_id: int, day: date, tolerance_m: float | None = None) -> int:
    """One agent-day's track as the API answers it; its points."""
    since = datetime(day.year, day.month, day.day, tzinfo=UTC)
    options = {"tolerance_m": tolerance_m} if tolerance_m else {}
    answer = selectors.track(
        tenant_id=tenant.pk, agent_id=agent_id, since=since, until=since + timedelta(days=1), **options
    )
    return answer["count"]


def last_positions(tenant: Organization) -> int:
    """Every agent's last position, as the map's first frame asks for it; how many agents."""
    return len(selectors.agents_snapshot(tenant_id=tenant.pk))


def vacuum_hot_tables() -> None:
    """The rows every batch updates, as autovacuum would leave them between runs (this machine's
    PostgreSQL runs with it off: the hot rows' dead versions would pile up run after run)."""
    with connection.cursor() as cursor:
        for table in (STATE_TABLE, "realtime_outboxevent"):
            cursor.execute(f"VACUUM ANALYZE {table}")
