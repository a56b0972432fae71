#!/usr/bin/env bash
# Starts a private PostgreSQL and a private Mosquitto on free loopback ports, exports their addresses,
# runs CMD [ARGS...], stops both and exits with CMD's status. Nothing outside a temp folder is touched,
# so it can run twice at once and leaves nothing behind, even when CMD fails.
#
#   VA_TEST_POSTGRES   Npgsql connection string of an empty database "va"
#   VA_TEST_POSTGRES_PORT  its port (psql -h 127.0.0.1 -p $VA_TEST_POSTGRES_PORT -U postgres va)
#   VA_TEST_MQTT_HOST  broker host (127.0.0.1)
#   VA_TEST_MQTT_PORT  broker port (anonymous, plain TCP; the secure config is tested separately)
#   VA_SERVICES_DIR    the temp folder (logs: postgres.log, mosquitto/mosquitto.log)
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 64
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=deploy/local/lib.sh
source "$here/lib.sh"
va_require_services

work="$(mktemp -d /tmp/va-services.XXXXXX)"
chmod 755 "$work"
pg_pid=""
mosq_pid=""

cleanup() {
  local status=$?
  if [ -n "$pg_pid" ]; then
    va_as_postgres "$(va_pg_bin pg_ctl)" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "$mosq_pid" ]; then
    kill "$mosq_pid" 2>/dev/null || true
    wait "$mosq_pid" 2>/dev/null || true
  fi
  if [ "${VA_KEEP_SERVICES_DIR:-0}" != "1" ]; then rm -rf "$work"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- PostgreSQL: own data dir, own port, socket in the temp folder ---
pg_port="$(va_free_port)"
mkdir -p "$work/pg"
va_chown_postgres "$work"
va_as_postgres "$(va_pg_bin initdb)" -D "$work/pg" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log" >&2; exit 1; }
va_as_postgres "$(va_pg_bin pg_ctl)" -D "$work/pg" -l "$work/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$work/postgres.log" >&2; exit 1; }
pg_pid=1
va_as_postgres "$(va_pg_bin psql)" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE va" >/dev/null

# --- Mosquitto: own config, own port, persistence in the temp folder ---
mqtt_port="$(va_free_port)"
mkdir -p "$work/mosquitto"
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings false
allow_anonymous true
listener $mqtt_port 127.0.0.1
persistence true
persistence_location $work/mosquitto/
max_inflight_messages 100
max_queued_messages 100000
message_size_limit 2097152
log_dest file $work/mosquitto/mosquitto.log
log_type error
log_type warning
CONF
# Run as root, mosquitto drops to its own user: give it its folder.
if [ "$(id -u)" -eq 0 ]; then chown -R mosquitto "$work/mosquitto" 2>/dev/null || true; fi
mosquitto -c "$work/mosquitto.conf" &
mosq_pid=$!
va_wait_port "$mqtt_port" || { echo "mosquitto did not start" >&2; cat "$work/mosquitto/mosquitto.log" >&2 || true; exit 1; }

export VA_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=va;Pooling=true;Maximum Pool Size=100"
export VA_TEST_POSTGRES_PORT="$pg_port"
export VA_TEST_MQTT_HOST=127.0.0.1
export VA_TEST_MQTT_PORT="$mqtt_port"
export VA_SERVICES_DIR="$work"
echo "with-services: postgres on 127.0.0.1:$pg_port, mosquitto on 127.0.0.1:$mqtt_port ($work)" >&2

set +e
"$@"
status=$?
set -e
exit $status
