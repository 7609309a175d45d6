"""Members' door: what other domains may do to the organization's people (the 1C sync of agents)."""

from __future__ import annotations

from domains.members.services import agents_sync

__all__ = ["agents_sync"]
