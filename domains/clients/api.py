"""Clients' door: the client rows visits point at, who may see which client, the sync from
1C, and the photo helpers (the abstract photo row, its wire formats, its checked save and
delete, the content sniffer)."""

from __future__ import annotations

from domains.clients.models import Client, Photo, Reference, ReferenceKind
from domains.clients.selectors import visible_clients
from domains.clients.serializers import (
    PHOTO_TYPES,
    AgentField,
    PhotoInput,
    PhotoOutput,
    ReferenceField,
    sniff_image,
)
from domains.clients.services import client_update, clients_sync, photo_delete, photo_save

__all__ = [
    "PHOTO_TYPES",
    "AgentField",
    "Client",
    "Photo",
    "PhotoInput",
    "PhotoOutput",
    "Reference",
    "ReferenceField",
    "ReferenceKind",
    "client_update",
    "clients_sync",
    "photo_delete",
    "photo_save",
    "sniff_image",
    "visible_clients",
]
