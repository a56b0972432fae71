#!/usr/bin/env bash
# Runs every test against real PostgreSQL, Mosquitto, ffmpeg and headless Chromium. Installs what is
# missing (Debian packages; run as root on a fresh machine), starts private services, runs the tests,
# cleans up even when tests fail. Extra arguments go to `dotnet test` (e.g. --filter FullyQualifiedName~Topic).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
va_install_packages

cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build VideoAnalytics.sln -c Release -nologo -v quiet -clp:ErrorsOnly
results="$(mktemp -d /tmp/va-test-results.XXXXXX)"
set +e
"$here/with-services.sh" dotnet test VideoAnalytics.sln -c Release --no-build -nologo \
  --logger "trx" --results-directory "$results" --blame-hang-timeout 5m "$@"
status=$?
set -e
# One closing line over all test projects.
passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  c=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); passed=$((passed + ${p:-0}))
  x=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c"); failed=$((failed + ${x:-0}))
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$c"); skipped=$((skipped + ${s:-0}))
done
rm -rf "$results"
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
