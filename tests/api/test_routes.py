"""The URLconf: only Oqim's own routes are served, and a path tries only its segment's routes."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, get_resolver, resolve, reverse

from core import urls


@pytest.mark.parametrize("path", ["/api/login/", "/api/password_reset/", "/api/reset/MQ/set-password/", "/api/logout/"])
def test_libraries_pages_are_not_served(client, path):  # type: ignore[no-untyped-def]
    # django.contrib.auth and DRF ship urls modules; mounted under /api/ they answered a
    # password-reset form and a 500 (no login template).
    answer = client.get(path)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def _tried(path: str) -> int:
    with pytest.raises(Resolver404) as missed:
        get_resolver().resolve(path)
    return len(missed.value.args[0]["tried"])


def test_a_path_tries_only_the_routes_of_its_first_segment():
    every = sum(1 for _ in _endpoints(urls.api))
    assert every > 100
    kitchen = sum(1 for _ in _endpoints([r for r in urls.api if str(r.pattern) == "kitchen/"]))
    # the root's few routes, one try per other API segment, and the kitchen's own
    assert _tried("/api/kitchen/nothing/") < 2 * len(urls.urlpatterns) + len(urls.api) + kitchen
    assert _tried("/api/kitchen/nothing/") < every / 2


def test_routes_keep_their_paths_and_names():
    assert reverse("tracker-osmand") == "/api/trackers/osmand/"
    assert resolve("/api/locations/agents/5/track/").kwargs == {"id": "5"}
    assert resolve("/api/auth/login/").url_name == "auth-login"
    assert resolve("/api/me/").url_name == "me"


def _endpoints(routes):  # type: ignore[no-untyped-def]
    for route in routes:
        if hasattr(route, "url_patterns"):
            yield from _endpoints(route.url_patterns)
        else:
            yield route
