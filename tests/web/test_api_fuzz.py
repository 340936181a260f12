"""The API against its own OpenAPI document (schemathesis): whatever the generated input, valid by the document or
not, never a server error, and every error is the documented JSON error with a code.

Driven through the schema's Hypothesis strategies (schemathesis' pytest plugin does not run under pytest 9)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from knowledge.accounts.models import Role
from tests.factories import make_account
from tests.web.test_api import bearer

EXAMPLES = 25


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_no_input_makes_a_server_error(app: Any, session: Any, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = bearer(session, make_account(session, Role.ADMIN))
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 20
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def run(case: Any) -> None:
            response = case.call(headers={**(case.headers or {}), **headers})
            problem = ""
            if response.status_code >= 500:
                problem = f"{response.status_code} {response.text[:300]}"
            elif response.status_code >= 400:
                try:
                    body = response.json()
                except ValueError:
                    body = None
                if not (isinstance(body, dict) and body.get("error", {}).get("code")):
                    problem = f"{response.status_code} without a JSON error: {response.text[:300]}"
            assert not problem, f"{case.operation.label}: {problem}\n{case.as_curl_command()}"

        try:
            run()
        except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
            continue
        except AssertionError as exc:
            failures.append(str(exc).split("\n\nFalsifying")[0][:1200])
    assert not failures, "\n\n".join(failures)
