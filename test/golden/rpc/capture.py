#!/usr/bin/python3
"""capture.py: records what the real Python code puts on the wire for RPC, as golden files for
test/unit/test_rpc.c. Run with Debian's interpreter (the pyenv `python3` lacks the libraries):

    /usr/bin/python3 test/golden/rpc/capture.py test/golden/rpc

heat's own EngineClient (heat/rpc/client.py, the class heat-api uses) and heat's
RequestContextSerializer call an oslo.messaging 14.0.3 RPC server over kombu's in-memory transport
("kombu+memory:////", so no broker is needed). Every basic_publish reaching kombu's virtual channel
is recorded: exchange, routing key, the properties kombu sends, and the exact body bytes. The
server's endpoint answers like the engine would: a result, a heat StackExists failure, an oslo
UnsupportedVersion failure (raised by the real dispatcher).

Each golden file is one JSON object:
  {"case", "kind": "call"|"cast"|"reply",
   "input": {context, method, args, version, timeout}    (requests only: what heat_rpc_call gets)
   "exchange", "routing_key", "mandatory", "properties": {...}, "body": "<exact bytes>"}
The C test rebuilds each request from "input" plus the ids found in the captured body, and must
produce the same bytes; replies are fed to the reply parser.
"""
import json
import os
import sys
import threading

from oslo_config import cfg
import oslo_messaging
from kombu.transport import virtual

from heat.common import context as heat_context
from heat.common import exception as heat_exception
from heat.common import messaging as heat_messaging
from heat.rpc import client as heat_rpc_client

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
RECORDS = []
LOCK = threading.Lock()

_orig_publish = virtual.Channel.basic_publish


def recording_publish(self, message, exchange, routing_key, mandatory=False, **kwargs):
    props = dict(message.get('properties') or {})
    props.pop('delivery_info', None)
    props.pop('body_encoding', None)  # kombu virtual-transport bookkeeping, not AMQP
    props.pop('delivery_tag', None)
    rec = {
        'exchange': exchange,
        'routing_key': routing_key,
        'mandatory': bool(mandatory),
        'properties': {
            'content_type': message.get('content-type'),
            'content_encoding': message.get('content-encoding'),
            'headers': message.get('headers'),
            **props,
        },
        'body': message['body'] if isinstance(message['body'], str) else message['body'].decode(),
    }
    with LOCK:
        RECORDS.append(rec)
    return _orig_publish(self, message, exchange, routing_key, mandatory=mandatory, **kwargs)


virtual.Channel.basic_publish = recording_publish

# The context heat-api builds for an authenticated request (rpc-sample.txt, token shortened).
TOKEN_INFO = {"token": {
    "methods": ["password"],
    "user": {"domain": {"id": "default", "name": "Default"},
             "id": "69bce5006ad84471805f9eebc96d2b09", "name": "admin", "password_expires_at": None},
    "audit_ids": ["sCGtyJJmT9SIaQKUCkjGCg"],
    "expires_at": "2026-11-26T05:21:47.000000Z", "issued_at": "2026-11-26T04:21:47.000000Z",
    "project": {"domain": {"id": "default", "name": "Default"},
                "id": "dff22f9709554253933fbfe9b1829a26", "name": "admin"},
    "is_domain": False,
    "roles": [{"id": "7b060d04ca1849a7892dc40922127935", "name": "reader"},
              {"id": "3fee983e583b41b785012d032325ebdc", "name": "member"}],
    "catalog": [{"endpoints": [{"id": "e1", "interface": "public", "region_id": "RegionOne",
                                "url": "http://127.0.0.1:8004/v1/dff22f9709554253933fbfe9b1829a26",
                                "region": "RegionOne"}],
                 "id": "s1", "type": "orchestration", "name": "heat"}],
    "version": "v3",
    "auth_token": "gAAAAAB-test-token"}}


def make_context():
    return heat_context.RequestContext(
        auth_token='gAAAAAB-test-token', username='admin', user_id='69bce5006ad84471805f9eebc96d2b09',
        project_name='admin', project_id='dff22f9709554253933fbfe9b1829a26',
        auth_token_info=TOKEN_INFO, auth_url='http://127.0.0.1:5000/v3/',
        roles=['reader', 'member'], is_admin=False,
        request_id='req-f2977d94-47c3-4686-9d2e-1d63c2ef8aaa',
        user_domain_id='default', project_domain_id='default', overwrite=False)


class FakeEngine(object):
    """Answers like EngineService for the captured cases."""
    target = oslo_messaging.Target(version='1.36')

    def list_stacks(self, ctxt, **kwargs):
        return [{"stack_identity": {"tenant": "dff22f9709554253933fbfe9b1829a26",
                                    "stack_name": "bench-stack",
                                    "stack_id": "d3b2633d-2728-47bb-8507-e7d2b4bdc4d8", "path": ""},
                 "stack_name": "bench-stack", "description": "caf\u00e9 \u2603",
                 "stack_action": "CREATE", "stack_status": "COMPLETE",
                 "stack_status_reason": "Stack CREATE completed successfully",
                 "creation_time": "2026-11-26T04:12:16Z", "updated_time": None,
                 "deletion_time": None, "stack_owner": "admin", "parent": None,
                 "stack_user_project_id": "47040cd402aa4498931569f9655436e2", "tags": None}]

    def create_stack(self, ctxt, stack_name, **kwargs):
        raise heat_exception.StackExists(stack_name=stack_name)

    def stack_cancel_update(self, ctxt, stack_identity, cancel_with_rollback=True):
        return None


def main():
    conf = cfg.CONF
    conf([], project='heat')
    heat_messaging.setup('kombu+memory:////')
    # heat's get_rpc_server() uses the eventlet executor; the capture only needs a thread, so the
    # same server is built with executor='threading' (same serializer and access policy).
    server = oslo_messaging.get_rpc_server(
        heat_messaging.TRANSPORT, oslo_messaging.Target(topic='engine', server='enghost'),
        [FakeEngine()], executor='threading',
        serializer=heat_messaging.RequestContextSerializer(oslo_messaging.JsonPayloadSerializer()),
        access_policy=oslo_messaging.rpc.dispatcher.DefaultRPCAccessPolicy)
    server.start()
    client = heat_rpc_client.EngineClient()
    ctx = make_context()
    ctx_dict = ctx.to_dict()

    cases = []

    def run(case, fn, inp):
        start = len(RECORDS)
        try:
            fn()
        except Exception as exc:  # the failure cases end here, as in heat-api
            print('%s: %s' % (case, type(exc).__name__), file=sys.stderr)
        cases.append((case, inp, start))

    run('list_stacks', lambda: client.list_stacks(ctx),
        {'method': 'list_stacks', 'version': '1.33',
         'args': {"limit": None, "sort_keys": None, "marker": None, "sort_dir": None,
                  "filters": None, "show_deleted": False, "show_nested": False,
                  "show_hidden": False, "tags": None, "tags_any": None, "not_tags": None,
                  "not_tags_any": None}})
    create_args = {'stack_name': 'caf\u00e9-stack',
                   'template': {'heat_template_version': '2018-08-31',
                                'description': 'quote " backslash \\ tab \t nl \n \u2603 \U0001f600',
                                'resources': {}},
                   'params': {'parameters': {'n': 3}, 'resource_registry': {},
                              'event_sinks': [], 'parameter_defaults': {},
                              'encrypted_param_names': []},
                   'files': {}, 'args': {'timeout_mins': 60, 'disable_rollback': 'true'}}
    run('create_stack_exists',
        lambda: client.create_stack(ctx, create_args['stack_name'], create_args['template'],
                                    create_args['params'], create_args['files'],
                                    create_args['args']),
        {'method': 'create_stack', 'version': '1.36',
         'args': dict(create_args, environment_files=None, files_container=None, owner_id=None,
                      nested_depth=0, user_creds_id=None, stack_user_project_id=None,
                      parent_resource_name=None, template_id=None)})
    run('unsupported_version',
        lambda: client.call(ctx, client.make_msg('list_stacks'), version='1.37'),
        {'method': 'list_stacks', 'version': '1.37', 'args': {}})
    ident = {"tenant": "dff22f9709554253933fbfe9b1829a26", "stack_name": "s",
             "stack_id": "d3b2633d-2728-47bb-8507-e7d2b4bdc4d8", "path": ""}
    run('cast', lambda: client.cast(ctx, client.make_msg('stack_cancel_update', stack_identity=ident,
                                                         cancel_with_rollback=True), version='1.14'),
        {'method': 'stack_cancel_update', 'version': '1.14',
         'args': {'stack_identity': ident, 'cancel_with_rollback': True}})
    import time
    time.sleep(0.5)  # let the cast be dispatched before stopping
    server.stop()
    server.wait()

    for i, (case, inp, start) in enumerate(cases):
        end = cases[i + 1][2] if i + 1 < len(cases) else len(RECORDS)
        for rec in RECORDS[start:end]:
            if rec['exchange'] == 'heat':
                kind = 'cast' if 'expiration' not in rec['properties'] else 'call'
                # args as the body carries them (key order included), so that the C side can
                # rebuild the same bytes; context = RequestContext.to_dict(), in its order.
                inner = json.loads(json.loads(rec['body'])['oslo.message'])
                assert inner['args'] == inp['args'], case
                inp = dict(inp, args=inner['args'], context=ctx_dict,
                           timeout=60 if kind == 'call' else None)
                doc = dict(case=case, kind=kind, input=inp, **rec)
                name = '%s.request.json' % case
            else:
                doc = dict(case=case, kind='reply', **rec)
                name = '%s.reply.json' % case
            with open(os.path.join(OUT, name), 'w') as f:
                json.dump(doc, f, indent=1)
                f.write('\n')
            print('wrote', name)


if __name__ == '__main__':
    main()
