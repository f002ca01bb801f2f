#!/bin/sh
# Two mod_heat nodes behind HAProxy on one machine (see multinode.py and doc/multinode.md):
#   test/stack/multinode.sh start | stop | status | stop-service <name>...
exec /usr/bin/python3 "$(dirname "$0")/multinode.py" "$@"
