#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# shellcheck disable=SC2015 # "A && B || fail": fail exits
# examples/nginx-registry.conf works as documented: in front of a real
# stadspas-issuerd on loopback (paths, ports and certificates swapped for
# a temp dir), nginx serves /registry/ and /status/ byte for byte as the
# daemon does, answers a second GET from its cache (X-Cache-Status: HIT),
# and refuses everything else (admin: 404, POST: 403).
#   check_nginx.sh SOURCE_ROOT STADSPAS-ISSUERD
# Skipped (exit 77) when nginx is not installed.
set -eu
root=$1
issuerd=$2
conf=$root/examples/nginx-registry.conf
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "check_nginx: no nginx, skipped"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/sp-nginx.XXXXXX")
DPID=""
NPID=""
cleanup() {
	rc=$?
	[ -n "$NPID" ] && kill -TERM "$NPID" 2>/dev/null && wait "$NPID" || :
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" || :
	[ $rc -eq 0 ] || { tail -20 "$T/error.log" 2>/dev/null || :; }
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT
trap 'exit 143' INT TERM
fail() {
	echo "check_nginx: FAIL: $*" >&2
	exit 1
}

# The daemon.
"$issuerd" --data-dir "$T/data" --listen 127.0.0.1:0 </dev/null \
    >/dev/null 2>"$T/issuerd.log" &
DPID=$!
i=0
until grep -q 'msg=listening' "$T/issuerd.log"; do
	kill -0 "$DPID" 2>/dev/null || fail "the daemon exited"
	i=$((i + 1))
	[ $i -lt 300 ] || fail "the daemon did not start"
	sleep 0.1
done
DPORT=$(sed -n 's/.*msg=listening.*port=\([0-9]*\).*/\1/p' \
    "$T/issuerd.log" | head -1)
CA=$T/data/tls/cert.pem

# The example, with its deployment paths and ports swapped.
NPORT=$(python3 -c 'import socket; s = socket.socket(); \
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for s in /var/cache/nginx/stadspas 'server 127.0.0.1:8443;' \
    'listen 443 ssl http2;' 'listen \[::\]:443' /etc/ssl/stadspas/ \
    /var/lib/stadspas/tls/cert.pem; do
	grep -q "$s" "$conf" || fail "the example no longer has '$s'"
done
sed -e "s|/var/cache/nginx/stadspas|$T/cache|" \
    -e "s|server 127.0.0.1:8443;|server 127.0.0.1:$DPORT;|" \
    -e "s|listen 443 ssl http2;|listen 127.0.0.1:$NPORT ssl http2;|" \
    -e '/listen \[::\]:443/d' \
    -e "s|/etc/ssl/stadspas/fullchain.pem|$CA|" \
    -e "s|/etc/ssl/stadspas/privkey.pem|$T/data/tls/key.pem|" \
    -e "s|/var/lib/stadspas/tls/cert.pem|$CA|" "$conf" >"$T/registry.conf"
mkdir -p "$T/logs"
cat >"$T/nginx.conf" <<EOF
daemon off;
user $(id -un);
pid $T/nginx.pid;
error_log $T/error.log info;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $T/body;
	proxy_temp_path $T/proxy;
	fastcgi_temp_path $T/fastcgi;
	uwsgi_temp_path $T/uwsgi;
	scgi_temp_path $T/scgi;
	include $T/registry.conf;
}
EOF
"$NGINX" -t -q -p "$T" -e "$T/error.log" -c "$T/nginx.conf" ||
    fail "nginx -t refuses the example"
"$NGINX" -p "$T" -e "$T/error.log" -c "$T/nginx.conf" &
NPID=$!
i=0
until curl -s -o /dev/null --cacert "$CA" "https://127.0.0.1:$NPORT/"; do
	kill -0 "$NPID" 2>/dev/null || fail "nginx exited"
	i=$((i + 1))
	[ $i -lt 100 ] || fail "nginx did not start"
	sleep 0.1
done

direct() {
	curl -sSf --http1.1 --cacert "$CA" -o "$2" \
	    "https://127.0.0.1:$DPORT$1"
}
cached() {
	curl -sSf --cacert "$CA" -D "$3" -o "$2" \
	    "https://127.0.0.1:$NPORT$1"
}
n=0
for path in /registry/trust /registry/1/snapshot /registry/1/checkpoint \
    /status/1 /registry/keys; do
	direct "$path" "$T/d" || fail "daemon GET $path"
	cached "$path" "$T/c1" "$T/h1" || fail "nginx GET $path"
	cached "$path" "$T/c2" "$T/h2" || fail "nginx GET $path again"
	cmp -s "$T/d" "$T/c1" && cmp -s "$T/d" "$T/c2" ||
	    fail "$path differs through nginx"
	grep -qi '^x-cache-status: HIT' "$T/h2" ||
	    fail "$path: second GET not from the cache: $(cat "$T/h2")"
	n=$((n + 1))
done
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" \
    "https://127.0.0.1:$NPORT/admin/residents")
[ "$code" = 404 ] || fail "/admin/residents through nginx: $code, want 404"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" -X POST \
    --data '{}' "https://127.0.0.1:$NPORT/registry/trust")
[ "$code" = 403 ] || fail "POST /registry/trust: $code, want 403"
echo "check_nginx: $n registry paths identical through nginx and cached;" \
    "admin 404, POST 403"
