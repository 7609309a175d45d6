"""What the server itself answers below Django (realtime.server.protocols): malformed requests get the
documented error shape over a real socket, never a bare status or a dropped connection."""

from __future__ import annotations

import json
import socket

import pytest


def exchange(port: int, request: bytes) -> tuple[int, dict]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"POST /api/auth/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400, "bad_request"),
        (b"GET /health/?q=" + b"a" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (b"GET /health/ HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 17_000 + b"\r\n\r\n", 431, "headers_too_large"),
        (b"GET /health/ HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 600 + b"\r\n", 431, "headers_too_large"),
        (b"NOT A REQUEST\r\n\r\n", 400, "bad_request"),
    ],
)
def test_requests_the_http_layer_refuses_get_the_error_shape(server, request_bytes, status, code):
    got_status, body = exchange(server.port, request_bytes)
    assert got_status == status
    assert body["error"]["code"] == code and body["error"]["message"] and body["error"]["fields"] == {}
    # The server is unharmed.
    got_status, body = exchange(server.port, b"GET /health/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert (got_status, body) == (200, {"status": "ok"})
