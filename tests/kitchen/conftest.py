# The live-server fixtures of the realtime tests, for the kitchen's end-to-end tests.
from tests.realtime.conftest import server, server_factory  # noqa: F401
