#!/usr/bin/env bash
# tests/cli/nginx_example.sh — nginx.conf.example with a real nginx:
#   - it is what scripts/stack.sh generates from scripts/nginx/ (not edited by hand);
#   - its plain-HTTP server redirects to the configured server name, whatever
#     Host the client sends (a redirect to the client's Host is an open
#     redirect): that server block runs on a free loopback port;
#   - the HTTPS server's site rules pass the syntax check (nginx -t, with a
#     throwaway self-signed certificate, the paths swapped for temporary ones).
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

if scripts/stack.sh example --check >/dev/null 2>&1; then
	ok "nginx.conf.example is current"
else
	bad "nginx.conf.example differs from scripts/nginx/ (run scripts/stack.sh example)"
fi

if ! command -v nginx >/dev/null 2>&1 || ! command -v curl >/dev/null 2>&1; then
	echo "nginx or curl missing: the redirect is not tested here"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

dir=$(mktemp -d /tmp/lf-nginx-example.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
port=""
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 20000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
name=$(sed -n 's/^ *server_name \([^;]*\);/\1/p' nginx.conf.example | head -n 1)

# the first server block (listen 80), moved to the free port
awk '/^    server \{/ { n++ } n == 1 { print } n == 1 && /^    \}/ { exit }' nginx.conf.example |
	sed -e "s/listen 80;/listen 127.0.0.1:$port;/" -e '/listen \[::\]:80;/d' >"$dir/redirect.conf"
cat >"$dir/nginx.conf" <<CONF
$( [ "$(id -u)" -eq 0 ] && echo "user root;" )
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log;
events { worker_connections 16; }
http {
    access_log off;
    client_body_temp_path $dir/b; proxy_temp_path $dir/p; fastcgi_temp_path $dir/f;
    uwsgi_temp_path $dir/u; scgi_temp_path $dir/s;
    include $dir/redirect.conf;
}
CONF
nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;' >"$dir/out" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done
loc=$(curl -s -o /dev/null -m 5 -w '%{redirect_url}' -H 'Host: evil.example' "http://127.0.0.1:$port/jobs?x=1")
if [ "$loc" = "https://$name/jobs?x=1" ]; then
	ok "http:// redirects to https://$name/ whatever the Host"
else
	bad "the redirect with Host: evil.example went to '$loc' (want https://$name/jobs?x=1)"
	cat "$dir/error.log" 2>/dev/null | tail -n 5
fi

# the whole example through nginx -t, with its outside paths made local
if command -v openssl >/dev/null 2>&1; then
	openssl req -x509 -newkey rsa:2048 -nodes -subj "/CN=$name" -days 1 \
		-keyout "$dir/key.pem" -out "$dir/cert.pem" >/dev/null 2>&1
	sed -e "s#/etc/letsencrypt/live/[^;]*/fullchain.pem#$dir/cert.pem#" \
	    -e "s#/etc/letsencrypt/live/[^;]*/privkey.pem#$dir/key.pem#" \
	    -e "s#^user www-data;#$( [ "$(id -u)" -eq 0 ] && echo 'user root;' )#" \
	    -e "s#/run/nginx.pid#$dir/t.pid#" -e "s#/var/log/nginx/#$dir/#g" \
	    -e "s#listen 443 ssl http2;#listen 127.0.0.1:$((port + 1)) ssl http2;#" -e '/listen \[::\]:443/d' \
	    -e "s#listen 80;#listen 127.0.0.1:$port;#" -e '/listen \[::\]:80;/d' \
	    nginx.conf.example >"$dir/full.conf"
	if nginx -q -t -p "$dir" -c "$dir/full.conf" -e "$dir/t-error.log" >"$dir/t.out" 2>&1; then
		ok "nginx -t accepts the whole example"
	else
		bad "nginx -t refuses the example: $(tail -n 3 "$dir/t.out")"
	fi
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
