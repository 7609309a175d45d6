"""Wire formats for auth, the current user, the tenant and its members.

Input serializers inherit ``StrictInput``: an unknown or read-only field in a write is an
error with the field named, not silently dropped (a typo would otherwise look like success).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.decimals import QUANTITY
from core.models import Membership, Organization, User
from core.roles import Role, capabilities_of, has_capability
from core.timezones import local_today


class StrictInput(serializers.Serializer):
    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {}
            for key in data:
                if key in writable:
                    continue
                if key in self.fields:
                    errors[key] = [serializers.ErrorDetail(gettext("This field is read-only."), code="read_only")]
                else:
                    errors[key] = [serializers.ErrorDetail(gettext("Unknown field."), code="unknown_field")]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class LoginInput(StrictInput):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    tenant = serializers.SlugField(
        required=False, help_text="Organization slug; required only when the user belongs to several."
    )


class MeInput(StrictInput):
    language = serializers.ChoiceField(
        choices=[("", "not chosen"), *settings.LANGUAGES],
        allow_blank=True,
        help_text="uz, ru or en: the API answers and messages come in it; empty forgets the choice.",
    )


class TokenPairOutput(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    access_expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    tenant = serializers.SlugField()
    role = serializers.CharField()


class RefreshInput(StrictInput):
    refresh = serializers.CharField()


class TenantOutput(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "timezone", "created_at"]


class TenantUpdateInput(StrictInput):
    name = serializers.CharField(max_length=200, required=False)
    timezone = serializers.CharField(max_length=64, required=False)

    def validate_timezone(self, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError(gettext("Unknown time zone."), code="invalid_choice")
        return value


class MembershipBrief(serializers.ModelSerializer):
    tenant = TenantOutput()

    class Meta:
        model = Membership
        fields = ["tenant", "role"]


class MeOutput(serializers.ModelSerializer):
    email = serializers.CharField(read_only=True)  # may be "", which is not an email
    tenant = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    language = serializers.SerializerMethodField(
        help_text="The language chosen for answers and messages (uz, ru, en); empty: not chosen, the "
        "console's language or Accept-Language decide."
    )
    capabilities = serializers.SerializerMethodField()
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "tenant",
            "role",
            "language",
            "capabilities",
            "memberships",
        ]

    def _membership(self) -> Membership | None:
        return self.context.get("membership")

    def get_tenant(self, user: User) -> dict[str, Any] | None:
        membership = self._membership()
        return TenantOutput(membership.tenant).data if membership else None

    def get_role(self, user: User) -> str | None:
        membership = self._membership()
        return membership.role if membership else None

    def get_language(self, user: User) -> str:
        membership = self._membership()
        return membership.language if membership else ""

    def get_capabilities(self, user: User) -> list[str]:
        return capabilities_of(self.get_role(user))

    def get_memberships(self, user: User) -> list[dict[str, Any]]:
        return list(MembershipBrief(self.context.get("memberships", []), many=True).data)


class MemberOutput(serializers.ModelSerializer):
    user_id = serializers.IntegerField(source="user.id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    # Not EmailField: "" (no address) is a valid answer, and not an email.
    email = serializers.CharField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    is_active = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "onec_code",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def get_is_active(self, membership: Membership) -> bool:
        return membership.deleted_at is None


class MemberCreateInput(StrictInput):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(required=False, default="")
    first_name = serializers.CharField(max_length=150, required=False, default="")
    last_name = serializers.CharField(max_length=150, required=False, default="")


class MemberUpdateInput(StrictInput):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    onec_code = serializers.CharField(max_length=50, required=False, allow_blank=True, help_text="Empty clears it.")
    password = serializers.CharField(
        max_length=128,
        trim_whitespace=False,
        write_only=True,
        required=False,
        help_text="Set by an administrator, for a person who belongs to this organization alone.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(
                {"role": [gettext("Give a role, a 1C code or a password to change.")]}, code="required"
            )
        return attrs


class CapabilityOutput(serializers.Serializer):
    capability = serializers.CharField()
    allows = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class RoleOutput(serializers.Serializer):
    role = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named label: DRF moves it off the class


class RolesOutput(serializers.Serializer):
    roles = RoleOutput(many=True)
    capabilities = CapabilityOutput(many=True)


class HeaderValueField(serializers.RegexField):
    """A secret sent as an HTTP header's value (a token, an Authorization): printable ASCII, no
    line break, kept as typed. Anything else could not be sent (and a line break would add a header)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})["invalid"] = gettext_lazy(
            "Only printable ASCII characters (it is sent as an HTTP header)."
        )
        super().__init__(r"^[\x20-\x7e]*\Z", trim_whitespace=False, write_only=True, **kwargs)


class TenantPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A reference to a row of the caller's organization (``context["tenant"]``). Another
    tenant's id fails exactly like a missing one: its existence is not revealed.

    Rows a parent serializer looked up together beforehand (``look_up_together``) are taken from
    there: a list of lines naming products costs one query, not one per line."""

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return super().get_queryset().filter(tenant=self.context["tenant"])

    def to_internal_value(self, data: Any) -> Any:
        model = self.get_queryset().model  # builds a queryset, runs nothing
        known = self.context.get(KNOWN_ROWS, {}).get(model)
        key = _int_or_none(data)
        if known is None or key is None or key not in known:
            return super().to_internal_value(data)
        if known[key] is None:
            self.fail("does_not_exist", pk_value=data)
        return known[key]


KNOWN_ROWS = "known_rows"


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        key = int(value)
    except ValueError:
        return None
    return key if 0 < key < 2**63 else None  # a row id; anything else is the field's to refuse


def look_up_together(context: dict[str, Any], queryset: QuerySet, ids: Iterable[Any]) -> None:
    """Find the rows of ``queryset`` (of ``context["tenant"]``) with these ids in one query, for
    the ``TenantPrimaryKeyField`` s that will name them; ids that are not whole numbers are left
    for the field to refuse."""
    wanted = {key for key in map(_int_or_none, ids) if key is not None}
    if not wanted:
        return
    found = {row.pk: row for row in queryset.filter(tenant=context["tenant"], pk__in=wanted)}
    context.setdefault(KNOWN_ROWS, {})[queryset.model] = {key: found.get(key) for key in wanted}


class DateRangeInput(StrictInput):
    """``start``/``end`` query parameters of a chart: inclusive organization-local dates,
    the last 30 days by default, at most 366 days."""

    MAX_DAYS = 366

    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        end = attrs.get("end") or local_today(self.context["tenant"])
        start = attrs.get("start") or end - timedelta(days=29)
        if start > end:
            raise serializers.ValidationError({"start": [gettext("The start is after the end.")]}, code="invalid_range")
        if (end - start).days + 1 > self.MAX_DAYS:
            raise serializers.ValidationError(
                {"end": [gettext("A range covers at most %(days)s days.") % {"days": self.MAX_DAYS}]},
                code="range_too_long",
            )
        return {**attrs, "start": start, "end": end}


class SeriesPoint(serializers.Serializer):
    date = serializers.DateField()
    quantity = serializers.DecimalField(**QUANTITY)
    movements = serializers.IntegerField()


class ProductSeries(serializers.Serializer):
    product_id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    points = SeriesPoint(many=True)


class ProductSeriesOutput(serializers.Serializer):
    """A chart of quantities per product per day (deliveries, what servings took, ...)."""

    start = serializers.DateField()
    end = serializers.DateField()
    series = ProductSeries(many=True)


@extend_schema_field(OpenApiTypes.INT)
class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id of a live member of the caller's organization whose role holds ``capability``
    (an agent who can make visits, say); otherwise 400 with ``code`` and ``message`` on the field."""

    def __init__(self, *, capability: str, code: str, message: str, **kwargs: Any) -> None:
        self.capability, self.refusal = capability, code
        super().__init__(**kwargs)
        self.error_messages[code] = message

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return User.objects.filter(memberships__tenant=self.context["tenant"], memberships__deleted_at__isnull=True)

    def to_internal_value(self, data: Any) -> User:
        user = super().to_internal_value(data)
        role = (
            Membership.objects.filter(tenant=self.context["tenant"], user=user).values_list("role", flat=True).first()
        )
        if not has_capability(role, self.capability):
            self.fail(self.refusal)
        return user
