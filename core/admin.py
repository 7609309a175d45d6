from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from core.models import Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["tenant", "role", "deleted_at"]


@admin.register(User)
class OqimUserAdmin(UserAdmin):
    inlines = [MembershipInline]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "tenant", "role", "deleted_at", "created_at"]
    list_filter = ["role", "tenant"]
    search_fields = ["user__username", "tenant__slug"]
    raw_id_fields = ["user"]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return Membership.all_objects.select_related("user", "tenant")


class DomainRowAdmin(admin.ModelAdmin):
    """A domain's rows as an operator looks them up: read only, because every change goes through
    the domain's services (its ledger, audit and events written together); sealed fields hidden."""

    def get_list_filter(self, request):  # type: ignore[no-untyped-def]
        return ["tenant"] if any(f.name == "tenant" for f in self.model._meta.fields) else []

    def get_exclude(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields if f.name.endswith("_sealed")]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


def register_rows(*models: type) -> None:
    """Show a domain's models in the admin, read only (from the domain's own ``admin.py``)."""
    for model in models:
        admin.site.register(model, DomainRowAdmin)
