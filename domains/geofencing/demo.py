"""Demo fences for `make run`: the demo agent's district (a territory with working hours) and a
zone on the way. Seeded before tracking's demo route (INSTALLED_APPS order), which is judged
against them."""

from __future__ import annotations

from datetime import time

from core.demo import demo_username
from core.models import Organization, User
from core.roles import Role
from domains.geofencing import services
from domains.geofencing.models import Geofence, GeofenceKind

DISTRICT = "Yunusobod tumani"


def seed(tenant: Organization) -> None:
    if Geofence.all_objects.filter(tenant=tenant, name=DISTRICT).exists():
        return
    agent = User.objects.get(username=demo_username(Role.AGENT))
    # The demo agent's district (the morning's loop stays inside it) and a zone on the way.
    district = Geofence(
        tenant=tenant,
        name=DISTRICT,
        kind=GeofenceKind.TERRITORY,
        everyone=False,
        days=[0, 1, 2, 3, 4, 5],
        start_time=time(9, 0),
        end_time=time(18, 0),
        geometry={
            "type": "Polygon",
            "coordinates": [[[69.27, 41.305], [69.31, 41.305], [69.31, 41.33], [69.27, 41.33], [69.27, 41.305]]],
        },
    )
    services.geofence_save(geofence=district, agents=[agent.pk])
    bazaar = Geofence(tenant=tenant, name="Bozor", radius_m=150, dwell_minutes=10)
    bazaar.geometry = {"type": "Point", "coordinates": [69.2941, 41.3232]}
    services.geofence_save(geofence=bazaar)
