"""The OpenAPI schema and Swagger UI: public, served from local files (no CDN)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.permissions import PUBLIC


class SchemaView(SpectacularAPIView):
    authentication_classes: list = []
    capabilities = {"get": PUBLIC}


class SwaggerView(SpectacularSwaggerView):
    authentication_classes: list = []
    capabilities = {"get": PUBLIC}
