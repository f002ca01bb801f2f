"""The shared token cache in memcached, protected as keystonemiddleware protects it.

A memcached of the test's own (loopback, a kernel-chosen port, started and stopped by PID by the
fixture) is the cache through `[keystone_authtoken] memcached_servers` alone (no HeatTokenCache
directive: the heat.conf option picks mod_socache_memcache), with
`memcache_security_strategy = ENCRYPT`. mod_heat runs on kernel-chosen ports with the real
stack's heat.conf.

    a real token        validates (200) and is stored encrypted: the entry is not the token
                        body, and keystonemiddleware's own unprotect_data decrypts it
    a forged entry      an admin body written straight into memcached under an unknown
                        token's key (in clear, or protected with another secret): 401, since
                        Keystone is asked and does not know the token
    a tampered entry    one byte of the real token's entry changed: still 200 (Keystone asked
                        again), with the HEAT0940 warning
"""

import hashlib
import hmac
import json
import os
import socket
import subprocess
import time

import pytest

from heat_client import request
from heat_env import free_port
from heat_stack import stack_server

pytestmark = pytest.mark.real_stack

SECRET = 'cache-sec-secret-%d' % os.getpid()
STRATEGY = 'ENCRYPT'
# mod_socache_memcache's key: "<socache namespace>:" + hex of the id mod_heat gives it
# (16-byte derived cache key, 16 zero bytes, 't' for a validated token; mod_heat_cache.h)
NAMESPACE = 'mod_heat-tokens:'


class Memcached:
    def __init__(self):
        self.port = free_port()
        args = ['/usr/bin/memcached', '-l', '127.0.0.1', '-p', str(self.port), '-U', '0', '-m', '16']
        if os.geteuid() == 0:
            args += ['-u', 'memcache']
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('memcached exited: %s' % self.proc.stderr.read().decode())
            try:
                self.command(b'version\r\n')
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError('memcached did not answer on port %d' % self.port)

    def command(self, data, until=(b'\r\n',)):
        with socket.create_connection(('127.0.0.1', self.port), timeout=10) as s:
            s.sendall(data)
            out = b''
            while not any(out.endswith(u) for u in until):
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            return out

    def get(self, key):
        out = self.command(b'get ' + key.encode() + b'\r\n', until=(b'END\r\n',))
        if not out.startswith(b'VALUE '):
            return None
        header, rest = out.split(b'\r\n', 1)
        size = int(header.split()[3])
        return rest[:size]

    def set(self, key, value, ttl=300):
        out = self.command(b'set %s 0 %d %d\r\n%s\r\n' % (key.encode(), ttl, len(value), value))
        assert out == b'STORED\r\n', out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope='module')
def memcached():
    m = Memcached()
    yield m
    m.stop()


@pytest.fixture(scope='module')
def cache_httpd(httpd_factory, real_stack, memcached):
    conf = '\n'.join([
        'HeatOption keystone_authtoken memcached_servers 127.0.0.1:%d' % memcached.port,
        'HeatOption keystone_authtoken memcache_security_strategy %s' % STRATEGY,
        'HeatOption keystone_authtoken memcache_secret_key %s' % SECRET,
    ])
    return stack_server(httpd_factory, real_stack, 'cache-sec', apis=('api',),
                        modules=('socache_memcache',), test_conf=conf)


def derived(token, secret=SECRET, strategy=STRATEGY):
    """keystonemiddleware's derive_keys (_memcache_crypt.py): cache key, MAC key, AES key."""
    d = hmac.new(secret.encode(), token.encode() + strategy.encode(), hashlib.sha384).digest()
    return d[:16], d[16:32], d[32:]


def entry_key(token):
    return NAMESPACE + (derived(token)[0] + b'\0' * 16 + b't').hex()


def list_stacks(server, token, project):
    return request(server.ports['api'], 'GET', '/v1/%s/stacks' % project,
                   headers=[('Accept', 'application/json'), ('X-Auth-Token', token)], timeout=60)


def ksm_crypt():
    from keystonemiddleware.auth_token import _memcache_crypt
    return _memcache_crypt


def test_entry_encrypted_and_keystonemiddleware_reads_it(cache_httpd, real_stack, memcached):
    token, project = real_stack.issue_token('demo')
    r = list_stacks(cache_httpd, token, project)
    assert r.status == 200, r.dump()
    assert 'HEAT0206: Keystone token cache: memcache' in '\n'.join(cache_httpd.log.lines_since(0))
    value = memcached.get(entry_key(token))
    assert value is not None, 'no entry under %s' % entry_key(token)
    assert b'"token"' not in value and project.encode() not in value
    assert b'eyJ0b2tlbi' not in value  # nor the body in base64
    mc = ksm_crypt()
    body = json.loads(mc.unprotect_data(mc.derive_keys(token, SECRET, STRATEGY), value))
    assert body['token']['project']['id'] == project
    # the second request is served from the entry
    r = list_stacks(cache_httpd, token, project)
    assert r.status == 200, r.dump()


def test_forged_entries_refused(cache_httpd, real_stack, memcached):
    token, project = real_stack.issue_token('admin')
    r = list_stacks(cache_httpd, token, project)
    assert r.status == 200, r.dump()
    mc = ksm_crypt()
    admin_body = mc.unprotect_data(mc.derive_keys(token, SECRET, STRATEGY), memcached.get(entry_key(token)))
    forged = 'gAAAAAforged%d' % time.time_ns()
    cache_httpd.log.expect(r'HEAT0940: a token cache entry failed its ENCRYPT check')
    # in clear under the forged token's key
    memcached.set(entry_key(forged), admin_body)
    r = list_stacks(cache_httpd, forged, project)
    assert r.status == 401, r.dump()
    # protected, but with a secret that is not the server's
    forged2 = forged + 'x'
    memcached.set(entry_key(forged2), mc.protect_data(mc.derive_keys(forged2, 'not-the-secret', STRATEGY), admin_body))
    r = list_stacks(cache_httpd, forged2, project)
    assert r.status == 401, r.dump()
    log = '\n'.join(cache_httpd.log.lines_since(0))
    assert 'HEAT0940' in log


def test_tampered_entry_goes_to_keystone(cache_httpd, real_stack, memcached):
    token, project = real_stack.issue_token('demo')
    r = list_stacks(cache_httpd, token, project)
    assert r.status == 200, r.dump()
    key = entry_key(token)
    value = bytearray(memcached.get(key))
    value[-10] = ord('A') if value[-10] != ord('A') else ord('B')
    memcached.set(key, bytes(value))
    cache_httpd.log.expect(r'HEAT0940: a token cache entry failed its ENCRYPT check')
    mark = cache_httpd.log.size()
    r = list_stacks(cache_httpd, token, project)
    assert r.status == 200, r.dump()
    assert any('HEAT0940' in line for line in cache_httpd.log.lines_since(mark))
    # Keystone's fresh answer replaced the tampered entry
    mc = ksm_crypt()
    assert mc.unprotect_data(mc.derive_keys(token, SECRET, STRATEGY), memcached.get(key))
