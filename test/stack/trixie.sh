#!/bin/bash
# trixie.sh build | start | stop | status | env
#
# The heat 24.0.0 stack: a Debian 13 (trixie) root, made with debootstrap from Debian's archive
# and kept in $HEAT_STACK_DIR/trixie-root (built once, reused until its package list changes),
# runs heat-engine 24.0.0 and, as the reference, the Python heat-api and heat-api-cfn 24.0.0 by
# plain chroot (same network namespace: loopback is shared; nothing is mounted). They use the
# services of stack.sh's stack beside the 19.0.0 engine: its MariaDB (database heat24), its
# RabbitMQ (vhost heat24) and its Keystone (the same users, projects and roles). `start` starts
# stack.sh's core services first when they are down. PIDs go to $HEAT_STACK_DIR/run/heat24-*.pid
# and `stop` (or `stack.sh stop`) signals only those. See README.md in this directory.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR
. "$HERE/stack.sh"     # its functions and settings; it runs nothing when sourced

ROOT=${HEAT_STACK_TRIXIE_ROOT:-$STATE/trixie-root}
MIRROR=http://deb.debian.org/debian
SUITE=trixie
KEYRING=/usr/share/keyrings/debian-archive-trixie-stable.gpg
# What the root holds; a change here (or of SUITE/MIRROR) rebuilds it.
ROOT_PACKAGES="heat-engine heat-api heat-api-cfn python3-pymysql"
STAMP="$SUITE $MIRROR minbase $ROOT_PACKAGES"

PY24_API_PORT=${PY24_HEAT_API_PORT:-28004}
PY24_CFN_PORT=${PY24_HEAT_CFN_PORT:-28000}
PY24_SHIM_PORT=${PY24_EC2_SHIM_PORT:-25001}
ENGINE24_WORKERS=${HEAT24_ENGINE_WORKERS:-2}
# [oslo_policy] enforce_new_defaults / enforce_scope of the 24 services: "" leaves oslo.policy's
# defaults (true and true in trixie's oslo.policy 4.5), true or false writes the option
POLICY24_NEW_DEFAULTS=${HEAT24_ENFORCE_NEW_DEFAULTS:-}
POLICY24_SCOPE=${HEAT24_ENFORCE_SCOPE:-}
VHOST24=heat24
DB24=heat24
H24=$STATE/heat24                     # host side: facts and stamps
CONF24_IN=/etc/heat/heat.conf         # inside the root (not the host's /etc)
CONF24=$ROOT$CONF24_IN
SERVICES24=(heat24-engine heat24-ec2-shim heat24-api heat24-api-cfn)

in_root() { # USER CMD...: CMD inside the root as USER, with a clean environment
    local user=$1
    shift
    chroot "$ROOT" /usr/bin/setpriv --reuid="$user" --regid="$user" --init-groups --reset-env \
        /usr/bin/env HOME=/var/lib/heat LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

# ---------------------------------------------------------------------------------------------
# The root

# nothing may be mounted below a root that is about to be removed
root_unmounted() { ! findmnt -rn -o TARGET | grep -q "^$1\(/\|\$\)"; }

# a 24 service runs from $ROOT (not from another root: HEAT_STACK_TRIXIE_ROOT)
root_in_use() {
    local s pid want
    want=$(realpath -m "$ROOT")
    for s in "${SERVICES24[@]}"; do
        pid=$(pid_of "$s") || continue
        [ "$(readlink "/proc/$pid/root")" = "$want" ] && return 0
    done
    return 1
}

build_root() {
    local t0 tmp=$ROOT.tmp
    if [ "$(cat "$ROOT/.mod_heat-stamp" 2>/dev/null)" = "$STAMP" ]; then return 0; fi
    # one build at a time (not stack.sh's lock: `start` runs stack.sh while building is done)
    exec 8> "$STATE/.trixie-build.lock"
    flock -w 1800 8 || { err "another build holds $STATE/.trixie-build.lock"; exit 1; }
    if [ "$(cat "$ROOT/.mod_heat-stamp" 2>/dev/null)" = "$STAMP" ]; then exec 8>&-; return 0; fi
    t0=$(now)
    for a in debootstrap chroot findmnt; do
        command -v "$a" > /dev/null || { err "$a not found: run test/stack/install-deps.sh"; exit 1; }
    done
    [ -r "$KEYRING" ] || { err "$KEYRING missing: install debian-archive-keyring"; exit 1; }
    if root_in_use; then err "24 services run from $ROOT: $0 stop first"; exit 1; fi
    for d in "$tmp" "$ROOT"; do
        if [ -e "$d" ]; then
            root_unmounted "$d" || { err "something is mounted below $d"; exit 1; }
            rm -rf --one-file-system "$d"
        fi
    done
    mkdir -p "$LOG"
    say "building the Debian 13 root in $ROOT (debootstrap $SUITE from $MIRROR; log $LOG/trixie-build.log)"
    if ! debootstrap --variant=minbase --keyring="$KEYRING" "$SUITE" "$tmp" "$MIRROR" \
        > "$LOG/trixie-build.log" 2>&1; then
        err "debootstrap failed; see $LOG/trixie-build.log"
        tail -n 20 "$LOG/trixie-build.log" >&2
        exit 1
    fi
    # no service starts inside the root while packages are installed
    printf '#!/bin/sh\nexit 101\n' > "$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    # shellcheck disable=SC2086
    if ! chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive sh -c "apt-get update -q &&
            apt-get install -y -q --no-install-recommends $ROOT_PACKAGES && apt-get clean" \
        >> "$LOG/trixie-build.log" 2>&1; then
        err "installing $ROOT_PACKAGES in the root failed; see $LOG/trixie-build.log"
        tail -n 20 "$LOG/trixie-build.log" >&2
        exit 1
    fi
    echo "$STAMP" > "$tmp/.mod_heat-stamp"
    mv "$tmp" "$ROOT"
    rm -f "$H24/.db_synced"
    exec 8>&-
    say "root built in $(elapsed "$t0") s: heat $(heat_version)"
}

# shellcheck disable=SC2016 # a dpkg-query format
heat_version() { chroot "$ROOT" dpkg-query -W -f '${Version}' heat-common 2>/dev/null || echo unknown; }

# ---------------------------------------------------------------------------------------------
# Database, vhost, heat.conf

prepare_backends() {
    mariadb_sql <<SQL || { err "creating database $DB24 failed"; return 1; }
CREATE DATABASE IF NOT EXISTS $DB24;
CREATE USER IF NOT EXISTS 'heat24'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON $DB24.* TO 'heat24'@'127.0.0.1';
SQL
    if ! "$STATE/bin/rabbitmqctl" list_vhosts -q 2>/dev/null | grep -qx "$VHOST24"; then
        "$STATE/bin/rabbitmqctl" add_vhost "$VHOST24" > /dev/null ||
            { err "rabbitmqctl add_vhost $VHOST24 failed"; return 1; }
    fi
    "$STATE/bin/rabbitmqctl" set_permissions -p "$VHOST24" heat '.*' '.*' '.*' > /dev/null ||
        { err "rabbitmqctl set_permissions -p $VHOST24 failed"; return 1; }
}

write_conf24() {
    mkdir -p "$H24"
    in_root root install -d -o heat -g heat -m 700 /var/lib/heat/lock
    {
        echo "# written by test/stack/trixie.sh: heat 24.0.0 beside stack.sh's heat 19.0.0"
        heat_conf_core "$TRANSPORT24_URL" "$ENGINE24_WORKERS" "$PY24_CFN_PORT" "$HEAT24_DB_URL" /var/lib/heat/lock
        cat <<CONF

[oslo_policy]
$(policy24_lines)

# The Python reference services of 24.0.0
CONF
        heat_conf_python_apis "$PY24_API_PORT" "$PY24_CFN_PORT"
    } > "$CONF24.tmp"
    chmod 640 "$CONF24.tmp"
    in_root root chown root:heat "$CONF24_IN.tmp"
    mv "$CONF24.tmp" "$CONF24"
    # the Python heat-api-cfn's ec2token middleware sends no X-Auth-Token either (see stack.sh)
    cat > "$ROOT/etc/heat/py-cfn.conf" <<CONF
# written by test/stack/trixie.sh: read after heat.conf by the Python heat-api-cfn only
[ec2authtoken]
auth_uri = http://127.0.0.1:$PY24_SHIM_PORT/v3
CONF
}

policy24_lines() {
    local name val
    for name in enforce_new_defaults enforce_scope; do
        if [ $name = enforce_scope ]; then val=$POLICY24_SCOPE; else val=$POLICY24_NEW_DEFAULTS; fi
        case $val in
            '') echo "# $name: oslo.policy's default" ;;
            true | false) echo "$name = $val" ;;
            *) err "HEAT24_ENFORCE_*: true, false or empty, not '$val'"; exit 2 ;;
        esac
    done
}

# the policy settings the running 24 services were started with
policy24_recorded() {
    sed -n '/^\[oslo_policy\]/,/^\[/p' "$CONF24" 2>/dev/null | grep -E '^(# )?enforce_' || true
}

db_sync24() {
    local t0 stamp
    t0=$(now)
    stamp="$HEAT24_DB_URL $(heat_version)"
    [ "$(cat "$H24/.db_synced" 2>/dev/null)" = "$stamp" ] && return 0
    if ! in_root heat heat-manage --config-file "$CONF24_IN" db_sync > "$LOG/heat24-manage.log" 2>&1; then
        err "heat-manage 24 db_sync failed; see $LOG/heat24-manage.log"
        tail -n 20 "$LOG/heat24-manage.log" >&2
        return 1
    fi
    echo "$stamp" > "$H24/.db_synced"
    say "heat24 database migrated ($(elapsed "$t0") s)"
}

# ---------------------------------------------------------------------------------------------

spawn24() { # NAME CMD...: spawn (stack.sh) of CMD run as heat inside the root
    local name=$1
    shift
    spawn "$name" root chroot "$ROOT" /usr/bin/setpriv --reuid=heat --regid=heat --init-groups \
        --reset-env /usr/bin/env HOME=/var/lib/heat LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

settings24() {
    settings recorded recorded
    TRANSPORT24_URL=rabbit://heat:$RABBIT_PASSWORD@127.0.0.1:$RABBIT_PORT/$VHOST24
    HEAT24_DB_URL="mysql+pymysql://heat24:$DB_PASSWORD@127.0.0.1:$DB_PORT/$DB24?charset=utf8mb4"
    export_helper_env
    export HS_RABBIT_VHOST=$VHOST24
    # a copy of its own: stack.sh start (of any checkout) rewrites $STATE/bin/stack-helper.py
    mkdir -p "$H24"
    install -m 755 "$HERE/stack-helper.py" "$H24/stack-helper.py"
    HELPER=$H24/stack-helper.py
}

cmd24_start() {
    local t0
    if [ "$(id -u)" != 0 ]; then err "run as root"; exit 1; fi
    t0=$(now)
    mkdir -p "$STATE" "$LOG" "$RUN"
    build_root
    # the core services of stack.sh (a no-op when they run)
    "$HERE/stack.sh" start | sed 's/^stack: /stack: 19: /'
    settings24
    lock
    policy24_lines > /dev/null
    if any_running "${SERVICES24[@]}" && [ "$(policy24_recorded)" != "$(policy24_lines)" ]; then
        err "the 24 services run with other [oslo_policy] settings ($(policy24_recorded | tr '\n' ' ')); $0 stop first"
        exit 1
    fi
    if any_running "${SERVICES24[@]}" && all24_up && "$PY" "$HELPER" wait-engine 1 1 2> /dev/null &&
        [ -f "$STATE/stack24.json" ]; then
        say "24: already running (heat $(heat_version)); $0 status for details"
        return 0
    fi
    pid_of heat24-ec2-shim > /dev/null || need_free_port "$PY24_SHIM_PORT" "ec2tokens shim 24" || exit 1
    pid_of heat24-api > /dev/null || need_free_port "$PY24_API_PORT" "Python heat-api 24" || exit 1
    pid_of heat24-api-cfn > /dev/null || need_free_port "$PY24_CFN_PORT" "Python heat-api-cfn 24" || exit 1
    prepare_backends || fail
    write_conf24
    db_sync24 || fail
    pid_of heat24-engine > /dev/null || spawn24 heat24-engine heat-engine --config-file "$CONF24_IN"
    # the shim only needs the heat service user's credentials: the same in both heat.conf files
    pid_of heat24-ec2-shim > /dev/null ||
        spawn heat24-ec2-shim heat "$PY" "$HELPER" ec2-shim "$HEAT_CONF" "$PY24_SHIM_PORT" "$KEYSTONE_PORT"
    pid_of heat24-api > /dev/null || spawn24 heat24-api heat-api --config-file "$CONF24_IN"
    pid_of heat24-api-cfn > /dev/null ||
        spawn24 heat24-api-cfn heat-api-cfn --config-file "$CONF24_IN" --config-file /etc/heat/py-cfn.conf
    if ! "$PY" "$HELPER" wait-engine "$ENGINE24_WORKERS" "$TIMEOUT" 2> "$LOG/heat24-wait-engine.log"; then
        cat "$LOG/heat24-wait-engine.log" >&2
        log_hint heat24-engine
        fail
    fi
    wait_until heat24-ec2-shim "answer on port $PY24_SHIM_PORT" \
        http_up "http://127.0.0.1:$PY24_SHIM_PORT/v3" 200 || fail
    wait_until heat24-api "answer on port $PY24_API_PORT" http_up "http://127.0.0.1:$PY24_API_PORT/" 300 || fail
    wait_until heat24-api-cfn "answer on port $PY24_CFN_PORT" http_up "http://127.0.0.1:$PY24_CFN_PORT/" || fail
    write_facts24
    # heat-api-cfn 24 checks its policies with an empty target, so with enforce_new_defaults
    # (oslo.policy's default) every project-scoped rule (DescribeStacks too) refuses: 403 expected
    if ! HS_PY_HEAT_API_PORT=$PY24_API_PORT HS_PY_HEAT_CFN_PORT=$PY24_CFN_PORT HS_PYTHON_API=1 \
        HS_CFN_DENIED=$([ "$POLICY24_NEW_DEFAULTS" = false ] && echo 0 || echo 1) \
        "$PY" "$HELPER" check; then
        err "the final check of the 24 stack failed (logs in $LOG/heat24-*.log)"
        fail
    fi
    say "24: heat $(heat_version) ready in $(elapsed "$t0") s: facts in $STATE/stack24.json, heat.conf $CONF24"
}

all24_up() {
    local s
    for s in "${SERVICES24[@]}"; do pid_of "$s" > /dev/null || return 1; done
}

# stack24.json: stack.json with what differs for the 24 stack
write_facts24() {
    HEAT_VERSION=$(heat_version) ROOT=$ROOT CONF24=$CONF24 VHOST24=$VHOST24 TRANSPORT24_URL=$TRANSPORT24_URL \
        HEAT24_DB_URL=$HEAT24_DB_URL ENGINE24_WORKERS=$ENGINE24_WORKERS PY24_API_PORT=$PY24_API_PORT \
        POLICY24_NEW_DEFAULTS=$POLICY24_NEW_DEFAULTS POLICY24_SCOPE=$POLICY24_SCOPE \
        PY24_CFN_PORT=$PY24_CFN_PORT PY24_SHIM_PORT=$PY24_SHIM_PORT "$PY" - "$STATE" <<'PY'
import json, os, sys
E = os.environ
state = sys.argv[1]
with open(os.path.join(state, 'stack.json')) as f:
    facts = json.load(f)
facts['release'] = '24'
facts['heat_version'] = E['HEAT_VERSION']
facts['root'] = E['ROOT']
facts['heat_conf'] = E['CONF24']
facts['heat_engine']['workers'] = int(E['ENGINE24_WORKERS'])
# None: oslo.policy's default (true for both in trixie)
facts['oslo_policy'] = {k: {'': None, 'true': True, 'false': False}[E[v]] for k, v in (
    ('enforce_new_defaults', 'POLICY24_NEW_DEFAULTS'), ('enforce_scope', 'POLICY24_SCOPE'))}
facts['mariadb']['heat_url'] = E['HEAT24_DB_URL']
facts['rabbitmq']['vhost'] = E['VHOST24']
facts['rabbitmq']['transport_url'] = E['TRANSPORT24_URL']
facts['python_api'] = {
    'api_port': int(E['PY24_API_PORT']),
    'api_url': 'http://127.0.0.1:%s/v1/%%(tenant_id)s' % E['PY24_API_PORT'],
    'cfn_port': int(E['PY24_CFN_PORT']),
    'cfn_url': 'http://127.0.0.1:%s/v1' % E['PY24_CFN_PORT'],
    'ec2_shim_port': int(E['PY24_SHIM_PORT']),
    'running': True,
}
# the Keystone catalog names the 19 stack's mod_heat: a 24 mod_heat runs on ports of its own
facts['mod_heat'] = {'api_port': None, 'api_url': None, 'cfn_port': None, 'cfn_url': None}
tmp = os.path.join(state, 'stack24.json.tmp')
with open(tmp, 'w') as f:
    json.dump(facts, f, indent=2, sort_keys=True)
    f.write('\n')
os.chmod(tmp, 0o600)
os.rename(tmp, os.path.join(state, 'stack24.json'))
PY
}

cmd24_stop() {
    if [ ! -d "$RUN" ]; then say "nothing to stop"; return 0; fi
    lock
    stop_wave 30 "${SERVICES24[@]}"
}

cmd24_status() {
    local s pid rc=0
    if [ "$(cat "$ROOT/.mod_heat-stamp" 2>/dev/null)" = "$STAMP" ]; then
        echo "root          $ROOT (heat $(heat_version))"
    else
        echo "root          $ROOT not built (or stale): $0 build"; rc=1
    fi
    for s in "${SERVICES24[@]}"; do
        if pid=$(pid_of "$s"); then
            printf '%-15s running  pid %s\n' "$s" "$pid"
        else
            printf '%-15s stopped\n' "$s"; rc=1
        fi
    done
    if [ -f "$STATE/stack.env" ] && pid_of rabbitmq > /dev/null; then
        settings24
        echo "rabbitmq      vhost $VHOST24: queue engine has $("$PY" "$HELPER" engine-consumers) consumer(s)"
    fi
    return $rc
}

usage24() {
    echo "usage: $0 build | start | stop | status | env" >&2
    exit 2
}

case ${1:-} in
    build) [ "$(id -u)" = 0 ] || { err "run as root"; exit 1; }; mkdir -p "$STATE" "$LOG"; build_root ;;
    start) cmd24_start ;;
    stop) cmd24_stop ;;
    status) cmd24_status ;;
    env) cat "$STATE/stack24.json" ;;
    *) usage24 ;;
esac
