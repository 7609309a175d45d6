"""The load generators, each run in a process of its own (``bench.harness.sockets.spawn``):
phones and tracker apps sending locations, dashboards and subscribers counting what they get,
idle sockets, webhook receivers. They import nothing of Django or the project's packages."""
