"""mod_heat while a backing service of the real stack is down, and after it is back.

A second mod_heat (its own ports, the stack's heat.conf plus `HeatOption DEFAULT
rpc_response_timeout 5`) is asked with raw HTTP and real tokens, so that the engine timeout takes
5 s instead of 60. Each test stops one service of the stack through `stack.sh stop-service` (its
PID file only), and in a finally block brings back whatever is down (`stack.sh start
--with-python-api`) and checks `stack.sh status`. Apache is never restarted: the same httpd
process must serve the first request after the outage.

    heat-engine stopped  GET /stacks waits rpc_response_timeout and answers 500 MessagingTimeout
                         with mod_heat's message (doc/differences.md); back: the next request works
    RabbitMQ stopped     an error at once (503 MessagingUnavailable); back: a request within the
                         fail-fast window of mod_heat (up to ~35 s) works
    Keystone stopped     a token validated before (cached) is still accepted; a token mod_heat
                         never saw gets keystonemiddleware's 503 (compared with the Python
                         heat-api's); back: that token works
"""

import json
import re
import time

import pytest

from heat_client import request
from heat_env import pid_alive
from heat_stack import assert_same, stack_server

pytestmark = pytest.mark.real_stack

RPC_TIMEOUT = 5


# One child: what a child learns once and keeps (the auth_url heat's authurl filter discovers on
# [clients_keystone] auth_uri, its pooled AMQP connections) is per child, as it is per heat-api
# worker; with two children the request after an outage may go to a child started since, which
# has not learnt it (a new heat-api worker started while Keystone is down answers 500 as well).
ONE_CHILD = '''<IfModule mpm_event_module>
    ServerLimit 1
    StartServers 1
    MaxRequestWorkers 8
    MinSpareThreads 1
    MaxSpareThreads 8
</IfModule>
'''


@pytest.fixture(scope='module')
def outage_httpd(httpd_factory, real_stack):
    return stack_server(httpd_factory, real_stack, 'stack-outage', apis=('api',),
                        test_conf=ONE_CHILD + 'HeatOption DEFAULT rpc_response_timeout %d' % RPC_TIMEOUT)


@pytest.fixture(autouse=True)
def _stale_connections(outage_httpd):
    """A pooled AMQP connection of an idle child that the broker test's restart killed is noticed
    (and replaced) when it is next checked out, which may be in a later test."""
    outage_httpd.log.expect(r'AMQP: broker closed the connection: 320 CONNECTION_FORCED')


@pytest.fixture
def healthy(real_stack):
    """The stack is healthy before the test; whatever the test stopped is back after it."""
    ok, _, out = real_stack.status()
    if not ok:
        real_stack.restore()
    yield real_stack
    real_stack.restore()


def list_stacks(server, token, project, timeout=30):
    t0 = time.time()
    r = request(server.ports['api'], 'GET', '/v1/%s/stacks' % project,
                headers=[('Accept', 'application/json'), ('X-Auth-Token', token)], timeout=timeout)
    return r, time.time() - t0


def fault(resp):
    assert resp.header('content-type') == 'application/json', resp.dump()
    return json.loads(resp.body)


def assert_ok(resp):
    assert resp.status == 200, resp.dump()
    assert 'stacks' in json.loads(resp.body), resp.dump()


def same_httpd(server, pid):
    assert server.running and server.proc.pid == pid and pid_alive(pid), 'httpd was restarted or died'


def test_engine_stopped(outage_httpd, healthy):
    server, stack = outage_httpd, healthy
    token, project = stack.token('admin')
    pid = server.proc.pid
    resp, _ = list_stacks(server, token, project)
    assert_ok(resp)
    server.log.expect(r'RPC call list_stacks: no reply to msg_id \w+ in \d+ ms')
    try:
        stack.stop_service('heat-engine')
        resp, took = list_stacks(server, token, project)
        assert resp.status == 500, resp.dump()
        body = fault(resp)
        assert body['error']['type'] == 'MessagingTimeout', body
        # doc/differences.md: heat-api's status and type, a message that says what happened
        assert body['error']['message'] == 'heat-engine did not answer list_stacks in time (%d s).' % RPC_TIMEOUT, body
        assert body['error']['traceback'] is None
        assert (body['code'], body['title']) == (500, 'Internal Server Error'), body
        assert RPC_TIMEOUT - 0.5 <= took <= RPC_TIMEOUT + 3, 'answered after %.1f s' % took
    finally:
        stack.restore()
    resp, took = list_stacks(server, token, project)
    assert_ok(resp)
    assert took < RPC_TIMEOUT, 'the first request after the engine came back took %.1f s' % took
    same_httpd(server, pid)


def test_broker_stopped(outage_httpd, healthy):
    server, stack = outage_httpd, healthy
    token, project = stack.token('admin')
    pid = server.proc.pid
    resp, _ = list_stacks(server, token, project)
    assert_ok(resp)
    # the pooled connection notices the broker's shutdown; reconnecting fails at once
    server.log.expect(r'AMQP: broker closed the connection: 320 CONNECTION_FORCED')
    server.log.expect(r'AMQP server 127\.0\.0\.1:\d+ unreachable: cannot connect')
    server.log.expect(r'RPC call list_stacks: no AMQP server reachable for rabbit://heat:\*\*\*@')
    try:
        stack.stop_service('rabbitmq')
        for attempt in range(2):
            resp, took = list_stacks(server, token, project)
            assert resp.status == 503, resp.dump()
            body = fault(resp)
            assert body['error']['type'] == 'MessagingUnavailable', body
            assert (body['code'], body['title']) == (503, 'Service Unavailable'), body
            assert took < 2, 'attempt %d: the error took %.1f s' % (attempt, took)
    finally:
        stack.restore()
    deadline = time.time() + 35
    tries = []
    while True:
        resp, took = list_stacks(server, token, project)
        tries.append('%d after %.1f s' % (resp.status, took))
        if resp.status == 200 or time.time() > deadline:
            break
        time.sleep(1)
    assert resp.status == 200, 'no success within 35 s after RabbitMQ came back: %s\n%s' % (tries, resp.dump())
    same_httpd(server, pid)


def test_keystone_stopped(outage_httpd, healthy):
    server, stack = outage_httpd, healthy
    cached, project = stack.issue_token('admin')
    fresh, _ = stack.issue_token('admin')          # never shown to mod_heat before the outage
    pid = server.proc.pid
    resp, _ = list_stacks(server, cached, project)
    assert_ok(resp)
    # validating the new token fails to connect; a child that has no service token yet first
    # fails at the version discovery of auth_url (keystoneauth's messages)
    server.log.expect(r'Keystone request GET http://127\.0\.0\.1:\d+(/v3/auth/tokens|/v3|/)? failed: '
                      r'Failed to connect')
    server.log.expect(r'Failed to discover available identity versions when contacting http://127\.0\.0\.1:\d+')
    server.log.expect(r'Could not find versioned identity endpoints when attempting to authenticate')
    server.log.expect(r'HEAT0304: Unable to validate token: Keystone unavailable')
    # a failed service authentication opens a short back-off window
    server.log.expect(r'HEAT0960: service authentication failed')
    try:
        stack.stop_service('keystone')
        resp, _ = list_stacks(server, cached, project)
        assert_ok(resp)
        resp, took = list_stacks(server, fresh, project)
        assert resp.status == 503, resp.dump()
        assert resp.header('content-type') == 'application/json', resp.dump()
        assert json.loads(resp.body) == {
            'message': 'The server is currently unavailable. Please try again at a later time.<br /><br />\n'
                       'The Keystone service is temporarily unavailable.\n\n',
            'code': '503 Service Unavailable', 'title': 'Service Unavailable'}, resp.dump()
        # keystonemiddleware's http_request_max_retries (3: 0.5 + 1 + 2 s) is copied: about 3.5 s
        assert took < 6, 'the 503 took %.1f s' % took
        # the Python heat-api has never seen that token either: keystonemiddleware's answer
        theirs = request(stack.py_api_port, 'GET', '/v1/%s/stacks' % project,
                         headers=[('Accept', 'application/json'), ('X-Auth-Token', fresh)], timeout=60)
        assert_same(resp, theirs)
    finally:
        stack.restore()
    resp, _ = list_stacks(server, fresh, project)
    assert_ok(resp)
    same_httpd(server, pid)
