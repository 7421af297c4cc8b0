#!/usr/bin/env bash
# stack.sh — the local LangFlix stack: a private PostgreSQL cluster, nginx,
# the FastCGI app, the worker and the TikTok emulator, all under var/.
#
#   scripts/stack.sh run        everything, in the foreground (make run); Ctrl-C stops it all
#   scripts/stack.sh start      the same, but return once everything answers (tests)
#   scripts/stack.sh stop       stop whatever start/run started (make stop)
#   scripts/stack.sh status     what is running
#   scripts/stack.sh pg-stop    stop only PostgreSQL (tests: the app must answer 503)
#   scripts/stack.sh pg-start   start it again
#   scripts/stack.sh env        shell `export` lines describing the stack (tests)
#   scripts/stack.sh host-start another host of the same site: its own nginx, app and
#                               worker in LF_VAR, on the PostgreSQL, emulator, keys and media
#                               of the stack in LF_PRIMARY (a running `start`'s folder), at
#                               LF_PORT (tests: two hosts, one database); `stop` stops it
#   scripts/stack.sh demo-password   give the demo user a new generated password
#   scripts/stack.sh example [--check]
#                               regenerate nginx.conf.example (or check it is current)
#   scripts/stack.sh site-rules STATIC MEDIA SOCKET [SSO_CHECK_URL]
#                               print the site rules (tests' own nginx; SSO on with a URL)
#   scripts/stack.sh app-upstream SOCKET
#                               print the app's upstream block (http context; tests' own nginx)
#
# Environment (all optional):
#   LF_VAR        state folder (default ./var): config, keys, cluster, sockets, logs
#   LF_BIN        folder with the binaries (default build); STACK_BUILD is a synonym
#   LF_PORT       site port on 127.0.0.1 (default 8080)
#   LF_EMU_PORT   emulator port on 127.0.0.1 (default 8081)
#   LF_PG_PORT    PostgreSQL port; it only names the socket file (default 5432)
#   LF_PG_BIN     PostgreSQL programs (default /usr/lib/postgresql/15/bin)
#   LF_NO_BUILD=1 do not run make;  LF_SKIP_DEPS=1 do not check Debian packages
#   LF_NO_DEMO=1  no demo user and no demo videos (tests)
#   LF_PRIMARY    host-start: the folder of the stack whose database it shares
#
# Ports, PostgreSQL user and paths chosen at the first start are kept in
# VAR/stack.env and reused by later commands. Settings of your own for the app
# go into VAR/langflix.local.conf (appended to the generated VAR/langflix.conf).
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
ROOT=$(cd "$(dirname "$SELF")/.." && pwd)
# shellcheck source=scripts/deps.sh
. "$ROOT/scripts/deps.sh"

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: warning: %s\n' "$*" >&2; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }

abs_path() # relative paths are taken from the repository root
{
	case "$1" in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$ROOT/$1" ;;
	esac
}

# ---- paths and persisted choices --------------------------------------------

VAR=$(abs_path "${LF_VAR:-var}")
VAR=${VAR%/}
RUN=$VAR/run
LOG=$VAR/log
STATE=$VAR/stack.env
CONF=$VAR/langflix.conf
EMU_CONF=$VAR/emulator.conf
MEDIA=$VAR/media
APP_SOCKET=$RUN/app.sock
EMU_SOCKET=$RUN/emulator.sock
PG_LINK=$VAR/pg

S_PORT="" S_EMU_PORT="" S_PG_PORT="" S_PG_USER="" S_BIN=""
if [ -f "$STATE" ]; then
	# shellcheck disable=SC1090
	. "$STATE"
fi
PORT=${LF_PORT:-${S_PORT:-8080}}
EMU_PORT=${LF_EMU_PORT:-${S_EMU_PORT:-8081}}
PG_PORT=${LF_PG_PORT:-${S_PG_PORT:-5432}}
BIN=$(abs_path "${LF_BIN:-${STACK_BUILD:-${S_BIN:-build}}}")
BIN=${BIN%/}
PG_BIN=${LF_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=${S_PG_USER:-}
IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

save_state()
{
	cat >"$STATE.tmp" <<EOF
# written by scripts/stack.sh; the choices of the first start, reused later
S_PORT=$PORT
S_EMU_PORT=$EMU_PORT
S_PG_PORT=$PG_PORT
S_PG_USER=$PG_USER
S_BIN=$(printf '%q' "$BIN")
EOF
	mv "$STATE.tmp" "$STATE"
}

stack_log() # a line for the terminal of `run` and for VAR/log/stack.log
{
	printf '%s stack: %s\n' "$(date '+%H:%M:%S')" "$*" >>"$LOG/stack.log"
}

make_layout()
{
	mkdir -p "$VAR" "$RUN" "$LOG" "$MEDIA" "$VAR/frames" "$VAR/nginx"
	chmod 755 "$VAR" "$RUN" "$LOG"
}

random_hex() # N bytes as 2N hex digits
{
	if command -v openssl >/dev/null 2>&1; then
		openssl rand -hex "$1"
	else
		od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
		echo
	fi
}

# ---- Debian packages and build ----------------------------------------------

ensure_packages()
{
	[ "${LF_SKIP_DEPS:-0}" = 1 ] && return 0
	if ! command -v dpkg-query >/dev/null 2>&1; then
		warn "not a Debian system: cannot check packages ($DEPS)"
		return 0
	fi
	if ! deps_install; then
		warn "continuing without them; the build or the start may fail"
	fi
}

build()
{
	local rel=${BIN#"$ROOT"/}
	[ "${LF_NO_BUILD:-0}" = 1 ] && return 0
	if [ "$rel" = "$BIN" ]; then
		say "LF_BIN=$BIN is outside the repository: not building"
		return 0
	fi
	say "building ($rel)"
	if [ "$rel" = build/test ]; then
		make -C "$ROOT" -s BUILD=build/test SANITIZE=1 test-bins || die "the build failed"
	else
		make -C "$ROOT" -s BUILD="$rel" || die "the build failed"
	fi
}

# ---- configuration ------------------------------------------------------------

ensure_secrets()
{
	umask 077
	if [ ! -s "$VAR/secret.key" ]; then
		random_hex 32 >"$VAR/secret.key"
		say "generated $VAR/secret.key"
	fi
	# The OAuth client the app and the emulator share.
	if [ ! -s "$VAR/tiktok-client" ]; then
		printf 'lf%s\n%s\n' "$(random_hex 8)" "$(random_hex 16)" >"$VAR/tiktok-client"
	fi
	umask 022
	SECRET_KEY=$(head -n1 "$VAR/secret.key")
	TT_CLIENT_KEY=$(sed -n 1p "$VAR/tiktok-client")
	TT_CLIENT_SECRET=$(sed -n 2p "$VAR/tiktok-client")
}

db_url() { printf 'host=%s port=%s dbname=langflix user=langflix' "$PG_SOCK" "$PG_PORT"; }

# The app's configuration is derived data: it is rewritten at every start from
# the stored keys and the current ports. Own settings: VAR/langflix.local.conf.
write_app_config()
{
	umask 077
	{
		echo "# GENERATED by scripts/stack.sh at every start; put your own"
		echo "# settings into $VAR/langflix.local.conf (appended below, later keys win)."
		echo "listen = $APP_SOCKET"
		echo "database_url = $(db_url)"
		echo "threads = 4"
		echo "media_root = $MEDIA"
		echo "frames_dir = $VAR/frames"
		echo "templates_dir = $ROOT/templates"
		echo "secret_key = $SECRET_KEY"
		echo "tiktok_client_key = $TT_CLIENT_KEY"
		echo "tiktok_client_secret = $TT_CLIENT_SECRET"
		echo "tiktok_redirect_uri = http://127.0.0.1:${SITE_PORT:-$PORT}/auth/tiktok/callback"
		echo "tiktok_auth_url = http://127.0.0.1:$EMU_PORT/v2/auth/authorize/"
		echo "tiktok_api_base = http://127.0.0.1:$EMU_PORT"
		echo "log_level = ${LF_LOG_LEVEL:-info}"
		if [ -f "$VAR/langflix.local.conf" ]; then
			echo "# ---- $VAR/langflix.local.conf"
			cat "$VAR/langflix.local.conf"
		fi
	} >"$CONF.tmp"
	mv "$CONF.tmp" "$CONF"
	umask 022
}

# ---- emulator configuration (the emulator's part) -----------------------------
# write_emulator_config writes VAR/emulator.conf for tiktok-emulator.fcgi. The
# emulator refuses unknown keys, so only `listen` is written here. The emulator
# adds its own keys by providing scripts/emulator-conf.sh, which defines
#   emulator_conf_lines   print extra `key = value` lines
# and may use: EMU_SOCKET EMU_PORT PORT VAR MEDIA TT_CLIENT_KEY TT_CLIENT_SECRET
#              PG_SOCK PG_PORT (db_url prints the app's database URL).
write_emulator_config()
{
	umask 077
	{
		echo "# GENERATED by scripts/stack.sh at every start"
		echo "listen = $EMU_SOCKET"
		if [ -f "$ROOT/scripts/emulator-conf.sh" ]; then
			# shellcheck disable=SC1091
			. "$ROOT/scripts/emulator-conf.sh"
			emulator_conf_lines
		fi
	} >"$EMU_CONF.tmp"
	mv "$EMU_CONF.tmp" "$EMU_CONF"
	umask 022
}

# ---- PostgreSQL ----------------------------------------------------------------
# PostgreSQL refuses to run as root. As root, the cluster belongs to an
# unprivileged user (`postgres` from the Debian package, else a `langflix`
# system user) and initdb/pg_ctl run as that user through runuser.

choose_pg_user()
{
	if [ "$IS_ROOT" -eq 0 ]; then
		PG_USER=$(id -un)
		return 0
	fi
	[ -n "$PG_USER" ] && id "$PG_USER" >/dev/null 2>&1 && return 0
	if id postgres >/dev/null 2>&1; then
		PG_USER=postgres
	else
		if ! id langflix >/dev/null 2>&1; then
			useradd --system --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin langflix
			say "created the system user langflix to run PostgreSQL"
		fi
		PG_USER=langflix
	fi
}

pg_as() # run a command as the cluster's owner, from a folder it can enter
{
	if [ "$IS_ROOT" -eq 1 ]; then
		(cd / && runuser -u "$PG_USER" -- "$@")
	else
		"$@"
	fi
}

# Where the cluster lives. Normally VAR/pg. When PostgreSQL's user cannot
# reach VAR (a repository under /root, say), the cluster goes to
# /var/tmp/langflix-<hash of VAR>/ and VAR/pg becomes a symlink to it.
pg_paths()
{
	local target
	if [ -L "$PG_LINK" ]; then
		target=$(readlink "$PG_LINK")
		PG_HOME=$target
	else
		PG_HOME=$PG_LINK
	fi
	PGDATA=$PG_HOME/data
	PG_SOCK=$PG_HOME/run
}

pg_place()
{
	local hash
	if [ -e "$PG_LINK" ] || [ -L "$PG_LINK" ]; then
		pg_paths
		mkdir -p "$PG_HOME"
		return 0
	fi
	if [ "$IS_ROOT" -eq 1 ] && ! runuser -u "$PG_USER" -- test -x "$VAR/." 2>/dev/null; then
		hash=$(printf '%s' "$VAR" | sha256sum | cut -c1-12)
		mkdir -p "/var/tmp/langflix-$hash"
		ln -s "/var/tmp/langflix-$hash" "$PG_LINK"
		say "user $PG_USER cannot enter $VAR: the cluster lives in /var/tmp/langflix-$hash (symlinked as $PG_LINK)"
	else
		mkdir -p "$PG_LINK"
	fi
	pg_paths
}

pg_init()
{
	choose_pg_user
	pg_place
	if [ "$IS_ROOT" -eq 1 ]; then
		chown "$PG_USER:" "$PG_HOME"
	fi
	chmod 700 "$PG_HOME"
	pg_as mkdir -p "$PG_SOCK"
	pg_as chmod 700 "$PG_SOCK"
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		[ -x "$PG_BIN/initdb" ] || die "$PG_BIN/initdb not found (install postgresql-15 or set LF_PG_BIN)"
		say "creating the PostgreSQL cluster in $PGDATA"
		# Only the cluster's owner (and root) can enter the socket folder, so
		# trust authentication on the unix socket is private to this machine user.
		pg_as "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust -E UTF8 \
			--locale=C.UTF-8 >"$LOG/initdb.log" 2>&1 ||
			{ cat "$LOG/initdb.log" >&2; die "initdb failed"; }
		pg_as sh -c "printf '%s\n' \"include_if_exists = 'langflix-stack.conf'\" >>'$PGDATA/postgresql.conf'"
	fi
	ln -sfn "$PG_HOME/postgres.log" "$LOG/postgres.log"
}

# Settings that follow the current port and paths, rewritten at every start.
pg_write_settings()
{
	pg_as sh -c "cat >'$PGDATA/langflix-stack.conf'" <<EOF
# written by scripts/stack.sh at every start
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
unix_socket_permissions = 0700
# A development and test cluster: durability is not needed, speed is.
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 100
log_min_messages = warning
log_line_prefix = '%m [%p] '
EOF
}

pg_running() { [ -n "${PGDATA:-}" ] && pg_as "$PG_BIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }

pg_start()
{
	if pg_running; then
		return 0
	fi
	pg_write_settings
	rm -f "$PG_SOCK/.s.PGSQL.$PG_PORT" "$PG_SOCK/.s.PGSQL.$PG_PORT.lock" 2>/dev/null || true
	pg_as "$PG_BIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$PG_HOME/postgres.log" >/dev/null ||
		{ tail -n 20 "$PG_HOME/postgres.log" >&2 || true; die "PostgreSQL did not start"; }
	"$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" -U postgres -d postgres -t 30 || die "PostgreSQL does not answer"
	stack_log "postgres started"
}

pg_stop()
{
	if ! pg_running; then
		say "PostgreSQL is not running"
		return 0
	fi
	pg_as "$PG_BIN/pg_ctl" stop -w -t 60 -D "$PGDATA" -m fast >/dev/null
	stack_log "postgres stopped"
	say "stopped postgres"
}

psql_admin() # psql as the cluster's superuser on the private socket
{
	"$PG_BIN/psql" "host=$PG_SOCK port=$PG_PORT dbname=postgres user=postgres" \
		-X -v ON_ERROR_STOP=1 -qtA "$@"
}

pg_ensure_database()
{
	if [ -z "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = 'langflix'")" ]; then
		psql_admin -c "CREATE ROLE langflix LOGIN"
	fi
	if [ -z "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = 'langflix'")" ]; then
		psql_admin -c "CREATE DATABASE langflix OWNER langflix"
		say "created database langflix"
	fi
}

# ---- supervised processes ------------------------------------------------------
# Each service runs under its own supervisor: a copy of this script started
# with `_supervise NAME CMD...` in a new session (so that Ctrl-C reaches only
# the foreground `run`, which then stops everything in order). The supervisor
# restarts the command when it dies and stops it on TERM.

svc_pid() { cat "$RUN/$1.pid" 2>/dev/null || true; }
svc_sup_pid() { cat "$RUN/$1.supervisor.pid" 2>/dev/null || true; }
# A process that exited but was not reaped yet (a zombie: our parent may be a
# container's PID 1 that reaps late) counts as gone.
alive()
{
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	! grep -qs '^State:[[:space:]]*Z' "/proc/$1/status"
}

supervise_main()
{
	local name=$1 child="" sleeper="" stopping=0 rc delay=1 started
	shift
	set +e
	echo $$ >"$RUN/$name.supervisor.pid"
	trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; [ -n "$sleeper" ] && kill "$sleeper" 2>/dev/null' TERM INT HUP
	while [ "$stopping" -eq 0 ]; do
		"$@" >>"$LOG/$name.log" 2>&1 </dev/null &
		child=$!
		echo "$child" >"$RUN/$name.pid"
		started=$(date +%s)
		wait "$child"
		rc=$?
		# A trapped signal ends `wait` early: wait for the process itself.
		while kill -0 "$child" 2>/dev/null; do
			wait "$child"
			rc=$?
		done
		child=""
		rm -f "$RUN/$name.pid"
		[ "$stopping" -eq 1 ] && break
		# Back off when it dies right away, so a broken build does not spin.
		if [ $(($(date +%s) - started)) -ge 10 ]; then delay=1; fi
		stack_log "$name exited (status $rc); restarting in ${delay}s (log: $LOG/$name.log)"
		sleep "$delay" &
		sleeper=$!
		wait "$sleeper"
		sleeper=""
		delay=$((delay * 2 > 30 ? 30 : delay * 2))
	done
	rm -f "$RUN/$name.supervisor.pid"
	stack_log "$name stopped"
	exit 0
}

svc_start() # NAME CMD... — no-op when already running
{
	local name=$1
	shift
	if alive "$(svc_sup_pid "$name")"; then
		say "$name already running"
		return 0
	fi
	rm -f "$RUN/$name.pid" "$RUN/$name.supervisor.pid"
	LF_VAR=$VAR setsid "$SELF" _supervise "$name" "$@" </dev/null >>"$LOG/stack.log" 2>&1 &
	for _ in $(seq 1 50); do
		[ -s "$RUN/$name.pid" ] && break
		sleep 0.1
	done
	[ -s "$RUN/$name.pid" ] || die "$name did not start (see $LOG/stack.log)"
	stack_log "$name started (pid $(svc_pid "$name"))"
}

svc_stop()
{
	local name=$1 sup child
	sup=$(svc_sup_pid "$name")
	child=$(svc_pid "$name")
	if ! alive "$sup" && ! alive "$child"; then
		rm -f "$RUN/$name.pid" "$RUN/$name.supervisor.pid"
		return 0
	fi
	if alive "$sup"; then
		kill -TERM "$sup" 2>/dev/null || true
	else
		kill -TERM "$child" 2>/dev/null || true
	fi
	for _ in $(seq 1 100); do
		alive "$sup" || alive "$child" || break
		sleep 0.1
	done
	if alive "$child" || alive "$sup"; then
		# A SIGKILLed program loses what only its exit writes (the counters
		# of a coverage build, say): tests/run.sh counts this line as a failure.
		warn "$name did not stop within 10s: killing it"
		stack_log "$name did not stop within 10s of SIGTERM: killed"
		kill -KILL "$child" "$sup" 2>/dev/null || true
	fi
	rm -f "$RUN/$name.pid" "$RUN/$name.supervisor.pid"
	say "stopped $name"
}

# ---- nginx ---------------------------------------------------------------------

render() # TEMPLATE KEY=VALUE... — replace each @KEY@; refuse leftovers
{
	local text kv key
	text=$(<"$1")
	shift
	for kv in "$@"; do
		key=${kv%%=*}
		text=${text//"@$key@"/"${kv#*=}"}
	done
	if [[ $text =~ @[A-Z_]+@ ]]; then
		die "unfilled placeholder ${BASH_REMATCH[0]} in a template"
	fi
	printf '%s\n' "$text"
}

# STATIC_ROOT MEDIA_ROOT FRAMES_ROOT APP_PASS STATIC_EXPIRES EXTRA_HEADERS LOCATION_LIMITS
# [SSO_CHECK_URL]. APP_PASS is fastcgi_pass's target: langflix_app (the
# upstream of app_upstream, with its pool of kept connections) or
# unix:SOCKET. The "#sso" lines become active with an SSO check URL, else
# they stay comments (with the example's placeholder URL).
site_rules()
{
	local sso_url=${8:-} sso_sed=''
	if [ -n "$sso_url" ]; then
		sso_sed='s/^\( *\)#sso /\1/'
	fi
	render "$ROOT/scripts/nginx/langflix-site.conf" \
		"STATIC_ROOT=$1" "MEDIA_ROOT=$2" "FRAMES_ROOT=$3" "APP_PASS=$4" "STATIC_EXPIRES=$5" \
		"EXTRA_HEADERS=$6" "LOCATION_LIMITS=$7" \
		"SSO_CHECK_URL=${sso_url:-http://127.0.0.1:9091/check}" | sed "$sso_sed"
}

# The upstream block for the app at SOCKET (http context).
app_upstream()
{
	render "$ROOT/scripts/nginx/app-upstream.conf.in" "APP_SOCKET=$1"
}

# The site rules for a test's own nginx: STATIC_ROOT MEDIA_ROOT APP_SOCKET [SSO_CHECK_URL]
cmd_site_rules()
{
	[ $# -ge 3 ] || die "usage: stack.sh site-rules STATIC_ROOT MEDIA_ROOT APP_SOCKET [SSO_CHECK_URL]"
	# the frames folder: LF_FRAMES, else "frames" next to the media folder
	site_rules "$1" "$2" "${LF_FRAMES:-$(dirname "$2")/frames}" "unix:$3" 5m "            # (test)" \
		"            # (test)" "${4:-}"
}

write_nginx_config()
{
	local user_line rules emu_server
	if [ "$IS_ROOT" -eq 1 ]; then
		# Development only: the master runs as root here, and the workers must
		# read static/ and the media inside a repository that may sit under
		# /root, and connect to the app's socket, which root created.
		user_line="user root;"
	else
		user_line="# not started by root: the workers run as $(id -un)"
	fi
	rules=$(site_rules "$ROOT/static" "$MEDIA" "$VAR/frames" langflix_app "5m" \
		"            # (HSTS: production only)" \
		"            # (rate limits: production only, see nginx.conf.example)")
	mkdir -p "$VAR/nginx"
	# another host (host-start) serves the site only: the emulator is the first one's
	emu_server=""
	if [ "${HOST_MODE:-0}" = 0 ]; then
		emu_server=$(render "$ROOT/scripts/nginx/emulator-server.conf.in" "EMU_PORT=$EMU_PORT" \
			"EMU_SOCKET=$EMU_SOCKET")
	fi
	render "$ROOT/scripts/nginx/dev.conf.in" "USER_LINE=$user_line" "VAR=$VAR" \
		"RUN=$RUN" "LOG=$LOG" "PORT=$PORT" "EMULATOR_SERVER=$emu_server" \
		"APP_UPSTREAM=$(app_upstream "$APP_SOCKET")" "SITE_RULES=$rules" >"$VAR/nginx.conf.tmp"
	mv "$VAR/nginx.conf.tmp" "$VAR/nginx.conf"
	nginx -q -t -p "$VAR" -c "$VAR/nginx.conf" -e "$LOG/nginx-error.log" ||
		die "the generated $VAR/nginx.conf is invalid"
}

render_example()
{
	local rules
	rules=$(site_rules /usr/local/share/langflix/static /var/lib/langflix/media \
		/var/lib/langflix/frames langflix_app 7d \
		'            add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;' \
		'            limit_req zone=langflix_auth burst=10 nodelay;')
	render "$ROOT/scripts/nginx/production.conf.in" \
		"APP_UPSTREAM=$(app_upstream /run/langflix/app.sock)" "SITE_RULES=$rules"
}

cmd_example()
{
	if [ "${1:-}" = --check ]; then
		if render_example | cmp -s - "$ROOT/nginx.conf.example"; then
			say "nginx.conf.example is up to date"
			return 0
		fi
		die "nginx.conf.example differs from its templates: run scripts/stack.sh example"
	fi
	render_example >"$ROOT/nginx.conf.example"
	say "wrote $ROOT/nginx.conf.example"
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ---- the steps of start ----------------------------------------------------------

need_binary()
{
	[ -x "$BIN/$1" ] || die "$BIN/$1 is missing (build it with make)"
}

cli() { "$BIN/langflix" -c "$CONF" "$@"; }

migrate_and_seed()
{
	need_binary langflix
	cli migrate --dir "$ROOT/sql" >>"$LOG/migrate.log" 2>&1 ||
		{ tail -n 20 "$LOG/migrate.log" >&2; die "langflix migrate failed"; }
	say "migrations applied"
	[ "${LF_NO_DEMO:-0}" = 1 ] && return 0
	demo_user
	demo_videos
	if cli import "$MEDIA" >>"$LOG/import.log" 2>&1; then
		say "imported $MEDIA ($(tail -n 1 "$LOG/import.log"))"
	else
		warn "langflix import reported problems (see $LOG/import.log)"
	fi
}

demo_user()
{
	local exists pw
	exists=$("$PG_BIN/psql" "$(db_url)" -X -qtA -c "SELECT 1 FROM users WHERE name = 'demo'" 2>/dev/null || true)
	if [ -n "$exists" ]; then
		DEMO_LOGIN="user demo (the password was printed at the first start)"
		DEMO_RESET="scripts/stack.sh demo-password"
		return 0
	fi
	pw=$(random_hex 9)
	printf '%s\n' "$pw" | cli user add demo >>"$LOG/user.log" 2>&1 ||
		{ tail -n 5 "$LOG/user.log" >&2; die "could not create the demo user"; }
	DEMO_LOGIN="user demo, password $pw  (shown once; it is stored only as an scrypt hash)"
	DEMO_RESET=""
}

# A new generated password for the demo user (the stack must be running).
cmd_demo_password()
{
	local pw
	pg_paths
	need_binary langflix
	pw=$(random_hex 9)
	printf '%s\n' "$pw" | cli user passwd demo >>"$LOG/user.log" 2>&1 ||
		{ tail -n 5 "$LOG/user.log" >&2; die "could not set the password (is the stack running?)"; }
	echo "  login: user demo, password $pw"
}

demo_videos()
{
	local gen=$ROOT/scripts/make-demo-videos.sh
	if [ -d "$MEDIA/demo" ] && [ -n "$(ls -A "$MEDIA/demo" 2>/dev/null)" ]; then
		return 0
	fi
	if [ ! -f "$gen" ]; then
		warn "scripts/make-demo-videos.sh not found: no demo videos"
		return 0
	fi
	say "generating demo videos in $MEDIA/demo (first start only)"
	mkdir -p "$MEDIA/demo"
	bash "$gen" "$MEDIA/demo" >>"$LOG/demo-videos.log" 2>&1 ||
		warn "demo video generation failed (see $LOG/demo-videos.log)"
}

start_services()
{
	if ! alive "$(svc_sup_pid nginx)"; then
		for p in "$PORT" "$EMU_PORT"; do
			port_taken "$p" && die "port $p on 127.0.0.1 is taken by another program (set LF_PORT / LF_EMU_PORT)"
		done
	fi
	need_binary langflix.fcgi
	need_binary langflix-worker
	alive "$(svc_sup_pid app)" || rm -f "$APP_SOCKET"
	svc_start app "$BIN/langflix.fcgi" -c "$CONF"
	svc_start worker "$BIN/langflix-worker" -c "$CONF"
	if [ -x "$BIN/tiktok-emulator.fcgi" ]; then
		alive "$(svc_sup_pid emulator)" || rm -f "$EMU_SOCKET"
		svc_start emulator "$BIN/tiktok-emulator.fcgi" -c "$EMU_CONF"
	else
		say "no $BIN/tiktok-emulator.fcgi: the emulator is not started"
	fi
	# A running nginx re-reads the configuration just written.
	alive "$(svc_sup_pid nginx)" && kill -HUP "$(svc_pid nginx)" 2>/dev/null
	svc_start nginx nginx -p "$VAR" -c "$VAR/nginx.conf" -e "$LOG/nginx-error.log" -g 'daemon off;'
}

http_status() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true; }

wait_ready()
{
	local code=000 url="http://127.0.0.1:$PORT/"
	# The sanitizer build starts slowly: give it half a minute.
	for _ in $(seq 1 300); do
		code=$(http_status "$url")
		case "$code" in
		2?? | 3?? | 4??) break ;;
		esac
		sleep 0.1
	done
	case "$code" in
	2?? | 3?? | 4??) ;;
	*)
		for f in app nginx-error; do
			[ -f "$LOG/$f.log" ] && { echo "--- $LOG/$f.log" >&2; tail -n 20 "$LOG/$f.log" >&2; }
		done
		die "the site at $url does not answer (last status $code)"
		;;
	esac
	if [ -x "$BIN/tiktok-emulator.fcgi" ]; then
		for _ in $(seq 1 100); do
			code=$(http_status "http://127.0.0.1:$EMU_PORT/")
			[ "$code" != 000 ] && [ "$code" != 502 ] && break
			sleep 0.1
		done
		case "$code" in 000 | 502) warn "the emulator does not answer (see $LOG/emulator.log)" ;; esac
	fi
}

# Unix socket paths are limited to 107 bytes.
check_socket_paths()
{
	local p
	for p in "$APP_SOCKET" "$EMU_SOCKET" "$PG_SOCK/.s.PGSQL.$PG_PORT"; do
		[ ${#p} -le 100 ] || die "socket path too long for a unix socket: $p (use a shorter LF_VAR)"
	done
}

cmd_start()
{
	DEMO_LOGIN="" DEMO_RESET=""
	make_layout
	ensure_packages
	build
	ensure_secrets
	pg_init
	check_socket_paths
	save_state
	write_app_config
	write_emulator_config
	pg_start
	pg_ensure_database
	migrate_and_seed
	write_nginx_config
	start_services
	wait_ready
	echo
	echo "  LangFlix is running at http://127.0.0.1:$PORT/"
	[ -n "$DEMO_LOGIN" ] && echo "  login: $DEMO_LOGIN"
	[ -n "$DEMO_RESET" ] && echo "  reset the demo password: $DEMO_RESET"
	[ -x "$BIN/tiktok-emulator.fcgi" ] && echo "  TikTok emulator: http://127.0.0.1:$EMU_PORT/"
	echo "  logs: $LOG/   config: $CONF"
	echo
}

# Another host of the same site (see the top): nginx, app and worker of its
# own, everything else the primary's. The public address (the OAuth redirect)
# stays the primary's, as behind one load balancer; the media folder is the
# primary's too (shared storage, or tiktok_source = pull_from_url).
cmd_host_start()
{
	local pvar=${LF_PRIMARY:-}
	[ -n "$pvar" ] || die "host-start needs LF_PRIMARY (the folder of a running stack)"
	[ -n "${LF_PORT:-}" ] || die "host-start needs LF_PORT (this host's site port)"
	pvar=$(abs_path "$pvar")
	pvar=${pvar%/}
	[ -f "$pvar/stack.env" ] || die "no stack in $pvar (start it first)"
	[ "$pvar" != "$VAR" ] || die "LF_VAR must be another folder than LF_PRIMARY"
	HOST_MODE=1
	make_layout
	# shellcheck disable=SC1091
	read -r SITE_PORT EMU_PORT PG_PORT < <(. "$pvar/stack.env"; echo "$S_PORT $S_EMU_PORT $S_PG_PORT")
	PG_LINK=$pvar/pg
	pg_paths
	MEDIA=$pvar/media
	SECRET_KEY=$(head -n1 "$pvar/secret.key")
	TT_CLIENT_KEY=$(sed -n 1p "$pvar/tiktok-client")
	TT_CLIENT_SECRET=$(sed -n 2p "$pvar/tiktok-client")
	check_socket_paths
	save_state
	write_app_config
	write_nginx_config
	if ! alive "$(svc_sup_pid nginx)" && port_taken "$PORT"; then
		die "port $PORT on 127.0.0.1 is taken by another program (set LF_PORT)"
	fi
	need_binary langflix.fcgi
	need_binary langflix-worker
	alive "$(svc_sup_pid app)" || rm -f "$APP_SOCKET"
	svc_start app "$BIN/langflix.fcgi" -c "$CONF"
	svc_start worker "$BIN/langflix-worker" -c "$CONF"
	svc_start nginx nginx -p "$VAR" -c "$VAR/nginx.conf" -e "$LOG/nginx-error.log" -g 'daemon off;'
	wait_ready
	say "host running at http://127.0.0.1:$PORT/ (database and emulator of $pvar)"
}

cmd_stop()
{
	local s
	[ -d "$RUN" ] || { say "nothing to stop in $VAR"; return 0; }
	for s in nginx app worker emulator; do
		svc_stop "$s"
	done
	if [ -e "$PG_LINK" ]; then
		choose_pg_user
		pg_paths
		pg_stop
	fi
	say "everything is stopped; the database, keys, users and videos stay in $VAR (make run starts it again)"
}

cmd_status()
{
	local s pid rc=0
	for s in nginx app worker emulator; do
		pid=$(svc_pid "$s")
		if alive "$(svc_sup_pid "$s")"; then
			printf '%-9s running (pid %s)\n' "$s" "${pid:-restarting}"
		else
			printf '%-9s stopped\n' "$s"
			[ "$s" = emulator ] || rc=1
		fi
	done
	if [ -e "$PG_LINK" ]; then
		choose_pg_user
		pg_paths
		if pg_running; then
			printf '%-9s running (%s, port %s)\n' postgres "$PG_SOCK" "$PG_PORT"
		else
			printf '%-9s stopped\n' postgres
			rc=1
		fi
	else
		printf '%-9s no cluster\n' postgres
		rc=1
	fi
	return $rc
}

cmd_env()
{
	pg_paths
	printf 'export LF_BASE_URL=%q\n' "http://127.0.0.1:$PORT"
	printf 'export LF_EMU_URL=%q\n' "http://127.0.0.1:$EMU_PORT"
	printf 'export LF_VAR=%q\n' "$VAR"
	printf 'export LF_CONFIG=%q\n' "$CONF"
	printf 'export LF_EMU_CONFIG=%q\n' "$EMU_CONF"
	printf 'export LF_ROOT=%q\n' "$ROOT"
	printf 'export LF_BIN=%q\n' "$BIN"
	printf 'export LF_STACK=%q\n' "$SELF"
	printf 'export LF_DB_URL=%q\n' "$(db_url)"
	printf 'export LF_MEDIA=%q\n' "$MEDIA"
	printf 'export LF_FRAMES=%q\n' "$VAR/frames"
}

cmd_run()
{
	local tailer="" done_=0
	# shellcheck disable=SC2317 # called through the trap
	finish()
	{
		[ "$done_" -eq 1 ] && return
		done_=1
		trap - INT TERM
		echo
		say "stopping"
		[ -n "$tailer" ] && kill "$tailer" 2>/dev/null
		cmd_stop
		exit 0
	}
	trap finish INT TERM
	# A separate process, not a subshell: bash ignores `set -e` inside a
	# command whose status is tested, and start must stop at the first error.
	if ! "$SELF" start; then
		cmd_stop
		exit 1
	fi
	echo "  Press Ctrl-C to stop everything."
	touch "$LOG/stack.log"
	tail -n 0 -F "$LOG/stack.log" 2>/dev/null &
	tailer=$!
	# Stay in the foreground while the supervisors live (make stop elsewhere ends us).
	while :; do
		sleep 1 &
		wait $! || true
		if ! alive "$(svc_sup_pid app)" && ! alive "$(svc_sup_pid nginx)"; then
			say "the stack was stopped from elsewhere"
			finish
		fi
	done
}

main()
{
	local cmd=${1:-}
	[ $# -gt 0 ] && shift
	case "$cmd" in
	run) cmd_run ;;
	start) cmd_start ;;
	stop) cmd_stop ;;
	status) cmd_status ;;
	env) cmd_env ;;
	host-start) cmd_host_start ;;
	pg-stop)
		choose_pg_user
		pg_paths
		pg_stop
		;;
	pg-start)
		choose_pg_user
		pg_paths
		[ -s "$PGDATA/PG_VERSION" ] || die "no cluster in $PG_LINK (run start first)"
		pg_start
		;;
	example) cmd_example "$@" ;;
	site-rules) cmd_site_rules "$@" ;;
	app-upstream) [ $# -eq 1 ] || die "usage: stack.sh app-upstream SOCKET"; app_upstream "$1" ;;
	demo-password) cmd_demo_password ;;
	_supervise) supervise_main "$@" ;;
	*)
		sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'
		[ -z "$cmd" ] || [ "$cmd" = help ] || [ "$cmd" = -h ] || exit 2
		;;
	esac
}

main "$@"
