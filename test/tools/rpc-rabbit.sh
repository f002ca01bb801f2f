#!/bin/sh
# rpc-rabbit.sh: a throw-away RabbitMQ on loopback for developing and checking the RPC client
# (heat_rpc.c / heat_amqp.c) without the full stack. Everything lives under $RPC_RABBIT_DIR
# (default /tmp/mod_heat-rpc-rabbit): its own epmd (own port, loopback only: erl's own binds
# 0.0.0.0), node name, mnesia, logs and cookie (HOME). Only the PIDs recorded there are ever
# stopped.
#   test/tools/rpc-rabbit.sh start     prints the transport_url when the node is up
#   test/tools/rpc-rabbit.sh stop
#   test/tools/rpc-rabbit.sh restart   stop + start, same data (the reconnect test uses it)
#   test/tools/rpc-rabbit.sh url
#   test/tools/rpc-rabbit.sh tls-url   the same over TLS (a throw-away CA in $DIR/tls; ssl_ca_file set)
# Ports (below the ephemeral range): RPC_RABBIT_PORT (25690), RPC_RABBIT_EPMD_PORT (24369),
# RPC_RABBIT_DIST_PORT (25691), RPC_RABBIT_TLS_PORT (25692).
set -eu
DIR=${RPC_RABBIT_DIR:-/tmp/mod_heat-rpc-rabbit}
PORT=${RPC_RABBIT_PORT:-25690}
EPMD_PORT=${RPC_RABBIT_EPMD_PORT:-24369}
DIST_PORT=${RPC_RABBIT_DIST_PORT:-25691}
TLS_PORT=${RPC_RABBIT_TLS_PORT:-25692}
RMQ=/usr/lib/rabbitmq/bin

export HOME="$DIR/home"
export ERL_EPMD_PORT="$EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
export RABBITMQ_CONF_ENV_FILE="$DIR/rabbitmq-env.conf"
export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf"
export RABBITMQ_ADVANCED_CONFIG_FILE="$DIR/advanced.config"
export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$DIR/mnesia" RABBITMQ_LOG_BASE="$DIR/log"
export RABBITMQ_NODENAME=rpcdev@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$PORT" RABBITMQ_DIST_PORT="$DIST_PORT"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
CTL="$RMQ/rabbitmqctl -n rpcdev@localhost"

# A CA and a server certificate for 127.0.0.1 and localhost, made once.
tls_setup() {
    [ -f "$DIR/tls/server.pem" ] && return 0
    mkdir -p "$DIR/tls"
    (
        cd "$DIR/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=mod_heat test CA" \
            -keyout ca.key -out ca.pem 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
            -extfile ext.cnf -out server.pem 2>/dev/null
        chmod 644 server.key
    )
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
    mkdir -p "$HOME" "$DIR/mnesia" "$DIR/log"
    : > "$RABBITMQ_CONF_ENV_FILE"
    tls_setup
    cat > "$RABBITMQ_CONFIG_FILE" <<CONF
loopback_users = none
listeners.ssl.1 = 127.0.0.1:$TLS_PORT
ssl_options.cacertfile = $DIR/tls/ca.pem
ssl_options.certfile = $DIR/tls/server.pem
ssl_options.keyfile = $DIR/tls/server.key
ssl_options.verify = verify_none
ssl_options.fail_if_no_peer_cert = false
CONF
    # reuseaddr: a restart must not fail on the previous run's TIME_WAIT sockets (eaddrinuse)
    echo '[{rabbit, [{tcp_listen_options, [binary, {packet, raw}, {reuseaddr, true}, {backlog, 128}, {nodelay, true}, {linger, {true, 0}}, {exit_on_close, false}]}]}].' > "$RABBITMQ_ADVANCED_CONFIG_FILE"
    echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
    if ! alive "$DIR/epmd.pid"; then
        epmd -address 127.0.0.1 -port "$EPMD_PORT" &
        echo $! > "$DIR/epmd.pid"
    fi
    if alive "$DIR/rabbit.pid"; then echo "already running"; url; return; fi
    setsid "$RMQ/rabbitmq-server" > "$DIR/log/console.log" 2>&1 &
    echo $! > "$DIR/rabbit.pid"
    i=0
    until $CTL -q ping >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 120 ] || { echo "rabbit did not start, see $DIR/log" >&2; exit 1; }
        sleep 1
    done
    $CTL -q await_startup
    $CTL -q add_vhost heat 2>/dev/null || true
    $CTL -q add_user heat 'rabbit secret%@:x' 2>/dev/null || true
    $CTL -q set_permissions -p heat heat '.*' '.*' '.*'
    url
}

stop() {
    if alive "$DIR/rabbit.pid"; then
        kill "$(cat "$DIR/rabbit.pid")"
        i=0; while alive "$DIR/rabbit.pid" && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
    fi
    # the script may exit before its beam.smp has let go of the port
    i=0; while ss -ltn | grep -q "127.0.0.1:$PORT " && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
    rm -f "$DIR/rabbit.pid"
    if [ "${1:-}" != keep-epmd ] && alive "$DIR/epmd.pid"; then kill "$(cat "$DIR/epmd.pid")"; rm -f "$DIR/epmd.pid"; fi
}

# The password has a space, '%', '@' and ':', all percent-encoded in the URL (a '/' would break
# oslo.messaging itself: it re-quotes the password leaving '/' as is, then kombu misparses).
url() { echo "rabbit://heat:rabbit%20secret%25%40%3Ax@127.0.0.1:$PORT/heat"; }

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) stop keep-epmd; start ;;
url) url ;;
tls-url) echo "rabbit://heat:rabbit%20secret%25%40%3Ax@127.0.0.1:$TLS_PORT/heat?ssl=1&ssl_ca_file=$DIR/tls/ca.pem" ;;
ctl) shift; $CTL "$@" ;;
*) echo "usage: $0 start|stop|restart|url|tls-url|ctl ARGS" >&2; exit 2 ;;
esac
