#!/bin/bash
# rpc-live-test.sh: checks mod_heat's RPC client (through test/tools/heat-rpc-call) against a real
# RabbitMQ and a real oslo.messaging 14 RPC server playing heat-engine (rpc-test-server.py):
# results, context and args round trip, remote failures (heat, builtins, oslo dispatcher),
# timeouts and late replies, concurrency over a small pool, casts, TLS, heartbeats on idle and
# busy connections, a broker restart between calls and during a call, and an unreachable broker.
#   test/tools/rpc-live-test.sh            (uses/starts test/tools/rpc-rabbit.sh; ~2 minutes)
# Starts only its own processes (the test server; the broker if it was not running) and stops
# them by PID at the end. The client is built with ASan/UBSan, so leaks and misuse fail it too.
set -u
cd "$(dirname "$0")/../.."
WORK=$(mktemp -d /tmp/rpc-live.XXXXXX)
PY=/usr/bin/python3
CLI=$WORK/heat-rpc-call
FAILS=0
STARTED_RABBIT=0
SERVER_PID=

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; FAILS=$((FAILS + 1)); }

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ $STARTED_RABBIT = 1 ] && test/tools/rpc-rabbit.sh stop >/dev/null 2>&1
    rm -rf "$WORK"
}
trap cleanup EXIT

# the CLI over the core as the unit tests build it (ASan/UBSan with --enable-sanitizers)
make -s build/unit/libheat.a || exit 1
INCLUDES="-Imod_heat $(for d in mod_heat/*/; do printf -- '-I%s ' "${d%/}"; done)"
gcc -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wmissing-prototypes $INCLUDES \
    -o "$CLI" test/tools/heat-rpc-call.c build/unit/libheat.a \
    $(pkg-config --cflags --libs apr-1 apr-util-1 jansson librabbitmq libcurl yaml-0.1 libcrypto) || exit 1

if ! test/tools/rpc-rabbit.sh ctl -q ping >/dev/null 2>&1; then
    test/tools/rpc-rabbit.sh start >/dev/null || exit 1
    STARTED_RABBIT=1
fi
URL=$(test/tools/rpc-rabbit.sh url)
TLS_URL=$(test/tools/rpc-rabbit.sh tls-url)
$PY test/tools/rpc-test-server.py --transport-url "$URL" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 30); do grep -q listening "$WORK/server.log" && break; sleep 0.5; done
sleep 1

cat > "$WORK/ctx.json" <<'JSON'
{"auth_token": "gAAAAAB-live-token", "username": "demo", "user_id": "9a0b1c2d3e4f40718293a4b5c6d7e8f9", "password": null, "aws_creds": null, "tenant": "demo", "tenant_id": "a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b", "project_name": "demo", "project_id": "a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b", "trust_id": null, "trustor_user_id": null, "auth_token_info": {"token": {"methods": ["password"], "catalog": [], "version": "v3", "auth_token": "gAAAAAB-live-token"}}, "auth_url": "http://127.0.0.1:5000/v3/", "roles": ["member", "reader"], "is_admin": false, "user": "demo", "request_id": "req-11111111-2222-3333-4444-555555555555", "global_request_id": null, "show_deleted": false, "region_name": "RegionOne", "user_identity": "9a0b1c2d3e4f40718293a4b5c6d7e8f9 a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b", "user_domain_id": "default", "project_domain_id": "default"}
JSON
call() { "$CLI" --transport-url "$URL" --context-json "$WORK/ctx.json" "$@" 2>>"$WORK/cli.err"; }
# check NAME PYTHON-EXPR: the expression sees `out` (list of JSON lines of the last command)
check() {
    if $PY -c "import json,sys; out=[json.loads(l) for l in open('$WORK/out') if l.strip()]; sys.exit(0 if ($2) else 1)" 2>/dev/null; then
        pass "$1"
    else
        fail "$1" "$(head -c 400 "$WORK/out")"
    fi
}

call --method list_stacks --version 1.33 --args '{"limit": null, "sort_keys": null, "marker": null, "sort_dir": null, "filters": null, "show_deleted": false, "show_nested": false, "show_hidden": false, "tags": null, "tags_any": null, "not_tags": null, "not_tags_any": null}' > "$WORK/out"
check "list_stacks result" "out[0][0]['stack_identity']['tenant'] == 'a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b' and out[0][0]['stack_owner'] == 'demo'"

call --method echo --version 1.36 --args '{"s": "caf\u00e9 \u2603 \ud83d\ude00 \" \\ \t", "n": [1, -2, 3.5, null, true, {}], "big": 9007199254740993}' > "$WORK/out"
check "args and all context keys round trip" "out[0]['args'] == {'s': 'caf\u00e9 \u2603 \U0001f600 \" \\\\ \t', 'n': [1, -2, 3.5, None, True, {}], 'big': 9007199254740993} and all(out[0]['context'][k] == v for k, v in json.load(open('$WORK/ctx.json')).items() if k != 'auth_token_info') and out[0]['context']['auth_token_info_present']"

call --method create_stack --version 1.36 --args '{"stack_name": "s1"}' > "$WORK/out"
check "StackExists failure" "out[0]['failure']['class'] == 'StackExists' and out[0]['failure']['module'] == 'heat.common.exception' and out[0]['failure']['message'] == 'The Stack (s1) already exists.' and out[0]['failure']['kwargs'] == {'stack_name': 's1'} and out[0]['failure']['tb'][-1].startswith('heat.common.exception.StackExists')"
call --method fail_value --args '{"msg": "nope"}' > "$WORK/out"
check "ValueError failure" "out[0]['failure']['class'] == 'ValueError' and out[0]['failure']['module'] == 'builtins' and out[0]['failure']['args'] == ['nope']"
call --method list_stacks --version 1.37 > "$WORK/out"
check "UnsupportedVersion failure" "out[0]['failure']['class'] == 'UnsupportedVersion' and out[0]['failure']['message'] == 'Endpoint does not support RPC version 1.37. Attempted method: list_stacks'"
call --method no_such_method > "$WORK/out"
check "NoSuchMethod failure" "out[0]['failure']['class'] == 'NoSuchMethod'"
call --method sleep --args '{"bogus": 1}' > "$WORK/out"
check "TypeError failure" "out[0]['failure']['class'] == 'TypeError' and out[0]['failure']['module'] == 'builtins'"

cat > "$WORK/s.json" <<'JSON'
[{"method": "sleep", "args": {"seconds": 2}, "timeout": 1},
 {"method": "sleep", "args": {"seconds": 0.2}, "timeout": 5, "sleep_before": 1.5},
 {"method": "record", "args": {"x": 42}, "cast": true},
 {"method": "last_record", "sleep_before": 0.5}]
JSON
"$CLI" --transport-url "$URL" --context-json "$WORK/ctx.json" --script "$WORK/s.json" --verbose > "$WORK/out" 2> "$WORK/verbose.err"
cat "$WORK/verbose.err" >> "$WORK/cli.err"
check "timeout, then the late reply dropped and the next call answered" "'Timed out waiting for a reply to message ID' in out[0]['timeout'] and out[1] == 0.2 and out[2] == {'cast': 'sent'} and out[3] == {'x': 42}"
grep -q "no caller waiting for msg_id" "$WORK/verbose.err" && pass "late reply logged as stale" || fail "late reply logged as stale" "no log line"

C0=$(call --method count)
cat > "$WORK/s.json" <<'JSON'
[{"method": "sleep", "args": {"seconds": 0.3}, "timeout": 20, "threads": 24}]
JSON
start=$(date +%s.%N)
call --option rpc_conn_pool_size=4 --script "$WORK/s.json" > "$WORK/out"
took=$(echo "$(date +%s.%N) - $start" | bc)
C1=$(call --method count)
check "24 concurrent calls over 4 connections" "len(out) == 24 and all(o == 0.3 for o in out) and $took > 1.5 and $C1 - $C0 == 24"

"$CLI" --transport-url "$TLS_URL" --method count > "$WORK/out" 2>>"$WORK/cli.err"
check "TLS with ssl_ca_file" "isinstance(out[0], int)"
"$CLI" --transport-url "${TLS_URL/127.0.0.1/localhost}&ssl_enforce_hostname_verification=true" --method count > "$WORK/out" 2>>"$WORK/cli.err"
check "TLS with hostname verification" "isinstance(out[0], int)"
"$CLI" --transport-url "${TLS_URL%%&ssl_ca_file*}" --method count > "$WORK/out" 2>>"$WORK/cli.err"
check "TLS refuses an unknown CA" "'peer cert verification failed' in out[0]['unreachable']"

L=/tmp/mod_heat-rpc-rabbit/log/rpcdev@localhost.log
M0=$(grep -c "missed heartbeats" "$L")
cat > "$WORK/s.json" <<'JSON'
[{"method": "count"},
 {"method": "sleep", "args": {"seconds": 7}, "timeout": 20},
 {"method": "count", "sleep_before": 6}]
JSON
call --heartbeat 2 --script "$WORK/s.json" > "$WORK/out"
M1=$(grep -c "missed heartbeats" "$L")
check "heartbeat 2 s: a 7 s call survives, idle connections closed before the broker drops them" "len(out) == 3 and out[1] == 7 and $M1 == $M0"

# one call, a restart while the connection sits in the pool, one call after the broker is back
"$CLI" --transport-url "$URL" --method count --repeat 2 --interval 30 > "$WORK/out" 2>>"$WORK/cli.err" &
CLI_PID=$!
sleep 2
test/tools/rpc-rabbit.sh restart > /dev/null
wait $CLI_PID
check "broker restart between two calls: the second reconnects" "len(out) == 2 and all(isinstance(o, int) for o in out)"

"$CLI" --transport-url "$URL" --method sleep --args '{"seconds": 10}' --timeout 60 > "$WORK/out" 2>>"$WORK/cli.err" &
CLI_PID=$!
sleep 2
test/tools/rpc-rabbit.sh restart > /dev/null
wait $CLI_PID
check "broker restart during a call: the reply still arrives" "out == [10]"

start=$(date +%s.%N)
"$CLI" --transport-url "rabbit://heat:pw@127.0.0.1:1,heat:pw@127.0.0.1:2/heat" --method count --repeat 2 --interval 0 > "$WORK/out" 2>>"$WORK/cli.err"
took=$(echo "$(date +%s.%N) - $start" | bc)
check "no broker: fast UNREACHABLE, password hidden" "all('unreachable' in o and 'pw@' not in o['unreachable'] for o in out) and 'not retried' in out[1]['unreachable'] and $took < 2"

if grep -q "ERROR: AddressSanitizer\|runtime error\|LeakSanitizer" "$WORK/cli.err"; then
    fail "sanitizers" "$(grep -m3 "Sanitizer\|runtime error" "$WORK/cli.err")"
else
    pass "sanitizers (ASan/UBSan/LSan) quiet"
fi
echo "$FAILS failure(s)"
[ $FAILS = 0 ]
