from django.urls import path

from tests.lostfound.views import ItemsView

urlpatterns = [path("lostfound/items/", ItemsView.as_view(), name="lostfound-items")]
