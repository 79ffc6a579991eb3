#!/usr/bin/env bash
# Prepare a Debian 12 machine to develop, test and demo congress.
#
# Idempotent: every step first checks whether its result is already there and
# skips itself, so a second run takes a few seconds.  Installs:
#   - uv (via pip) and the locked Python environment (uv sync --frozen)
#   - Debian packages: PostgreSQL, WeasyPrint's Pango/HarfBuzz libraries, Noto
#     fonts, poppler-utils (PDF checks), Chromium (browser tests), and Java 17 +
#     Maven when `java`/`mvn` are missing
#   - stripe-mock (go install, pinned)
#   - the Apache Kafka 4.3.0 jars (Maven, cached outside git)
#   - the official AsyncAPI parser (npm ci into infra/asyncapi, Node.js from Debian when missing)
#   - axe-core for the browser tests' accessibility audit (npm ci into infra/axe)
#   - the compose.yaml checker (infra/compose-check: compose-go, which Docker Compose loads files with)
set -euo pipefail

STRIPE_MOCK_MODULE="github.com/stripe/stripe-mock"
STRIPE_MOCK_VERSION="v0.203.0"
KAFKA_JAR="${CONGRESS_HOME:-$HOME/.cache/congress}/kafka-4.3.0/libs/kafka_2.13-4.3.0.jar"
DEBIAN_PACKAGES=(
  postgresql
  libpango-1.0-0
  libpangoft2-1.0-0
  libharfbuzz-subset0
  fonts-noto-core
  fonts-noto-cjk
  fonts-noto-extra
  fonts-noto-ui-core
  fonts-noto-color-emoji
  fontconfig
  poppler-utils
  wrk
  chromium
)

export UV_PYTHON_DOWNLOADS=never

cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run as root directly, otherwise through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

ensure_uv() {
  local user_bin
  user_bin="$(python3 -m site --user-base)/bin"
  # A previous run may have installed it with pip --user without PATH knowing.
  if ! command -v uv >/dev/null 2>&1 && [ -x "$user_bin/uv" ]; then
    PATH="$user_bin:$PATH"
    export PATH
  fi
  if command -v uv >/dev/null 2>&1; then
    step "uv present ($(uv --version))"
    return
  fi
  step "installing uv with pip"
  # Debian's system Python is "externally managed" (PEP 668); a --user install of
  # a standalone tool is harmless, so retry overriding that guard (the first
  # attempt's refusal is expected there, hence its silenced stderr).
  python3 -m pip install --user --quiet uv 2>/dev/null \
    || python3 -m pip install --user --quiet --break-system-packages uv \
    || pip install --quiet uv
  PATH="$user_bin:$PATH"
  export PATH
  command -v uv >/dev/null 2>&1 || die "uv was installed but is not on PATH; add $user_bin to PATH"
}

sync_python() {
  step "syncing the Python environment (uv sync --frozen)"
  uv sync --frozen --quiet
}

package_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

ensure_debian_packages() {
  local wanted=("${DEBIAN_PACKAGES[@]}") missing=() package
  # Any Java 17+/Maven will do (they may come from elsewhere); only add Debian's
  # when the commands are absent.
  command -v java >/dev/null 2>&1 || wanted+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || wanted+=(maven)
  command -v npm >/dev/null 2>&1 || wanted+=(nodejs npm)
  for package in "${wanted[@]}"; do
    package_installed "$package" || missing+=("$package")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    step "Debian packages present"
    return
  fi
  step "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Prints the path of stripe-mock if it is installed at the pinned version.
installed_stripe_mock() {
  local candidate build_info
  local gobin
  # `go install` puts binaries in $GOBIN when set, else in the first GOPATH entry's bin.
  gobin="$(go env GOBIN)"
  [ -n "$gobin" ] || gobin="$(go env GOPATH | cut -d: -f1)/bin"
  for candidate in "$(command -v stripe-mock || true)" "$gobin/stripe-mock"; do
    if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then continue; fi
    # The Go build info records the module version the binary was built from.
    # (Captured first: `go ... | grep -q` could die of SIGPIPE under pipefail.)
    build_info="$(go version -m "$candidate" 2>/dev/null || true)"
    if [[ "$build_info" =~ mod[[:space:]]+${STRIPE_MOCK_MODULE}[[:space:]]+${STRIPE_MOCK_VERSION}[[:space:]] ]]; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

ensure_stripe_mock() {
  local found
  if ! command -v go >/dev/null 2>&1; then
    # Without Go the version cannot be checked; a binary on PATH is trusted.
    if found="$(command -v stripe-mock)"; then
      step "stripe-mock present ($found)"
      return
    fi
    die "Go >= 1.22 is needed to build stripe-mock; install Go and re-run"
  fi
  if found="$(installed_stripe_mock)"; then
    step "stripe-mock ${STRIPE_MOCK_VERSION} present ($found)"
    return
  fi
  step "installing stripe-mock ${STRIPE_MOCK_VERSION} (go install)"
  go install "${STRIPE_MOCK_MODULE}@${STRIPE_MOCK_VERSION}"
}

ensure_kafka_jars() {
  if [ -f "$KAFKA_JAR" ]; then
    step "Kafka jars present ($(dirname "$KAFKA_JAR"))"
    return
  fi
  step "fetching the Kafka 4.3.0 jars with Maven"
  uv run --frozen --no-sync python -m services.devtools.kafka_jars --ensure-jars
}

# The official AsyncAPI parser (pinned by infra/asyncapi/package-lock.json), for the contract test.
ensure_asyncapi_parser() {
  if [ -f infra/asyncapi/node_modules/@asyncapi/parser/package.json ]; then
    step "AsyncAPI parser present (infra/asyncapi)"
    return
  fi
  step "installing the AsyncAPI parser (npm ci, no install scripts)"
  npm ci --prefix infra/asyncapi --ignore-scripts --no-audit --no-fund --loglevel=error
}

# axe-core (pinned by infra/axe/package-lock.json), injected into every page by the accessibility audit.
ensure_axe() {
  if [ -f infra/axe/node_modules/axe-core/axe.min.js ]; then
    step "axe-core present (infra/axe)"
    return
  fi
  step "installing axe-core (npm ci, no install scripts)"
  npm ci --prefix infra/axe --ignore-scripts --no-audit --no-fund --loglevel=error
}

# Fetches compose-go (pinned by infra/compose-check/go.sum) and builds the checker once, so the test is quick.
ensure_compose_check() {
  step "building the compose.yaml checker (infra/compose-check, go build)"
  (cd infra/compose-check && go build -o /dev/null .)
}

ensure_uv
sync_python
ensure_debian_packages
ensure_stripe_mock
ensure_kafka_jars
ensure_asyncapi_parser
ensure_axe
ensure_compose_check
step "bootstrap complete"
