"""One permission class for every endpoint: the view names a capability per action.

``PUBLIC`` and ``AUTHENTICATED`` are the only non-role requirements. Anything unnamed is refused,
so a new action is closed until someone decides who may use it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

if TYPE_CHECKING:
    from rest_framework.views import APIView

from core.roles import has_capability

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def required_capability(view: APIView, request: Request) -> str | tuple[str, ...] | None:
    """The capability an action needs, or a tuple of capabilities any one of which will do."""
    key = getattr(view, "action", None) or str(request.method).lower()
    if key == "head":
        key = "get"
    mapping: dict[str, str | tuple[str, ...]] = getattr(view, "capabilities", {}) or {}
    return mapping.get(key)


class HasCapability(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        if str(request.method).upper() not in view.allowed_methods:
            return True  # let the view answer 405, which reveals nothing
        required = required_capability(view, request)
        if required == PUBLIC:
            return True
        if request.user is None or not request.user.is_authenticated:
            raise NotAuthenticated()
        if required == AUTHENTICATED:
            return True
        membership = getattr(request, "membership", None)
        if membership is None:
            raise PermissionDenied(gettext("You have no active membership in this organization."), code="no_membership")
        needed = (required,) if isinstance(required, str) else tuple(required or ())
        if not any(has_capability(membership.role, capability) for capability in needed):
            raise PermissionDenied(
                gettext("Your role may not do this (%(needed)s).") % {"needed": " / ".join(needed) or "—"},
                code="permission_denied",
            )
        return True
