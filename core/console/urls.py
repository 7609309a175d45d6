from pathlib import Path

from django.apps import apps
from django.urls import path
from django.views.i18n import JavaScriptCatalog

from core.console import views

# Every app with translations of its own (its pages' strings among them), served to the page at once.
TRANSLATED = [config.name for config in apps.get_app_configs() if (Path(config.path) / "locale").is_dir()]

urlpatterns = [
    path("", views.home, name="console-home"),
    path("console/login/", views.login_page, name="console-login"),
    path("console/logout/", views.logout_view, name="console-logout"),
    path("console/session/", views.session_token, name="console-session"),
    path("console/jsi18n/", JavaScriptCatalog.as_view(packages=TRANSLATED), name="console-jsi18n"),
    path("console/<slug:slug>/", views.page_view, name="console-page"),
]
