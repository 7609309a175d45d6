"""OpenAPI extensions: describe our JWT authentication to drf-spectacular."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class TenantJWTScheme(SimpleJWTScheme):
    target_class = "core.auth.TenantJWTAuthentication"
    name = "jwtAuth"
