"""GPS breadcrumbs, each agent's live state, tracker apps' devices, and the tenant's field settings.

The tables keep the names the former ``locations`` app gave them (``Meta.db_table``).

``LocationPoint`` is the big table (docs/field.md). On PostgreSQL it is range-partitioned
by ``recorded_at``, one partition per UTC day (``domains.tracking.partitions``): a track
query touches one or two small partitions, and retention drops whole days instead of deleting
rows. Nothing references a point, and its tenant and agent columns carry no foreign-key
constraint: a point is an append-only audit record, and inserts stay cheap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Value

from core.tenancy import TenantOwned
from core.timezones import iso_z


class FieldSettings(models.Model):
    """Per-tenant knobs of check-in verification, breadcrumb filters and presence."""

    tenant = models.OneToOneField("core.Organization", on_delete=models.CASCADE, related_name="field_settings")
    checkin_radius_m = models.PositiveIntegerField(
        default=200,
        validators=[MinValueValidator(10), MaxValueValidator(50_000)],
        help_text="A check-in farther than this from the client is flagged out_of_range.",
    )
    filter_invalid = models.BooleanField(default=True, help_text="Drop fixes outside ±90/±180.")
    filter_zero = models.BooleanField(default=True, help_text="Drop fixes at exactly (0, 0).")
    filter_duplicate = models.BooleanField(
        default=True, help_text="Drop a fix with the same device time as the agent's previous one."
    )
    filter_future_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=300,
        validators=[MaxValueValidator(86_400)],
        help_text="Drop fixes recorded more than this ahead of the server clock (null: off).",
    )
    filter_accuracy_m = models.PositiveIntegerField(
        null=True, blank=True, default=150, help_text="Drop fixes whose accuracy is worse than this (null: off)."
    )
    filter_max_speed_kmh = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=250,
        help_text="Drop a fix implying a faster move than this from the previous one (null: off).",
    )
    idle_after_seconds = models.PositiveIntegerField(
        default=120, validators=[MinValueValidator(10)], help_text="No fix for this long: online becomes idle."
    )
    offline_after_seconds = models.PositiveIntegerField(
        default=600,
        validators=[MinValueValidator(30)],
        help_text="No fix and no socket activity for this long: offline.",
    )
    live_interval_ms = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(60_000)],
        help_text=(
            "Dashboards get an agent's position at most once per interval, faster fixes coalesced into its trail "
            "(0: with every batch; each event carries many agents anyway)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "locations_fieldsettings"  # the table as the former locations app made it

    def __str__(self) -> str:
        return f"field settings of {self.tenant_id}"


class FilterReason(models.TextChoices):
    INVALID = "invalid", "Coordinates out of range"
    ZERO = "zero", "At (0, 0)"
    DUPLICATE = "duplicate", "Same device time as the previous fix"
    FUTURE = "future", "Recorded in the future"
    ACCURACY = "accuracy", "Accuracy too poor"
    SPEED = "speed", "Implausible speed"


class Source(models.TextChoices):
    LIVE = "live", "WebSocket"
    UPLOAD = "upload", "REST batch upload"
    OSMAND = "osmand", "OsmAnd / Traccar Client"
    OWNTRACKS = "owntracks", "OwnTracks"


class LocationPoint(models.Model):
    """One fix as the phone reported it. ``filtered`` is empty for points in the track; filtered
    points are stored too, with their reason, for the audit."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(
        "core.Organization", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    recorded_at = models.DateTimeField(help_text="Device time of the fix.")
    received_at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True, help_text="Metres.")
    speed = models.FloatField(null=True, blank=True, help_text="Metres per second, as reported.")
    heading = models.FloatField(null=True, blank=True, help_text="Degrees from north.")
    battery = models.SmallIntegerField(null=True, blank=True, help_text="Percent.")
    altitude = models.FloatField(null=True, blank=True, help_text="Metres.")
    client_id = models.CharField(max_length=64, blank=True, default="", help_text="The phone's id for the point.")
    filtered = models.CharField(max_length=16, choices=FilterReason.choices, blank=True, default="")
    source = models.CharField(max_length=12, choices=Source.choices)
    attributes = models.JSONField(null=True, blank=True, help_text="What a tracker app sent besides the fix.")

    class Meta:
        db_table = "locations_locationpoint"  # partitioned by day on PostgreSQL (partitions.py)
        # The dedupe key, and the index every track and per-day query walks.
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "agent", "recorded_at", "client_id"], name="locations_point_unique_fix"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id}@{self.recorded_at:%Y-%m-%d %H:%M:%S} ({self.lat}, {self.lon})"


class Presence(models.TextChoices):
    ONLINE = "online", "Online"
    IDLE = "idle", "Idle"
    OFFLINE = "offline", "Offline"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The agent's newest accepted fix, as ``AgentState`` keeps it.
FIX_FIELDS = ("recorded_at", "lat", "lon", "accuracy", "speed", "heading", "battery")


class AgentState(models.Model):
    """One agent's live state in one tenant: the newest accepted fix, when they were last heard
    from, presence, and audit counters. Locked while that agent's points are recorded."""

    tenant = models.ForeignKey("core.Organization", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True, help_text="Device time of the newest accepted fix.")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy = models.FloatField(null=True, blank=True)
    speed = models.FloatField(null=True, blank=True)
    heading = models.FloatField(null=True, blank=True)
    battery = models.SmallIntegerField(null=True, blank=True)
    newest_stored_at = models.DateTimeField(
        null=True, blank=True, help_text="Device time of the newest point stored, filtered or not."
    )
    last_fix_at = models.DateTimeField(null=True, blank=True, help_text="Server time a fix last arrived.")
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="Server time of the last socket activity.")
    presence = models.CharField(max_length=8, choices=Presence.choices, default=Presence.OFFLINE)
    presence_since = models.DateTimeField(null=True, blank=True)
    points_accepted = models.BigIntegerField(default=0)
    points_filtered = models.JSONField(default=dict, help_text="Filtered points by reason.")
    # Live coalescing: accepted fixes not yet announced to dashboards, and when the last
    # announcement went out (``FieldSettings.live_interval_ms``).
    held_trail = models.JSONField(default=list)
    # Geofencing's memory of the agent (hooks.py): the fences they are inside ({key: {"since",
    # "dwelt"}}) as of the fix judged last; a fix from before ``fences_at`` (late, repeated, an
    # offline batch's older part) is not judged. Kept here so it is locked and written with the
    # rest of the state, in the same statement.
    fences = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()))
    fences_at = models.DateTimeField(null=True, blank=True)
    held_points = models.PositiveIntegerField(default=0)
    announced_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "locations_agentstate"
        constraints = [models.UniqueConstraint(fields=["tenant", "agent"], name="locations_agentstate_unique")]
        indexes = [models.Index(fields=["presence", "tenant"], name="locations_state_presence")]

    def __str__(self) -> str:
        return f"agent {self.agent_id}@{self.tenant_id}: {self.presence}"

    def presence_at(self, rules: FieldSettings, now: datetime) -> str:
        """Online while fixes keep coming; idle once they stop but the agent was heard from (a
        fix or socket activity) within ``offline_after_seconds``; offline after that."""
        last_fix = self.last_fix_at or _EPOCH
        heard = max(last_fix, self.last_seen_at or _EPOCH)
        if now - last_fix < timedelta(seconds=rules.idle_after_seconds):
            return Presence.ONLINE
        if now - heard < timedelta(seconds=rules.offline_after_seconds):
            return Presence.IDLE
        return Presence.OFFLINE

    def last_fix(self) -> dict[str, Any]:
        """The agent's last position as events and snapshots carry it."""
        return {
            "recorded_at": iso_z(self.recorded_at),
            "lat": self.lat,
            "lon": self.lon,
            "accuracy": self.accuracy,
            "speed": self.speed,
            "heading": self.heading,
            "battery": self.battery,
        }


class Device(TenantOwned):
    """A tracker app on an agent's phone (Traccar Client, OsmAnd, OwnTracks). The app sends its
    token with each point; only the token's SHA-256 is kept, so it is shown once, at creation."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(max_length=8, help_text="The token's last characters, to tell devices apart.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "locations_device"
        ordering = ["-id"]
        indexes = [models.Index(fields=["tenant", "agent", "-id"], name="locations_device_agent")]
