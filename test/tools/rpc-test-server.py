#!/usr/bin/python3
"""rpc-test-server.py: plays heat-engine's part for checking mod_heat's RPC client against
oslo.messaging itself (no database, no keystone). It is a real oslo.messaging 14 RPC server,
set up the way heat-engine sets up its own (heat/common/messaging.py: control exchange 'heat',
allowed remote exception module heat.common.exception, heat's RequestContextSerializer, so the
_context_* keys are rebuilt into a heat RequestContext), on topic 'engine', API version 1.36.

    /usr/bin/python3 test/tools/rpc-test-server.py --transport-url rabbit://u:p@127.0.0.1:5672/heat

Methods (call them with test/tools/heat-rpc-call):
  list_stacks(**kw)        a one-stack list, like heat-engine's
  echo(**kw)               {"args": kw, "context": <what the server rebuilt from _context_*>}
  create_stack(stack_name, ...)  raises heat.common.exception.StackExists
  fail_value(msg)          raises ValueError(msg) (module builtins)
  sleep(seconds)           sleeps, then returns seconds (timeouts, late replies)
  record(**kw)             stores kw (for casts); last_record() returns it
  count()                  how many requests this server handled (duplicate detection)
Stop it with SIGTERM or Ctrl-C.
"""
import argparse
import logging
import signal
import sys
import threading
import time

from oslo_config import cfg
import oslo_messaging
from oslo_messaging.rpc import dispatcher

from heat.common import exception as heat_exception
from heat.common import messaging as heat_messaging

LOCK = threading.Lock()
STATE = {'record': None, 'count': 0}


class TestEngine(object):
    target = oslo_messaging.Target(version='1.36')

    def _count(self):
        with LOCK:
            STATE['count'] += 1

    def list_stacks(self, ctxt, **kwargs):
        self._count()
        return [{"stack_identity": {"tenant": ctxt.project_id, "stack_name": "teststack",
                                    "stack_id": "8b6f1a36-2c1a-4b62-9e1f-3b5d6a7c8d9e", "path": ""},
                 "stack_name": "teststack", "description": "", "stack_action": "CREATE",
                 "stack_status": "COMPLETE",
                 "stack_status_reason": "Stack CREATE completed successfully",
                 "creation_time": "2024-05-01T10:00:00Z", "updated_time": None,
                 "deletion_time": None, "stack_owner": ctxt.username, "parent": None,
                 "stack_user_project_id": None, "tags": None}]

    def echo(self, ctxt, **kwargs):
        self._count()
        d = ctxt.to_dict()
        # what the engine rebuilt: proves every _context_ key arrived under its name
        d['auth_token_info_present'] = d.pop('auth_token_info') is not None
        return {"args": kwargs, "context": d}

    def create_stack(self, ctxt, stack_name, **kwargs):
        self._count()
        raise heat_exception.StackExists(stack_name=stack_name)

    def fail_value(self, ctxt, msg='bad value'):
        self._count()
        raise ValueError(msg)

    def sleep(self, ctxt, seconds=1):
        self._count()
        time.sleep(float(seconds))
        return seconds

    def record(self, ctxt, **kwargs):
        self._count()
        with LOCK:
            STATE['record'] = kwargs

    def last_record(self, ctxt):
        with LOCK:
            return STATE['record']

    def count(self, ctxt):
        with LOCK:
            return STATE['count']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--transport-url', required=True)
    ap.add_argument('--host', default='rpctest')
    ap.add_argument('--debug', action='store_true')
    a = ap.parse_args()
    logging.basicConfig(level=logging.DEBUG if a.debug else logging.WARNING,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    cfg.CONF([], project='heat')
    heat_messaging.setup(a.transport_url)  # set_transport_defaults('heat'), exmods as heat's
    # heat-engine uses the eventlet executor; 'threading' keeps this script free of
    # monkey-patching and lets sleep() calls overlap.
    server = oslo_messaging.get_rpc_server(
        heat_messaging.TRANSPORT,
        oslo_messaging.Target(topic='engine', server=a.host),
        [TestEngine()], executor='threading',
        serializer=heat_messaging.RequestContextSerializer(oslo_messaging.JsonPayloadSerializer()),
        access_policy=dispatcher.DefaultRPCAccessPolicy)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    print('rpc-test-server: listening on topic engine (exchange heat)', flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    server.wait()
    return 0


if __name__ == '__main__':
    sys.exit(main())
