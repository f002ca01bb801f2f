"""Graceful reload of an Apache serving mod_heat on the real stack.

1. `apache2 -k graceful` twice while 4 clients (3 native, 1 CFN) send a bounded load of mixed
   requests on kept-alive connections: no request is lost (no connection error, no 5xx), and children started by the
   reloads serve afterwards. A client may resend a GET once when a kept-alive connection is
   closed before any byte of the answer arrived (HTTP/1.1 allows it, http.client and requests
   do it: a graceful closes idle kept-alive connections); any other error counts.
2. heat.conf broken before a graceful: `apache2 -t` fails naming file and line; `apache2 -k
   graceful` refuses to signal (it checks the configuration first), so the running server keeps
   serving with its children. A bare SIGUSR1 skips that check: the parent then reads the broken
   configuration and exits (Apache's rule for a failed reload), after its children finish.
"""

import http.client
import os
import re
import signal
import threading
import time

import pytest

from heat_env import children_of, pid_alive, wait_gone
from heat_stack import StackHttpd

pytestmark = pytest.mark.real_stack

CLIENTS = 4
# The load stops once both gracefuls are complete and 100 more requests are answered; this count
# only bounds it if something else goes wrong. It must stay far above what the phases need: at
# 150 per client a slow reload on a busy CI machine let the clients finish before the last phase.
MAX_PER_CLIENT = 2500
# ServerLimit above MaxRequestWorkers / ThreadsPerChild (2): the children of a graceful start
# while the old ones finish their requests, and each needs a scoreboard slot (else AH03490).
TEST_CONF = ('ServerLimit 4\n'
             'LogFormat "%P %>s %U" heatpid\nCustomLog "{root}/logs/pid_log" heatpid\n')


def stack_conf_copy(real_stack):
    """The stack's heat.conf as text (this test breaks its own copy, never the stack's)."""
    with open(real_stack.heat_conf) as f:
        return f.read()


@pytest.fixture
def graceful_server(httpd_factory, real_stack):
    server = httpd_factory('graceful-s7d', cls=StackHttpd, apis=('api', 'cfn'),
                           heat_conf=stack_conf_copy(real_stack))
    server.test_conf = TEST_CONF.format(root=server.root)
    server.write_conf()
    real_stack.dependents.append(server)
    return server.start(timeout=60)


def pid_log(server):
    """[(pid, status, path)] from the access log that records each request's child."""
    out = []
    with open(os.path.join(server.root, 'logs', 'pid_log')) as f:
        for line in f:
            pid, status, path = line.split(' ', 2)
            out.append((int(pid), int(status), path.strip()))
    return out


class Client(threading.Thread):
    """One kept-alive connection (reopened when the server closes it), GETs in a fixed mix."""

    def __init__(self, port, paths, headers, n, stop):
        super().__init__(daemon=True)
        self.port, self.paths, self.headers, self.n, self.stop = port, paths, headers, n, stop
        self.failures, self.retries, self.statuses = [], 0, {}

    def run(self):
        conn, used = None, 0
        for i in range(self.n):
            if self.stop.is_set():
                break
            path = self.paths[i % len(self.paths)]
            for attempt in (0, 1):
                if conn is None:
                    conn, used = http.client.HTTPConnection('127.0.0.1', self.port, timeout=120), 0
                try:
                    conn.request('GET', path, headers=self.headers)
                    resp = conn.getresponse()
                    resp.read()
                    used += 1
                    break
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                    conn.close()
                    conn = None
                    # only a reused connection closed before the answer began may be retried
                    if used and attempt == 0:
                        self.retries += 1
                        continue
                    self.failures.append('%s: %r' % (path, e))
                    resp = None
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = None
                    self.failures.append('%s: %r' % (path, e))
                    resp = None
                    break
            if resp is None:
                continue
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.status >= 500:
                self.failures.append('%s: HTTP %d' % (path, resp.status))
            if resp.getheader('Connection', '').lower() == 'close':
                conn.close()
                conn = None
        if conn is not None:
            conn.close()


def reloads_done(server, start_pos):
    return sum('resuming normal operations' in l for l in server.log.lines_since(start_pos))


def progress(clients):
    return '; clients (answers, alive, failures): %s' % [
        (sum(c.statuses.values()), c.is_alive(), c.failures[-3:]) for c in clients]


def wait_for(cond, timeout, what, detail=lambda: ''):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError('timed out after %ds waiting for %s%s' % (timeout, what, detail()))
        time.sleep(0.2)


def test_graceful_under_load_loses_nothing(graceful_server, real_stack):
    server = graceful_server
    token, project = real_stack.token('demo')
    paths = ['/', '/v1/%s/stacks' % project, '/v1/%s/build_info' % project, '/v1/%s/nope' % project,
             '/v1/%s/stacks?limit=1' % project]
    headers = {'X-Auth-Token': token, 'Accept': 'application/json'}
    # the CFN API too, with the X-Auth-User + X-Auth-Token alternative to a signature
    cfn_paths = ['/v1/?Action=ListStacks', '/', '/v1/?Action=DescribeStacks&StackName=s7d-no-such-stack',
                 '/v1/?Action=NoSuchAction']
    cfn_headers = {'X-Auth-User': 'demo', 'X-Auth-Token': token}
    parent = server.pid()
    first_children = set(children_of(parent))
    start_pos = server.log.pos

    stop = threading.Event()
    clients = [Client(server.ports['api'], paths, headers, MAX_PER_CLIENT, stop) for _ in range(CLIENTS - 1)]
    clients.append(Client(server.ports['cfn'], cfn_paths, cfn_headers, MAX_PER_CLIENT, stop))
    for c in clients:
        c.start()
    # graceful once the load runs, and again after the first reload is complete
    wait_for(lambda: len(pid_log(server)) >= 100, 300, '100 requests served before the first graceful',
             lambda: progress(clients))
    rc, out = server.run('-k', 'graceful')
    assert rc == 0, out
    wait_for(lambda: reloads_done(server, start_pos) >= 1, 120, 'the first graceful to complete')
    between = len(pid_log(server))
    wait_for(lambda: len(pid_log(server)) >= between + 100, 300, '100 requests between the gracefuls',
             lambda: progress(clients))
    rc, out = server.run('-k', 'graceful')
    assert rc == 0, out
    wait_for(lambda: reloads_done(server, start_pos) >= 2, 120, 'the second graceful to complete')
    after = len(pid_log(server))
    assert all(c.is_alive() for c in clients), 'the load ended before the second graceful was complete'
    wait_for(lambda: len(pid_log(server)) >= after + 100, 300, '100 requests after the second graceful',
             lambda: progress(clients))
    stop.set()
    for c in clients:
        c.join(timeout=600)
        assert not c.is_alive(), 'a client did not finish'

    failures = [f for c in clients for f in c.failures]
    served = sum(sum(c.statuses.values()) for c in clients)
    statuses = {}
    for c in clients:
        for k, v in c.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    assert not failures, failures
    print('served %d, statuses %s, resent after a closed keep-alive connection: %d'
          % (served, statuses, sum(c.retries for c in clients)))
    assert served == len(pid_log(server)), statuses
    assert set(statuses) <= {200, 300, 400, 404}, statuses
    assert server.pid() == parent and server.running

    # children of the reloads serve: a request after the load is answered by a child that did
    # not exist before the first graceful
    before = len(pid_log(server))
    conn = http.client.HTTPConnection('127.0.0.1', server.ports['api'], timeout=60)
    for _ in range(8):
        conn.request('GET', paths[1], headers=headers)
        r = conn.getresponse()
        r.read()
        assert r.status == 200
    conn.close()
    wait_for(lambda: len(pid_log(server)) >= before + 8, 30, 'the access log lines')
    new_pids = {pid for pid, _, _ in pid_log(server)[before:]}
    assert new_pids and not (new_pids & first_children), (new_pids, first_children)
    assert not (set(children_of(parent)) & first_children)


def test_broken_heat_conf_graceful(graceful_server, real_stack):
    server = graceful_server
    token, project = real_stack.token('demo')
    headers = {'X-Auth-Token': token}

    def stack_list():
        conn = http.client.HTTPConnection('127.0.0.1', server.ports['api'], timeout=60)
        try:
            conn.request('GET', '/v1/%s/stacks' % project, headers=headers)
            r = conn.getresponse()
            r.read()
            return r.status
        finally:
            conn.close()

    assert stack_list() == 200
    parent = server.pid()
    kids = set(children_of(parent))
    text = stack_conf_copy(real_stack).replace('[DEFAULT]\n', '[DEFAULT]\nrpc_response_timeout = soon\n', 1)
    server.write_heat_conf(text)
    line = text.splitlines().index('rpc_response_timeout = soon') + 1

    rc, out = server.config_test()
    assert rc != 0
    assert re.search(r'%s:%d: \[DEFAULT\] rpc_response_timeout' % (re.escape(server.heat_conf_path), line), out), out

    # apachectl -k graceful checks the configuration before it signals: it refuses, nothing changes
    rc, out = server.run('-k', 'graceful')
    assert rc != 0 and '%s:%d' % (server.heat_conf_path, line) in out, out
    for _ in range(5):
        assert stack_list() == 200
    assert server.pid() == parent and server.running
    assert set(children_of(parent)) == kids

    # a bare SIGUSR1 (no check first): the parent reads the broken file and exits; the old
    # children finish what they were doing and go. Hence: apachectl -t first, always.
    server.log.expect(r'rpc_response_timeout')
    server.log.expect(r'AH00018: Configuration check failed')
    assert server.proc.pid == parent
    os.kill(parent, signal.SIGUSR1)
    server.proc.wait(timeout=120)
    assert server.proc.returncode != 0
    assert wait_gone(list(kids), 120), 'old children still alive'
    assert not pid_alive(parent)
