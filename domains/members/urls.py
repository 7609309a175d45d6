"""The members API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter

from domains.members.views import MemberViewSet, RolesView, TenantView

router = SimpleRouter(trailing_slash=True)
router.register("members", MemberViewSet, basename="member")

urlpatterns = [
    path("tenant/", TenantView.as_view(), name="tenant"),
    path("roles/", RolesView.as_view(), name="roles"),
    *router.urls,
]
