#!/bin/bash
# stack.sh start [--with-python-api] | stop | status | env | stop-service SERVICE...
#
# Brings up the real backing stack mod_heat talks to, on 127.0.0.1 only, from Debian's packages
# (test/stack/install-deps.sh installs them): MariaDB, RabbitMQ (with its own epmd), Keystone
# (uwsgi) and heat-engine; with --with-python-api also Debian's Python heat-api and heat-api-cfn
# (plus a small ec2tokens shim for the latter) as the reference for differential tests.
# Everything lives in one state directory ($HEAT_STACK_DIR, default /var/tmp/mod_heat-stack);
# nothing under /etc is changed. Each daemon runs as its package user, in a session of its own,
# with its PID in $HEAT_STACK_DIR/run/<name>.pid; `stop` signals only those PIDs (and their
# process groups). The first start does all the setup; later starts reuse the data.
# See README.md in this directory.
set -euo pipefail
set +m
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin # no pyenv shims
export LC_ALL=C.UTF-8
umask 022

HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${HEAT_STACK_DIR:-/var/tmp/mod_heat-stack}
TIMEOUT=${HEAT_STACK_TIMEOUT:-120}     # bound of every wait while starting
DEBUG=${HEAT_STACK_DEBUG:-false}       # debug logging of keystone and heat
REGION=RegionOne

# Overridable settings: environment variable, then built-in default. While any service of the
# stack runs, the values it was started with (from stack.env) are used instead, and an
# environment value that differs is refused (stop the stack to change it).
SETTINGS="HEAT_STACK_DB_PORT=13306 HEAT_STACK_RABBIT_PORT=25680 HEAT_STACK_RABBIT_DIST_PORT=25681
HEAT_STACK_EPMD_PORT=14369 HEAT_STACK_RABBIT_NODE=modheat@localhost HEAT_STACK_KEYSTONE_PORT=15000
HEAT_API_PORT=8004 HEAT_CFN_PORT=8000 PY_HEAT_API_PORT=18004 PY_HEAT_CFN_PORT=18000
PY_EC2_SHIM_PORT=15001 HEAT_STACK_ENGINE_WORKERS=2"

# Fixed test credentials (loopback only)
ADMIN_PASSWORD=admin-secret
DEMO_PASSWORD=demo-secret
HEAT_PASSWORD=heat-secret
DOMAIN_ADMIN_PASSWORD=domain-secret
RABBIT_PASSWORD=rabbit-secret
DB_PASSWORD=db-secret

RUN=$STATE/run
LOG=$STATE/log
DB_DIR=$STATE/mysql
DB_SOCKET=$DB_DIR/mysqld.sock
RMQ=$STATE/rabbitmq
KS=$STATE/keystone
HEAT=$STATE/heat
HEAT_CONF=$HEAT/heat.conf
PY=/usr/bin/python3
HELPER=$STATE/bin/stack-helper.py

# settings CORE PY: fills in the settings and everything derived from them. CORE (for the
# PY_* settings: PY) is "" (environment, then default), "recorded" (stack.env wins) or "running"
# (stack.env wins and a different value in the environment is an error).
settings() {
    local kv name def rec mode bad=""
    for kv in $SETTINGS; do
        name=${kv%%=*}
        def=${kv#*=}
        rec=""
        case $name in PY_*) mode=${2:-} ;; *) mode=${1:-} ;; esac
        if [ -n "$mode" ] && [ -f "$STATE/stack.env" ]; then
            rec=$(sed -n "s/^export $name='\(.*\)'\$/\1/p" "$STATE/stack.env")
        fi
        if [ -n "$rec" ]; then
            if [ "$mode" = running ] && [ -n "${!name:-}" ] && [ "${!name}" != "$rec" ]; then
                bad="$bad $name=${!name} (running: $rec)"
            fi
            printf -v "$name" '%s' "$rec"
        else
            printf -v "$name" '%s' "${!name:-$def}"
        fi
    done
    if [ -n "$bad" ]; then
        err "the stack in $STATE is running with other settings:$bad; run $0 stop first"
        exit 1
    fi
    DB_PORT=$HEAT_STACK_DB_PORT
    RABBIT_PORT=$HEAT_STACK_RABBIT_PORT
    RABBIT_DIST_PORT=$HEAT_STACK_RABBIT_DIST_PORT
    EPMD_PORT=$HEAT_STACK_EPMD_PORT
    RABBIT_NODE=$HEAT_STACK_RABBIT_NODE
    KEYSTONE_PORT=$HEAT_STACK_KEYSTONE_PORT
    ENGINE_WORKERS=$HEAT_STACK_ENGINE_WORKERS
    KS_URL=http://127.0.0.1:$KEYSTONE_PORT
    TRANSPORT_URL=rabbit://heat:$RABBIT_PASSWORD@127.0.0.1:$RABBIT_PORT/heat
    HEAT_DB_URL="mysql+pymysql://heat:$DB_PASSWORD@127.0.0.1:$DB_PORT/heat?charset=utf8mb4"
    KEYSTONE_DB_URL="mysql+pymysql://keystone:$DB_PASSWORD@127.0.0.1:$DB_PORT/keystone?charset=utf8mb4"
}

# Services in start order; `stop` goes through them in reverse order, in three waves.
ALL_SERVICES="mariadb epmd rabbitmq keystone heat-engine ec2-shim heat-api heat-api-cfn"

say() { printf 'stack: %s\n' "$*"; }
err() { printf 'stack: ERROR: %s\n' "$*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# What each PID file's process must look like (guards against a recycled PID).
expect_cmd() {
    case $1 in
        mariadb) echo mariadbd ;;
        epmd) echo epmd ;;
        rabbitmq) echo rabbitmq-server ;;
        keystone) echo uwsgi ;;
        heat-engine) echo heat-engine ;;
        heat-api) echo "/usr/bin/heat-api " ;;
        heat-api-cfn) echo /usr/bin/heat-api-cfn ;;
        ec2-shim) echo ec2-shim ;;
        # the heat 24.0.0 stack of trixie.sh (run by chroot into its Debian 13 root)
        heat24-engine) echo heat-engine ;;
        heat24-api) echo "/usr/bin/heat-api " ;;
        heat24-api-cfn) echo /usr/bin/heat-api-cfn ;;
        heat24-ec2-shim) echo ec2-shim ;;
    esac
}

# pid_of NAME: prints the PID and succeeds if NAME's recorded process is alive (not a zombie)
# and still runs the expected program.
pid_of() {
    local f=$RUN/$1.pid pid cmd stat
    [ -f "$f" ] || return 1
    read -r pid < "$f" || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 1
    cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
    case $cmd in *"$(expect_cmd "$1")"*) ;; *) return 1 ;; esac
    echo "$pid"
}

# group_alive PGID: any live (non-zombie) process left in that process group? (Zombies do
# count for kill -0, and PID 1 on some machines is slow to reap the orphans.)
group_alive() {
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

port_busy() { (: < "/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need_free_port() { # PORT WHAT
    if port_busy "$1"; then
        err "port 127.0.0.1:$1 (for $2) is already in use by another process; set the override (see README.md) or stop it"
        ss -ltnp "sport = :$1" >&2 2>/dev/null || true
        return 1
    fi
}

# spawn NAME USER CMD...: runs CMD as USER in a new session, stdout/stderr appended to
# $LOG/NAME.log, and records its PID. setsid does not fork here (we are not a group leader,
# job control is off), so $! is the daemon itself.
spawn() {
    local name=$1 user=$2 home
    shift 2
    # a previous instance whose leader died (kill -9) may have left children (heat-engine workers)
    [ -f "$RUN/$name.pid" ] && stop_wave 15 "$name"
    home=$(getent passwd "$user" | cut -d: -f6)
    printf '\n===== %s starting %s\n' "$(date '+%F %T')" "$name" >> "$LOG/$name.log"
    (cd / && exec setsid setpriv --reuid="$user" --regid="$user" --init-groups --reset-env \
        env HOME="$home" USER="$user" LOGNAME="$user" LC_ALL=C.UTF-8 \
        PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@") < /dev/null >> "$LOG/$name.log" 2>&1 9>&- &
    echo $! > "$RUN/$name.pid"
}

log_hint() { # NAME [extra file]
    err "see $LOG/$1.log${2:+ and $2}; last lines:"
    tail -n 25 "$LOG/$1.log" >&2 2>/dev/null || true
}

# wait_until NAME WHAT CMD...: polls CMD every 0.25 s until it succeeds, NAME's process dies or
# $TIMEOUT passes.
wait_until() {
    local name=$1 what=$2 t0
    shift 2
    t0=$(date +%s)
    while ! "$@" > /dev/null 2>&1; do
        if ! pid_of "$name" > /dev/null; then
            err "$name exited while waiting for $what"
            log_hint "$name" "${HINT_FILE:-}"
            return 1
        fi
        if [ $(($(date +%s) - t0)) -ge "$TIMEOUT" ]; then
            err "$name: no $what after ${TIMEOUT}s"
            log_hint "$name" "${HINT_FILE:-}"
            return 1
        fi
        sleep 0.25
    done
}

http_up() { # URL [codes...]: the URL answers with one of the codes (any answer if none given)
    local url=$1 code
    shift
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url") || true
    [ "$code" != 000 ] || return 1
    [ $# -eq 0 ] && return 0
    case " $* " in *" $code "*) return 0 ;; esac
    return 1
}

as_user() { # USER CMD...
    local user=$1
    shift
    setpriv --reuid="$user" --regid="$user" --init-groups "$@"
}

# shellcheck disable=SC2153 # PY_* are set by settings()
export_helper_env() {
    export HS_STATE=$STATE HS_KEYSTONE_PORT=$KEYSTONE_PORT HS_REGION=$REGION \
        HS_ADMIN_PASSWORD=$ADMIN_PASSWORD HS_DEMO_PASSWORD=$DEMO_PASSWORD HS_HEAT_PASSWORD=$HEAT_PASSWORD \
        HS_DOMAIN_ADMIN_PASSWORD=$DOMAIN_ADMIN_PASSWORD HS_RABBIT_PASSWORD=$RABBIT_PASSWORD \
        HS_RABBIT_PORT=$RABBIT_PORT HS_RABBIT_DIST_PORT=$RABBIT_DIST_PORT HS_EPMD_PORT=$EPMD_PORT \
        HS_RABBIT_NODE=$RABBIT_NODE HS_TRANSPORT_URL=$TRANSPORT_URL HS_DB_PORT=$DB_PORT \
        HS_DB_SOCKET=$DB_SOCKET HS_HEAT_DB_URL=$HEAT_DB_URL HS_KEYSTONE_DB_URL=$KEYSTONE_DB_URL \
        HS_HEAT_API_PORT=$HEAT_API_PORT HS_HEAT_CFN_PORT=$HEAT_CFN_PORT \
        HS_PY_HEAT_API_PORT=$PY_HEAT_API_PORT HS_PY_HEAT_CFN_PORT=$PY_HEAT_CFN_PORT \
        HS_PY_EC2_SHIM_PORT=$PY_EC2_SHIM_PORT HS_ENGINE_WORKERS=$ENGINE_WORKERS \
        HS_PYTHON_API=${WITH_PY_API:-0}
}

# ---------------------------------------------------------------------------------------------
# MariaDB

mariadb_sql() { mariadb --no-defaults --socket="$DB_SOCKET" -uroot; }

start_mariadb() {
    local t0
    t0=$(now)
    if pid_of mariadb > /dev/null; then return 0; fi
    need_free_port "$DB_PORT" MariaDB || return 1
    mkdir -p "$DB_DIR"
    chown mysql:mysql "$DB_DIR"
    chmod 750 "$DB_DIR"
    if [ ! -d "$DB_DIR/data/mysql" ]; then
        rm -rf "$DB_DIR/data"
        if ! mariadb-install-db --no-defaults --user=mysql --datadir="$DB_DIR/data" \
            --auth-root-authentication-method=socket --skip-test-db > "$LOG/mariadb-install.log" 2>&1; then
            err "mariadb-install-db failed; see $LOG/mariadb-install.log"
            tail -n 20 "$LOG/mariadb-install.log" >&2
            return 1
        fi
    fi
    # A test database: speed over durability (no fsync, no doublewrite buffer).
    spawn mariadb mysql mariadbd --no-defaults --datadir="$DB_DIR/data" --socket="$DB_SOCKET" \
        --port="$DB_PORT" --bind-address=127.0.0.1 --pid-file="$DB_DIR/mariadbd.pid" \
        --skip-name-resolve --max-connections=500 --character-set-server=utf8mb4 \
        --collation-server=utf8mb4_general_ci --innodb-buffer-pool-size=128M \
        --innodb-flush-log-at-trx-commit=2 --innodb-flush-method=nosync --skip-innodb-doublewrite \
        --skip-log-bin
    wait_until mariadb "an answer on $DB_SOCKET" \
        mariadb-admin --no-defaults --socket="$DB_SOCKET" -uroot ping || return 1
    mariadb_sql <<SQL || { err "creating the databases failed; see $LOG/mariadb.log"; return 1; }
CREATE DATABASE IF NOT EXISTS keystone;
CREATE DATABASE IF NOT EXISTS heat;
CREATE USER IF NOT EXISTS 'keystone'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS 'heat'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON keystone.* TO 'keystone'@'127.0.0.1';
GRANT ALL PRIVILEGES ON heat.* TO 'heat'@'127.0.0.1';
SQL
    say "MariaDB up on 127.0.0.1:$DB_PORT ($(elapsed "$t0") s)"
}

# ---------------------------------------------------------------------------------------------
# RabbitMQ (and its own epmd)

rabbit_env() {
    cat <<ENV
ERL_EPMD_PORT=$EPMD_PORT
ERL_EPMD_ADDRESS=127.0.0.1
RABBITMQ_CONF_ENV_FILE=$RMQ/rabbitmq-env.conf
RABBITMQ_NODENAME=$RABBIT_NODE
RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
RABBITMQ_NODE_PORT=$RABBIT_PORT
RABBITMQ_DIST_PORT=$RABBIT_DIST_PORT
RABBITMQ_MNESIA_BASE=$RMQ/mnesia
RABBITMQ_LOG_BASE=$RMQ/log
RABBITMQ_CONFIG_FILE=$RMQ/rabbitmq.conf
RABBITMQ_ADVANCED_CONFIG_FILE=$RMQ/advanced.config
RABBITMQ_ENABLED_PLUGINS_FILE=$RMQ/enabled_plugins
RABBITMQ_PID_FILE=$RMQ/rabbitmq.pid
RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}
RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}
ENV
}

write_rabbit_files() {
    mkdir -p "$RMQ/mnesia" "$RMQ/log" "$RMQ/home"
    chown rabbitmq:rabbitmq "$RMQ/mnesia" "$RMQ/log" "$RMQ/home"
    chmod 750 "$RMQ/mnesia" "$RMQ/log" "$RMQ/home"
    : > "$RMQ/rabbitmq-env.conf" # so that /etc/rabbitmq/rabbitmq-env.conf is not read
    echo '[].' > "$RMQ/enabled_plugins"
    echo '[].' > "$RMQ/advanced.config"
    # The default_* keys only take effect when the node boots with an empty database (first start).
    cat > "$RMQ/rabbitmq.conf" <<CONF
# written by test/stack/stack.sh
listeners.tcp.1 = 127.0.0.1:$RABBIT_PORT
default_vhost = heat
default_user = heat
default_pass = $RABBIT_PASSWORD
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
default_user_tags.administrator = true
log.console = false
log.file.level = info
CONF
    chown root:rabbitmq "$RMQ/rabbitmq.conf"
    chmod 640 "$RMQ/rabbitmq.conf"
    # rabbitmqctl / rabbitmq-diagnostics for this node: $STATE/bin/rabbitmqctl list_queues -p heat
    local env_args
    env_args=$(rabbit_env | sed "s/'/'\\\\''/g; s/^\\([^=]*\\)=\\(.*\\)$/'\\1=\\2'/" | tr '\n' ' ')
    cat > "$STATE/bin/rabbitmqctl" <<SH
#!/bin/sh
# rabbitmqctl (or, through a link of that name, rabbitmq-diagnostics) for the stack's node
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups --reset-env env HOME='$RMQ/home' \\
    PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 $env_args \\
    /usr/lib/rabbitmq/bin/\$(basename "\$0") "\$@"
SH
    chmod 755 "$STATE/bin/rabbitmqctl"
    ln -sf rabbitmqctl "$STATE/bin/rabbitmq-diagnostics"
}

start_epmd() {
    if pid_of epmd > /dev/null; then return 0; fi
    need_free_port "$EPMD_PORT" epmd || return 1
    spawn epmd rabbitmq epmd -address 127.0.0.1 -port "$EPMD_PORT"
    wait_until epmd "epmd on port $EPMD_PORT" port_busy "$EPMD_PORT" || return 1
}

start_rabbitmq() {
    local t0
    local -a envs
    t0=$(now)
    start_epmd || return 1
    if pid_of rabbitmq > /dev/null; then return 0; fi
    need_free_port "$RABBIT_PORT" "RabbitMQ AMQP" || return 1
    need_free_port "$RABBIT_DIST_PORT" "RabbitMQ distribution" || return 1
    write_rabbit_files
    mapfile -t envs < <(rabbit_env)
    # env after env: HOME and the RABBITMQ_* values (with spaces and braces) stay single words
    spawn rabbitmq rabbitmq env HOME="$RMQ/home" "${envs[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server
    HINT_FILE="$RMQ/log/$RABBIT_NODE.log" \
        wait_until rabbitmq "AMQP login as heat on 127.0.0.1:$RABBIT_PORT" "$PY" "$HELPER" amqp-ping || return 1
    say "RabbitMQ up on 127.0.0.1:$RABBIT_PORT, node $RABBIT_NODE ($(elapsed "$t0") s)"
}

# ---------------------------------------------------------------------------------------------
# Keystone

write_keystone_conf() {
    mkdir -p "$KS/fernet-keys" "$KS/credential-keys"
    chown keystone:keystone "$KS/fernet-keys" "$KS/credential-keys"
    chmod 700 "$KS/fernet-keys" "$KS/credential-keys"
    cat > "$KS/keystone.conf.tmp" <<CONF
# written by test/stack/stack.sh
[DEFAULT]
debug = $DEBUG
use_stderr = false
[database]
connection = $KEYSTONE_DB_URL
[token]
provider = fernet
[fernet_tokens]
key_repository = $KS/fernet-keys
[credential]
key_repository = $KS/credential-keys
[identity]
# bcrypt's minimum: every password check (each token issue) is ~250 ms cheaper than the default 12
password_hash_rounds = 4
# (the default, 4096, makes keystone log a warning on every password check under bcrypt)
max_password_length = 72
[cache]
# In-process cache: without it each authenticated request costs keystone 0.3-0.8 s of CPU
# (about 240 SQL queries to validate a token). It is per process, so uwsgi runs ONE process
# (several threads): with two, a revocation or role change seen by one would not be by the other.
# memory_pickle, not oslo_cache.dict or dogpile.cache.memory: keystone changes some cached values
# in place (list_credentials_for_user pops encrypted_blob; the second call fails with KeyError).
enabled = true
backend = dogpile.cache.memory_pickle
expiration_time = 600
CONF
    chown root:keystone "$KS/keystone.conf.tmp"
    chmod 640 "$KS/keystone.conf.tmp"
    mv "$KS/keystone.conf.tmp" "$KS/keystone.conf"
    # http11-socket (http-socket resets python-requests' reused connections); 1 process (see
    # [cache]) x 4 threads
    cat > "$KS/uwsgi.ini" <<INI
[uwsgi]
plugins = python3
http11-socket = 127.0.0.1:$KEYSTONE_PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_FILES=$KS/keystone.conf
master = true
processes = 1
threads = 4
enable-threads = true
lazy-apps = true
die-on-term = true
no-orphans = true
need-app = true
# Python's finalization segfaults in greenlet when the worker exits (harmless, but noisy)
skip-atexit-teardown = true
buffer-size = 65535
listen = 100
chdir = /var/lib/keystone
name = keystone-api
INI
}

keystone_manage() { as_user keystone keystone-manage --config-file "$KS/keystone.conf" "$@"; }

start_keystone() {
    local t0 t1 out
    t0=$(now)
    if pid_of keystone > /dev/null; then return 0; fi
    need_free_port "$KEYSTONE_PORT" Keystone || return 1
    write_keystone_conf
    out=$LOG/keystone-manage.log
    if [ ! -f "$KS/.bootstrapped" ]; then
        t1=$(now)
        # the key repositories do not need the database: made while db_sync runs
        {
            keystone_manage fernet_setup --keystone-user keystone --keystone-group keystone &&
                keystone_manage credential_setup --keystone-user keystone --keystone-group keystone
        } > "$LOG/keystone-keys.log" 2>&1 &
        local keys=$!
        if ! keystone_manage db_sync > "$out" 2>&1; then
            err "keystone-manage db_sync failed; see $out"
            tail -n 20 "$out" >&2
            wait "$keys" || true
            return 1
        fi
        if ! wait "$keys"; then
            err "keystone-manage fernet_setup/credential_setup failed; see $LOG/keystone-keys.log"
            tail -n 20 "$LOG/keystone-keys.log" >&2
            return 1
        fi
        if ! keystone_manage bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
            --bootstrap-username admin --bootstrap-project-name admin --bootstrap-role-name admin \
            --bootstrap-service-name keystone --bootstrap-region-id "$REGION" \
            --bootstrap-admin-url "$KS_URL/v3" --bootstrap-internal-url "$KS_URL/v3" \
            --bootstrap-public-url "$KS_URL/v3" >> "$out" 2>&1; then
            err "keystone-manage bootstrap failed; see $out"
            tail -n 20 "$out" >&2
            return 1
        fi
        touch "$KS/.bootstrapped"
        say "Keystone database and keys set up ($(elapsed "$t1") s)"
    fi
    spawn keystone keystone uwsgi --ini "$KS/uwsgi.ini"
    wait_until keystone "answer on $KS_URL/v3" http_up "$KS_URL/v3" 200 || return 1
    say "Keystone up on $KS_URL ($(elapsed "$t0") s)"
}

register_keystone() {
    local t0 stamp
    t0=$(now)
    # Skipped when nothing it depends on changed since it last succeeded (the final check still
    # verifies the tokens and the catalog).
    stamp="$KEYSTONE_PORT $HEAT_API_PORT $HEAT_CFN_PORT $REGION $(md5sum < "$HELPER" | cut -c1-32)"
    if [ -f "$STATE/keystone-ids.json" ] && [ "$(cat "$STATE/.registered" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    if ! "$PY" "$HELPER" register > "$STATE/keystone-ids.json.tmp" 2> "$LOG/register.log"; then
        err "registering heat's users, roles, services and endpoints in Keystone failed; see $LOG/register.log and $LOG/keystone.log"
        tail -n 20 "$LOG/register.log" >&2
        return 1
    fi
    mv "$STATE/keystone-ids.json.tmp" "$STATE/keystone-ids.json"
    chmod 600 "$STATE/keystone-ids.json"
    echo "$stamp" > "$STATE/.registered"
    say "Keystone objects for heat in place ($(elapsed "$t0") s)"
}

# ---------------------------------------------------------------------------------------------
# Heat

# heat.conf of a heat stack, shared by this heat 19.0.0 stack and trixie.sh's 24.0.0 one
heat_conf_core() { # TRANSPORT_URL ENGINE_WORKERS CFN_PORT DB_URL LOCK_PATH: [DEFAULT] to [oslo_concurrency]
    cat <<CONF
[DEFAULT]
transport_url = $1
num_engine_workers = $2
region_name_for_services = $REGION
heat_metadata_server_url = http://127.0.0.1:$3
heat_waitcondition_server_url = http://127.0.0.1:$3/v1/waitcondition
stack_domain_admin = heat_domain_admin
stack_domain_admin_password = $DOMAIN_ADMIN_PASSWORD
stack_user_domain_name = heat
debug = $DEBUG
use_stderr = false

[database]
connection = $4

[keystone_authtoken]
www_authenticate_uri = $KS_URL/v3
auth_url = $KS_URL
auth_type = password
project_name = service
project_domain_name = Default
username = heat
password = $HEAT_PASSWORD
user_domain_name = Default
region_name = $REGION
service_type = orchestration
service_token_roles_required = true

[trustee]
auth_type = password
auth_url = $KS_URL
username = heat
password = $HEAT_PASSWORD
user_domain_name = Default

[clients_keystone]
auth_uri = $KS_URL

[ec2authtoken]
auth_uri = $KS_URL/v3

[paste_deploy]
api_paste_config = /etc/heat/api-paste.ini

[oslo_concurrency]
lock_path = $5
CONF
}

heat_conf_python_apis() { # API_PORT CFN_PORT: where the Python reference services listen
    cat <<CONF
[heat_api]
bind_host = 127.0.0.1
bind_port = $1
workers = 1

[heat_api_cfn]
bind_host = 127.0.0.1
bind_port = $2
workers = 1
CONF
}

write_heat_conf() {
    mkdir -p "$HEAT/lock"
    chown heat:heat "$HEAT/lock"
    chmod 700 "$HEAT/lock"
    {
        echo '# written by test/stack/stack.sh (not /etc/heat/heat.conf)'
        heat_conf_core "$TRANSPORT_URL" "$ENGINE_WORKERS" "$HEAT_CFN_PORT" "$HEAT_DB_URL" "$HEAT/lock"
        cat <<CONF

# The Python reference services (stack.sh start --with-python-api); mod_heat uses
# HEAT_API_PORT=$HEAT_API_PORT and HEAT_CFN_PORT=$HEAT_CFN_PORT.
CONF
        heat_conf_python_apis "$PY_HEAT_API_PORT" "$PY_HEAT_CFN_PORT"
    } > "$HEAT_CONF.tmp"
    chown root:heat "$HEAT_CONF.tmp"
    chmod 640 "$HEAT_CONF.tmp"
    mv "$HEAT_CONF.tmp" "$HEAT_CONF"
    # Only for the Python heat-api-cfn: its ec2token middleware sends no X-Auth-Token, which this
    # keystone refuses (its fix for LP#2119646), so it goes through the shim that adds one.
    cat > "$HEAT/py-cfn.conf" <<CONF
# written by test/stack/stack.sh: read after heat.conf by the Python heat-api-cfn only
[ec2authtoken]
auth_uri = http://127.0.0.1:$PY_EC2_SHIM_PORT/v3
CONF
}

heat_db_sync() {
    local t0
    t0=$(now)
    [ -f "$HEAT/.db_synced" ] && return 0
    if ! as_user heat heat-manage --config-file "$HEAT_CONF" db_sync > "$LOG/heat-manage.log" 2>&1; then
        err "heat-manage db_sync failed; see $LOG/heat-manage.log"
        tail -n 20 "$LOG/heat-manage.log" >&2
        return 1
    fi
    touch "$HEAT/.db_synced"
    say "heat database migrated ($(elapsed "$t0") s)"
}

spawn_engine() {
    if pid_of heat-engine > /dev/null; then return 0; fi
    spawn heat-engine heat heat-engine --config-file "$HEAT_CONF"
}

wait_engine() {
    local t0 n
    t0=$(now)
    if ! "$PY" "$HELPER" wait-engine "$ENGINE_WORKERS" "$TIMEOUT" 2> "$LOG/wait-engine.log"; then
        if ! pid_of heat-engine > /dev/null; then err "heat-engine exited"; fi
        cat "$LOG/wait-engine.log" >&2
        log_hint heat-engine
        return 1
    fi
    n=$("$PY" "$HELPER" engine-consumers)
    say "heat-engine up: queue engine has $n consumer(s) (waited $(elapsed "$t0") s)"
}

spawn_python_api() {
    # all ports checked before anything starts. heat-api binds with SO_REUSEPORT: a second one on
    # the same port would silently share it.
    pid_of ec2-shim > /dev/null || need_free_port "$PY_EC2_SHIM_PORT" "ec2tokens shim" || return 1
    pid_of heat-api > /dev/null || need_free_port "$PY_HEAT_API_PORT" "Python heat-api" || return 1
    pid_of heat-api-cfn > /dev/null || need_free_port "$PY_HEAT_CFN_PORT" "Python heat-api-cfn" || return 1
    pid_of ec2-shim > /dev/null || spawn ec2-shim heat "$PY" "$HELPER" ec2-shim "$HEAT_CONF" "$PY_EC2_SHIM_PORT" "$KEYSTONE_PORT"
    pid_of heat-api > /dev/null || spawn heat-api heat heat-api --config-file "$HEAT_CONF"
    pid_of heat-api-cfn > /dev/null ||
        spawn heat-api-cfn heat heat-api-cfn --config-file "$HEAT_CONF" --config-file "$HEAT/py-cfn.conf"
}

wait_python_api() {
    wait_until ec2-shim "answer on port $PY_EC2_SHIM_PORT" \
        http_up "http://127.0.0.1:$PY_EC2_SHIM_PORT/v3" 200 || return 1
    wait_until heat-api "answer on port $PY_HEAT_API_PORT" \
        http_up "http://127.0.0.1:$PY_HEAT_API_PORT/" 300 || return 1
    wait_until heat-api-cfn "answer on port $PY_HEAT_CFN_PORT" \
        http_up "http://127.0.0.1:$PY_HEAT_CFN_PORT/" || return 1
    say "Python heat-api on 127.0.0.1:$PY_HEAT_API_PORT, heat-api-cfn on 127.0.0.1:$PY_HEAT_CFN_PORT (ec2 shim :$PY_EC2_SHIM_PORT)"
}

# ---------------------------------------------------------------------------------------------

prepare_dirs() {
    mkdir -p "$STATE" "$RUN" "$LOG" "$STATE/bin" "$KS" "$HEAT" "$RMQ"
    chmod 755 "$STATE" "$RUN" "$LOG" "$STATE/bin" "$KS" "$HEAT" "$RMQ"
    install -m 755 "$HERE/stack-helper.py" "$HELPER"
    local u
    for u in mysql rabbitmq keystone heat; do
        if ! id "$u" > /dev/null 2>&1; then
            err "system user $u is missing: run test/stack/install-deps.sh"
            exit 1
        fi
        if ! as_user "$u" test -r "$HELPER"; then
            err "user $u cannot reach $STATE: choose a HEAT_STACK_DIR whose parents are world-searchable"
            exit 1
        fi
    done
}

lock() {
    exec 9> "$STATE/.lock"
    if ! flock -w "$TIMEOUT" 9; then
        err "another stack.sh holds $STATE/.lock"
        exit 1
    fi
}

all_up() {
    local s
    for s in mariadb epmd rabbitmq keystone heat-engine; do
        pid_of "$s" > /dev/null || return 1
    done
    if [ "${WITH_PY_API:-0}" = 1 ]; then
        for s in ec2-shim heat-api heat-api-cfn; do pid_of "$s" > /dev/null || return 1; done
    fi
}

# every port a service that is not running yet will listen on must be free: fail before
# starting anything
preflight() {
    local bad=0
    pid_of mariadb > /dev/null || need_free_port "$DB_PORT" MariaDB || bad=1
    pid_of epmd > /dev/null || need_free_port "$EPMD_PORT" epmd || bad=1
    if ! pid_of rabbitmq > /dev/null; then
        need_free_port "$RABBIT_PORT" "RabbitMQ AMQP" || bad=1
        need_free_port "$RABBIT_DIST_PORT" "RabbitMQ distribution" || bad=1
    fi
    pid_of keystone > /dev/null || need_free_port "$KEYSTONE_PORT" Keystone || bad=1
    if [ "$WITH_PY_API" = 1 ]; then
        pid_of ec2-shim > /dev/null || need_free_port "$PY_EC2_SHIM_PORT" "ec2tokens shim" || bad=1
        pid_of heat-api > /dev/null || need_free_port "$PY_HEAT_API_PORT" "Python heat-api" || bad=1
        pid_of heat-api-cfn > /dev/null || need_free_port "$PY_HEAT_CFN_PORT" "Python heat-api-cfn" || bad=1
    fi
    [ $bad = 0 ] || exit 1
}

any_running() { # SERVICE...
    local s
    for s in "$@"; do pid_of "$s" > /dev/null && return 0; done
    return 1
}

cmd_start() {
    local t0 a b
    WITH_PY_API=0
    for a in "$@"; do
        case $a in
            --with-python-api) WITH_PY_API=1 ;;
            *) err "unknown option $a"; usage ;;
        esac
    done
    a="" b=""
    if any_running mariadb epmd rabbitmq keystone heat-engine; then a=running; fi
    if any_running ec2-shim heat-api heat-api-cfn; then b=running; fi
    settings "$a" "$b"
    # keep the Python API running (and say so in stack.env) if an earlier start had it
    if pid_of heat-api > /dev/null; then WITH_PY_API=1; fi
    if [ "$(id -u)" != 0 ]; then err "run as root (daemons are started as their package users)"; exit 1; fi
    for a in mariadbd mariadb-install-db mariadb-admin epmd uwsgi keystone-manage heat-engine heat-manage setpriv curl flock ps; do
        command -v "$a" > /dev/null || { err "$a not found: run test/stack/install-deps.sh"; exit 1; }
    done
    t0=$(now)
    prepare_dirs
    lock
    export_helper_env
    if all_up && [ -f "$STATE/stack.json" ]; then
        if "$PY" "$HELPER" amqp-ping 2> /dev/null && http_up "$KS_URL/v3" 200; then
            say "already running (state $STATE); stack.sh status for details"
            return 0
        fi
    fi
    preflight
    write_heat_conf

    # 1: MariaDB and RabbitMQ in parallel
    start_rabbitmq &
    a=$!
    start_mariadb
    # 2: Keystone (db_sync, keys, bootstrap, uwsgi) while heat's schema is migrated
    start_keystone &
    b=$!
    heat_db_sync || { wait "$a" || true; wait "$b" || true; fail; }
    wait "$a" || { wait "$b" || true; fail; }
    # 3: heat-engine starts while Keystone comes up and is filled in
    spawn_engine
    if [ "$WITH_PY_API" = 1 ]; then spawn_python_api || fail; fi
    wait "$b" || fail
    register_keystone || fail
    wait_engine || fail
    if [ "$WITH_PY_API" = 1 ]; then wait_python_api || fail; fi
    "$PY" "$HELPER" write-env "$STATE/keystone-ids.json"
    if ! "$PY" "$HELPER" check; then
        err "the final check failed (logs in $LOG)"
        fail
    fi
    say "stack ready in $(elapsed "$t0") s: . $STATE/stack.env (or openrc-admin / openrc-demo); facts in $STATE/stack.json"
}

fail() {
    err "start failed; what did start is left running for inspection: $0 stop"
    exit 1
}

# stop_wave TIMEOUT NAME...: SIGTERM to each running one, wait for each process group to be
# gone, then SIGKILL the groups still there.
stop_wave() {
    local bound=$1 s pid t0 left
    shift
    local -a pids=() names=()
    for s in "$@"; do
        if pid=$(pid_of "$s"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
            names+=("$s")
        else
            # leader gone: only its leftover group members, if they are still ours
            if [ -f "$RUN/$s.pid" ]; then
                read -r pid < "$RUN/$s.pid" || pid=""
                if [ -n "$pid" ] && group_alive "$pid" && group_is "$pid" "$s"; then
                    kill -TERM -- "-$pid" 2>/dev/null || true
                    pids+=("$pid")
                    names+=("$s")
                else
                    rm -f "$RUN/$s.pid"
                fi
            fi
        fi
    done
    [ ${#pids[@]} -eq 0 ] && return 0
    say "stopping ${names[*]}"
    t0=$(date +%s)
    while :; do
        left=0
        for pid in "${pids[@]}"; do group_alive "$pid" && left=1; done
        [ $left = 0 ] && break
        if [ $(($(date +%s) - t0)) -ge "$bound" ]; then
            for i in "${!pids[@]}"; do
                if group_alive "${pids[$i]}"; then
                    err "${names[$i]} (pid ${pids[$i]}) still there after ${bound}s: SIGKILL to its process group"
                    kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
                fi
            done
            sleep 0.5
            break
        fi
        sleep 0.2
    done
    for s in "${names[@]}"; do rm -f "$RUN/$s.pid"; done
}

# group_is PGID NAME: some live member of process group PGID still runs NAME's program
group_is() {
    ps -e -o pgid=,stat=,args= |
        awk -v g="$1" -v want="$(expect_cmd "$2")" '$1 == g && $2 !~ /^Z/ && index($0, want) { found = 1 } END { exit !found }'
}

cmd_stop() {
    local t0
    t0=$(now)
    if [ ! -d "$RUN" ]; then say "nothing to stop ($RUN does not exist)"; return 0; fi
    lock
    # heat-engine needs ~10 s on SIGTERM (each of its RPC servers polls its queue with up to 5 s
    # timeouts before it notices the stop); it is given 30 s before SIGKILL
    # trixie.sh's 24 services first: they use this stack's RabbitMQ, MariaDB and Keystone
    stop_wave 30 heat24-api heat24-api-cfn heat24-ec2-shim heat24-engine
    stop_wave 30 heat-api heat-api-cfn ec2-shim heat-engine keystone
    stop_wave 30 rabbitmq mariadb
    stop_wave 10 epmd
    say "stopped ($(elapsed "$t0") s)"
}

# stop-service SERVICE...: stops only those services (outage tests), the same way `stop` does;
# `start` brings back whatever is down. Names as in `status` (engine, rabbit, db also accepted).
cmd_stop_service() {
    local s
    local -a names=()
    [ $# -gt 0 ] || usage
    for s in "$@"; do
        case $s in
            engine) s=heat-engine ;;
            rabbit) s=rabbitmq ;;
            db | mysql) s=mariadb ;;
        esac
        case " $ALL_SERVICES " in
            *" $s "*) names+=("$s") ;;
            *) err "unknown service $s (one of: $ALL_SERVICES)"; exit 2 ;;
        esac
    done
    if [ ! -d "$RUN" ]; then say "nothing to stop ($RUN does not exist)"; return 0; fi
    lock
    stop_wave 30 "${names[@]}"
}

cmd_status() {
    local s pid rc=0 n
    for s in $ALL_SERVICES; do
        if pid=$(pid_of "$s"); then
            printf '%-13s running  pid %s\n' "$s" "$pid"
        else
            case $s in
                ec2-shim | heat-api | heat-api-cfn)
                    printf '%-13s stopped  (optional: start --with-python-api)\n' "$s" ;;
                *) printf '%-13s stopped\n' "$s"; rc=1 ;;
            esac
        fi
    done
    if [ -f "$STATE/stack.env" ]; then
        settings recorded recorded # the values of the last start, not this shell's
        export_helper_env
        if pid_of keystone > /dev/null; then
            if http_up "$KS_URL/v3" 200; then echo "keystone      $KS_URL/v3 answers"; else echo "keystone      $KS_URL/v3 does not answer"; rc=1; fi
        fi
        if pid_of rabbitmq > /dev/null; then
            if "$PY" "$HELPER" amqp-ping 2>/dev/null; then
                n=$("$PY" "$HELPER" engine-consumers)
                echo "rabbitmq      amqp://127.0.0.1:$RABBIT_PORT/heat answers; queue engine has $n consumer(s)"
                [ "$n" -gt 0 ] || rc=1
            else
                echo "rabbitmq      amqp://127.0.0.1:$RABBIT_PORT/heat does not answer"; rc=1
            fi
        fi
    fi
    echo "state: $STATE (logs: $LOG)"
    return $rc
}

cmd_env() {
    if [ ! -f "$STATE/stack.env" ]; then
        err "$STATE/stack.env not found: run $0 start first"
        exit 1
    fi
    cat "$STATE/stack.env"
}

usage() {
    echo "usage: $0 start [--with-python-api] | stop | status | env | stop-service SERVICE..." >&2
    echo "       $0 start|stop|status|env --release 24   (the heat 24.0.0 stack: trixie.sh)" >&2
    exit 2
}

# trixie.sh sources this file for its functions: then nothing runs here
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # --release 24: the heat 24.0.0 stack of trixie.sh (19, the default, is this script's own)
    case " $* " in *" --release "*)
        rel=""
        args=()
        while [ $# -gt 0 ]; do
            case $1 in
                --release) rel=${2:-}; shift 2 || usage ;;
                *) args+=("$1"); shift ;;
            esac
        done
        case $rel in
            19) set -- "${args[@]}" ;;
            24) exec "$HERE/trixie.sh" "${args[@]}" ;;
            *) err "unknown release '$rel' (19 or 24)"; exit 2 ;;
        esac
        ;;
    esac
    case ${1:-} in
        start) shift; cmd_start "$@" ;;
        stop) cmd_stop ;;
        stop-service) shift; cmd_stop_service "$@" ;;
        status) cmd_status ;;
        env) cmd_env ;;
        *) usage ;;
    esac
fi
