"""Two mod_heat nodes behind HAProxy, a two-node RabbitMQ cluster, memcached as the shared token
cache and two heat-engines (test/stack/multinode.py, the script operators run too; its
heat.conf and haproxy.cfg are the samples of doc/multinode.md). The environment starts once
for the module in its own state directory and is stopped by PID at the end, even on failure.

Each outage runs under a bounded load (a few client threads through HAProxy) and measures how
many requests failed and for how long no request succeeded; the figures go to
gen/multinode-figures.json and the README quotes them.
"""

import hashlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import pytest

import heat_stack
from heat_env import GEN
from heat_stack import StackErrorLog

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'stack'))
import multinode  # noqa: E402

pytestmark = pytest.mark.real_stack

STATE = '/var/tmp/mod_heat-multinode-test'
TEMPLATE = """\
heat_template_version: 2018-08-31
parameters:
  length: {type: number, default: 8}
resources:
  random: {type: OS::Heat::RandomString, properties: {length: {get_param: length}}}
outputs:
  value: {value: {get_attr: [random, value]}}
"""
FIGURES = {}


def figures_path():
    os.makedirs(GEN, exist_ok=True)
    return os.path.join(GEN, 'multinode-figures.json')


class Env:
    def __init__(self, facts, stack):
        self.facts = facts
        self.stack = stack
        self.ports = facts['ports']
        self.lasting = []
        self.logs = {n: StackErrorLog(os.path.join(STATE, 'node-' + n, 'logs', 'error_log')) for n in 'ab'}
        for log in self.logs.values():
            log.mark()

    def access_log(self, node):
        with open(os.path.join(STATE, 'node-' + node, 'logs', 'access_log')) as f:
            return f.read().splitlines()

    def validations(self, token):
        digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        try:
            with open(os.path.join(STATE, 'logs', 'keystone-validations.log')) as f:
                return sum(1 for line in f if line.split() == ['validate', digest])
        except FileNotFoundError:
            return 0

    def get(self, port, path, token, timeout=60):
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
        try:
            conn.request('GET', path, headers={'X-Auth-Token': token, 'Accept': 'application/json'})
            r = conn.getresponse()
            return r.status, r.read()
        finally:
            conn.close()

    def wait_haproxy(self, want, timeout=60):
        deadline = time.time() + timeout
        while True:
            seen = multinode.haproxy_servers()
            if all(seen.get(k, '').startswith(v) for k, v in want.items()):
                return seen
            assert time.time() < deadline, 'HAProxy shows %s, want %s' % (seen, want)
            time.sleep(0.2)

    def expect_from_now_on(self, pattern):
        """A line that may appear in this test and any later one (an idle pooled connection
        finds out that its broker went away only when it is next used)."""
        self.lasting.append(pattern)

    def check_logs(self):
        problems = []
        for n, log in self.logs.items():
            for pattern in self.lasting:
                log.expect(pattern)
            problems += ['node-%s: %s' % (n, p) for p in log.problems()]
            log.mark()
        assert not problems, '\n'.join(problems)


@pytest.fixture(scope='module')
def env(real_stack):
    multinode.STATE = STATE
    multinode.DATABASE = 'heat_multinode_test'
    multinode.MODULE_SO = os.environ.get('MOD_HEAT_SO', multinode.MODULE_SO)
    try:
        facts = multinode.start()
    except multinode.MultinodeError as e:
        multinode.stop()
        pytest.fail('multinode start: %s' % e, pytrace=False)
    e = Env(facts, real_stack)
    try:
        yield e
    finally:
        multinode.stop()
        with open(figures_path(), 'w') as f:
            json.dump(FIGURES, f, indent=2, sort_keys=True)


@pytest.fixture
def token(env):
    tok, project = env.stack.token('demo')
    return tok, '/v1/%s/stacks' % project


class Load:
    """`threads` clients, each sending GET <path> through HAProxy one after the other on a new
    connection, until stopped; every request is recorded as (start, end, status or error)."""

    def __init__(self, port, path, token, threads=3):
        self.port, self.path, self.token = port, path, token
        self.records = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self):
        while not self.stopping.is_set():
            t0 = time.time()
            try:
                conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=90)
                conn.request('GET', self.path, headers={'X-Auth-Token': self.token})
                r = conn.getresponse()
                r.read()
                conn.close()
                result = r.status
            except OSError as e:
                result = repr(e)
            self.records.append((t0, time.time(), result))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(120)

    def wait_successes(self, n, timeout=120):
        """Polls until n more requests have succeeded."""
        start = len([r for r in self.records if r[2] == 200])
        deadline = time.time() + timeout
        while len([r for r in self.records if r[2] == 200]) < start + n:
            assert time.time() < deadline, 'no %d successful requests in %d s: %s' % (
                n, timeout, self.records[-5:])
            time.sleep(0.1)

    def figures(self, event_start, event_end):
        """Failed requests; the longest time without a successful answer around the event; the
        failed requests that started after the event was over (not in flight)."""
        failed = [r for r in self.records if r[2] != 200]
        ok_ends = sorted(r[1] for r in self.records if r[2] == 200)
        before = [t for t in ok_ends if t <= event_start]
        after = [t for t in ok_ends if t > event_start]
        gap = (after[0] - (before[-1] if before else event_start)) if after else float('inf')
        return {'requests': len(self.records), 'failed': len(failed),
                'failed_not_in_flight': len([r for r in failed if r[0] > event_end]),
                'longest_gap_s': round(gap, 2), 'errors': sorted({str(r[2]) for r in failed})}


def openstack(env, *args, timeout=240, check=True):
    """openstackclient as demo, authenticating through the counting proxy, whose catalog sends
    orchestration requests to HAProxy."""
    e = env.stack.os_env('demo')
    e['OS_AUTH_URL'] = 'http://127.0.0.1:%d/v3' % env.ports['keystone_proxy']
    p = subprocess.run(['/usr/bin/openstack'] + list(args), env=e, capture_output=True, text=True,
                       timeout=timeout)
    assert p.returncode == 0 or not check, '`openstack %s`: %s\n%s' % (' '.join(args), p.stdout, p.stderr)
    return p.stdout


def test_lifecycle_through_haproxy(env, tmp_path):
    tpl = tmp_path / 'random.yaml'
    tpl.write_text(TEMPLATE)
    name = 'multinode-%d' % os.getpid()
    before = {n: len(env.access_log(n)) for n in 'ab'}
    try:
        lifecycle(env, tpl, name)
    except BaseException:
        openstack(env, 'stack', 'delete', '--yes', '--wait', name, check=False)   # leave nothing
        raise
    # the requests were spread over both nodes
    for n in 'ab':
        lines = env.access_log(n)[before[n]:]
        assert any('/stacks' in line for line in lines), 'node-%s served no stack request' % n
    env.check_logs()


def lifecycle(env, tpl, name):
    out = openstack(env, 'stack', 'create', '--wait', '-t', str(tpl), name, '-f', 'json')
    out = json.loads(out[out.index('{'):])     # --wait prints the events first
    assert out['stack_status'] == 'CREATE_COMPLETE', out
    assert len(json.loads(openstack(env, 'stack', 'output', 'show', name, 'value', '-f', 'json'))
               ['output_value']) == 8
    openstack(env, 'stack', 'update', '--wait', '-t', str(tpl), '--parameter', 'length=12', name)
    shown = json.loads(openstack(env, 'stack', 'show', name, '-f', 'json'))
    assert shown['stack_status'] == 'UPDATE_COMPLETE', shown
    assert name in [s['Stack Name'] for s in json.loads(openstack(env, 'stack', 'list', '-f', 'json'))]
    openstack(env, 'stack', 'delete', '--yes', '--wait', name)
    assert name not in [s['Stack Name'] for s in json.loads(openstack(env, 'stack', 'list', '-f', 'json'))]


def test_token_cache_shared(env):
    tok, project = env.stack.issue_token('demo')
    path = '/v1/%s/stacks' % project
    assert env.validations(tok) == 0
    assert env.get(env.ports['node_a'], path, tok)[0] == 200
    assert env.validations(tok) == 1
    for _ in range(3):
        assert env.get(env.ports['node_b'], path, tok)[0] == 200
        assert env.get(env.ports['node_a'], path, tok)[0] == 200
    assert env.validations(tok) == 1, 'node-b asked Keystone again instead of using the shared cache'
    env.check_logs()


def broker_queues(env):
    r = multinode.rabbitmqctl(env.facts, 'b', 'list_queues', '-p', 'heat', '-q', '--formatter', 'json',
                              'name', 'arguments', 'policy', 'consumers')
    return json.loads(r.stdout)


def queue_arguments(q):
    """rabbitmqctl's JSON gives arguments as [[key, type, value], ...] or {key: value}."""
    args = q['arguments']
    return {a[0]: a[-1] for a in args} if isinstance(args, list) else args


def test_rabbit_ha_queues_honoured(env, token):
    tok, path = token
    assert env.get(env.ports['haproxy'], path, tok)[0] == 200
    replies = [q for q in broker_queues(env) if q['name'].startswith('reply_')]
    assert replies, 'no reply queue of mod_heat on the cluster'
    for q in replies:
        # rabbit_ha_queues = true: oslo's x-ha-policy argument, and the broker's policy mirrors it
        assert queue_arguments(q).get('x-ha-policy') == 'all', q
        assert q['policy'] == 'ha-all', q


def test_broker_stopped_under_load(env, token):
    tok, path = token
    env.expect_from_now_on(r'HEAT0500: AMQP server 127\.0\.0\.1:%d unreachable' % env.ports['rabbit_a'])
    env.expect_from_now_on(r'HEAT0501: AMQP: broker closed the connection: 320 CONNECTION_FORCED')
    with Load(env.ports['haproxy'], path, tok) as load:
        load.wait_successes(10)
        t0 = time.time()
        multinode.stop(['rabbit-a'])
        t1 = time.time()
        load.wait_successes(20)
    fig = load.figures(t0, t1)
    fig['broker_stop_s'] = round(t1 - t0, 2)
    FIGURES['broker_failover'] = fig
    print('broker failover:', fig)
    assert fig['failed_not_in_flight'] == 0, fig
    # the node comes back and rejoins; both brokers serve, nothing left broken
    multinode.start(['rabbit-a'])
    status = json.loads(multinode.rabbitmqctl(env.facts, 'b', 'cluster_status', '--formatter', 'json').stdout)
    assert sorted(status['running_nodes']) == sorted(multinode.NODES.values()), status
    deadline = time.time() + 120
    while multinode.engine_consumers(env.facts) < 2:
        assert time.time() < deadline, 'the engines did not come back on queue engine'
        time.sleep(1)
    for _ in range(6):
        assert env.get(env.ports['haproxy'], path, tok)[0] == 200
    env.check_logs()


def test_node_stopped_under_load(env, token):
    tok, path = token
    with Load(env.ports['haproxy'], path, tok) as load:
        load.wait_successes(10)
        t0 = time.time()
        multinode.stop(['node-a'])
        t1 = time.time()
        load.wait_successes(20)
    fig = load.figures(t0, t1)
    FIGURES['node_stop'] = fig
    print('node stop:', fig)
    assert fig['failed'] == 0, fig
    env.wait_haproxy({'node-a': 'DOWN', 'node-b': 'UP'})
    multinode.start(['node-a'])
    env.wait_haproxy({'node-a': 'UP', 'node-b': 'UP'})
    env.check_logs()


def raw_status(port, request):
    with socket.create_connection(('127.0.0.1', port), timeout=30) as s:
        s.sendall(request)
        return int(s.recv(100).split(b' ')[1])


def test_node_drained_before_stop(env, token):
    tok, path = token
    flag = os.path.join(STATE, 'node-b.disabled')
    with Load(env.ports['haproxy'], path, tok) as load:
        load.wait_successes(10)
        t0 = time.time()
        open(flag, 'w').close()
        try:
            assert env.get(env.ports['node_b'], '/healthcheck', tok)[0] == 503
            # HAProxy's check: HTTP/1.0 without Host, so no port but the one it connected to
            assert raw_status(env.ports['node_b'], b'GET /healthcheck HTTP/1.0\r\n\r\n') == 503
            env.wait_haproxy({'node-a': 'UP', 'node-b': 'DOWN'})
            multinode.stop(['node-b'])
        finally:
            os.unlink(flag)
        t1 = time.time()
        load.wait_successes(20)
    fig = load.figures(t0, t1)
    FIGURES['node_drain'] = fig
    print('node drain:', fig)
    assert fig['failed'] == 0, fig
    multinode.start(['node-b'])
    env.wait_haproxy({'node-a': 'UP', 'node-b': 'UP'})
    env.check_logs()


def test_memcached_stopped(env):
    tok, project = env.stack.issue_token('demo')
    path = '/v1/%s/stacks' % project
    assert env.get(env.ports['node_a'], path, tok)[0] == 200
    assert env.validations(tok) == 1
    for n in 'ab':
        env.logs[n].expect(r'HEAT1500: token cache \(memcache\) .* failed')
        env.logs[n].expect(r'AH0079[01]: scache_mc')
    multinode.stop(['memcached'])
    try:
        for _ in range(10):
            for n in 'ab':
                assert env.get(env.ports['node_' + n], path, tok)[0] == 200
        # Keystone is asked instead of the cache
        assert env.validations(tok) > 1
        for n, log in env.logs.items():
            lines = [line for line in log.lines_since() if 'HEAT1500' in line or 'scache_mc' in line]
            per_child = {}
            for line in lines:
                pid = re.search(r'\[pid (\d+)', line).group(1)
                per_child.setdefault(pid, []).append(line)
            # once per outage in each child: our warning, and at most one line of socache's own
            for pid, found in per_child.items():
                ours = [line for line in found if 'HEAT1500' in line]
                assert len(ours) == 1 and len(found) <= 2, \
                    'node-%s child %s logs the outage per request:\n%s' % (n, pid, '\n'.join(found))
    finally:
        multinode.start(['memcached'])
    env.check_logs()


def test_engine_stopped_under_load(env, token):
    tok, path = token
    for n in 'ab':
        env.logs[n].expect(r'HEAT0524: RPC call list_stacks: no reply')
    with Load(env.ports['haproxy'], path, tok) as load:
        load.wait_successes(10)
        t0 = time.time()
        multinode.stop(['engine-1'])
        t1 = time.time()
        load.wait_successes(20)
    fig = load.figures(t0, t1)
    fig['engine_stop_s'] = round(t1 - t0, 2)
    FIGURES['engine_stop'] = fig
    print('engine stop:', fig)
    # a call the stopping engine had already taken may time out (heat-engine's own behaviour,
    # the Python heat-api answers it the same); none that started after the stop fails
    assert fig['failed_not_in_flight'] == 0, fig
    multinode.start(['engine-1'])
    env.check_logs()


def test_guide_shows_the_samples_the_test_uses():
    """doc/multinode.md shows the HAProxy, heat.conf and httpd.conf templates of multinode.py
    verbatim, so the guide cannot drift from what these tests run."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'doc', 'multinode.md')) as f:
        guide = f.read()
    for name in ('HAPROXY_CFG', 'HEAT_CONF', 'HTTPD_CONF'):
        assert '```\n' + getattr(multinode, name) + '```\n' in guide, '%s is not in doc/multinode.md' % name
