"""The API against its own OpenAPI document: requests generated from the schema (valid and invalid, with a county
office's key) never get a 5xx, an undocumented status, a wrong content type or a body that breaks the declared
response schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.main import create_app

# `positive_data_acceptance` expects every schema-valid body to be accepted; the schema cannot say that a hukou
# county must exist or that an ID number's checksum must hold, so a valid-looking body may rightly get a 422.
EXCLUDED = [positive_data_acceptance]
PER_OPERATION = 5  # examples per operation and mode: about a thousand requests in all


@pytest.fixture(scope="module")
def contract_app(settings, db):  # type: ignore[no-untyped-def]
    """The app with the failed-key throttle off: the fuzzer sends requests without a valid key on purpose."""
    return create_app(settings.model_copy(update={"auth_fail_limit": 0}), db)


def test_every_operation_keeps_its_documented_contract(contract_app, tenants) -> None:  # type: ignore[no-untyped-def]
    schema = schemathesis.openapi.from_asgi("/openapi.json", contract_app)
    headers = tenants["county"].headers
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25  # the whole API, not an empty document

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @examples(max_examples=PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck),
                      derandomize=True, database=None)  # fmt: skip
            def call(case) -> None:  # type: ignore[no-untyped-def]
                case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

            try:
                call()
            except Exception as error:  # noqa: BLE001 - every operation is tried; all failures reported at once
                failures[f"{operation.label} ({mode.value})"] = str(error)[:1500]
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
