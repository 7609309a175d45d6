# ruff: noqa: RUF001 (Uzbek and Russian words, as the admin reads them)
"""A stored 1C failure is read in the reader's language: Oqim's sentences translated, what 1C or
the network said kept as it was said."""

from __future__ import annotations

import pytest
import requests
import zeep
from django.utils import translation

from domains.onec import problems
from domains.onec.client import Unreachable, classify


@pytest.mark.parametrize(
    ("stored", "russian"),
    [
        ("no answer in time", "нет ответа вовремя"),
        (
            "http://1c.local/ws?wsdl: connection failed (ConnectionError)",
            "http://1c.local/ws?wsdl: не удалось подключиться (ConnectionError)",
        ),
        (
            "https://a.uz:8443/ws: HTTP 401: check the user and password (GetChanges)",
            "https://a.uz:8443/ws: HTTP 401: проверьте пользователя и пароль (GetChanges)",
        ),
        (
            "http://a/ws: 1C refused: Нет такого узла (GetChanges)",
            "http://a/ws: 1С отказала: Нет такого узла (GetChanges)",
        ),
        ("malformed change: price row 3 has no product", "изменение в неверном формате: price row 3 has no product"),
        (
            "gave up after 12 attempts: http://a/ws: no answer in time; http://b/ws: HTTP 502",
            "прекращено после 12 попыток: http://a/ws: нет ответа вовремя; http://b/ws: HTTP 502",
        ),
        (
            "no 1C connection is enabled: sent once one is",
            "подключение к 1С выключено: документ уйдёт, как только его включат",
        ),
        ("Some words 1C sent", "Some words 1C sent"),  # not Oqim's: left as said
        ("", ""),
    ],
)
def test_a_stored_failure_reads_in_russian(stored, russian):
    with translation.override("ru"):
        assert problems.read(stored) == russian
    with translation.override("en"):
        assert problems.read(stored) == stored


@pytest.mark.parametrize(
    "error",
    [
        requests.ConnectionError("refused"),
        requests.ReadTimeout("slow"),
        zeep.exceptions.TransportError(status_code=503),
        zeep.exceptions.TransportError(status_code=403),
        zeep.exceptions.TransportError(status_code=200),
        zeep.exceptions.Fault("Нет такого узла"),
    ],
)
def test_every_sentence_the_client_writes_is_one_it_can_read(error):
    problem = classify(error)[1]
    stored = str(Unreachable([("http://1c.local/ws", problem), ("http://1c2.local/ws", problem)]))
    with translation.override("uz"):
        read = problems.read(stored)
    assert read.count("http://1c") == 2
    if not problem.startswith("HTTP 503"):  # a bare status has no words to translate
        assert read != stored
