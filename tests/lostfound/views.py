"""GET and POST /api/lostfound/items/."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.auth import TenantRequest
from core.serializers import StrictInput
from tests.lostfound import services
from tests.lostfound.models import Item


class ItemInput(StrictInput):
    description = serializers.CharField(max_length=200)
    valuable = serializers.BooleanField(required=False, default=False)


class ItemOutput(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "description", "valuable", "found_by", "found_at"]


class ItemsView(APIView):
    capabilities = {"get": "lostfound.view", "post": "lostfound.record"}

    def get(self, request: TenantRequest) -> Response:
        items = Item.objects.filter(tenant=request.tenant).order_by("-pk")[:100]
        return Response(ItemOutput(items, many=True).data)

    def post(self, request: TenantRequest) -> Response:
        data = ItemInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.item_log(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(ItemOutput(item).data, status=201)
