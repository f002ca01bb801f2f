"""osprofiler on the real stack: with [profiler] enabled and hmac_keys, a request signed with
X-Trace-Info / X-Trace-HMAC reaches heat-engine with the trace in its RPC context
(_context_trace_info), as heat-api and heat-api-cfn pass it; a bad signature passes nothing and the
request still succeeds. Both sides get the same request; the RPC message each sends to the engine
topic is captured by a private queue bound to the stack's 'heat' exchange (routing key 'engine'),
picked out by the X-OpenStack-Request-ID the test sent (the context's global_request_id).

The Python services run on kernel-chosen ports with the stack's heat.conf plus a second
--config-file that enables the profiler (its spans go to the stack's RabbitMQ as notifications).
mod_heat emits no spans: its parent_id is the caller's span, where heat-api's is the id of its own
"wsgi" span, so parent_id is compared as "the caller's" vs "some other uuid".
"""

import json
import os
import signal
import subprocess
import time
import uuid

import amqp
import pytest
from osprofiler import _utils as osprofiler_utils

import heat_client
from heat_env import HEAT_API, HEAT_API_CFN, free_port, gen_dir, pid_alive, tail, write_ini
from heat_stack import stack_server

pytestmark = pytest.mark.real_stack

KEY1, KEY2 = 'prof-key-one-5d1e', 'prof-key-two-8c2a'
KEYS = '%s, %s' % (KEY1, KEY2)
PROFILER = '    HeatOption profiler enabled true\n    HeatOption profiler hmac_keys "%s"\n' % KEYS


class PythonService:
    """heat-api or heat-api-cfn on the stack's heat.conf plus our own; stopped by its PID only."""

    def __init__(self, real_stack, api):
        self.api = api
        self.dir = gen_dir(os.path.join('reference', 'profiler-' + api))
        self.port = free_port()
        self.log_path = os.path.join(self.dir, 'heat.log')
        self.conf = os.path.join(self.dir, 'profiler.conf')
        section = 'heat_api' if api == 'api' else 'heat_api_cfn'
        write_ini(self.conf, {
            'DEFAULT': [('log_file', self.log_path), ('use_stderr', 'false')],
            section: [('bind_host', '127.0.0.1'), ('bind_port', str(self.port)), ('workers', '1')],
            'profiler': [('enabled', 'true'), ('hmac_keys', KEYS)],
        })
        exe = HEAT_API if api == 'api' else HEAT_API_CFN
        with open(os.path.join(self.dir, 'console.log'), 'wb') as out:
            self.proc = subprocess.Popen([exe, '--config-file', real_stack.heat_conf, '--config-file', self.conf],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.dir)

    def wait_ready(self, timeout=180):
        deadline = time.time() + timeout
        while True:
            assert self.proc.poll() is None, 'heat-%s exited:\n%s' % (self.api, tail(self.log_path))
            try:
                if heat_client.request(self.port, 'GET', '/', timeout=2).status == 300:
                    return self
            except OSError:
                pass
            assert time.time() < deadline, 'heat-%s did not answer:\n%s' % (self.api, tail(self.log_path))
            time.sleep(0.3)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        deadline = time.time() + 10
        while pid_alive(self.proc.pid) and time.time() < deadline:
            time.sleep(0.1)


class EngineTap:
    """A private, exclusive queue that receives a copy of every message sent to heat-engine."""

    def __init__(self, real_stack):
        url = real_stack.facts.get('rabbit', {}).get('transport_url') or self._url(real_stack)
        user, rest = url[len('rabbit://'):].split(':', 1)
        password, rest = rest.split('@', 1)
        hostport, vhost = rest.split('/', 1)
        self.conn = amqp.Connection(host=hostport, userid=user, password=password, virtual_host=vhost or '/')
        self.conn.connect()
        self.ch = self.conn.channel()
        self.queue, _, _ = self.ch.queue_declare(queue='', exclusive=True, auto_delete=True)
        exchange = real_stack.facts['heat_engine']['exchange']
        self.ch.queue_bind(self.queue, exchange=exchange, routing_key=real_stack.facts['heat_engine']['topic'])

    @staticmethod
    def _url(real_stack):
        with open(real_stack.heat_conf) as f:
            for line in f:
                if line.strip().startswith('transport_url'):
                    return line.split('=', 1)[1].strip()
        raise AssertionError('no transport_url in ' + real_stack.heat_conf)

    def message_for(self, global_request_id, timeout=120):
        """The oslo.messaging message whose context carries global_request_id (polled)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.ch.basic_get(self.queue, no_ack=True)
            if m is None:
                time.sleep(0.1)
                continue
            body = json.loads(m.body)
            msg = json.loads(body['oslo.message']) if 'oslo.message' in body else body
            if msg.get('_context_global_request_id') == global_request_id:
                return msg
        raise AssertionError('no RPC message with global_request_id %s within %ds' % (global_request_id, timeout))

    def close(self):
        self.conn.close()


@pytest.fixture(scope='module')
def sides(httpd_factory, real_stack):
    pys = {}
    try:
        for api in ('api', 'cfn'):
            pys[api] = PythonService(real_stack, api)
        ours = stack_server(httpd_factory, real_stack, 'profiler-s7f', vhost_extra={'api': PROFILER, 'cfn': PROFILER})
        for p in pys.values():
            p.wait_ready()
        tap = EngineTap(real_stack)
        yield ours, pys, tap
        tap.close()
    finally:
        for p in pys.values():
            p.stop()


def send(real_stack, api, port, trace_headers):
    """ListStacks (native GET /stacks, or CFN with X-Auth-User + X-Auth-Token) with a fresh global
    request id; returns (response, that id)."""
    token, project = real_stack.token('demo')
    gid = 'req-' + str(uuid.uuid4())
    headers = [('X-Auth-Token', token), ('X-OpenStack-Request-ID', gid), ('Accept', 'application/json')]
    headers += trace_headers
    if api == 'api':
        path = '/v1/%s/stacks' % project
    else:
        path = '/v1/?Action=ListStacks'
        headers.append(('X-Auth-User', 'demo'))
    return heat_client.request(port, 'GET', path, headers=headers, timeout=120), gid


def signed(base, parent, key=KEY2):
    data = {'base_id': base}
    if parent:
        data['parent_id'] = parent
    info, sig = osprofiler_utils.signed_pack(data, key)
    return [('X-Trace-Info', info.decode()), ('X-Trace-HMAC', sig)]


@pytest.mark.parametrize('api', ['api', 'cfn'])
def test_signed_trace_reaches_engine(sides, real_stack, api):
    ours, pys, tap = sides
    base, parent = str(uuid.uuid4()), str(uuid.uuid4())
    got, keys = {}, {}
    for side, port in (('mod_heat', ours.ports[api]), ('python', pys[api].port)):
        resp, gid = send(real_stack, api, port, signed(base, parent))
        assert resp.status == 200, '%s: %s' % (side, resp.dump())
        msg = tap.message_for(gid)
        got[side] = msg.get('_context_trace_info')
        keys[side] = [k for k in msg if k.startswith('_context_')]
    py, mine = got['python'], got['mod_heat']
    assert py is not None and mine is not None, got
    # the same context keys, trace_info last (serialize_context appends it)
    assert sorted(keys['mod_heat']) == sorted(keys['python']), keys
    assert keys['mod_heat'][-1] == keys['python'][-1] == '_context_trace_info', keys
    assert sorted(mine) == sorted(py) == ['base_id', 'hmac_key', 'parent_id'], got
    assert mine['hmac_key'] == py['hmac_key'] == KEY2, got
    assert mine['base_id'] == py['base_id'] == base, got
    # heat-api: its own wsgi span; mod_heat (no spans): the caller's
    assert uuid.UUID(py['parent_id']) and py['parent_id'] not in (base, parent), got
    assert mine['parent_id'] == parent, got
    # the key travels to the engine, never into mod_heat's log
    with open(ours.log.path, 'rb') as f:
        assert KEY2.encode() not in f.read()


@pytest.mark.parametrize('case', ['bad-hmac', 'unknown-key', 'no-hmac', 'extra-key'])
def test_invalid_trace_ignored(sides, real_stack, case):
    ours, pys, tap = sides
    base = str(uuid.uuid4())
    if case == 'bad-hmac':
        headers = [(k, v if k == 'X-Trace-Info' else '0' * 40) for k, v in signed(base, None)]
    elif case == 'unknown-key':
        headers = signed(base, None, key='prof-key-unknown')
    elif case == 'no-hmac':
        headers = signed(base, None)[:1]
    else:
        info, sig = osprofiler_utils.signed_pack({'base_id': base, 'x': 1}, KEY1)
        headers = [('X-Trace-Info', info.decode()), ('X-Trace-HMAC', sig)]
    for side, port in (('mod_heat', ours.ports['api']), ('python', pys['api'].port)):
        resp, gid = send(real_stack, 'api', port, headers)
        assert resp.status == 200, '%s: %s' % (side, resp.dump())
        msg = tap.message_for(gid)
        assert '_context_trace_info' not in msg, (side, msg.get('_context_trace_info'))
