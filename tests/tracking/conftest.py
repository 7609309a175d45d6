# The field agents' shared fixtures (a manager, agents, a client) and the live-server fixtures.
from tests.fieldwork import field, server, server_factory  # noqa: F401
