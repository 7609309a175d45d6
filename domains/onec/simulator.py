# ruff: noqa: RUF001 (Uzbek names: its turned comma and apostrophe are letters, not quotes)
"""A simulated 1C:Enterprise publishing the exchange web service (``contract.py``), so the
integration can be tried and tested without a 1C licence: ``manage.py simulate_1c``.

It generates a data set (groups, products with barcodes, price types, prices, warehouses,
stock, clients with their price types) and behaves like an exchange plan: every object starts
registered for the node; ``GetChanges`` composes the next message from the registrations (or
resends a message not confirmed yet, unchanged); ``Confirm`` drops what was acknowledged.
Two ports (primary and failover) share the one data set, as two web servers in front of one 1C
base do, and each has its own faults: latency, 5xx, hangs, malformed envelopes, or down.
``POST /control`` (JSON) changes the faults and registers new changes while it runs.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from lxml import etree

from core.demo import png
from domains.onec.contract import NAMESPACE, wsdl

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ORDER = (
    "agents",
    "groups",
    "price_types",
    "warehouses",
    "products",
    "images",
    "prices",
    "stock",
    "clients",
    "client_terms",
    "deleted",
)
PREFIX = {"customer_order": "SIM", "visit": "VIS"}


def guid(kind: str, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"oqim-1c-sim/{kind}/{n}"))


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0  # answer 503
    hang_rate: float = 0.0  # answer after hang_seconds (past any sane client timeout)
    hang_seconds: float = 30.0
    malformed_rate: float = 0.0  # answer a broken envelope
    down: bool = False  # refuse every call with 503
    calls: int = 0  # SOAP calls this port received


@dataclass
class Base:
    """The simulated 1C base: its data, the node's registrations and messages."""

    clients: int = 1000
    products: int = 500
    price_types: int = 3
    warehouses: int = 5
    agents: int = 5
    images: int = 20  # products with a picture
    seed: int = 1
    username: str = ""
    password: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)
        self.registered: deque[tuple[str, dict[str, Any]]] = deque()
        self.log: list[str | None] = []  # message n is log[n - 1]; None once confirmed
        self.confirmed = 0
        self.documents: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self.rows = self._generate()
        self.register_all()

    def _generate(self) -> dict[str, list[dict[str, Any]]]:
        tops = [{"guid": guid("group", n), "code": f"{n:04d}", "name": f"Guruh {n}"} for n in range(10)]
        subs = [
            {
                "guid": guid("group", 100 + n),
                "code": f"{100 + n:04d}",
                "name": f"Guruh {n // 4}.{n % 4}",
                "parent": tops[n // 4]["guid"],
            }
            for n in range(40)
        ]
        types = [
            {"guid": guid("price_type", n), "name": name, "currency": "UZS"}
            for n, name in enumerate(["Chakana", "Ulgurji", "Diler", "VIP", "Eksport"][: self.price_types])
        ]
        houses = [{"guid": guid("warehouse", n), "name": f"Ombor {n + 1}"} for n in range(self.warehouses)]
        rows: dict[str, list[dict[str, Any]]] = {"groups": tops + subs, "price_types": types, "warehouses": houses}
        rows["agents"] = [
            {"code": f"A-{n + 1:03d}", "name": f"Agent {n + 1}", "active": True} for n in range(self.agents)
        ]
        rows.update(self._products(subs, types, houses))
        rows["images"] = [
            {
                "guid": guid("image", n),
                "product": guid("product", n),
                "data": base64.b64encode(png(8, 8, ((n * 67) % 256, (n * 131) % 256, (n * 29) % 256))).decode(),
                "caption": f"Rasm {n}",
            }
            for n in range(min(self.images, self.products))
        ]
        rows.update(self._clients(types, rows["agents"]))
        return rows

    def _products(self, groups: list, types: list, houses: list) -> dict[str, list[dict[str, Any]]]:
        r = self.random
        products, prices, stock = [], [], []
        for n in range(self.products):
            product = {
                "guid": guid("product", n),
                "code": f"P-{n:06d}",
                "name": f"{r.choice(['Choy', 'Sharbat', 'Sovun', 'Guruch', 'Yogʻ', 'Un', 'Shakar', 'Suv'])} {n}",
                "group": groups[n % len(groups)]["guid"],
                "unit": r.choice(["pcs", "kg", "l"]),
                "barcodes": [f"478{n:010d}"],
                "active": True,
            }
            products.append(product)
            price = r.randint(1, 500) * 1000
            prices += [
                {"product": product["guid"], "price_type": kind["guid"], "amount": str(price - t * price // 10)}
                for t, kind in enumerate(types)
            ]
            stock += [
                {
                    "product": product["guid"],
                    "warehouse": house["guid"],
                    "quantity": str(r.choice([0, r.randint(1, 500)])),
                }
                for house in houses
            ]
        return {"products": products, "prices": prices, "stock": stock}

    def _clients(self, types: list, agents: list) -> dict[str, list[dict[str, Any]]]:
        r = self.random
        clients = [
            {
                # Each agent has a route: every client is one agent's.
                **({"agents": [agents[n % len(agents)]["code"]]} if agents else {}),
                "code": f"K-{n:06d}",
                "name": f"{r.choice(['Baraka', 'Oila', 'Korzinka', 'Makro', 'Havas'])} doʻkoni {n}",
                "phone": f"+998 9{r.randint(0, 9)} {r.randint(100, 999)} {r.randint(10, 99)} {r.randint(10, 99)}",
                "address": f"Toshkent, {n % 300}-koʻcha",
                "lat": round(41.2 + r.random() * 0.2, 6),
                "lon": round(69.1 + r.random() * 0.3, 6),
            }
            for n in range(self.clients)
        ]
        terms = [{"client": c["code"], "price_type": types[n % len(types)]["guid"]} for n, c in enumerate(clients)]
        return {"clients": clients, "client_terms": terms}

    def register_all(self) -> None:
        for kind in ORDER:
            for row in self.rows.get(kind, []):
                self.registered.append((kind, row))

    def register_changes(self, count: int) -> None:
        """``count`` changes as a working day makes them: prices, stock counts, renamed products."""
        r = self.random
        for _ in range(count):
            what = r.random()
            if what < 0.5:
                row = r.choice(self.rows["prices"])
                row["amount"] = str(r.randint(1, 500) * 1000)
                self.registered.append(("prices", row))
            elif what < 0.9:
                row = r.choice(self.rows["stock"])
                row["quantity"] = str(r.randint(0, 500))
                self.registered.append(("stock", row))
            else:
                row = r.choice(self.rows["products"])
                row["name"] = f"{row['name'].split(' (')[0]} ({r.randint(1, 99)})"
                self.registered.append(("products", row))

    # -- the operations

    def get_changes(self, after: int, page_size: int, full: bool) -> tuple[int, bool, str]:
        with self.lock:
            if full:
                self.register_all()
            number = after + 1
            if number <= len(self.log):
                message = self.log[number - 1]
                if message is None:
                    raise ValueError(f"message {number} was confirmed already")
            elif number == len(self.log) + 1:
                changes: dict[str, list[dict[str, Any]]] = {}
                for _ in range(min(max(page_size, 1), len(self.registered))):
                    kind, row = self.registered.popleft()
                    changes.setdefault(kind, []).append(dict(row))
                message = json.dumps(changes, ensure_ascii=False)
                self.log.append(message)
            else:
                raise ValueError(f"no message {number}: the last one is {len(self.log)}")
            return number, bool(self.registered) or number < len(self.log), message

    def confirm(self, number: int) -> bool:
        with self.lock:
            for n in range(self.confirmed, min(number, len(self.log))):
                self.log[n] = None
            self.confirmed = max(self.confirmed, min(number, len(self.log)))
            return True

    def put_document(self, kind: str, ident: str, body: str) -> tuple[str, str]:
        with self.lock:
            if ident not in self.documents:  # deduplicated by Oqim's id
                same = sum(1 for d in self.documents.values() if d["kind"] == kind)
                self.documents[ident] = {
                    "kind": kind,
                    "body": json.loads(body),
                    "number": f"{PREFIX.get(kind, 'DOC')}-{same + 1:06d}",
                }
            return self.documents[ident]["number"], "accepted"

    def state(self) -> dict[str, Any]:
        with self.lock:
            return {
                "messages": len(self.log),
                "confirmed": self.confirmed,
                "registered": len(self.registered),
                "documents": len(self.documents),
                "calls": self.calls,
            }


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def envelope(operation: str, values: dict[str, Any]) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP, "m": NAMESPACE})
    answer = etree.SubElement(etree.SubElement(root, f"{{{SOAP}}}Body"), _q(f"{operation}Response"))
    for key, value in values.items():
        etree.SubElement(answer, _q(key)).text = (
            ("true" if value else "false") if isinstance(value, bool) else str(value)
        )
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def fault(message: str) -> bytes:
    root = etree.Element(f"{{{SOAP}}}Envelope", nsmap={"soap": SOAP})
    body = etree.SubElement(etree.SubElement(root, f"{{{SOAP}}}Body"), f"{{{SOAP}}}Fault")
    etree.SubElement(body, "faultcode").text = "soap:Client"
    etree.SubElement(body, "faultstring").text = message
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


class SoapHandler(BaseHTTPRequestHandler):
    """One port of the simulator; ``handler`` binds it to the base and that port's faults."""

    base: Base
    faults: Faults
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: tests and benchmarks read the state, not a log

    def _send(self, status: int, body: bytes, kind: str = "text/xml; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self) -> bool:
        if not self.base.username:
            return True
        expected = base64.b64encode(f"{self.base.username}:{self.base.password}".encode()).decode()
        if self.headers.get("Authorization") == f"Basic {expected}":
            return True
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="1C"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_GET(self) -> None:
        if self.path.startswith("/control"):
            return self._send(200, json.dumps(self.base.state()).encode(), "application/json")
        if not self.path.startswith("/exchange"):
            return self._send(404, b"not found", "text/plain")
        if self.faults.down:
            return self._send(503, b"service unavailable", "text/plain")
        if self._authorized():
            host = self.headers.get("Host", f"127.0.0.1:{self.server.server_address[1]}")
            self._send(200, wsdl(f"http://{host}/exchange").encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/control"):
            return self._control(json.loads(body or b"{}"))
        if self.faults.down:
            return self._send(503, b"service unavailable", "text/plain")
        if not self._authorized():
            return None
        self.faults.calls += 1
        self.base.calls += 1
        time.sleep(self.faults.latency_ms / 1000)
        chance = random.random()
        if chance < self.faults.error_rate:
            return self._send(503, b"service unavailable", "text/plain")
        if chance < self.faults.error_rate + self.faults.hang_rate:
            time.sleep(self.faults.hang_seconds)
        elif chance < self.faults.error_rate + self.faults.hang_rate + self.faults.malformed_rate:
            return self._send(
                200, b"<?xml version='1.0'?><soap:Envelope xmlns:soap='" + SOAP.encode() + b"'><soap:Body><broken"
            )
        try:
            self._send(200, self._call(body))
        except (ValueError, KeyError, etree.XMLSyntaxError) as error:
            self._send(500, fault(str(error)))

    def _call(self, body: bytes) -> bytes:
        request = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        call = request.find(f"{{{SOAP}}}Body")[0]
        operation = etree.QName(call).localname
        args = {etree.QName(child).localname: child.text or "" for child in call}
        if operation == "Ping":
            return envelope("Ping", {"return": "Oqim 1C simulator"})
        if operation == "GetChanges":
            number, more, changes = self.base.get_changes(
                int(args["AfterMessage"]), int(args["PageSize"]), args.get("Full") == "true"
            )
            return envelope("GetChanges", {"MessageNo": number, "More": more, "Changes": changes})
        if operation == "Confirm":
            return envelope("Confirm", {"return": self.base.confirm(int(args["MessageNo"]))})
        if operation == "PutDocument":
            number, status = self.base.put_document(args["Kind"], args["Id"], args["Body"])
            return envelope("PutDocument", {"Number": number, "Status": status})
        raise ValueError(f"unknown operation {operation}")

    def _control(self, command: dict[str, Any]) -> None:
        for key, value in command.items():
            if hasattr(self.faults, key):
                setattr(self.faults, key, type(getattr(self.faults, key))(value))
        if command.get("changes"):
            with self.base.lock:
                self.base.register_changes(int(command["changes"]))
        self._send(200, json.dumps(self.base.state()).encode(), "application/json")


def handler(base: Base, faults: Faults) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (SoapHandler,), {"base": base, "faults": faults})


def serve(
    base: Base, faults: list[Faults], host: str = "127.0.0.1", ports: list[int] | None = None
) -> list[ThreadingHTTPServer]:
    """One server per entry of ``faults`` (the first is the primary, the next the failover) on
    daemon threads, on ``ports`` (0 or none: a free port each); returns them."""
    servers = []
    for n, port_faults in enumerate(faults):
        server = ThreadingHTTPServer(
            (host, (ports or [])[n] if ports and n < len(ports) else 0), handler(base, port_faults)
        )
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name=f"1c-sim-{n}", daemon=True).start()
        servers.append(server)
    return servers
