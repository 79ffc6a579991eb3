"""The Kafka jars: Java 17+ checked, and the broker's runtime jars fetched once from Maven Central.

The jars come through ``infra/kafka/pom.xml`` and are cached outside git in
``${CONGRESS_HOME:-~/.cache/congress}/kafka-4.3.0/libs``; every local node (one broker, or each node
of a cluster) runs from the same jars. ``python -m services.devtools.kafka_jars --ensure-jars``
fills the cache (``scripts/bootstrap.sh`` runs it) and prints the libs directory.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from services.common.settings import congress_home
from services.devtools.processes import LOG_TAIL_LINES, LauncherError, find_executable

log = logging.getLogger(__name__)

KAFKA_VERSION = "4.3.0"
SCALA_BINARY_VERSION = "2.13"
MIN_JAVA_MAJOR = 17

REPO_ROOT = Path(__file__).resolve().parents[2]
POM_PATH = REPO_ROOT / "infra" / "kafka" / "pom.xml"

JAVA_INSTALL_HINT = "install a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless`"
MAVEN_INSTALL_HINT = "install Maven, e.g. `apt-get install maven`"

ProgressCallback = Callable[[str], None]


def kafka_libs_dir() -> Path:
    """Return the directory the Maven project copies the Kafka runtime jars into."""
    return congress_home() / f"kafka-{KAFKA_VERSION}" / "libs"


def kafka_jar(libs: Path) -> Path:
    return libs / f"kafka_{SCALA_BINARY_VERSION}-{KAFKA_VERSION}.jar"


def java_major_version(java: str) -> int:
    """Return the major version of the ``java`` executable (8 for "1.8.0", 17 for "17.0.15")."""
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LauncherError(f"could not run `{java} -version`: {exc}") from exc
    output = result.stderr + result.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    if match is None:
        raise LauncherError(f"could not parse the Java version from `{java} -version`: {output!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def ensure_java() -> str:
    """Return the ``java`` executable after checking it is at least Java 17."""
    java = find_executable("java", JAVA_INSTALL_HINT)
    major = java_major_version(java)
    if major < MIN_JAVA_MAJOR:
        raise LauncherError(
            f"Kafka {KAFKA_VERSION} needs Java {MIN_JAVA_MAJOR}+, but `{java}` is Java {major}; {JAVA_INSTALL_HINT}"
        )
    return java


def ensure_jars(progress: ProgressCallback | None = None) -> Path:
    """Make sure the Kafka runtime jars are cached and return their directory.

    Checks that Java 17+ is installed, and when the cache has no broker jar runs
    Maven on ``infra/kafka/pom.xml`` (which needs ``mvn``; the first run downloads
    about 45 MB from Maven Central).  ``progress`` receives human-readable steps.
    """
    ensure_java()
    return ensure_libs(progress)


def ensure_libs(progress: ProgressCallback | None) -> Path:
    """Fill the jar cache with Maven unless it already holds the broker jar."""
    report: ProgressCallback = progress if progress is not None else log.info
    libs = kafka_libs_dir()
    if kafka_jar(libs).is_file():
        log.debug("Kafka jars already cached in %s", libs)
        return libs
    mvn = find_executable("mvn", MAVEN_INSTALL_HINT)
    if not POM_PATH.is_file():
        raise LauncherError(f"{POM_PATH} is missing; run from a complete checkout of the repository")
    report(f"Resolving Kafka {KAFKA_VERSION} jars with Maven into {libs} (first run downloads ~45 MB)")
    _run_maven(mvn, libs)
    if not kafka_jar(libs).is_file():
        raise LauncherError(
            f"Maven finished but {kafka_jar(libs).name} is not in {libs}; try `mvn -B -f {POM_PATH} package` by hand"
        )
    report(f"Kafka jars ready in {libs}")
    return libs


def _run_maven(mvn: str, libs: Path) -> None:
    # CONGRESS_HOME is passed explicitly so the pom and this module agree on the
    # cache location even when the variable is unset here.
    env = {**os.environ, "CONGRESS_HOME": str(congress_home())}
    command = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM_PATH), "package"]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LauncherError(f"`{' '.join(command)}` did not finish within 30 minutes") from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise LauncherError(
            f"Maven could not fetch the Kafka jars into {libs} (exit {result.returncode}); "
            f"is Maven Central reachable?\n{output}"
        )


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m services.devtools.kafka_jars``."""
    parser = argparse.ArgumentParser(
        prog="python -m services.devtools.kafka_jars",
        description="Prepare the local Kafka broker used for development.",
    )
    parser.add_argument(
        "--ensure-jars",
        action="store_true",
        help="fetch the Kafka jars into the cache and print their directory",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not args.ensure_jars:
        parser.print_usage(sys.stderr)
        return 2
    try:
        libs = ensure_jars()
    except LauncherError as exc:
        log.error("error: %s", exc)
        return 1
    sys.stdout.write(f"{libs}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
