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
