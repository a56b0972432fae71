# Helpers shared by the deploy/local scripts. Sourced, not run.

# Installs the Debian packages the system needs, once; a no-op when they are present.
va_install_packages() {
  local wanted=(libgtk-3-0 postgresql mosquitto mosquitto-clients ffmpeg chromium procps iproute2)
  local missing=()
  for p in "${wanted[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    if [ "$(id -u)" -ne 0 ]; then echo "need root to install ${missing[*]}" >&2; return 1; fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The Debian package starts a system-wide broker and cluster; ours are private, so those are not needed.
  if command -v systemctl >/dev/null 2>&1; then systemctl stop mosquitto >/dev/null 2>&1 || true; fi
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "the .NET 10 SDK (dotnet) is not on PATH; install it first" >&2
    return 1
  fi
}

va_require_services() {
  command -v mosquitto >/dev/null 2>&1 || PATH="$PATH:/usr/sbin"
  command -v mosquitto >/dev/null 2>&1 || { echo "mosquitto is not installed (run deploy/local/test.sh, which installs it)" >&2; exit 1; }
  [ -x "$(va_pg_bin initdb)" ] || { echo "PostgreSQL server binaries are not installed (apt-get install postgresql)" >&2; exit 1; }
}

va_pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  echo "$dir/$1"
}

# PostgreSQL refuses to run as root: run its tools as the postgres user when we are root.
va_as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

va_chown_postgres() {
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres:postgres "$1"; fi
}

va_port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

va_free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! va_port_in_use "$p"; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2
  return 1
}

va_wait_port() {
  for _ in $(seq 1 100); do
    va_port_in_use "$1" && return 0
    sleep 0.1
  done
  return 1
}
