"""REST endpoints of notifications: the organization's channels and rules (admins), one's own
preferences and Telegram link (every member), and the log of messages sent."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import filters
from core.errors import Conflict
from core.viewsets import TenantScopedViewSet
from domains.notifications import selectors, services
from domains.notifications.models import Channel, HttpGateway, Notification, Rule, State
from domains.notifications.serializers import (
    FollowableOutput,
    GatewayInput,
    GatewayOutput,
    LinkOutput,
    NotificationOutput,
    PreferenceInput,
    PreferenceOutput,
    RuleInput,
    RuleOutput,
    TelegramBotInput,
    TelegramBotOutput,
)

TAGS = ["notifications"]


class TelegramBotView(APIView):
    """The organization's Telegram bot: connect it with its token (checked with Telegram,
    stored sealed, never shown again), see its name, disconnect it."""

    capabilities = {"get": "notifications.manage", "put": "notifications.manage", "delete": "notifications.manage"}

    @extend_schema(responses={200: TelegramBotOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        bot = selectors.bot_of(tenant=request.tenant)
        return Response({"connected": bot is not None, "username": bot.username if bot else ""})

    @extend_schema(request=TelegramBotInput, responses={200: TelegramBotOutput}, tags=TAGS)
    def put(self, request: Request) -> Response:
        data = TelegramBotInput(data=request.data)
        data.is_valid(raise_exception=True)
        bot = services.telegram_connect(tenant=request.tenant, **data.validated_data)
        return Response({"connected": True, "username": bot.username})

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        services.telegram_disconnect(tenant=request.tenant)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GatewayView(APIView):
    """The SMS gateway: a POST template with {phone} and {message} (as Traccar's sms.http);
    ``configured`` is false until one is saved."""

    capabilities = {"get": "notifications.manage", "put": "notifications.manage", "delete": "notifications.manage"}

    @extend_schema(responses={200: GatewayOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        gateway = selectors.gateway_of(tenant=request.tenant) or HttpGateway(tenant=request.tenant, url="", body="")
        return Response(GatewayOutput(gateway).data)

    @extend_schema(request=GatewayInput, responses={200: GatewayOutput}, tags=TAGS)
    def put(self, request: Request) -> Response:
        data = GatewayInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(GatewayOutput(services.gateway_save(tenant=request.tenant, **data.validated_data)).data)

    @extend_schema(responses={204: None}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        services.gateway_delete(tenant=request.tenant)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FollowableView(APIView):
    """The events a rule may follow, with their names in the reader's language."""

    capabilities = {"get": "notifications.manage"}

    @extend_schema(responses={200: FollowableOutput(many=True)}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(FollowableOutput(selectors.followable_event_types(), many=True).data)


class MyPreferencesView(APIView):
    """One's own language, quiet hours (messages wait until they end), channels and addresses."""

    capabilities = {"get": "notifications.own", "patch": "notifications.own"}

    @extend_schema(responses={200: PreferenceOutput}, tags=TAGS)
    def get(self, request: Request) -> Response:
        return Response(PreferenceOutput(services.preference_for(tenant_id=request.tenant.pk, user=request.user)).data)

    @extend_schema(request=PreferenceInput, responses={200: PreferenceOutput}, tags=TAGS)
    def patch(self, request: Request) -> Response:
        data = PreferenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        preference = services.preference_for(tenant_id=request.tenant.pk, user=request.user)
        return Response(PreferenceOutput(services.preference_update(preference=preference, **data.validated_data)).data)


class MyTelegramView(APIView):
    """Link a Telegram chat: POST gives a one-time link (15 minutes) that opens the bot with a
    code; the chat is linked once the member presses Start. DELETE unlinks."""

    capabilities = {"post": "notifications.own", "delete": "notifications.own"}

    @extend_schema(request=None, responses={201: LinkOutput}, tags=TAGS)
    def post(self, request: Request) -> Response:
        if selectors.bot_of(tenant=request.tenant) is None:
            raise Conflict(gettext("The organization has no Telegram bot yet."), code="no_bot")
        code, url, expires_at = services.link_code_create(tenant=request.tenant, user=request.user)
        return Response(LinkOutput({"code": code, "url": url, "expires_at": expires_at}).data, status=201)

    @extend_schema(responses={200: PreferenceOutput}, tags=TAGS)
    def delete(self, request: Request) -> Response:
        preference = services.preference_for(tenant_id=request.tenant.pk, user=request.user)
        return Response(PreferenceOutput(services.telegram_unlink(preference=preference)).data)


@extend_schema(tags=TAGS)
class RuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantScopedViewSet):
    """Which events go to whom over which channels. A member gets one message per event and
    channel however many rules match."""

    serializer_class = RuleOutput
    capabilities = {a: "notifications.manage" for a in ("list", "retrieve", "create", "update", "destroy")}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.rule_list(tenant=self.request.tenant)

    @extend_schema(request=RuleInput, responses={201: RuleOutput})
    def create(self, request: Request) -> Response:
        data = RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        rule = services.rule_save(tenant=request.tenant, **data.validated_data)
        return Response(RuleOutput(rule).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RuleInput, responses={200: RuleOutput})
    def update(self, request: Request, pk: str | None = None) -> Response:
        rule = self.get_object()
        data = RuleInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RuleOutput(services.rule_save(tenant=request.tenant, rule=rule, **data.validated_data)).data)

    def perform_destroy(self, instance: Rule) -> None:
        services.rule_delete(rule=instance)


class NotificationFilter(filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)

    class Meta:
        model = Notification
        fields = ["state", "channel", "user", "event_type"]


@extend_schema(tags=TAGS)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantScopedViewSet):
    """The log of messages, newest first: each one's state, attempts and last error."""

    serializer_class = NotificationOutput
    filterset_class = NotificationFilter
    capabilities = {"list": "notifications.manage", "retrieve": "notifications.manage"}

    def get_tenant_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.notification_log(tenant=self.request.tenant)
