"""Creating people and organizations (the CLI, the demo, the members domain). These emit no events:
nobody can be subscribed to an organization or a user that did not exist.

Changes to an organization and its members, which do emit, live in ``domains.members.services``."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext
from rest_framework.exceptions import ValidationError

from core.models import Membership, Organization, User
from core.roles import Role


def _validated_password(password: str, *, user: User) -> str:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": list(exc.messages)}, code="password_invalid") from exc
    return password


def user_create(*, username: str, password: str, email: str = "", first_name: str = "", last_name: str = "") -> User:
    """A new person. Usernames are global; passwords pass Django's validators."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": [gettext("This username is taken.")]}, code="unique")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_password(_validated_password(password, user=user))
    user.save()
    return user


def set_password(user: User, password: str) -> None:
    """A new password that passes Django's validators (sessions signed in before keep their tokens
    until these expire)."""
    user.set_password(_validated_password(password, user=user))
    user.save(update_fields=["password"])


@transaction.atomic
def tenant_create(
    *, name: str, slug: str = "", admin_username: str, admin_password: str, admin_email: str = ""
) -> tuple[Organization, Membership]:
    """An organization and its first administrator, all or nothing."""
    slug = slug or slugify(name)
    if not slug:
        raise ValidationError({"slug": [gettext("A slug is required.")]}, code="required")
    if Organization.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": [gettext("An organization with this slug exists.")]}, code="unique")
    tenant = Organization.objects.create(name=name, slug=slug)
    admin = user_create(username=admin_username, password=admin_password, email=admin_email)
    membership = Membership.objects.create(tenant=tenant, user=admin, role=Role.ADMIN)
    return tenant, membership


def language_choose(membership: Membership, language: str) -> Membership:
    """The member's language for the API's answers and the messages they get ("" forgets it).
    A personal setting, like notification quiet hours: no event."""
    membership.language = language
    membership.save(update_fields=["language", "updated_at"])
    return membership
