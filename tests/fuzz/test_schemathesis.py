"""schemathesis against every service with a JSON API, anonymous and signed in as organiser.

Each run is the schemathesis command line, as an outside tool would run it, against the
service's published OpenAPI: every check, every phase (the schema's examples, its
boundaries, random fuzzing, and stateful sequences along the links it infers), a bounded
number of examples per operation and a fixed seed, so a run repeats exactly. It passes
only with no 5xx and no response that breaks its documented status, type or schema.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fuzz.conftest import organiser_headers

MAX_EXAMPLES = 20
"""Examples per operation, per sign-in state: enough to reach each documented outcome, small enough for the suite."""
SEED = 20270105
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
CONFIG = Path(__file__).with_name("schemathesis.toml")
SERVICES = ("registration", "abstracts", "badges", "console")


def fuzz(base_url: str, report: Path, headers: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [
        SCHEMATHESIS,
        f"--config-file={CONFIG}",
        "--no-color",
        "run",
        f"{base_url}/openapi.json",
        "--checks=all",
        f"--max-examples={MAX_EXAMPLES}",
        f"--seed={SEED}",
        "--generation-deterministic",
        "--workers=1",
        "--suppress-health-check=all",
        "--request-timeout=30",
        "--report=junit",
        f"--report-junit-path={report}",
    ]
    command += [f"--header={name}: {value}" for name, value in headers.items()]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


def summary(stdout: str) -> str:
    """The run's size as schemathesis reports it: operations, test cases, and whether stateful sequences ran."""
    tested = re.search(r"Tested: (\d+)", stdout)
    cases = re.search(r"(\d+) generated", stdout)
    stateful = re.search(r"(\S+)\s+Stateful(.*)", stdout)
    state = "stateful: " + (stateful.group(1) + stateful.group(2) if stateful else "?").strip()
    return f"{tested.group(1) if tested else '?'} operations, {cases.group(1) if cases else '?'} test cases, {state}"


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "organiser"])
@pytest.mark.parametrize("service", SERVICES)
def test_no_server_error_and_every_response_as_documented(
    service: str,
    signed_in: bool,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    report_figure: Callable[[str], None],
) -> None:
    base_url = request.getfixturevalue(f"{service}_url")
    result = fuzz(base_url, tmp_path / "junit.xml", organiser_headers() if signed_in else {})
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    who = "organiser" if signed_in else "anonymous"
    report_figure(f"schemathesis {service} ({who}): {summary(result.stdout)}")
