#!/usr/bin/env bash
# Runs inside with-services.sh (VA_TEST_POSTGRES, VA_TEST_MQTT_* set): one silo with the console, one edge agent,
# alerts printed as they arrive, and a summary at the end. Started by demo.sh; not meant to be run alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
cd "$root"

once="${VA_DEMO_ONCE:-0}"
source="${VA_DEMO_SOURCE:-}"
[ -n "$source" ] || source="$here/demo-playlist.txt"
work="$VA_SERVICES_DIR/demo"
mkdir -p "$work/clips" "$work/spool"
bin() { echo "$root/$1/bin/Release/net10.0/$2.dll"; }

web_port="$(va_free_port)"; silo_port="$(va_free_port)"; gateway_port="$(va_free_port)"
admin_password="demo-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
api_token="demo-token-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
cloud_pid=""; tail_pid=""

stop_all() {
  [ -n "$tail_pid" ] && kill "$tail_pid" 2>/dev/null || true
  [ -n "$cloud_pid" ] && { kill "$cloud_pid" 2>/dev/null || true; wait "$cloud_pid" 2>/dev/null || true; }
}
trap stop_all EXIT

# --- cloud: one silo, ingest, judges (embedded: no VLM configured), alerts, console ---
export Cloud__Postgres__ConnectionString="$VA_TEST_POSTGRES"
export Cloud__Mqtt__Host="$VA_TEST_MQTT_HOST" Cloud__Mqtt__Port="$VA_TEST_MQTT_PORT" Cloud__Mqtt__UseTls=false
export Cloud__Mqtt__ClientId="va-cloud-demo"
export Cloud__ClipStore__Root="$work/clips"
export Cloud__Cluster__SiloPort="$silo_port" Cloud__Cluster__GatewayPort="$gateway_port"
# Model registry: a demo signing key the cloud and the edge trust; admins push with `va models push`.
dotnet "$(bin cloud/VideoAnalytics.Admin va)" keys create --out "$work/keys" --id demo >/dev/null
export Cloud__Admin__ApiToken="$api_token"
export Cloud__Models__PublicBaseUrl="http://127.0.0.1:$web_port" Cloud__Models__TrustedKeys__demo="$work/keys/demo.public.pem"
export Cloud__Models__StagingDirectory="$work/model-uploads"
dotnet "$(bin cloud/VideoAnalytics.Cloud va-cloud)" --urls "http://127.0.0.1:$web_port" >"$work/cloud.log" 2>&1 &
cloud_pid=$!
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$web_port/healthz" >/dev/null 2>&1 && break
  kill -0 "$cloud_pid" 2>/dev/null || { echo "va-cloud exited; its log:" >&2; tail -n 40 "$work/cloud.log" >&2; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$web_port/healthz" >/dev/null || { echo "va-cloud did not become healthy" >&2; tail -n 40 "$work/cloud.log" >&2; exit 1; }
echo "$admin_password" | dotnet "$(bin cloud/VideoAnalytics.Admin va)" users add --name admin --role admin --password-stdin \
  --postgres "$VA_TEST_POSTGRES" >/dev/null

echo
echo "  console:  http://127.0.0.1:$web_port/   (user admin, password $admin_password)"
echo "  models:   VA_CLOUD_URL=http://127.0.0.1:$web_port VA_API_TOKEN=$api_token dotnet cloud/VideoAnalytics.Admin/bin/Release/net10.0/va.dll \\"
echo "              models push DIR --key $work/keys/demo.private.pem --scope branch:demo-branch"
echo "  logs:     $work/cloud.log  $work/edge.log"
echo
# Alerts as they arrive (the silo logs each one as "ALERT …").
tail -n +1 -F "$work/cloud.log" 2>/dev/null | grep --line-buffered -E "ALERT " | sed -u 's/^/  /' &
tail_pid=$!

# --- edge: one camera playing the playlist (or the given source) as a live stream ---
loop=true; [ "$once" = "1" ] && loop=false
cat >"$work/edge.json" <<JSON
{
  "Edge": {
    "Device": { "Branch": "demo-branch", "Site": "main-office", "Device": "edge-1" },
    "Cameras": [ { "Id": "lobby", "Source": "$source", "Live": true, "Loop": $loop } ],
    "Gate": { "CooldownSeconds": 4 },
    "Spool": { "Directory": "$work/spool" },
    "Models": { "Directory": "$work/edge-models", "TrustedKeys": { "demo": "$work/keys/demo.public.pem" } },
    "Mqtt": { "Host": "$VA_TEST_MQTT_HOST", "Port": $VA_TEST_MQTT_PORT, "UseTls": false }
  }
}
JSON
set +e
dotnet "$(bin edge/VideoAnalytics.Edge va-edge)" run --config "$work/edge.json" >"$work/edge.log" 2>&1 &
edge_pid=$!
trap 'kill -INT $edge_pid 2>/dev/null' INT TERM
wait "$edge_pid"; edge_status=$?
while kill -0 "$edge_pid" 2>/dev/null; do wait "$edge_pid"; done
trap - INT TERM
set -e
if [ "$edge_status" -ne 0 ] && [ "$edge_status" -ne 130 ]; then
  echo "va-edge exited with $edge_status; its log:" >&2; tail -n 30 "$work/edge.log" >&2
fi

# Let the cloud finish what the edge sent: every received clip judged (bounded wait).
psql_q() { "$(va_pg_bin psql)" -h 127.0.0.1 -p "$VA_TEST_POSTGRES_PORT" -U postgres -d va -tAc "$1"; }
for _ in $(seq 1 120); do
  pending="$(psql_q "SELECT count(*) FROM clips WHERE state IN ('receiving','complete')" 2>/dev/null || echo 0)"
  [ "${pending:-0}" = "0" ] && break
  sleep 0.5
done
sleep 2

source_bytes=0
if [ -f "$source" ]; then
  case "$source" in
    *.txt|*.m3u|*.m3u8)
      while read -r f; do
        case "$f" in ''|'#'*) continue ;; esac
        p="$(dirname "$source")/$f"; [ -f "$p" ] && source_bytes=$((source_bytes + $(stat -c %s "$p")))
      done <"$source" ;;
    *) source_bytes="$(stat -c %s "$source")" ;;
  esac
fi
edge_summary="$(grep -E "summary:|Summary" "$work/edge.log" | tail -n 1 | sed 's/^.*[Ss]ummary:\? *//')"
clips="$(psql_q "SELECT count(*) FROM clips WHERE state = 'dispatched'")"
clip_bytes="$(psql_q "SELECT coalesce(sum(total_bytes),0) FROM clips")"
judgments="$(psql_q "SELECT count(*) FROM alert_evidence WHERE kind = 'judgment'" )"
judged="$(psql_q "SELECT count(*) FROM clips WHERE state = 'dispatched'")"
alerts="$(psql_q "SELECT count(*) FROM alerts")"
echo
echo "summary"
echo "  edge:             ${edge_summary:-see $work/edge.log}"
echo "  clips received:   $clips ($clip_bytes bytes uploaded vs $source_bytes bytes of source video)"
echo "  clips judged:     $judged"
echo "  alert evidence:   $judgments judgments"
echo "  alerts:           $alerts"
psql_q "SELECT '  - ' || alert_id || ' ' || site || '/' || camera || ' ' || rule || ' ' || severity || ' ' || state || CASE WHEN verified THEN '' ELSE ' (unverified)' END || ': ' || summary FROM alerts ORDER BY opened_utc"
