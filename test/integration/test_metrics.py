"""test_metrics.py: mod_heat's counters on the real stack (marker real_stack): the heat-metrics
handler parsed by prometheus_client's own parser, mod_status' section (?auto and HTML, per child
and total), and access logs that say who (%u, %{heat-project-id}n, %{heat-rpc-method}n,
%{heat-engine-time-us}n) for the native API and for an EC2-signed CFN request.

Counting happens after the response is sent (log_transaction), so every check polls with a
deadline. The server is this module's own, on ports the kernel picks."""

import os
import signal
import time
import urllib.parse

import pytest
from prometheus_client.parser import text_string_to_metric_families

from heat_client import request
from heat_env import gen_dir
from heat_httpd import AccessLog
from heat_stack import stack_server

pytestmark = pytest.mark.real_stack

NAME = 'metrics-s7e'
WHO_FORMAT = ('LogFormat "who=%u project=%{heat-project-id}n rpc=%{heat-rpc-method}n '
              'engine_us=%{heat-engine-time-us}n \\"%r\\" %>s -" heatwho')
STATUS_AND_METRICS = '''\
    <Location /server-status>
        SetHandler server-status
    </Location>
    <Location /metrics>
        SetHandler heat-metrics
    </Location>
'''
DEADLINE = 60


class WhoLog(AccessLog):
    """The heatwho log: complete lines (AccessLog's reading, whole lines kept)."""

    def read(self):
        try:
            with open(self.path, 'rb') as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return []
        self.pos += len(data)
        complete, _, self.pending = (self.pending + data).rpartition(b'\n')
        return complete.decode('utf-8', 'replace').splitlines()


@pytest.fixture(scope='module')
def server(httpd_factory, real_stack):
    who_path = os.path.join(gen_dir(NAME), 'logs', 'who_log')
    srv = stack_server(httpd_factory, real_stack, NAME, modules=('status',),
                       test_conf='ExtendedStatus On\n%s\nCustomLog "%s" heatwho' % (WHO_FORMAT, who_path),
                       vhost_extra={'api': STATUS_AND_METRICS})
    srv.who = WhoLog(who_path)
    return srv


def get(server, path, token=None, api='api', method='GET'):
    headers = [('Accept', 'application/json')]
    if token:
        headers.append(('X-Auth-Token', token))
    return request(server.ports[api], method, path, headers=headers, timeout=120)


def metrics(server):
    """{(name, frozenset(labels)): value} of every sample, parsed by prometheus_client."""
    r = get(server, '/metrics')
    assert r.status == 200, r.dump()
    assert r.header('content-type') == 'text/plain; version=0.0.4; charset=utf-8', r.dump()
    out = {}
    for family in text_string_to_metric_families(r.body.decode('utf-8')):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def m(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def status_auto(server):
    r = get(server, '/server-status?auto')
    assert r.status == 200, r.dump()
    lines = {}
    for line in r.body.decode('utf-8').splitlines():
        k, sep, v = line.partition(': ')
        if sep and k.startswith('Heat'):
            lines[k] = v
    return lines


def poll(fn, wanted, what):
    deadline = time.time() + DEADLINE
    while True:
        value = fn()
        if wanted(value) or time.time() > deadline:
            assert wanted(value), '%s not reached in %d s: %r' % (what, DEADLINE, value)
            return value
        time.sleep(0.2)


def test_counters_after_requests(server, real_stack):
    token, project = real_stack.issue_token('admin')  # a new token: its first use is a miss
    before = metrics(server)
    for _ in range(3):
        r = get(server, '/v1/%s/stacks' % project, token)
        assert r.status == 200, r.dump()
    bogus = 'gAAAAAB' + 'x' * 40  # Keystone: 404, remembered as invalid
    for _ in range(2):
        r = get(server, '/v1/%s/stacks' % project, bogus)
        assert r.status == 401, r.dump()

    def delta(samples, name, **labels):
        return m(samples, name, **labels) - m(before, name, **labels)

    after = poll(lambda: metrics(server),
                 lambda s: delta(s, 'heat_api_requests_total', api='native', code_class='4xx') >= 2
                 and delta(s, 'heat_api_requests_total', api='native', code_class='2xx') >= 3,
                 'request counts')
    # exactly what was sent: nothing else reaches this server's Heat vhosts meanwhile
    assert delta(after, 'heat_api_requests_total', api='native', code_class='2xx') == 3
    assert delta(after, 'heat_api_requests_total', api='native', code_class='4xx') == 2
    assert delta(after, 'heat_api_requests_total', api='native', code_class='5xx') == 0
    assert delta(after, 'heat_rpc_calls_total', outcome='ok') >= 3
    assert delta(after, 'heat_rpc_call_duration_seconds_count') >= 3
    assert delta(after, 'heat_rpc_call_duration_seconds_bucket', le='+Inf') >= 3
    assert delta(after, 'heat_rpc_call_duration_seconds_sum') > 0
    assert delta(after, 'heat_token_cache_lookups_total', result='miss') >= 2   # new token, bogus
    assert delta(after, 'heat_token_cache_lookups_total', result='hit') >= 2
    assert delta(after, 'heat_token_cache_lookups_total', result='negative_hit') >= 1
    assert delta(after, 'heat_keystone_requests_total', result='answered') >= 2
    assert delta(after, 'heat_keystone_request_duration_seconds_count') >= 2
    assert m(after, 'heat_rpc_broker_connects_total') >= 1
    assert m(after, 'heat_rpc_pool_connections') >= 1
    assert m(after, 'heat_rpc_pool_connections_in_use') == 0
    # histogram buckets are cumulative
    les = sorted((float(dict(k[1])['le']), v) for k, v in after.items()
                 if k[0] == 'heat_rpc_call_duration_seconds_bucket')
    assert [v for _, v in les] == sorted(v for _, v in les)


def test_status_auto_per_child_and_total(server, real_stack):
    token, project = real_stack.token('admin')
    r = get(server, '/v1/%s/stacks' % project, token)
    assert r.status == 200, r.dump()
    lines = poll(lambda: status_auto(server),
                 lambda l: int(l.get('HeatRequestsNative2xx', 0)) >= 1 and int(l.get('HeatRpcCallsOk', 0)) >= 1,
                 'server-status?auto counters')
    assert int(lines['HeatTokenCacheHits']) + int(lines['HeatTokenCacheMisses']) >= 1, lines
    assert float(lines['HeatRpcDurationP99']) >= float(lines['HeatRpcDurationP50']) > 0, lines
    # the total is the sum over the children (no Heat request is in flight now)
    children = {k.split('Heat', 1)[1].split('Requests')[0] for k in lines if k.startswith('HeatChild')
                and k.endswith('RequestsNative2xx')}
    assert children, lines
    for key in ('RequestsNative2xx', 'RequestsNative4xx', 'RpcCallsOk', 'TokenCacheHits',
                'TokenCacheMisses', 'KeystoneRequestsOk', 'RpcDurationCount'):
        total = int(lines['Heat' + key])
        assert total == sum(int(lines['Heat%s%s' % (c, key)]) for c in children), (key, lines)
    # the HTML page has the section too
    r = get(server, '/server-status')
    assert r.status == 200, r.dump()
    assert b'<h2>mod_heat</h2>' in r.body and b'RpcCallsOk' in r.body and b'Total' in r.body, r.body[-3000:]


def test_metrics_handler_methods(server):
    r = get(server, '/metrics', method='HEAD')
    assert r.status == 200 and r.body == b'', r.dump()
    r = request(server.ports['api'], 'POST', '/metrics', body='x', timeout=30)
    assert r.status == 405, r.dump()
    assert 'GET' in (r.header('allow') or ''), r.dump()


def wait_who(server, path_part, timeout=30):
    lines = server.who.wait_for([], lambda seen: any(path_part in l for l in seen), timeout=timeout)
    found = [l for l in lines if path_part in l]
    assert found, 'no access log line for %s in %r' % (path_part, lines)
    return found[-1]


def fields(line):
    return dict(f.split('=', 1) for f in line.split(' ')[:4])


def test_access_log_says_who_native(server, real_stack):
    token, project = real_stack.token('admin')
    user_id = real_stack.facts['users']['admin']['user_id']
    server.who.mark()
    r = get(server, '/v1/%s/stacks?who=native' % project, token)
    assert r.status == 200, r.dump()
    f = fields(wait_who(server, 'who=native'))
    assert f['who'] == user_id and f['project'] == project, f
    assert f['rpc'] == 'list_stacks', f
    assert int(f['engine_us']) > 0, f
    # no token: nobody, no project, no RPC
    r = get(server, '/v1/%s/stacks?who=nobody' % project)
    assert r.status == 401, r.dump()
    f = fields(wait_who(server, 'who=nobody'))
    assert f == {'who': '-', 'project': '-', 'rpc': '-', 'engine_us': '-'}, f


def test_access_log_says_who_cfn_signed(server, real_stack):
    from keystoneclient.contrib.ec2.utils import Ec2Signer
    u = real_stack.facts['users']['demo']
    port = server.ports['cfn']
    params = {'Action': 'ListStacks', 'AWSAccessKeyId': u['ec2_access'], 'SignatureMethod': 'HmacSHA256',
              'SignatureVersion': '2', 'Version': '2010-05-15',
              'Timestamp': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    params['Signature'] = Ec2Signer(u['ec2_secret']).generate(
        {'host': '127.0.0.1:%d' % port, 'verb': 'GET', 'path': '/v1/', 'params': dict(params)})
    server.who.mark()
    before = metrics(server)
    r = request(port, 'GET', '/v1/?' + urllib.parse.urlencode(params), timeout=120)
    assert r.status == 200, r.dump()
    f = fields(wait_who(server, 'Action=ListStacks'))
    assert f['who'] == u['user_id'] and f['project'] == u['project_id'], f
    assert f['rpc'] == 'list_stacks', f
    assert int(f['engine_us']) > 0, f
    # counted once the line is written (the same log_transaction pass)
    after = metrics(server)
    assert m(after, 'heat_keystone_ec2tokens_total') == m(before, 'heat_keystone_ec2tokens_total') + 1
    assert (m(after, 'heat_api_requests_total', api='cfn', code_class='2xx')
            == m(before, 'heat_api_requests_total', api='cfn', code_class='2xx') + 1)


def test_graceful_restart_keeps_counters(server, real_stack):
    """The block belongs to the parent: a graceful restart keeps every counter (README)."""
    token, project = real_stack.token('admin')
    generation = int(status_auto_all(server)['ParentServerConfigGeneration'])
    before = metrics(server)
    assert server.pid() == server.proc.pid
    os.kill(server.proc.pid, signal.SIGUSR1)   # our own httpd: graceful restart
    poll(lambda: status_auto_all(server).get('ParentServerConfigGeneration'),
         lambda g: g is not None and int(g) > generation, 'a new configuration generation')
    r = get(server, '/v1/%s/stacks' % project, token)
    assert r.status == 200, r.dump()
    key = ('heat_api_requests_total', frozenset({'api': 'native', 'code_class': '2xx'}.items()))
    after = poll(lambda: metrics(server), lambda s: s.get(key, 0) >= before[key] + 1, 'the request after the restart')
    assert after[key] == before[key] + 1
    for k, v in before.items():
        if k[0].endswith(('_total', '_count', '_bucket', '_sum')):
            assert after.get(k, 0) >= v, (k, v, after.get(k))


def status_auto_all(server):
    try:
        r = get(server, '/server-status?auto')
    except OSError:
        return {}   # the listener is being handed over
    if r.status != 200:
        return {}
    return dict(l.split(': ', 1) for l in r.body.decode('utf-8').splitlines() if ': ' in l)
