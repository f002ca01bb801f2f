#!/bin/bash
# bench/run.sh: mod_heat and the Python heat-api side by side, on the same real stack.
#
# Installs wrk if it is missing, builds the module (make), brings up the real stack with the
# Python heat-api (test/stack/stack.sh start --with-python-api) unless it already runs, starts
# an Apache of its own with build/mod_heat.so on a free loopback port (config and logs in
# $BENCH_OUT, default bench/out/; a heat-api vhost and a heat-api-cfn one on the next free
# port), then bench/bench.py measures: startup time, the wrk cases a-e (heat-api) and f-h
# (heat-api-cfn, against the stack's Python heat-api-cfn) on both servers, Keystone / engine / server CPU, RSS. At the end it stops its
# Apache, and the stack (or only the Python API services) only if this run started it.
# Run as root. See bench/README.md; the environment knobs are listed below.
#
# All deployments (`bench/run.sh all`): mod_heat beside the Python heat-api under mod_wsgi, uwsgi
# behind mod_proxy_http, uwsgi behind mod_proxy_uwsgi and eventlet, each started here on its own
# ports (bench/deployments.py), and beside the limits (a bare Apache; heat-engine's own ceiling,
# build/heat-rpc-bench); bench/matrix.py measures, bench/charts.sh draws bench/results/*.png.
#
# Soak mode (`BENCH_SOAK=1 bench/run.sh` or `bench/run.sh soak`): mod_heat alone, no Python
# side. The stack is started without the Python API services if it is down, the heat-api vhost
# also serves heat-api-cfn on the path /v1/ exactly (so one wrk URL reaches both APIs), and
# bench/soak.py runs a long mixed load while it samples the memory of every Apache child
# (bench/README.md, "Soak").
set -euo pipefail
set +m
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin # no pyenv shims
export LC_ALL=C.UTF-8
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
PY=/usr/bin/python3

# ---- settings (environment) -------------------------------------------------------------
if [ "${BENCH_QUICK:-0}" = 1 ]; then # smoke run: about 1 minute of load in all
    : "${BENCH_DURATION:=3}" "${BENCH_RUNS:=1}" "${BENCH_WARMUP:=1}" "${BENCH_STARTUP_TRIES:=1}"
fi
DURATION=${BENCH_DURATION:-15}      # seconds per wrk run (NOTES: 15)
RUNS=${BENCH_RUNS:-3}               # measured runs per case and server (NOTES: 3, medians)
WARMUP=${BENCH_WARMUP:-3}           # seconds of warm-up wrk per case and server (NOTES: 3)
THREADS=${BENCH_THREADS:-2}         # wrk -t (NOTES: 2)
CONNS=${BENCH_CONNS:-16}            # wrk -c (NOTES: 16)
WRK_TIMEOUT=${BENCH_TIMEOUT:-10}    # wrk --timeout, seconds (NOTES: 10)
STARTUP_TRIES=${BENCH_STARTUP_TRIES:-3}
if [ "${ALL:-${BENCH_ALL:-0}}" = 1 ] || [ "${1:-}" = all ]; then
    CASES=${BENCH_CASES:-a b c d e v j x}
else
    CASES=${BENCH_CASES:-a b c d e f g h}
fi
APACHE_PROCS=${BENCH_APACHE_PROCS:-2}       # event MPM: StartServers = ServerLimit
APACHE_THREADS=${BENCH_APACHE_THREADS:-25}  # ThreadsPerChild
PORT=${BENCH_PORT:-}                # mod_heat's port; default: the first free one from 28404
PY_WORKERS=${BENCH_PY_WORKERS:-0}   # 0: the stack's heat-api (18004); N: a private one, N workers
PY_STARTUP=${BENCH_PY_STARTUP:-1}   # 1: time a private Python heat-api's startup too
OUT=${BENCH_OUT:-$HERE/out}
# shared: the project's stack (HEAT_STACK_DIR, default /var/tmp/mod_heat-stack), as the tests
# use it. private: a stack of the bench's own in BENCH_STACK_DIR on other ports, so that tests
# that stop or restart services of the shared one cannot disturb the figures and the load of
# the bench does not slow their Keystone down. Either is started and stopped here only if it
# was not running; BENCH_KEEP_STACK=1 leaves a stack this run started running (private only).
SOAK=${BENCH_SOAK:-0}
ALL=${BENCH_ALL:-0}
case ${1:-} in
soak) SOAK=1 ;;
all) ALL=1 ;;
'') ;;
*) echo "usage: $0 [soak|all]" >&2; exit 2 ;;
esac
# all: which Python deployments, their worker processes (the same for each), the sweep
ALL_DEPLOYMENTS=${BENCH_DEPLOYMENTS:-mod_wsgi uwsgi_http uwsgi_socket eventlet}
ALL_WORKERS=${BENCH_PY_WORKERS:-${BENCH_APACHE_PROCS:-2}}
ALL_SWEEP=${BENCH_SWEEP-1 4 16 64 256}
ALL_SWEEP_CASES=${BENCH_SWEEP_CASES-a b}
ALL_CYCLE_CONNS=${BENCH_CYCLE_CONNS:-4}
ALL_VALIDATE_CONNS=${BENCH_VALIDATE_CONNS:-2}
ALL_CHARTS=${BENCH_CHARTS:-$HERE/results}
SOAK_SECONDS=${BENCH_SOAK_SECONDS:-600}     # the whole soak, warm-up included
SOAK_WARMUP=${BENCH_SOAK_WARMUP:-60}        # memory growth is measured from the end of this
SOAK_CONNS=${BENCH_SOAK_CONNS:-32}
SOAK_SAMPLE=${BENCH_SOAK_SAMPLE:-10}        # seconds between memory samples
SOAK_CREATE=${BENCH_SOAK_CREATE_PERIOD:-5}  # a stack created and deleted every N s (0: none)
SOAK_ROUTES=${BENCH_SOAK_ROUTES:-}          # only these wrk routes (default: all)
SOAK_MAX_GROWTH=${BENCH_SOAK_MAX_GROWTH:-2} # percent per child
SOAK_FILL_MAX=${BENCH_SOAK_FILL_MAX:-480}    # at most this long, fill the token cache first (0: no)
# glibc arenas of Apache in the soak, as README "Limits" recommends (empty: glibc's default, one
# per thread up to 8 x cores)
SOAK_ARENAS=${BENCH_MALLOC_ARENA_MAX-2}
STACK_MODE=${BENCH_STACK:-shared}
KEEP_STACK=${BENCH_KEEP_STACK:-0}
case $STACK_MODE in
shared)
    STACK_DIR=${HEAT_STACK_DIR:-/var/tmp/mod_heat-stack}
    ;;
private)
    STACK_DIR=${BENCH_STACK_DIR:-/var/tmp/mod_heat-bench-stack}
    # every port differs from the shared stack's (test/stack/README.md lists the overrides);
    # HEAT_API_PORT/HEAT_CFN_PORT only feed the catalog (nothing listens there)
    export HEAT_STACK_DB_PORT=${BENCH_STACK_DB_PORT:-23306}
    export HEAT_STACK_EPMD_PORT=${BENCH_STACK_EPMD_PORT:-24369}
    export HEAT_STACK_RABBIT_PORT=${BENCH_STACK_RABBIT_PORT:-35680}
    export HEAT_STACK_RABBIT_DIST_PORT=${BENCH_STACK_RABBIT_DIST_PORT:-35681}
    export HEAT_STACK_RABBIT_NODE=${BENCH_STACK_RABBIT_NODE:-modheatbench@localhost}
    export HEAT_STACK_KEYSTONE_PORT=${BENCH_STACK_KEYSTONE_PORT:-25000}
    export PY_HEAT_API_PORT=${BENCH_STACK_PY_API_PORT:-28014}
    export PY_HEAT_CFN_PORT=${BENCH_STACK_PY_CFN_PORT:-28010}
    export PY_EC2_SHIM_PORT=${BENCH_STACK_EC2_SHIM_PORT:-25001}
    export HEAT_API_PORT=${BENCH_STACK_CATALOG_API_PORT:-28024}
    export HEAT_CFN_PORT=${BENCH_STACK_CATALOG_CFN_PORT:-28020}
    ;;
*) echo "bench: ERROR: BENCH_STACK must be shared or private" >&2; exit 2 ;;
esac
export HEAT_STACK_DIR=$STACK_DIR
HTTPD=${HTTPD:-/usr/sbin/apache2}
MODULES=${APACHE_MODULES:-/usr/lib/apache2/modules}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (the stack and Apache's User www-data need it)"
case $PORT in 8004 | 8000) die "BENCH_PORT $PORT is the tests' port: choose another" ;; esac

mkdir -p "$OUT/logs"
chmod 755 "$OUT" "$OUT/logs"
exec 8> "$OUT/.lock"
flock -n 8 || die "another bench/run.sh is running ($OUT/.lock)"

# ---- wrk, the module ----------------------------------------------------------------------
if [ "$ALL" = 1 ]; then
    # the Python deployments (mod_wsgi, uwsgi), wrk and gnuplot: whatever is missing, from Debian
    say "test/stack/install-deps.sh (installs only what is missing)"
    "$REPO/test/stack/install-deps.sh" > "$OUT/logs/install-deps.log" 2>&1 ||
        { tail -n 20 "$OUT/logs/install-deps.log" >&2; die "test/stack/install-deps.sh failed"; }
fi
if ! command -v wrk > /dev/null; then
    say "installing wrk (apt-get)"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk > "$OUT/logs/apt.log" 2>&1; then
        apt-get update >> "$OUT/logs/apt.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >> "$OUT/logs/apt.log" 2>&1 ||
            die "apt-get install wrk failed; see $OUT/logs/apt.log"
    fi
fi
for m in mod_mpm_event.so mod_authz_core.so mod_socache_shmcb.so; do
    [ -f "$MODULES/$m" ] || die "$MODULES/$m is missing (apache2 not installed? APACHE_MODULES=...)"
done
say "building the module (make)"
make -C "$REPO" > "$OUT/logs/make.log" 2>&1 || { tail -n 30 "$OUT/logs/make.log" >&2; die "make failed; see $OUT/logs/make.log"; }
[ -f "$REPO/build/mod_heat.so" ] || die "build/mod_heat.so is missing after make"

# ---- the stack ------------------------------------------------------------------------------
# alive NAME: the stack's recorded process NAME runs (not a zombie)
alive() {
    local pid stat
    pid=$(cat "$STACK_DIR/run/$1.pid" 2>/dev/null) || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}
STARTED_STACK=0 STARTED_PY=0
core_down=0 core_any=0
for s in mariadb epmd rabbitmq keystone heat-engine; do
    if alive "$s"; then core_any=1; else core_down=1; fi
done
if [ $core_down = 1 ] && [ $core_any = 1 ]; then
    # part of it is down: maybe another helper's outage test stopped a service on purpose
    HEAT_STACK_DIR=$STACK_DIR "$REPO/test/stack/stack.sh" status >&2 8>&- || true
    die "the stack in $STACK_DIR is only partly running (another test may have stopped a service on purpose); start it or wait, then rerun"
fi
if [ $core_any = 0 ]; then
    STARTED_STACK=1
elif [ "$SOAK" = 1 ] || [ "$ALL" = 1 ]; then
    : # mod_heat alone, or Python deployments of the bench's own: the stack's are not needed
elif ! alive heat-api; then
    STARTED_PY=1
fi

APACHE_CONF=$OUT/httpd.conf
APACHE_PID=$OUT/httpd.pid
cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    if [ -f "$APACHE_PID" ] && pid=$(cat "$APACHE_PID" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
        say "stopping our Apache (pid $pid)"
        "$HTTPD" -f "$APACHE_CONF" -k stop 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ -f "$OUT/py-heat-api.pid" ] && pid=$(cat "$OUT/py-heat-api.pid" 2>/dev/null); then
        # bench.py's private Python heat-api, if bench.py died before stopping it (own session)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
            say "stopping the private Python heat-api (pgid $pid)"
            kill -TERM -- "-$pid" 2>/dev/null || true
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
        rm -f "$OUT/py-heat-api.pid"
    fi
    if [ -n "${MATRIX_PID:-}" ] && kill -0 "$MATRIX_PID" 2>/dev/null; then
        # matrix.py stops its deployments on SIGTERM (its finally)
        kill -TERM "$MATRIX_PID" 2>/dev/null || true
        for _ in $(seq 600); do kill -0 "$MATRIX_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ $STARTED_STACK = 1 ] && [ "$KEEP_STACK" = 1 ] && [ "$STACK_MODE" = private ]; then
        say "leaving the private stack in $STACK_DIR running (BENCH_KEEP_STACK=1; stop: HEAT_STACK_DIR=$STACK_DIR test/stack/stack.sh stop)"
    elif [ $STARTED_STACK = 1 ]; then
        say "stopping the stack in $STACK_DIR (this run started it)"
        HEAT_STACK_DIR=$STACK_DIR "$REPO/test/stack/stack.sh" stop >&2 8>&- || true
    elif [ $STARTED_PY = 1 ]; then
        say "stopping the Python API services (this run started them)"
        HEAT_STACK_DIR=$STACK_DIR "$REPO/test/stack/stack.sh" stop-service heat-api heat-api-cfn ec2-shim >&2 8>&- || true
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if { [ "$SOAK" = 1 ] || [ "$ALL" = 1 ]; } && [ $STARTED_STACK = 1 ]; then
    say "starting the $STACK_MODE stack in $STACK_DIR (test/stack/stack.sh start; soak: no Python API)"
    HEAT_STACK_DIR=$STACK_DIR "$REPO/test/stack/stack.sh" start >&2 8>&-
elif [ $STARTED_STACK = 1 ] || [ $STARTED_PY = 1 ]; then
    say "starting the $STACK_MODE stack in $STACK_DIR with the Python heat-api (test/stack/stack.sh start --with-python-api)"
    HEAT_STACK_DIR=$STACK_DIR "$REPO/test/stack/stack.sh" start --with-python-api >&2 8>&-
else
    what="the $STACK_MODE stack in $STACK_DIR and its Python heat-api are"
    { [ "$SOAK" = 1 ] || [ "$ALL" = 1 ]; } && what="the $STACK_MODE stack in $STACK_DIR is"
    say "$what already running: using it, leaving it running"
fi
[ -f "$STACK_DIR/stack.env" ] || die "$STACK_DIR/stack.env is missing"
# shellcheck disable=SC1091
HEAT_CONF=$(. "$STACK_DIR/stack.env" && echo "$HEAT_CONF")
PY_PORT=$(. "$STACK_DIR/stack.env" && echo "$PY_HEAT_API_PORT")
export HEAT_STACK_DIR=$STACK_DIR
[ -r "$HEAT_CONF" ] || die "$HEAT_CONF is not readable"

# ---- ports ------------------------------------------------------------------------------------
port_free() { ! (: < "/dev/tcp/127.0.0.1/$1") 2>/dev/null && ! ss -Hltn "sport = :$1" | grep -q .; }
free_port_from() { # FIRST [EXCEPT...]
    local p=$1 x skip
    while [ "$p" -lt $(($1 + 200)) ]; do
        skip=0
        for x in "${@:2}"; do [ "$p" = "$x" ] && skip=1; done
        if [ $skip = 0 ] && [ "$p" != 8004 ] && [ "$p" != 8000 ] && port_free "$p"; then
            echo "$p"
            return 0
        fi
        p=$((p + 1))
    done
    return 1
}
if [ -n "$PORT" ]; then
    port_free "$PORT" || die "BENCH_PORT $PORT is in use"
else
    PORT=$(free_port_from 28404) || die "no free port from 28404"
fi
CFN_PORT=$(free_port_from $((PORT + 1)) "$PORT") || die "no free port from $((PORT + 1))"
PRIV_PY_PORT=$(free_port_from 28504 "$PORT" "$CFN_PORT") || die "no free port from 28504"

# ---- our Apache -------------------------------------------------------------------------------
MAX_WORKERS=$((APACHE_PROCS * APACHE_THREADS))
CFN_MOUNT=
if [ "$SOAK" = 1 ]; then
    # wrk sends to one host:port, so the soak reaches the CFN API here: every CFN request is
    # /v1/?Action=..., a path no native route uses. Not a <Location /cfn> mount point: mod_heat
    # only learns a mount from a section that holds one of its own directives, and none is
    # allowed in a <Location>
    CFN_MOUNT='
    <LocationMatch "^/v1/$">
        SetHandler heat-api-cfn
    </LocationMatch>'
fi
cat > "$APACHE_CONF" <<CONF
# Generated by bench/run.sh: mod_heat for the benchmark only (stopped at the end)
ServerRoot $OUT
ServerName 127.0.0.1
PidFile $APACHE_PID
DefaultRuntimeDir $OUT/logs
ErrorLog $OUT/logs/error.log
LogLevel warn
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule socache_shmcb_module $MODULES/mod_socache_shmcb.so
LoadModule heat_module $REPO/build/mod_heat.so
User www-data
Group www-data

# event MPM: a fixed $APACHE_PROCS processes x $APACHE_THREADS threads (no spawning during a run)
StartServers $APACHE_PROCS
ServerLimit $APACHE_PROCS
ThreadsPerChild $APACHE_THREADS
ThreadLimit $APACHE_THREADS
MaxRequestWorkers $MAX_WORKERS
MinSpareThreads 1
MaxSpareThreads $MAX_WORKERS
MaxConnectionsPerChild 0
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 5

# an access log, as a production vhost has (heat-api logs every request too)
LogFormat "%h %t \"%r\" %>s %b %D %{heat-request-id}n" heat
CustomLog $OUT/logs/access.log heat

HeatConfigFile $HEAT_CONF
Listen 127.0.0.1:$PORT
<VirtualHost 127.0.0.1:$PORT>
    SetHandler heat-api
    LimitRequestFieldSize 16384
    AllowEncodedSlashes On
    MergeSlashes Off
    TraceEnable off
    <Location />
        Require all granted
    </Location>$CFN_MOUNT
</VirtualHost>

# heat-api-cfn (the CFN cases f-h), as httpd/files/heat-api-cfn-mod_heat.conf
Listen 127.0.0.1:$CFN_PORT
<VirtualHost 127.0.0.1:$CFN_PORT>
    SetHandler heat-api-cfn
    LimitRequestFieldSize 16384
    AllowEncodedSlashes On
    MergeSlashes Off
    KeepAliveTimeout 60
    TraceEnable off
    <Location />
        Require all granted
    </Location>
</VirtualHost>
CONF
: > "$OUT/logs/access.log"
"$HTTPD" -f "$APACHE_CONF" -t > "$OUT/logs/configtest.log" 2>&1 || { cat "$OUT/logs/configtest.log" >&2; die "apache2 -t failed"; }

CMD="bench/run.sh"
for v in BENCH_QUICK BENCH_DURATION BENCH_RUNS BENCH_WARMUP BENCH_THREADS BENCH_CONNS BENCH_TIMEOUT \
    BENCH_STARTUP_TRIES BENCH_CASES BENCH_APACHE_PROCS BENCH_APACHE_THREADS BENCH_PORT \
    BENCH_PY_WORKERS BENCH_PY_STARTUP BENCH_STACK BENCH_KEEP_STACK BENCH_STACK_DIR BENCH_SOAK \
    BENCH_SOAK_SECONDS BENCH_SOAK_WARMUP BENCH_SOAK_CONNS BENCH_SOAK_SAMPLE \
    BENCH_SOAK_CREATE_PERIOD BENCH_SOAK_ROUTES BENCH_SOAK_MAX_GROWTH BENCH_SOAK_FILL_MAX \
    BENCH_MALLOC_ARENA_MAX BENCH_ALL BENCH_DEPLOYMENTS BENCH_SWEEP BENCH_SWEEP_CASES BENCH_CYCLE_CONNS BENCH_VALIDATE_CONNS; do
    if [ -n "${!v:-}" ]; then CMD="$v='${!v}' $CMD"; fi
done

if [ "$SOAK" = 1 ]; then
    [ "${1:-}" = soak ] && CMD="$CMD soak"
    say "soak: mod_heat on 127.0.0.1:$PORT ($APACHE_PROCS x $APACHE_THREADS; heat-api-cfn also on /v1/), $SOAK_SECONDS s; output in $OUT"
    rc=0
    if [ -n "$SOAK_ARENAS" ]; then export MALLOC_ARENA_MAX=$SOAK_ARENAS; else unset MALLOC_ARENA_MAX; fi
    "$PY" "$HERE/soak.py" \
        --stack-json "$STACK_DIR/stack.json" --stack-dir "$STACK_DIR" --out "$OUT" \
        --httpd "$HTTPD" --httpd-conf "$APACHE_CONF" --httpd-pidfile "$APACHE_PID" --port "$PORT" \
        --apache-desc "Apache event MPM :$PORT, $APACHE_PROCS x $APACHE_THREADS threads" \
        --seconds "$SOAK_SECONDS" --warmup "$SOAK_WARMUP" --threads "$THREADS" --conns "$SOAK_CONNS" \
        --timeout "$WRK_TIMEOUT" --sample "$SOAK_SAMPLE" --create-period "$SOAK_CREATE" \
        --max-growth "$SOAK_MAX_GROWTH" --routes "$SOAK_ROUTES" --fill-max "$SOAK_FILL_MAX" \
        --command "$CMD" 8>&- || rc=$?
    exit $rc
fi

if [ "$ALL" = 1 ]; then
    [ "${1:-}" = all ] && CMD="$CMD all"
    say "building build/heat-rpc-bench (make tools)"
    make -C "$REPO" tools >> "$OUT/logs/make.log" 2>&1 || { tail -n 30 "$OUT/logs/make.log" >&2; die "make tools failed"; }
    for m in mod_wsgi.so mod_proxy_uwsgi.so mod_proxy_http.so mod_env.so; do
        [ -f "$MODULES/$m" ] || die "$MODULES/$m is missing (test/stack/install-deps.sh installs it)"
    done
    say "all deployments: mod_heat on 127.0.0.1:$PORT ($APACHE_PROCS x $APACHE_THREADS), $ALL_DEPLOYMENTS with $ALL_WORKERS worker(s) each; output in $OUT"
    rc=0
    "$PY" "$HERE/matrix.py" \
        --stack-json "$STACK_DIR/stack.json" --stack-dir "$STACK_DIR" --heat-conf "$HEAT_CONF" \
        --out "$OUT" --httpd "$HTTPD" --httpd-conf "$APACHE_CONF" --httpd-pidfile "$APACHE_PID" \
        --port "$PORT" --cfn-port "$CFN_PORT" --apache-desc "Apache event MPM :$PORT, $APACHE_PROCS x $APACHE_THREADS threads" \
        --modules "$MODULES" --rpc-bench "$REPO/build/heat-rpc-bench" \
        --apache-procs "$APACHE_PROCS" --apache-threads "$APACHE_THREADS" --py-workers "$ALL_WORKERS" \
        --deployments "$ALL_DEPLOYMENTS" --duration "$DURATION" --runs "$RUNS" --warmup "$WARMUP" \
        --threads "$THREADS" --conns "$CONNS" --timeout "$WRK_TIMEOUT" --startup-tries "$STARTUP_TRIES" \
        --cases "$CASES" --sweep "$ALL_SWEEP" --sweep-cases "$ALL_SWEEP_CASES" \
        --cycle-conns "$ALL_CYCLE_CONNS" --validate-conns "$ALL_VALIDATE_CONNS" --command "$CMD" 8>&- > "$OUT/matrix.stdout" &
    MATRIX_PID=$!
    wait "$MATRIX_PID" || rc=$?
    MATRIX_PID=
    grep -v '^RESULTS_JSON ' "$OUT/matrix.stdout" || true
    json=$(sed -n 's/^RESULTS_JSON //p' "$OUT/matrix.stdout")
    if [ $rc = 0 ] && [ -n "$json" ]; then
        "$HERE/charts.sh" "$json" "$ALL_CHARTS" >&2 || rc=$?
    fi
    exit $rc
fi

say "mod_heat on 127.0.0.1:$PORT ($APACHE_PROCS x $APACHE_THREADS; heat-api-cfn :$CFN_PORT), Python heat-api on 127.0.0.1:$PY_PORT; output in $OUT"
"$PY" "$HERE/bench.py" \
    --stack-json "$STACK_DIR/stack.json" --stack-dir "$STACK_DIR" --heat-conf "$HEAT_CONF" \
    --out "$OUT" --httpd "$HTTPD" --httpd-conf "$APACHE_CONF" --httpd-pidfile "$APACHE_PID" \
    --port "$PORT" --cfn-port "$CFN_PORT" --apache-desc "Apache event MPM :$PORT, $APACHE_PROCS x $APACHE_THREADS threads" \
    --py-url "http://127.0.0.1:$PY_PORT" --py-workers "$PY_WORKERS" --py-port "$PRIV_PY_PORT" \
    --py-startup "$PY_STARTUP" --duration "$DURATION" --runs "$RUNS" --warmup "$WARMUP" \
    --threads "$THREADS" --conns "$CONNS" --timeout "$WRK_TIMEOUT" \
    --startup-tries "$STARTUP_TRIES" --cases "$CASES" --command "$CMD" 8>&-
