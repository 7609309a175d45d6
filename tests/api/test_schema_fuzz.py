"""schemathesis over every operation of the committed OpenAPI document, against a real web
process holding the demo organization: no 5xx, and every answer's status, content type, headers
and body as the schema declares them. Seeded and bounded, so a failure reproduces."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command

from core.auth import issue_tokens
from core.demo import DEMO_SLUG
from core.models import Membership
from tests.realtime.conftest import server_factory  # noqa: F401  (a real web process)

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.mark.django_db(transaction=True)
def test_every_operation_answers_as_the_schema_says(server_factory, tmp_path, settings):  # noqa: F811
    server = server_factory(
        name="fuzz",
        JWT_ACCESS_TTL_SECONDS="3600",
        LOGIN_THROTTLE_RATE="100000/min",
        LOGIN_ADDRESS_THROTTLE_RATE="100000/min",
    )
    settings.MEDIA_ROOT = server.log.parent / "media"  # the demo's photos where the server reads them
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    admin = Membership.objects.get(tenant__slug=DEMO_SLUG, user__username="demo-admin")
    access = issue_tokens(membership=admin).access_token
    access.set_exp(lifetime=timedelta(hours=1))  # outlives the run
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            str(ROOT / "docs" / "openapi.yaml"),
            "--url",
            server.base,
            "--header",
            f"Authorization: Bearer {access}",
            "--checks",
            CHECKS,
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "12",
            "--seed",
            "20261202",
            "--workers",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
