"""Clients' door: the client rows visits point at, who may see which client, and the photo
helpers (the abstract photo row, its wire formats and its checked save) that visits reuse."""

from __future__ import annotations

from domains.clients.models import Client, Photo, Reference, ReferenceKind
from domains.clients.selectors import visible_clients
from domains.clients.serializers import PHOTO_TYPES, AgentField, PhotoInput, PhotoOutput, ReferenceField
from domains.clients.services import photo_save

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
    "photo_save",
    "visible_clients",
]
