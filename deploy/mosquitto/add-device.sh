#!/usr/bin/env bash
# Creates a device's broker account and ACL entry (or the cloud's account, with --cloud).
#
#   add-device.sh BRANCH/SITE/DEVICE [PASSWORD]   device account: username BRANCH/SITE/DEVICE
#   add-device.sh --cloud USER [PASSWORD]          cloud account (the acl grants va-cloud everything)
#
# Files: $VA_MOSQUITTO_DIR/passwd and $VA_MOSQUITTO_DIR/acl (default /etc/mosquitto/va). A random password is made
# and printed when none is given. Reload the broker afterwards (systemctl reload mosquitto, or kill -HUP its pid).
set -euo pipefail

dir="${VA_MOSQUITTO_DIR:-/etc/mosquitto/va}"
passwd_file="$dir/passwd"
acl_file="$dir/acl"
slug='^[a-z0-9-]{1,32}$'

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
[ $# -ge 1 ] || usage

cloud=0
if [ "$1" = "--cloud" ]; then cloud=1; shift; [ $# -ge 1 ] || usage; fi
user="$1"
password="${2:-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)}"

if [ "$cloud" -eq 1 ]; then
  [[ "$user" =~ $slug ]] || { echo "cloud user '$user' is not a valid id (a-z, 0-9, '-')" >&2; exit 65; }
else
  IFS=/ read -r branch site device extra <<<"$user"
  for part in "$branch" "$site" "$device"; do
    [[ "$part" =~ $slug ]] || { echo "'$user' is not BRANCH/SITE/DEVICE of ids (a-z, 0-9, '-', 1-32 characters)" >&2; exit 65; }
  done
  [ -z "${extra:-}" ] || { echo "'$user' has more than three parts" >&2; exit 65; }
fi

mkdir -p "$dir"
if [ -f "$passwd_file" ]; then
  mosquitto_passwd -b "$passwd_file" "$user" "$password"
else
  mosquitto_passwd -c -b "$passwd_file" "$user" "$password"
fi
chmod 600 "$passwd_file"

if [ "$cloud" -eq 0 ]; then
  prefix="va/v1/$branch/$site/$device"
  if [ -f "$acl_file" ] && grep -qxF "user $user" "$acl_file"; then
    # Provisioned before: its block is replaced, so running this again brings an old device to the current rules.
    awk -v user="user $user" '$0 == user { skip = 1; next } skip && /^$/ { skip = 0 } !skip' "$acl_file" >"$acl_file.new"
    mv "$acl_file.new" "$acl_file"
    echo "acl: $user's entry replaced" >&2
  fi
  # Exactly what a device sends (ARCHITECTURE §3); models/desired is the cloud's to write, never the device's.
  {
    echo
    echo "user $user"
    echo "topic write $prefix/status"
    echo "topic write $prefix/cam/+/tracks"
    echo "topic write $prefix/cam/+/events"
    echo "topic write $prefix/cam/+/clips/+"
    echo "topic write $prefix/models/reported"
    echo "topic read $prefix/models/desired"
    echo "topic read va/v1/$branch/$site/alerts"
  } >>"$acl_file"
fi
echo "$user $password"
