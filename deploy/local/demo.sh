#!/usr/bin/env bash
# The whole system on one machine: private PostgreSQL + Mosquitto, one silo (va-cloud with the console), one
# edge agent (va-edge) with one camera playing a playlist of real clips as if it were a live stream.
#
#   deploy/local/demo.sh                 run until Ctrl-C
#   deploy/local/demo.sh --once          stop when the playlist has played once
#   deploy/local/demo.sh --source URL    use a camera URL (rtsp://…, usb:0) or a video file instead of the playlist
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"

once=0
source_arg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --once) once=1 ;;
    --source) source_arg="${2:?--source needs a URL or file}"; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

va_install_packages
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "building…" >&2
dotnet build VideoAnalytics.sln -c Release -nologo -v quiet -clp:ErrorsOnly >&2

export VA_DEMO_ONCE="$once" VA_DEMO_SOURCE="$source_arg"
exec "$here/with-services.sh" "$here/demo-run.sh"
