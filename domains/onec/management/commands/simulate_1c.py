"""``manage.py simulate_1c``: the simulated 1C exchange service (domains/onec/simulator.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from domains.onec.simulator import Base, Faults, serve
from workers.stopping import StopSignal


class Command(BaseCommand):
    help = (
        "Serve a simulated 1C:Enterprise exchange web service (primary and failover ports) from a generated data set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8101, help="the primary's port")
        parser.add_argument("--failover-port", type=int, default=8102, help="the failover's port (0: none)")
        parser.add_argument("--clients", type=int, default=1000)
        parser.add_argument("--products", type=int, default=500)
        parser.add_argument("--price-types", type=int, default=3, choices=range(1, 6))
        parser.add_argument("--warehouses", type=int, default=5)
        parser.add_argument("--agents", type=int, default=5, help="agents A-001…; each client is one agent's")
        parser.add_argument("--images", type=int, default=20, help="products with a picture")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--user", default="", help="Basic auth user the service requires (none by default)")
        parser.add_argument("--password", default="")
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--error-rate", type=float, default=0.0, help="share of calls answered 503")
        parser.add_argument("--hang-rate", type=float, default=0.0, help="share of calls that hang --hang-seconds")
        parser.add_argument("--hang-seconds", type=float, default=30.0)
        parser.add_argument(
            "--malformed-rate", type=float, default=0.0, help="share of calls answered a broken envelope"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        base = Base(
            clients=options["clients"],
            products=options["products"],
            price_types=options["price_types"],
            warehouses=options["warehouses"],
            agents=options["agents"],
            images=options["images"],
            seed=options["seed"],
            username=options["user"],
            password=options["password"],
        )
        primary = Faults(
            latency_ms=options["latency_ms"],
            error_rate=options["error_rate"],
            hang_rate=options["hang_rate"],
            hang_seconds=options["hang_seconds"],
            malformed_rate=options["malformed_rate"],
        )
        ports = [options["port"]] + ([options["failover_port"]] if options["failover_port"] else [])
        stop = StopSignal()
        servers = serve(base, [primary, *([Faults()] if len(ports) > 1 else [])], host=options["host"], ports=ports)
        for name, server in zip(("primary", "failover"), servers, strict=False):
            host, port = server.server_address[:2]
            self.stdout.write(f"1C simulator {name}: WSDL http://{host}:{port}/exchange?wsdl\n")
        self.stdout.write(
            f"{len(base.registered)} changes registered for the first exchange. Stop with SIGTERM or Ctrl-C.\n"
        )
        self.stdout.flush()
        stop.wait()
        for server in servers:
            server.shutdown()
