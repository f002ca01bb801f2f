"""heat-api's standalone flavor ([paste_deploy] flavor = standalone): heat's authpassword filter
replaces keystonemiddleware. The client sends X-Auth-User, X-Auth-Key and X-User-Domain-Id, the
project id is the first path segment after /v1, and heat authenticates the user with Keystone
itself (heat/common/auth_password.py); before it, the authurl step (heat/common/auth_url.py)
sets X-Auth-Url, and with [auth_password] multi_cloud = true takes the client's, which must be
in allowed_auth_uris.

mod_heat (HeatConfigFile = the real stack's heat.conf, plus HeatOption lines for the flavor) is
compared with a Python heat-api of this module's own in the same flavor: /usr/bin/heat-api with
the stack's heat.conf and an extra config file (flavor, a free bind port, its log file), started
here in a session of its own and stopped by its PID at the end. Both use the stack's Keystone and
heat-engine. Two pairs: the plain flavor, and multi_cloud = true.

Compared (heat_client.assert_same): status and reason, Content-Type, WWW-Authenticate (heat's
single-quoted `Keystone uri='...'`), the request id's presence, the header set and the body after
normalising 127.0.0.1:<port>.
"""

import json
import os
import re
import signal
import subprocess
import time
import uuid

import pytest

import heat_client
import heat_stack
from heat_env import HEAT_API, free_port, gen_dir, listeners, pid_alive, tail, write_ini

pytestmark = pytest.mark.python_reference

# A wrong password no log line may show either.
BAD_PASSWORD = 'not-the-password-5d1e'
heat_stack.STACK_SECRETS.append(BAD_PASSWORD)

KEYSTONE = 'http://127.0.0.1:15000'
ALLOWED = (KEYSTONE + '/v3', KEYSTONE)


class PyStandalone:
    """/usr/bin/heat-api --config-file <stack heat.conf> --config-file <extra>, run as a single
    process (workers = 1) in a session of its own; only its PID is ever signalled."""

    def __init__(self, name, heat_conf, options=None):
        self.name = name
        self.dir = gen_dir(os.path.join('standalone-py', name))
        self.extra_path = os.path.join(self.dir, 'extra.conf')
        self.log_path = os.path.join(self.dir, 'heat-api.log')
        self.console_path = os.path.join(self.dir, 'console.log')
        self.heat_conf = heat_conf
        self.port = free_port()
        self.proc = None
        sections = {
            'DEFAULT': [('log_file', self.log_path), ('use_stderr', 'false')],
            'paste_deploy': [('flavor', 'standalone')],
            'heat_api': [('bind_host', '127.0.0.1'), ('bind_port', str(self.port)), ('workers', '1')],
        }
        for section, items in (options or {}).items():
            sections.setdefault(section, []).extend(items)
        write_ini(self.extra_path, sections)

    def start(self, timeout=90):
        with open(self.console_path, 'wb') as out:
            self.proc = subprocess.Popen([HEAT_API, '--config-file', self.heat_conf,
                                          '--config-file', self.extra_path],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, cwd=self.dir)
        with open(os.path.join(self.dir, 'pid'), 'w') as f:
            f.write('%d\n' % self.proc.pid)
        deadline = time.time() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError('%s (%s) exited with %s during startup.\nconsole:\n%s\nlog:\n%s'
                                   % (HEAT_API, self.name, self.proc.returncode,
                                      tail(self.console_path), tail(self.log_path)))
            try:
                if heat_client.request(self.port, 'GET', '/', timeout=2).status == 300:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                self.stop()
                raise RuntimeError('%s (%s) did not answer on port %d within %ds.\nlog:\n%s'
                                   % (HEAT_API, self.name, self.port, timeout, tail(self.log_path)))
            time.sleep(0.2)
        if listeners(self.port) != 1:
            self.stop()
            raise RuntimeError('port %d of %s is shared with another process (eventlet binds with '
                               'SO_REUSEPORT)' % (self.port, self.name))
        return self

    def stop(self):
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        deadline = time.time() + 10
        while pid_alive(proc.pid) and time.time() < deadline:
            time.sleep(0.1)


def heat_options(options):
    """HeatOption lines (inside the API's VirtualHost) for {section: [(key, value)]}."""
    return ''.join('    HeatOption %s %s "%s"\n' % (section, key, value)
                   for section, items in options.items() for key, value in items)


class Pair:
    """mod_heat and the Python heat-api with the same heat.conf and flavor options."""

    def __init__(self, ours, theirs, stack):
        self.ours = ours
        self.theirs = theirs
        self.stack = stack

    def both(self, method, path, headers=(), body=None):
        return (heat_client.request(self.ours.port, method, path, headers=headers, body=body),
                heat_client.request(self.theirs.port, method, path, headers=headers, body=body))

    def same(self, method, path, headers=(), body=None):
        ours, theirs = self.both(method, path, headers, body)
        heat_client.assert_same(ours, theirs)
        return ours, theirs


def make_pair(httpd_factory, real_stack, name, options):
    py = PyStandalone(name, real_stack.heat_conf, options)
    py.start()
    try:
        server = httpd_factory('standalone-' + name, cls=heat_stack.StackHttpd, apis=('api',),
                               heat_conf_directive='HeatConfigFile "%s"' % real_stack.heat_conf,
                               vhost_extra={'api': heat_options(
                                   dict({'paste_deploy': [('flavor', 'standalone')]}, **options))})
        server.start()
    except BaseException:
        py.stop()
        raise
    return Pair(server, py, real_stack)


@pytest.fixture(scope='module')
def standalone(httpd_factory, real_stack):
    pair = make_pair(httpd_factory, real_stack, 'plain', {})
    yield pair
    pair.theirs.stop()


@pytest.fixture(scope='module')
def multi_cloud(httpd_factory, real_stack):
    pair = make_pair(httpd_factory, real_stack, 'multicloud',
                     {'auth_password': [('multi_cloud', 'true'),
                                        ('allowed_auth_uris', ','.join(ALLOWED))]})
    yield pair
    pair.theirs.stop()


def creds(stack, user, password=None, domain='default'):
    u = stack.facts['users'][user]
    headers = [('X-Auth-User', u['username']), ('X-Auth-Key', password or u['password'])]
    if domain is not None:
        headers.append(('X-User-Domain-Id', domain))
    return headers


def stacks_path(stack, user, query=''):
    return '/v1/%s/stacks%s' % (stack.project_id(user), query)


# ---- the plain standalone flavor ---------------------------------------------------------------

def test_good_credentials_list_stacks(standalone):
    """A stack list with a user's password: 200 and the same body. The stacks of the shared
    projects may change under other tests, so the comparison is retried until the Python answer
    is stable around mod_heat's."""
    stack = standalone.stack
    path, headers = stacks_path(stack, 'demo'), creds(stack, 'demo')
    for attempt in range(5):
        before = heat_client.request(standalone.theirs.port, 'GET', path, headers=headers)
        ours = heat_client.request(standalone.ours.port, 'GET', path, headers=headers)
        after = heat_client.request(standalone.theirs.port, 'GET', path, headers=headers)
        assert before.status == 200, before.dump()
        if heat_client.normalise(before.body) == heat_client.normalise(after.body):
            break
    heat_client.assert_same(ours, after)
    # and a listing nothing else changes, with a filter and as another user
    standalone.same('GET', stacks_path(stack, 'admin', '?name=no-such-stack-standalone'),
                    creds(stack, 'admin'))


def test_accept_header_version_negotiation(standalone):
    """Without /v1 in the path (Accept names the version) the project is still the first
    segment."""
    stack = standalone.stack
    standalone.same('GET', '/%s/stacks?name=no-such-stack' % stack.project_id('demo'),
                    creds(stack, 'demo') + [('Accept', 'application/vnd.openstack.orchestration-v1.0')])


@pytest.mark.parametrize('accept', [None, 'application/json', 'text/html'])
def test_bad_password(standalone, accept):
    """401 "Authentication required" as webob renders it for the Accept header, and
    WWW-Authenticate: Keystone uri='<X-Auth-Url>' with single quotes (the stack's
    [clients_keystone] auth_uri, discovered: http://127.0.0.1:15000/v3/)."""
    stack = standalone.stack
    headers = creds(stack, 'demo', password=BAD_PASSWORD)
    if accept:
        headers.append(('Accept', accept))
    ours, theirs = standalone.same('GET', stacks_path(stack, 'demo'), headers)
    assert ours.status == 401
    assert ours.header('www-authenticate') == "Keystone uri='%s/v3/'" % KEYSTONE
    assert b'Authentication required' in ours.body


def test_client_auth_url_is_ignored(standalone):
    """Without multi_cloud the authurl step overwrites X-Auth-Url."""
    stack = standalone.stack
    ours, _ = standalone.same('GET', stacks_path(stack, 'demo'),
                              creds(stack, 'demo', password=BAD_PASSWORD)
                              + [('X-Auth-Url', 'http://keystone.invalid:5000/v3')])
    assert ours.header('www-authenticate') == "Keystone uri='%s/v3/'" % KEYSTONE
    ours, _ = standalone.same('GET', stacks_path(stack, 'demo', '?name=none'),
                              creds(stack, 'demo') + [('X-Auth-Url', 'http://keystone.invalid:5000')])
    assert ours.status == 200


def test_wrong_project_or_user(standalone):
    stack = standalone.stack
    # demo has no role in the admin project, nobody is called nobody, no domain "nowhere"
    standalone.same('GET', stacks_path(stack, 'admin'), creds(stack, 'demo'))
    standalone.same('GET', stacks_path(stack, 'demo'),
                    [('X-Auth-User', 'nobody'), ('X-Auth-Key', BAD_PASSWORD),
                     ('X-User-Domain-Id', 'default')])
    standalone.same('GET', stacks_path(stack, 'demo'), creds(stack, 'demo', domain='nowhere'))


def test_missing_user(standalone):
    """Without X-Auth-User keystoneauth sends a user without name: Keystone answers 400, which
    authpassword does not catch: heat's fault middleware gives 500 BadRequest."""
    stack = standalone.stack
    ours, _ = standalone.same('GET', stacks_path(stack, 'demo'),
                              [('X-Auth-Key', 'demo-secret'), ('X-User-Domain-Id', 'default')])
    assert ours.status == 500 and b'"BadRequest"' in ours.body
    standalone.same('GET', stacks_path(stack, 'demo'),
                    [('X-Auth-User', ''), ('X-Auth-Key', 'demo-secret'), ('X-User-Domain-Id', 'default')])


def test_missing_domain_or_password(standalone):
    stack = standalone.stack
    # no X-User-Domain-Id: a user name without domain, Keystone's 400 again
    ours, _ = standalone.same('GET', stacks_path(stack, 'demo'), creds(stack, 'demo', domain=None))
    assert ours.status == 500 and b'"BadRequest"' in ours.body
    # no (or an empty) X-Auth-Key: heat builds no auth plugin: AuthorizationFailure
    ours, _ = standalone.same('GET', stacks_path(stack, 'demo'),
                              [('X-Auth-User', 'demo'), ('X-User-Domain-Id', 'default')])
    assert ours.status == 500 and b'Authorization failed.' in ours.body
    standalone.same('GET', stacks_path(stack, 'demo'),
                    [('X-Auth-User', 'demo'), ('X-Auth-Key', ''), ('X-User-Domain-Id', 'default')])
    standalone.same('GET', stacks_path(stack, 'demo'), [('Accept', 'application/json')])


@pytest.mark.parametrize('path', ['/v1/', '/v1//stacks', '/v1', '/v1?x=1'])
def test_no_project_in_path(standalone, path):
    """An empty first segment: 401 like bad credentials; no segment at all ("/v1": PATH_INFO
    is empty): split('/')[1] raises IndexError, a 500 fault."""
    ours, _ = standalone.same('GET', path, creds(standalone.stack, 'demo'))
    assert ours.status == (500 if path.startswith('/v1?') or path == '/v1' else 401)


def test_options_and_versions(standalone):
    """Requests that never reach authpassword stay as in the default flavor."""
    standalone.same('OPTIONS', stacks_path(standalone.stack, 'demo'), creds(standalone.stack, 'demo'))
    standalone.same('GET', '/', [('Accept', 'application/json')])
    standalone.same('GET', '/v2/x', creds(standalone.stack, 'demo'))


def test_create_and_delete_stack(standalone):
    """A stack made with a password-authenticated context: the engine gets username, password
    and auth_url and no auth_token_info, so it authenticates with the password itself (trusts
    included). Both sides create a stack of their own; the answers are compared with the names
    and ids hidden, and both stacks must reach CREATE_COMPLETE, then be deleted through their
    own API."""
    stack = standalone.stack
    run = uuid.uuid4().hex[:6]
    template = {'heat_template_version': '2018-08-31',
                'resources': {'nothing': {'type': 'OS::Heat::None'}},
                'outputs': {'out': {'value': 'standalone'}}}
    answers = {}
    try:
        for side, server in (('mh', standalone.ours), ('py', standalone.theirs)):
            name = 'standalone-%s-%s' % (run, side)
            answers[side] = (name, heat_client.request(
                server.port, 'POST', stacks_path(stack, 'demo'),
                headers=creds(stack, 'demo') + [('Content-Type', 'application/json')],
                body=json.dumps({'stack_name': name, 'template': template, 'timeout_mins': 5})))
        hide = re.compile(rb'standalone-[0-9a-f]{6}-(mh|py)|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-'
                          rb'[0-9a-f]{4}-[0-9a-f]{12}')
        (mh_name, ours), (py_name, theirs) = answers['mh'], answers['py']
        assert theirs.status == 201, theirs.dump()
        ours.body, theirs.body = hide.sub(b'X', ours.body), hide.sub(b'X', theirs.body)
        for answer in (ours, theirs):
            answer.headers = [(k, hide.sub(b'X', v.encode()).decode() if k.lower() == 'location' else v)
                              for k, v in answer.headers]
        heat_client.assert_same(ours, theirs)
        for name in (mh_name, py_name):
            stack.wait_stack('demo', name, ('CREATE_COMPLETE',))
        # each side deletes its own stack with the password
        for name, server in ((mh_name, standalone.ours), (py_name, standalone.theirs)):
            sid = stack.find_stack('demo', name)['id']
            r = heat_client.request(server.port, 'DELETE', stacks_path(stack, 'demo', '/%s/%s' % (name, sid)),
                                    headers=creds(stack, 'demo'))
            assert r.status == 204, r.dump()
        for name in (mh_name, py_name):
            stack.wait_stack('demo', name, ('DELETE_COMPLETE',))
    finally:
        stack.delete_stacks('demo', lambda n: n.startswith('standalone-%s-' % run))


# ---- [auth_password] multi_cloud = true ----------------------------------------------------------

@pytest.mark.parametrize('accept', [None, 'application/json'])
def test_multi_cloud_requires_auth_url(multi_cloud, accept):
    stack = multi_cloud.stack
    headers = creds(stack, 'demo') + ([('Accept', accept)] if accept else [])
    ours, _ = multi_cloud.same('GET', stacks_path(stack, 'demo'), headers)
    assert ours.status == 400 and b'Request missing required header X-Auth-Url' in ours.body
    ours, _ = multi_cloud.same('GET', stacks_path(stack, 'demo'), headers + [('X-Auth-Url', '')])
    assert ours.status == 400


@pytest.mark.parametrize('url', [KEYSTONE + '/v3/', 'http://keystone.invalid:5000/v3',
                                 'http://127.0.0.1:15000/V3'])
def test_multi_cloud_not_allowed(multi_cloud, url):
    """Exact string match against allowed_auth_uris; the 401 has no WWW-Authenticate."""
    stack = multi_cloud.stack
    ours, _ = multi_cloud.same('GET', stacks_path(stack, 'demo'),
                               creds(stack, 'demo') + [('X-Auth-Url', url)])
    assert ours.status == 401 and ours.header('www-authenticate') is None
    assert b'not an allowed endpoint' in ours.body


@pytest.mark.parametrize('url', ALLOWED)
def test_multi_cloud_allowed(multi_cloud, url):
    """An allowed URL is the one Keystone is asked at (versioned or, with discovery, not) and the
    one WWW-Authenticate names."""
    stack = multi_cloud.stack
    ours, _ = multi_cloud.same('GET', stacks_path(stack, 'demo', '?name=no-such-stack'),
                               creds(stack, 'demo') + [('X-Auth-Url', url)])
    assert ours.status == 200
    ours, _ = multi_cloud.same('GET', stacks_path(stack, 'demo'),
                               creds(stack, 'demo', password=BAD_PASSWORD) + [('X-Auth-Url', url)])
    assert ours.status == 401 and ours.header('www-authenticate') == "Keystone uri='%s'" % url
