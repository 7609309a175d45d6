from django.urls import path
from django.views.i18n import JavaScriptCatalog

from core.console import views

urlpatterns = [
    path("", views.home, name="console-home"),
    path("console/login/", views.login_page, name="console-login"),
    path("console/logout/", views.logout_view, name="console-logout"),
    path("console/session/", views.session_token, name="console-session"),
    path("console/jsi18n/", JavaScriptCatalog.as_view(packages=["core"]), name="console-jsi18n"),
    path("console/<slug:slug>/", views.page_view, name="console-page"),
]
