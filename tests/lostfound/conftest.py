# The live-server fixtures of the realtime tests, for its live event end to end.
from tests.realtime.conftest import server, server_factory  # noqa: F401
