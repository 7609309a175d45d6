"""Who is on a socket: from a short-lived ticket or an access token, and re-checked while open."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from core.auth import SESSION_CLAIM, TENANT_CLAIM, Principal, principal_for, verify_access_token
from core.models import Membership
from core.roles import has_capability


@dataclass(frozen=True)
class Identity:
    user_id: int
    tenant_id: int
    membership_id: int
    role: str
    session_id: str
    expires_at: float  # epoch seconds: the credential's expiry; an ``auth`` frame extends it


def _identity(principal: Principal, *, session_id: str, expires_at: float) -> Identity:
    membership = principal.membership
    if membership is None:
        raise PermissionDenied(_("You have no active membership in this organization."), code="no_membership")
    if not has_capability(membership.role, "realtime.connect"):
        raise PermissionDenied(_("Your role may not open the live socket."), code="permission_denied")
    return Identity(
        user_id=principal.user.pk,
        tenant_id=membership.tenant_id,
        membership_id=membership.pk,
        role=membership.role,
        session_id=session_id,
        expires_at=expires_at,
    )


def from_access_token(raw: str) -> Identity:
    """Raises ``AuthenticationFailed`` (bad/expired/revoked) or ``PermissionDenied``."""
    principal, token = verify_access_token(raw)
    return _identity(principal, session_id=token.get(SESSION_CLAIM, ""), expires_at=float(token["exp"]))


def _ticket_key(ticket: str) -> str:
    return f"realtime:ticket:{ticket}"


def ticket_issue(*, raw_access_token: str | bytes) -> tuple[str, int]:
    """A single-use ticket for ``/ws/?ticket=...`` worth the caller's access token, for a few
    seconds: the token itself never appears in a URL (and so in no access log)."""
    _, token = verify_access_token(raw_access_token)
    ticket = secrets.token_urlsafe(32)
    ttl = settings.REALTIME_TICKET_TTL_SECONDS
    claims = {
        "user_id": token.get(jwt_settings.USER_ID_CLAIM),
        "tenant_id": token.get(TENANT_CLAIM),
        "session_id": token.get(SESSION_CLAIM, ""),
        "expires_at": float(token["exp"]),
    }
    cache.set(_ticket_key(ticket), claims, timeout=ttl)
    return ticket, ttl


def from_ticket(ticket: str) -> Identity:
    key = _ticket_key(ticket)
    claims: dict[str, Any] | None = cache.get(key)
    # delete() is true for exactly one caller: a ticket replayed concurrently opens one socket.
    if claims is None or not cache.delete(key):
        raise AuthenticationFailed(_("Unknown, used or expired ticket."), code="ticket_invalid")
    principal = principal_for(
        user_id=claims["user_id"], tenant_id=claims["tenant_id"], session_id=claims["session_id"] or None
    )
    return _identity(principal, session_id=claims["session_id"], expires_at=claims["expires_at"])


def current_roles(membership_ids: list[int]) -> dict[int, str]:
    """The live role of each membership that still stands (with an active user); one query."""
    return dict(
        Membership.objects.alive().filter(pk__in=membership_ids, user__is_active=True).values_list("pk", "role")
    )
