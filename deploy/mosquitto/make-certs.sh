#!/usr/bin/env bash
# Makes a private CA and a server certificate for the broker with openssl (for tests and small installations).
#
#   make-certs.sh DIR [HOSTNAME...]   writes DIR/ca.crt, DIR/ca.key, DIR/server.crt, DIR/server.key
#
# The server certificate names every HOSTNAME (default: localhost) and 127.0.0.1. Devices and silos trust ca.crt
# (Edge:Mqtt:CaFile, Cloud:Mqtt:CaFile).
set -euo pipefail
[ $# -ge 1 ] || { sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }
dir="$1"; shift
hosts=("${@:-localhost}")
mkdir -p "$dir"
san="IP:127.0.0.1"
for h in "${hosts[@]}"; do san="$san,DNS:$h"; done

openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=VideoAnalytics test CA" \
  -keyout "$dir/ca.key" -out "$dir/ca.crt" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=${hosts[0]}" -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' "$san" >"$dir/server.ext"
openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 825 \
  -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null
rm -f "$dir/server.csr" "$dir/server.ext" "$dir/ca.srl"
chmod 600 "$dir/ca.key" "$dir/server.key"
echo "$dir/ca.crt $dir/server.crt $dir/server.key"
