# The live-server fixtures of the realtime tests, for webhooks end to end.
from tests.realtime.conftest import server, server_factory  # noqa: F401
