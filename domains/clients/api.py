"""Clients' door: the client rows visits point at, who may see which client, where clients are
(plain ``ClientPlace`` rows, for clients' zones and the nearest client to a stop), the sync from
1C, the photo row other domains' photos are built on with its checked save and delete, clients by
code and references by name. (A photo's wire format and content checks are core's: core.photos.)"""

from __future__ import annotations

from domains.clients.models import Client, Photo, Reference, ReferenceKind
from domains.clients.selectors import (
    ClientPlace,
    assigned_client_places,
    by_code,
    client_places_within,
    reference,
    visible_clients,
)
from domains.clients.services import client_update, clients_sync, photo_delete, photo_save

__all__ = [
    "Client",
    "ClientPlace",
    "Photo",
    "Reference",
    "ReferenceKind",
    "assigned_client_places",
    "by_code",
    "client_places_within",
    "client_update",
    "clients_sync",
    "photo_delete",
    "photo_save",
    "reference",
    "visible_clients",
]
