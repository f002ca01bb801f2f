"""A template whose YAML aliases expand it 2,000-fold (a 100 KB anchored scalar referenced 2,000
times: 108 KB sent, 200 MB once written out for heat-engine) is refused with 400
RequestLimitExceeded within a second, in Heat's JSON (native API) and AWS XML (CFN), and the
serving child's peak memory grows by less than 64 MiB and it lives on. mod_heat on the real
stack, on kernel-chosen ports."""
import json
import time
import urllib.parse

import pytest

import heat_stack
from heat_client import request
from heat_env import children_of, pid_alive

pytestmark = [pytest.mark.real_stack]

SCALAR = 100 * 1024
REFS = 2000
LIMIT_RSS = 64 * 1024 * 1024


def bomb():
    refs = ','.join(['*s'] * REFS)
    return ('heat_template_version: 2018-08-31\ndescription: &s ' + 'x' * SCALAR +
            '\noutputs: {o: {value: [' + refs + ']}}\n')


def vm_hwm(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return 0


@pytest.fixture(scope='module')
def server(httpd_factory, real_stack):
    return heat_stack.stack_server(httpd_factory, real_stack, 'hostile-yaml')


def measure(server, send):
    """Runs send(); returns its response, the time it took and the largest peak-RSS growth
    among the children (all of them: any may serve it)."""
    parent = server.pid()
    kids = children_of(parent)
    before = {pid: vm_hwm(pid) for pid in kids}
    t0 = time.monotonic()
    resp = send()
    took = time.monotonic() - t0
    growth = max(vm_hwm(pid) - hwm for pid, hwm in before.items() if pid_alive(pid))
    assert all(pid_alive(pid) for pid in kids), 'a child died'
    return resp, took, growth


def check_native(resp, took, growth):
    assert resp.status == 400, resp
    body = json.loads(resp.body)
    assert body['code'] == 400
    assert body['title'] == 'Bad Request'
    assert body['error']['type'] == 'RequestLimitExceeded'
    assert body['error']['message'].startswith(
        'Request limit exceeded: Template size with YAML aliases expanded ('), body
    assert took < 1.0, took
    assert growth < LIMIT_RSS, growth


@pytest.mark.parametrize('path,extra', [
    ('/v1/%s/validate', {}),
    ('/v1/%s/stacks', {'stack_name': 'hostile-yaml-create'}),
    ('/v1/%s/stacks/preview', {'stack_name': 'hostile-yaml-preview'}),
])
def test_native_alias_bomb_is_request_limit_exceeded(server, real_stack, path, extra):
    token, project = real_stack.token('demo')
    body = dict(extra, template=bomb())
    payload = json.dumps(body)
    resp, took, growth = measure(server, lambda: request(
        server.ports['api'], 'POST', path % project,
        headers=[('X-Auth-Token', token), ('Content-Type', 'application/json'),
                 ('Accept', 'application/json')], body=payload))
    check_native(resp, took, growth)


def test_cfn_validate_template_alias_bomb(server, real_stack):
    token, _ = real_stack.token('demo')
    form = urllib.parse.urlencode({'Action': 'ValidateTemplate', 'TemplateBody': bomb()})
    resp, took, growth = measure(server, lambda: request(
        server.ports['cfn'], 'POST', '/v1/',
        headers=[('X-Auth-User', 'demo'), ('X-Auth-Token', token),
                 ('Content-Type', 'application/x-www-form-urlencoded')], body=form))
    assert resp.status == 400, resp
    text = resp.body.decode()
    assert '<Code>RequestLimitExceeded</Code>' in text, text
    assert 'aliases expanded' in text, text
    assert took < 1.0, took
    assert growth < LIMIT_RSS, growth
