#!/usr/bin/env bash
# Makes what a secured Meridian cluster needs (see docs/security.md): a CA, one certificate per
# peer (URI SAN meridian-peer:<site>), one per client (URI SAN meridian-client:<name>), bearer
# tokens, and an access file holding the tokens' SHA-256 hashes and the grants.
#
#   scripts/make-certs.sh OUT_DIR SITE=HOST[,HOST...]... [-- CLIENT...]
#
#   scripts/make-certs.sh ./pki lisbon=10.0.0.1 porto=10.0.0.2 faro=peer3.example.org -- billing
#
# HOST is an IP address or a DNS name (the one the other peers and clients dial; several, comma
# separated, for a peer dialled under several names); the certificate also names 127.0.0.1 and
# localhost. Writes into OUT_DIR (created; refuses to overwrite an existing ca-key.pem):
#   ca.pem ca-key.pem                      the CA (keep ca-key.pem offline)
#   <site>.pem <site>-key.pem              each peer's certificate and PKCS#8 key
#   client-<name>.pem client-<name>-key.pem each client certificate
#   admin.token writer.token reader.token  bearer tokens (secrets: mode 600)
#   access.txt                             the access file: admin:*, write:carts/*, read:*,
#                                          and read:* for each client certificate
# Needs openssl and sha256sum. Certificates last DAYS days (default 365).
set -euo pipefail

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
out=$1; shift
days=${DAYS:-365}
mkdir -p "$out"
umask 077
if [ -e "$out/ca-key.pem" ]; then
  echo "make-certs: $out/ca-key.pem exists; use another directory" >&2
  exit 1
fi

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key "$out/ca-key.pem"
openssl req -x509 -new -key "$out/ca-key.pem" -sha256 -days "$days" -subj "/CN=meridian-ca" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out "$out/ca.pem"

# issue NAME CN SAN: a leaf signed by the CA, for both server and client use.
issue() {
  local name=$1 cn=$2 san=$3 ext
  key "$out/$name-key.pem"
  openssl req -new -key "$out/$name-key.pem" -subj "/CN=$cn" -out "$out/$name.csr"
  ext=$(mktemp)
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n' \
    "$san" > "$ext"
  openssl x509 -req -in "$out/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca-key.pem" \
    -CAcreateserial -days "$days" -sha256 -extfile "$ext" -out "$out/$name.pem" 2>/dev/null
  rm -f "$ext" "$out/$name.csr"
}

sites=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  site=${1%%=*}; host=${1#*=}
  [ "$site" != "$1" ] && [ -n "$host" ] || usage
  hostsans=""
  IFS=, read -ra hosts <<< "$host"
  for h in "${hosts[@]}"; do
    [ -n "$h" ] || usage
    if [[ $h =~ ^[0-9.]+$ || $h == *:* ]]; then hostsans+="IP:$h,"; else hostsans+="DNS:$h,"; fi
  done
  issue "$site" "$site" "URI:meridian-peer:$site,${hostsans}IP:127.0.0.1,DNS:localhost"
  sites+=("$site"); shift
done
[ ${#sites[@]} -gt 0 ] || usage
[ $# -gt 0 ] && shift
clients=("$@")
for c in "${clients[@]}"; do
  issue "client-$c" "$c" "URI:meridian-client:$c"
done

token() { openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n'; }
hash() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
{
  echo "# Meridian access file (docs/security.md): kind name [credential] grants..."
  for t in 'admin:admin:*' 'writer:write:carts/*' 'reader:read:*'; do
    name=${t%%:*}; grant=${t#*:}
    secret=$(token)
    printf '%s\n' "$secret" > "$out/$name.token"
    echo "token $name sha256:$(hash "$secret") $grant"
  done
  for c in "${clients[@]}"; do
    echo "client $c read:*"
  done
} > "$out/access.txt"
chmod 644 "$out"/*.pem "$out/access.txt"
chmod 600 "$out"/*-key.pem "$out"/*.token
rm -f "$out/ca.srl"
echo "make-certs: wrote the CA, ${#sites[@]} peer and ${#clients[@]} client certificates," \
  "3 tokens and access.txt into $out" >&2
