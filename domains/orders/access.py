"""Who may order for whom."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.models import Membership, User
from core.roles import has_capability


def customer_for(membership: Membership, user: User, requested: int | None) -> User:
    """Customers order for themselves; staff who may manage orders may order for a member.
    ``user`` is the member's user (the request's)."""
    if requested is None or requested == user.pk:
        return user
    if not has_capability(membership.role, "orders.manage"):
        raise ValidationError({"customer": [gettext("You can only order for yourself.")]}, code="not_allowed")
    target = Membership.objects.filter(tenant_id=membership.tenant_id, user_id=requested).select_related("user").first()
    if target is None:
        raise ValidationError(
            {"customer": [gettext("No member of this organization has this id.")]}, code="does_not_exist"
        )
    return target.user
