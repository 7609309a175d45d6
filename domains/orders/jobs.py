"""The orders' job names: ``tasks`` defines the actors under them, ``services`` queues them by name,
so neither module imports the other's consumer."""

DISPATCH = "orders.dispatch"
CHECK = "orders.check"
SWEEP = "orders.sweep"
