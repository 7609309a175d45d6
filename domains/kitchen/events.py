"""Events of the kitchen (topic ``kitchen``)."""

from __future__ import annotations

from typing import TypedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import words
from core.roles import roles_with
from realtime.events import event_type
from realtime.topics import topic

KITCHEN_TOPIC = topic("kitchen", capabilities=("kitchen.view",), description="Meals served and portions possible")

# Who served what, and the monthly figures, are analytics: cooks see portions only.
ANALYTICS_AUDIENCE = roles_with("analytics.view")


class MealServed(TypedDict):
    serving_id: int
    meal_id: int
    meal_name: str
    portions: int
    served_by: int
    served_at: str


class PortionsChanged(TypedDict):
    # [{"meal_id", "name", "portions", "version"}]: only meals whose count changed. A meal's
    # version grows with every change; keep the highest.
    meals: list


class MealChanged(TypedDict):
    meal_id: int
    name: str
    deleted: bool
    recipe: list  # [{"product_id", "quantity"}]


class ReportBuilt(TypedDict):
    report_id: int
    month: str
    complete: bool
    served: int
    possible: int
    difference_pct: str
    threshold_pct: str
    alarm_id: int | None


class SettingsChanged(TypedDict):
    variance_threshold_pct: str


MEAL_SERVED = event_type(
    "kitchen.meal_served",
    title=gettext_lazy("Meal served"),
    topic="kitchen",
    payload=MealServed,
    description="Portions of a meal were served and their ingredients left stock. Analytics roles only.",
    message=lambda data: (
        _("Served: %(portions)s × %(meal)s.") % {"portions": data["portions"], "meal": data["meal_name"]}  # noqa: RUF001
    ),
)
PORTIONS_CHANGED = event_type(
    "kitchen.portions_changed",
    title=gettext_lazy("Portions possible changed"),
    topic="kitchen",
    payload=PortionsChanged,
    description="Portions possible changed for these meals (only the meals a stock change affected).",
)
MEAL_CHANGED = event_type(
    "kitchen.meal_changed",
    title=gettext_lazy("Meal changed"),
    topic="kitchen",
    payload=MealChanged,
    description="A meal or its recipe was created, edited or deleted.",
)
REPORT_BUILT = event_type(
    "kitchen.report_built",
    title=gettext_lazy("Monthly kitchen report built"),
    topic="kitchen",
    payload=ReportBuilt,
    description="A monthly variance report was built. Analytics roles only.",
    message=lambda data: (
        _(
            "Kitchen report for %(month)s: %(served)s portions served, %(possible)s possible by the stock used "
            "(difference %(difference)s %%)."
        )
        % {
            "month": data["month"],
            "served": words.number(data["served"]),
            "possible": words.number(data["possible"]),
            "difference": words.number(data["difference_pct"], places=1),
        }
    ),
)
SETTINGS_CHANGED = event_type(
    "kitchen.settings_changed",
    title=gettext_lazy("Kitchen settings changed"),
    topic="kitchen",
    payload=SettingsChanged,
    description="The kitchen settings (variance threshold) changed.",
)
