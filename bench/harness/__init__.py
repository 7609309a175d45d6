"""What every benchmark shares, so that a bench script keeps only its own phases.

- ``cli``: the command line (``--smoke``, ``--fresh``, sizes with a full and a smoke value);
- ``environment``: the bench process (services or embedded), a fresh database and Redis, Django;
- ``databases``: databases cloned from a migrated template, so a run does not migrate;
- ``servers``: ``manage.py web``/``worker``/``scheduler``/simulators and peers, stopped together;
- ``people``: organizations, members and their tokens;
- ``livedin``: what months of use leave in Redis and the outbox (each domain's own history is
  built by its module in ``domains/``);
- ``load``: service calls from threads in several processes;
- ``events``: events written to the outbox and published directly (backlogs, probes);
- ``peers``: the peers of bench/peers/ started as servers under test;
- ``hosts``: two hosts in network namespaces and the Redis deployments to compare;
- ``http``, ``sockets``: keep-alive HTTP clients, wrk, WebSockets, the generator processes of
  ``bench/clients``;
- ``measure``: percentiles, process CPU and memory;
- ``pgreplay``: the database's own limit for one write;
- ``result``: the invariants a run must keep and the final ``RESULT`` line;
- ``domains/<name>.py``: the only bench modules that import a domain's insides, one per domain.
"""
