#!/usr/bin/env bash
# Opens a connection to a service by signing a GraphQL request by hand, the R3 way
# (remote.it's API-key scheme), using only bash, openssl and curl.
#
#   R3_ACCESS_KEY_ID=… R3_SECRET_ACCESS_KEY=… R3_API_URL=http://127.0.0.1:29090/graphql/v1 \
#     examples/r3-connect.sh SERVICE_ID [HOST_IP]
#
# HOST_IP says who may use the connection: 255.255.255.255 (the default) latches onto
# the first visitor, 0.0.0.0 lets anyone in, one address lets only that address in.
# Prints the broker's JSON reply, e.g. {"data":{"connect":{"host":…,"port":…}}}.
#
# R3 is an HTTP Signature (draft-cavage-http-signatures): the client writes some parts
# of the request, one per line, into a "signing string", computes HMAC-SHA256 of it with
# the secret access key, and sends the result in the Authorization header. The broker
# rebuilds the same string from the request it received and compares.
set -euo pipefail

usage() {
  echo "usage: R3_ACCESS_KEY_ID=… R3_SECRET_ACCESS_KEY=… R3_API_URL=… $0 SERVICE_ID [HOST_IP]" >&2
  echo "error: $1" >&2
  exit 64
}

for name in R3_ACCESS_KEY_ID R3_SECRET_ACCESS_KEY R3_API_URL; do
  [[ -n "${!name:-}" ]] || usage "$name is not set."
done
[[ $# -ge 1 && $# -le 2 ]] || usage "give a SERVICE_ID and, optionally, a HOST_IP."
for tool in openssl curl od; do
  command -v "$tool" >/dev/null || usage "$tool is not installed."
done

service_id=$1
host_ip=${2:-255.255.255.255}
# Both go into the JSON body verbatim, so allow only the characters they can contain.
[[ $service_id =~ ^[A-Za-z0-9:_-]+$ ]] || usage "SERVICE_ID \"$service_id\" has unexpected characters."
[[ $host_ip =~ ^[0-9A-Fa-f.:]+$ ]] || usage "HOST_IP \"$host_ip\" is not an IP address."

# Split the URL: the signature covers the host (with its port, as written in the URL)
# and the path (with any query), exactly as they appear in the HTTP request.
[[ $R3_API_URL =~ ^(https?)://([^/?#]+)([^#]*)$ ]] ||
  usage "R3_API_URL \"$R3_API_URL\" is not an http(s) URL."
host=${BASH_REMATCH[2]}
path=${BASH_REMATCH[3]:-/}

# The request body: the connect mutation and its variables.
query='mutation ($serviceId: String!, $hostIP: String!) { connect(serviceId: $serviceId, hostIP: $hostIP) { id created host port reverseProxy timeout url serviceId hostIP } }'
body=$(printf '{"query":"%s","variables":{"serviceId":"%s","hostIP":"%s"}}' \
  "$query" "$service_id" "$host_ip")

# Every signed value must be exactly what is sent. Content-Length counts bytes (not
# characters), and the Date is RFC 1123 in GMT (English day and month names, hence C).
date=$(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S GMT')
content_type=application/json
content_length=$(printf '%s' "$body" | LC_ALL=C wc -c | tr -d ' ')
# The broker accepts each signature once: a random signed nonce makes two identical
# requests within the same second two different signatures (any header may be signed).
nonce=$(openssl rand -hex 16)

# 1. The signing string: one "name: value" line per signed header, in the order listed
#    in headers="…", joined by "\n" with no newline at the end. "(request-target)" is
#    the lower-case method, a space, and the path.
signed_headers="(request-target) host date content-type content-length x-reach-nonce"
signing_string="(request-target): post $path
host: $host
date: $date
content-type: $content_type
content-length: $content_length
x-reach-nonce: $nonce"

# 2. The HMAC key is the secret's bytes: base64-decode it, and hand those bytes to
#    openssl as hex (a raw key could contain NUL bytes, which cannot travel in argv).
key_hex=$(printf '%s' "$R3_SECRET_ACCESS_KEY" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
[[ -n $key_hex ]] || usage "R3_SECRET_ACCESS_KEY is not base64."

# 3. signature = base64(HMAC-SHA256(key, signing string)).
signature=$(printf '%s' "$signing_string" |
  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | openssl base64 -A)

# 4. Send it. The Authorization header names the key, the algorithm and the signed
#    headers; Host, Content-Type and Date are set explicitly so they match what was
#    signed (curl computes the same Content-Length from --data-binary). An HTTP error
#    (401 for a bad signature) still prints the broker's JSON, then exits non-zero.
status=0
curl --silent --show-error --fail-with-body \
  --header "Host: $host" \
  --header "Date: $date" \
  --header "Content-Type: $content_type" \
  --header "X-Reach-Nonce: $nonce" \
  --header "Authorization: Signature keyId=\"$R3_ACCESS_KEY_ID\",algorithm=\"hmac-sha256\",headers=\"$signed_headers\",signature=\"$signature\"" \
  --data-binary "$body" \
  "$R3_API_URL" || status=$?
echo # the reply has no newline of its own
exit "$status"
