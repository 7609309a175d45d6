# The field agents' shared fixtures (a manager, agents, a client).
from tests.fieldwork import field  # noqa: F401
