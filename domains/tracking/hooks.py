"""What a domain above tracking does with each batch's accepted fixes inside the transaction that
stores them, so that its events and alarms commit with the points: geofencing judges crossings
and the territory alarm this way.

A domain registers a hook with ``@on_accepted_fixes`` (through tracking's door) when its app is
ready. ``record`` calls every hook while the agents' state rows are locked, and emits what they
return with the points. Geofencing's memory of each agent (``AgentState.fences`` and
``fences_at``) lives on that locked row, written in the same statement as the rest of the state:
a table of its own would cost every batch another locked read and write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domains.tracking.fixes import Fix
from domains.tracking.models import AgentState


@dataclass(slots=True)
class AcceptedFixes:
    """One agent's fixes accepted by this batch (in any order), and geofencing's memory of the
    agent, which its hook updates in place."""

    tenant_id: int
    agent_id: int
    fixes: list[Fix]
    fences: dict[str, Any]  # the fences the agent is inside, by key
    fences_at: datetime | None  # the device time judged up to: older fixes are not judged again


Hook = Callable[[list[AcceptedFixes]], list[dict[str, Any]]]
_hooks: list[Hook] = []


def on_accepted_fixes(hook: Hook) -> Hook:
    """Register ``hook``: called with every batch's agents, it returns events for ``emit_many``."""
    if hook not in _hooks:
        _hooks.append(hook)
    return hook


def call_hooks(
    states: Mapping[tuple[int, int], AgentState], accepted: Mapping[tuple[int, int], list[Fix]]
) -> list[dict[str, Any]]:
    """Run the hooks over the agents' accepted fixes; the memory they leave goes back on the
    (locked) states, which the caller saves."""
    if not _hooks:
        return []
    agents = []
    for (tenant_id, agent_id), fixes in accepted.items():
        if fixes:
            state = states[(tenant_id, agent_id)]
            agents.append(AcceptedFixes(tenant_id, agent_id, fixes, state.fences, state.fences_at))
    events: list[dict[str, Any]] = []
    for hook in _hooks:
        events += hook(agents)
    for agent in agents:
        state = states[(agent.tenant_id, agent.agent_id)]
        state.fences, state.fences_at = agent.fences, agent.fences_at
    return events
