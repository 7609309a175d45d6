"""The clients API's routes, mounted under /api/ by core.urls."""

from __future__ import annotations

from rest_framework.routers import SimpleRouter

from domains.clients.views import ClientPhotoViewSet, ClientViewSet, ReferenceViewSet

router = SimpleRouter(trailing_slash=True)
router.register("references", ReferenceViewSet, basename="reference")
# Before "clients": its {id} would otherwise swallow "photos".
router.register("clients/photos", ClientPhotoViewSet, basename="client-photo")
router.register("clients", ClientViewSet, basename="client")

urlpatterns = router.urls
