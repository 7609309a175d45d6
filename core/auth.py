"""JWT authentication bound to one tenant.

A token pair is issued for one membership: the ``tid`` claim names the tenant and ``sid`` the
login session. Every request looks the membership up again (from ``core.membership_cache``, which
any change of it drops), so a role change or deactivation takes effect at once; logout
blacklists the refresh token and marks the session revoked so the still-unexpired access tokens
of that session stop working too.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import jwt
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.core.cache import cache
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from core import membership_cache
from core.models import Membership, Organization, User

TENANT_CLAIM = "tid"
SESSION_CLAIM = "sid"
security_log = logging.getLogger("oqim.security")


@dataclass(frozen=True)
class Principal:
    """Who is calling and in which tenant; what REST and WebSocket auth both produce."""

    user: User
    membership: Membership | None


def issue_tokens(*, membership: Membership) -> RefreshToken:
    """A new login session for ``membership``; the access token is ``refresh.access_token``."""
    refresh = RefreshToken.for_user(membership.user)
    refresh[TENANT_CLAIM] = membership.tenant_id
    refresh[SESSION_CLAIM] = uuid.uuid4().hex
    # for_user recorded the token before it had its session: the family is found by it.
    OutstandingToken.objects.filter(jti=refresh[jwt_settings.JTI_CLAIM]).update(token=str(refresh))
    return refresh


def _revoked_key(session_id: str) -> str:
    return f"auth:revoked-session:{session_id}"


def revoke_session(refresh: RefreshToken) -> None:
    """Blacklist ``refresh`` and refuse every access token of its session from now on."""
    refresh.blacklist()
    session_id = refresh.get(SESSION_CLAIM)
    if session_id:
        ttl = int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds())
        cache.set(_revoked_key(session_id), True, timeout=ttl)


def session_revoked(token: Token) -> bool:
    return _revoked(token.get(SESSION_CLAIM))


def _revoked(session_id: str | None) -> bool:
    return bool(session_id) and cache.get(_revoked_key(str(session_id))) is not None


def load_membership(*, user_id: object, tenant_id: int | None) -> Membership | None:
    """The live membership with its user and tenant, in one query."""
    return None if tenant_id is None else membership_cache.load(user_id=user_id, tenant_id=tenant_id)


def authenticate_access_token(raw_token: str | bytes) -> Principal:
    """Validate an access token wherever it arrives (header, WebSocket frame).

    Raises ``AuthenticationFailed`` with code ``token_invalid``, ``token_revoked`` or
    ``user_inactive``.
    """
    return verify_access_token(raw_token)[0]


def verify_access_token(raw_token: str | bytes) -> tuple[Principal, AccessToken]:
    """``authenticate_access_token`` that also returns the token (its expiry and session)."""
    try:
        token = AccessToken(raw_token)  # type: ignore[arg-type]  # simplejwt annotates the raw token as Token
    except TokenError as exc:
        raise AuthenticationFailed(str(exc), code="token_invalid") from exc
    principal = principal_for(
        user_id=token.get(jwt_settings.USER_ID_CLAIM),
        tenant_id=token.get(TENANT_CLAIM),
        session_id=token.get(SESSION_CLAIM),
    )
    return principal, token


def principal_for(*, user_id: object, tenant_id: int | None, session_id: str | None) -> Principal:
    """The caller behind already verified claims, if their session and account still stand."""
    marks = [_revoked_key(str(session_id))] if session_id else []
    # Every request lands here: one cache round trip says whether the session was logged out and,
    # usually, who the member is (core.membership_cache); only a caller without a live
    # membership costs a query for the user.
    found, membership = membership_cache.lookup(marks, user_id=user_id, tenant_id=tenant_id)
    if marks and found.get(marks[0]) is not None:
        raise AuthenticationFailed(_("This session has been logged out."), code="token_revoked")
    user = membership.user if membership else User.objects.filter(pk=cast(Any, user_id)).first()
    if user is None or not user.is_active:
        raise AuthenticationFailed(_("User is inactive or gone."), code="user_inactive")
    return Principal(user=user, membership=membership)


def revoked_sessions(session_ids: list[str]) -> set[str]:
    """Which of these sessions were logged out: one cache round trip for many sockets."""
    found = cache.get_many([_revoked_key(sid) for sid in session_ids])
    return {sid for sid in session_ids if _revoked_key(sid) in found}


class TenantRequest(Request):
    """For type checkers: a request as views behind ``core.permissions`` see it, with what
    ``TenantJWTAuthentication`` attaches (the member's tenant and membership)."""

    user: User
    tenant: Organization
    membership: Membership


def answer_language(request: HttpRequest, membership: Membership | None) -> str:
    """The language to answer in: the console's choice on this device (its cookie), then the
    member's own, then the request's ``Accept-Language`` (what ``LocaleMiddleware`` found)."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen and translation.check_for_language(chosen):
        return translation.get_supported_language_variant(chosen)
    if membership is not None and membership.language:
        return membership.language
    return translation.get_language_from_request(request)


class TenantJWTAuthentication(JWTAuthentication):
    """DRF authentication: ``Authorization: Bearer <access>``; sets ``request.membership``
    and ``request.tenant`` (None when the user has no live membership in the token's tenant)."""

    def authenticate(self, request: Request) -> tuple[User, Any] | None:  # type: ignore[override]
        # ``request.auth`` is the raw token (bytes): the socket ticket view re-verifies it.
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            return None
        principal = authenticate_access_token(raw)
        authed = cast(TenantRequest, request)
        # None without a live membership: core.permissions then refuses the request.
        authed.membership = principal.membership  # type: ignore[assignment]
        authed.tenant = principal.membership.tenant if principal.membership else None  # type: ignore[assignment]
        if principal.membership is not None and principal.membership.language:
            # Known only now, after LocaleMiddleware: errors from here on speak the member's language.
            language = answer_language(request._request, principal.membership)
            translation.activate(language)
            request._request.LANGUAGE_CODE = language
        return principal.user, raw


def login(*, username: str, password: str, tenant_slug: str | None) -> tuple[Membership, RefreshToken]:
    """Check credentials and open a session in one tenant.

    Raises ``AuthenticationFailed`` (bad credentials), ``PermissionDenied`` (no membership there)
    or ``ValidationError`` (several memberships and no ``tenant`` chosen).
    """
    user = authenticate(username=username, password=password)
    if user is None:
        raise AuthenticationFailed(_("Invalid username or password."), code="invalid_credentials")
    memberships = list(Membership.objects.filter(user=user).select_related("tenant", "user"))
    if tenant_slug:
        memberships = [m for m in memberships if m.tenant.slug == tenant_slug]
    if not memberships:
        raise PermissionDenied(_("You have no active membership in this organization."), code="no_membership")
    if len(memberships) > 1:
        slugs = ", ".join(sorted(m.tenant.slug for m in memberships))
        raise ValidationError(
            {"tenant": [_("Choose the organization to sign in to: %(slugs)s.") % {"slugs": slugs}]}, code="required"
        )
    membership = memberships[0]
    update_last_login(User, user)
    return membership, issue_tokens(membership=membership)


def _live_session(raw_refresh: str) -> tuple[Membership, RefreshToken]:
    """The refresh token and its membership, if the session still stands: signature, expiry,
    blacklist, logout and a live, active membership."""
    try:
        refresh = RefreshToken(raw_refresh)  # type: ignore[arg-type]  # verifies signature, expiry, blacklist
    except TokenError as exc:
        claims = _genuine_claims(raw_refresh)
        if claims is not None and _rotated(claims):
            raise _reused(claims) from exc
        raise AuthenticationFailed(str(exc), code="token_invalid") from exc
    if session_revoked(refresh):
        raise AuthenticationFailed(_("This session has been logged out."), code="token_revoked")
    membership = load_membership(user_id=refresh.get(jwt_settings.USER_ID_CLAIM), tenant_id=refresh.get(TENANT_CLAIM))
    if membership is None or not membership.user.is_active:
        raise AuthenticationFailed(_("The membership behind this session has ended."), code="token_revoked")
    return membership, refresh


# Sent when a refresh token is used again after its rotation (OWASP's refresh-token reuse
# detection): its whole session has just been revoked. Arguments: user_id, tenant_id, session_id.
refresh_token_reused = Signal()


def _genuine_claims(raw_refresh: str) -> dict[str, Any] | None:
    """The claims of a refresh token Oqim signed and that has not expired; None otherwise."""
    try:
        claims = token_backend.decode(cast(Any, raw_refresh), verify=True)
    except TokenBackendError:
        return None
    return claims if claims.get(jwt_settings.TOKEN_TYPE_CLAIM) == "refresh" else None


def _rotated(claims: dict[str, Any]) -> bool:
    """Blacklisted because a newer token of its session replaced it; a logout blacklists without
    one. Judged from the database, so a lost cache never turns a logout into a theft."""
    jti, session_id = claims.get(jwt_settings.JTI_CLAIM), claims.get(SESSION_CLAIM)
    if not session_id or not BlacklistedToken.objects.filter(token__jti=jti).exists():
        return False
    newer = OutstandingToken.objects.filter(
        user_id=cast(Any, claims.get(jwt_settings.USER_ID_CLAIM)),
        created_at__gte=datetime.fromtimestamp(int(claims.get("iat", 0)), tz=UTC),
    ).exclude(jti=jti)
    return any(_session_of(row.token) == session_id for row in newer.only("token"))


def _reused(claims: dict[str, Any]) -> AuthenticationFailed:
    """A rotated refresh token came back: whoever used it first may be a thief. The session
    ends for everyone holding any of its tokens; its owner signs in again. Returns the 401."""
    refused = AuthenticationFailed(
        _("This refresh token was already used, so its session has been ended on every device. Sign in again."),
        code="token_reused",
    )
    session_id, user_id = claims.get(SESSION_CLAIM), claims.get(jwt_settings.USER_ID_CLAIM)
    if not session_id or _revoked(session_id):
        return refused
    cache.set(_revoked_key(session_id), True, timeout=int(jwt_settings.REFRESH_TOKEN_LIFETIME.total_seconds()))
    family = [
        row.pk
        for row in OutstandingToken.objects.filter(user_id=cast(Any, user_id), expires_at__gt=timezone.now())
        .exclude(blacklistedtoken__isnull=False)
        .only("pk", "token")
        if _session_of(row.token) == session_id
    ]
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token_id=pk) for pk in family],
        ignore_conflicts=True,  # type: ignore[misc]
    )
    security_log.warning(
        "refresh token reused: session revoked",
        extra={"user_id": user_id, "tenant_id": claims.get(TENANT_CLAIM), "refresh_tokens_revoked": len(family)},
    )
    # The session is ended whatever a receiver does: its failure is logged, never the answer.
    for receiver, failure in refresh_token_reused.send_robust(
        sender=RefreshToken, user_id=user_id, tenant_id=claims.get(TENANT_CLAIM), session_id=session_id
    ):
        if isinstance(failure, Exception):
            security_log.error("refresh token reuse not recorded", exc_info=failure, extra={"receiver": str(receiver)})
    return refused


def _session_of(raw: str) -> str | None:
    try:  # read from Oqim's own table: the signature was checked when it was issued
        return jwt.decode(raw, options={"verify_signature": False}).get(SESSION_CLAIM)
    except jwt.PyJWTError:
        return None


def refresh_session(raw_refresh: str) -> tuple[Membership, RefreshToken]:
    """Rotate a refresh token: the old one is blacklisted, the session continues.

    The membership is re-checked, so a deactivated member cannot keep refreshing.
    """
    membership, refresh = _live_session(raw_refresh)
    issued = OutstandingToken.objects.filter(jti=refresh[jwt_settings.JTI_CLAIM]).first()
    if issued is None:  # recorded nowhere yet: simplejwt records and blacklists it
        refresh.blacklist()
    elif not BlacklistedToken.objects.get_or_create(token=issued)[1]:
        raise _reused(refresh.payload)  # another request rotated it a moment ago: used twice
    refresh.set_jti()
    refresh.set_exp()
    refresh.set_iat()
    refresh.outstand()
    return membership, refresh


def logout(*, user: User, raw_refresh: str) -> None:
    """End the session of ``raw_refresh``; it must belong to ``user``."""
    try:
        refresh = RefreshToken(raw_refresh)  # type: ignore[arg-type]
    except TokenError as exc:
        raise AuthenticationFailed(str(exc), code="token_invalid") from exc
    if str(refresh.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise AuthenticationFailed(_("This refresh token belongs to another user."), code="token_invalid")
    revoke_session(refresh)


def access_for_session(raw_refresh: str) -> tuple[Membership, AccessToken]:
    """A fresh access token for the session behind ``raw_refresh``, which is not rotated.

    For the console, whose refresh token lives in an HttpOnly cookie shared by every tab: tabs
    that ask at the same moment must all succeed, which rotation would forbid. The same checks
    as ``refresh_session`` apply.
    """
    membership, refresh = _live_session(raw_refresh)
    return membership, refresh.access_token


def end_session(raw_refresh: str) -> None:
    """Log out the session behind ``raw_refresh`` whoever holds it (the console's cookie)."""
    try:
        refresh = RefreshToken(raw_refresh)  # type: ignore[arg-type]
    except TokenError:
        return  # expired, forged or already blacklisted: nothing left to end
    revoke_session(refresh)
