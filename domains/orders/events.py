"""Events of digital orders (topic ``orders``): staff see every order, a customer only their own."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.roles import roles_with
from realtime.events import event_type
from realtime.topics import topic

ORDERS_TOPIC = topic(
    "orders", capabilities=("orders.view_all", "orders.view_own"), description="Orders; customers see only their own"
)

STAFF_AUDIENCE = roles_with("orders.view_all")
PIN_AUDIENCE = roles_with("orders.view_pins")


class StatusChanged(TypedDict):
    order_id: int
    customer_id: int
    status: str
    previous_status: str | None
    version: int  # grows with every change of this order; keep the highest
    reason: str  # failure reason code, or ""
    message: str
    provider_reference: str | None
    at: str


class PinReady(TypedDict):
    order_id: int
    customer_id: int
    pin: str
    completed_at: str


STATUS_CHANGED = event_type(
    "order.status_changed",
    title=gettext_lazy("Order status changed"),
    topic="orders",
    payload=StatusChanged,
    description="An order was created or changed status. To staff with orders.view_all and to the order's customer.",
    message=lambda data: (
        {
            "created": _("Order #%(id)s placed."),
            "dispatched": _("Order #%(id)s was sent to the provider."),
            "processing": _("Order #%(id)s is being prepared by the provider."),
            "completed": _("Order #%(id)s is ready: the PIN is in the app."),
            "failed": _("Order #%(id)s failed: %(message)s"),
            "cancelled": _("Order #%(id)s was cancelled."),
        }.get(data["status"], _("Order #%(id)s changed."))
        % {"id": data["order_id"], "message": data["message"] or "—"}
    ),
)
PIN_READY = event_type(
    "order.pin_ready",
    title=gettext_lazy("PIN ready"),
    topic="orders",
    payload=PinReady,
    sealed=("pin",),
    description="The provider delivered the order's PIN. Only to the order's customer and to staff with "
    "orders.view_pins; the PIN is encrypted in the event store and opened per delivery.",
)
