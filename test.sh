#!/usr/bin/env bash
# Runs every test from a fresh clone: restores, builds the whole solution (the silo host and the
# emulator host included, which the process tests start), installs test dependencies, runs all
# test projects, and prints one summary line.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1

# Azurite (Azure Storage emulator) for the azure-mode tests, and kubernetes-models for the offline
# validation of the Kubernetes manifests, at the versions the lock file pins.
npm ci --prefix infra/test-deps --no-audit --no-fund --loglevel=error

# kubectl renders the kustomize overlays under infra/k8s (the deployment tests). It comes with the
# machine image; Debian's kubernetes-client (1.20) carries a kustomize too old for the overlays.
if ! command -v kubectl >/dev/null; then
  echo "kubectl (1.27 or later, for its built-in kustomize v5) is missing: the deployment tests render infra/k8s with it." >&2
  exit 1
fi

# promtool (Debian's prometheus package): the metrics test checks the silo's /metrics exposition with it, and the
# alert tests load infra/prometheus/alerts.yml and run its unit tests (promtool check rules, promtool test rules).
if ! command -v promtool >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# Chromium (Debian's chromium package): the /ui browser test drives it with Playwright through its
# executable path, so Playwright never downloads a browser.
if ! command -v chromium >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

dotnet restore Orleans.EventPipeline.sln
dotnet build Orleans.EventPipeline.sln --no-restore

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test Orleans.EventPipeline.sln --no-build 2>&1 | tee "$log" || status=$?

# dotnet test prints one "Passed!  - Failed: F, Passed: P, Skipped: S, ..." line per test
# assembly; add them up into one closing line.
{ grep -E 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" || true; } \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{ f += $1; p += $2; s += $3 } END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }'
exit "$status"
