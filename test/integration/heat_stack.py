"""heat_stack.py: the real backing stack (test/stack/stack.sh: MariaDB, RabbitMQ, Keystone,
heat-engine, and the Python heat-api as the reference) for the test_stack_*.py tests, and the
httpd that serves mod_heat where the stack's Keystone catalog points (127.0.0.1:8004 and :8000).

    RealStack       start (`stack.sh start --with-python-api`, idempotent), remembers what the
                    session found running, and at the end stops only what test sessions started
                    (the last of several concurrent sessions does);
                    facts from stack.json; Keystone tokens over REST; `openstack` CLI runs;
                    stop-service / restore for the outage tests
    RealStack24     the same for trixie.sh's heat 24.0.0 stack (engine, Python heat-api and
                    heat-api-cfn 24.0.0 on the same MariaDB, RabbitMQ and Keystone); facts from
                    stack24.json. HEAT_RELEASE=24 makes real_stack / stack_httpd this one
    StackHttpd      an HttpdServer on fixed ports (fails clearly when a port is taken)
    StackErrorLog   the error-log oracle, plus the stack's passwords and every token issued here
    stack_server    starts a StackHttpd through the harness's httpd_factory
    assert_same     compares a mod_heat answer with the Python heat-api's, after normalising ports,
                    uuids, timestamps, tracebacks and per-side stack names

Only loopback is used; the only processes signalled are the stack's (through stack.sh, by their
PID files) and the httpds the harness started.
"""

import calendar
import fcntl
import json
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from heat_client import TRANSPORT_HEADERS
from heat_env import MODULE_SO, REQUEST_ID_RE, TOP, free_port, gen_dir, listeners, pid_alive, port_answers, tail
from heat_httpd import ErrorLog, HttpdServer

STACK_SH = os.path.join(TOP, 'test', 'stack', 'stack.sh')
TRIXIE_SH = os.path.join(TOP, 'test', 'stack', 'trixie.sh')
# The heat release the real-stack tests run against: 19 (stack.sh's engine) or 24 (trixie.sh's)
RELEASE = os.environ.get('HEAT_RELEASE', '19')
STATE = os.environ.get('HEAT_STACK_DIR', '/var/tmp/mod_heat-stack')
LEASES = os.path.join(STATE, 'test-sessions')
TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'stack_templates')
OPENSTACK = '/usr/bin/openstack'
CLEAN_PATH = '/usr/sbin:/usr/bin:/sbin:/bin'     # no pyenv shim python3 (no OpenStack libs)

# Secrets no mod_heat log line may hold: the stack's passwords and every token issued here.
STACK_SECRETS = ['admin-secret', 'demo-secret', 'heat-secret', 'domain-secret', 'rabbit-secret', 'db-secret']
ISSUED_TOKENS = []
LEFTOVER_AGE = 2 * 3600   # no test session lasts this long: an older stack of the tests' is a leftover


class StackError(RuntimeError):
    pass


# RealStack objects of this process that are up: the session's lease file lives while any is
# (a session may use both releases).
_UP_IN_PROCESS = []


class RealStack:
    """The stack of test/stack/stack.sh, brought up once per session."""

    PY_SERVICES = ('ec2-shim', 'heat-api', 'heat-api-cfn')
    SERVICES_24 = ('heat24-engine', 'heat24-ec2-shim', 'heat24-api', 'heat24-api-cfn')
    release = '19'
    facts_file = 'stack.json'

    def __init__(self):
        self.facts = None
        self.started_core = False       # the session started MariaDB/RabbitMQ/Keystone/heat-engine
        self.started_py = False         # the session started the Python heat-api (+ cfn, shim)
        self.dependents = []            # httpds to stop before the stack goes down
        self.orchestration_url = None   # set: `openstack` goes there, not where the catalog points
        self.oslo_policy = {}           # [oslo_policy] settings of this session's reference and mod_heat
        self._tokens = {}

    # -- stack.sh ---------------------------------------------------------------------------

    def sh(self, *args, timeout=300, check=True, script=STACK_SH):
        env = dict(os.environ, PATH=CLEAN_PATH, LC_ALL='C.UTF-8')
        p = subprocess.run([script] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=env)
        out = p.stdout.decode('utf-8', 'replace')
        if check and p.returncode != 0:
            raise StackError('test/stack/%s %s failed (exit %d):\n%s'
                             % (os.path.basename(script), ' '.join(args), p.returncode, out))
        return p.returncode, out

    def status(self):
        """{service: running?} and whether `stack.sh status` says the core stack is healthy."""
        rc, out = self.sh('status', check=False, timeout=60)
        running = {}
        for line in out.splitlines():
            m = re.match(r'^(\S+)\s+(running|stopped)\b', line)
            if m:
                running[m.group(1)] = m.group(2) == 'running'
        return rc == 0, running, out

    # Several pytest sessions may use the stack at once (a developer's and a helper's). Each one
    # holds a lease file (test-sessions/<pid>) while it runs; whoever started a service leaves a
    # marker; the last session out stops what test sessions started, and nothing else. Deciding
    # and starting or stopping happen under one lock, so no session sees a stack going down.

    def _lock(self):
        os.makedirs(LEASES, exist_ok=True)
        fd = os.open(os.path.join(LEASES, '.lock'), os.O_CREAT | os.O_RDWR, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    @staticmethod
    def _live_leases():
        live = []
        for entry in os.listdir(LEASES):
            if entry.isdigit():
                if pid_alive(int(entry)) and int(entry) != os.getpid():
                    live.append(int(entry))
                elif int(entry) != os.getpid():
                    os.unlink(os.path.join(LEASES, entry))      # a session that died
        return live

    def up(self):
        if os.geteuid() != 0:
            raise StackError('the real-stack tests need root: test/stack/stack.sh starts daemons as '
                             'their package users (run `make check` / pytest-3 as root)')
        fd = self._lock()
        try:
            with open(os.path.join(LEASES, str(os.getpid())), 'w') as f:
                f.write('%d\n' % os.getpid())
            _UP_IN_PROCESS.append(self)
            for marker in self._start():
                open(os.path.join(LEASES, marker), 'w').close()
        finally:
            os.close(fd)
        self.load_facts()
        return self

    def _start(self):
        """Starts what is missing (under the lock); returns the markers of what it started."""
        healthy, running, _ = self.status()
        py_before = all(running.get(s) for s in self.PY_SERVICES)
        self.sh('start', '--with-python-api', timeout=600)
        self.started_core = not healthy
        self.started_py = not py_before
        return [m for flag, m in ((self.started_core, '.started-core'), (self.started_py, '.started-py')) if flag]

    def down(self):
        errors = []
        for server in self.dependents:
            try:
                server.stop()
            except Exception as e:
                errors.append(str(e))
        fd = self._lock()
        try:
            if self in _UP_IN_PROCESS:
                _UP_IN_PROCESS.remove(self)
            lease = os.path.join(LEASES, str(os.getpid()))
            if not _UP_IN_PROCESS and os.path.exists(lease):
                os.unlink(lease)
            if not _UP_IN_PROCESS and not self._live_leases():
                core = os.path.exists(os.path.join(LEASES, '.started-core'))
                py = os.path.exists(os.path.join(LEASES, '.started-py'))
                h24 = os.path.exists(os.path.join(LEASES, '.started-24'))
                if core:
                    self.sh('stop', timeout=300, check=False)       # the 24 services too
                else:
                    if py:
                        self.sh('stop-service', *self.PY_SERVICES, timeout=120, check=False)
                    if h24:
                        self.sh('stop', timeout=120, check=False, script=TRIXIE_SH)
                for marker in ('.started-core', '.started-py', '.started-24'):
                    if os.path.exists(os.path.join(LEASES, marker)):
                        os.unlink(os.path.join(LEASES, marker))
        finally:
            os.close(fd)
        if errors:
            raise StackError('\n'.join(errors))

    def load_facts(self):
        with open(os.path.join(STATE, self.facts_file)) as f:
            self.facts = json.load(f)
        for u in self.facts['users'].values():
            if u.get('password') and u['password'] not in STACK_SECRETS:
                STACK_SECRETS.append(u['password'])
        return self.facts

    def stop_service(self, *names):
        self.sh('stop-service', *names, timeout=120)

    def restore(self):
        """Starts whatever is down again, then insists that `stack.sh status` is happy."""
        self.sh('start', '--with-python-api', timeout=600)
        healthy, _, out = self.status()
        if not healthy:
            raise StackError('the stack is not healthy after a restart:\n' + out)

    # -- facts ------------------------------------------------------------------------------

    @property
    def heat_conf(self):
        return self.facts['heat_conf']

    @property
    def api_port(self):
        return self.facts['mod_heat']['api_port']

    @property
    def cfn_port(self):
        return self.facts['mod_heat']['cfn_port']

    @property
    def py_api_port(self):
        return self.facts['python_api']['api_port']

    @property
    def keystone_url(self):
        return self.facts['keystone']['auth_url']

    def project_id(self, user):
        return self.facts['users'][user]['project_id']

    # -- Keystone ---------------------------------------------------------------------------

    def issue_token(self, user):
        """A new project-scoped token for user ('admin' or 'demo'): (token, project_id)."""
        u = self.facts['users'][user]
        body = {'auth': {'identity': {'methods': ['password'], 'password': {'user': {
            'name': u['username'], 'password': u['password'], 'domain': {'name': u['user_domain_name']}}}},
            'scope': {'project': {'name': u['project_name'], 'domain': {'name': u['project_domain_name']}}}}}
        last = None
        for _ in range(3):
            try:
                r = requests.post(self.keystone_url + '/auth/tokens', json=body, timeout=60)
                if r.status_code == 201:
                    token = r.headers['X-Subject-Token']
                    ISSUED_TOKENS.append(token)
                    return token, r.json()['token']['project']['id']
                last = 'HTTP %d %s' % (r.status_code, r.text[:300])
            except requests.RequestException as e:
                last = str(e)
            time.sleep(1)
        raise StackError('cannot get a token for %s from %s: %s' % (user, self.keystone_url, last))

    def token(self, user):
        """A token for user, issued once per session: (token, project_id)."""
        if user not in self._tokens:
            self._tokens[user] = self.issue_token(user)
        return self._tokens[user]

    # -- openstack CLI ----------------------------------------------------------------------

    def os_env(self, user):
        env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
        env['PATH'] = CLEAN_PATH
        env['LC_ALL'] = 'C.UTF-8'
        if self.orchestration_url:
            # The catalog names the 19 stack's mod_heat: a token and a fixed endpoint instead
            # (keystoneauth's admin_token plugin answers every endpoint lookup with OS_ENDPOINT).
            token, project = self.token(user)
            env.update(OS_AUTH_TYPE='admin_token', OS_TOKEN=token,
                       OS_ENDPOINT=self.orchestration_url % {'tenant_id': project})
            return env
        with open(os.path.join(STATE, 'openrc-%s' % user)) as f:
            for line in f:
                m = re.match(r"^export (OS_\w+)='(.*)'$", line.strip())
                if m:
                    env[m.group(1)] = m.group(2).replace("'\\''", "'")
        return env

    def openstack(self, user, *args, cwd=None, timeout=180, check=True):
        """Runs /usr/bin/openstack as user; (exit code, stdout, stderr). check: fail on exit != 0."""
        cmd = [OPENSTACK] + list(args)
        t0 = time.time()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.os_env(user),
                           cwd=cwd, timeout=timeout)
        out, err = p.stdout.decode('utf-8', 'replace'), p.stderr.decode('utf-8', 'replace')
        if check and p.returncode != 0:
            raise AssertionError('`openstack %s` as %s failed (exit %d, %.1f s)\nstdout:\n%s\nstderr:\n%s'
                                 % (' '.join(args), user, p.returncode, time.time() - t0, out, err))
        return p.returncode, out, err

    def openstack_json(self, user, *args, **kw):
        _, out, _ = self.openstack(user, *(list(args) + ['-f', 'json']), **kw)
        try:
            return json.loads(out)
        except ValueError:
            raise AssertionError('`openstack %s` did not print JSON:\n%s' % (' '.join(args), out))

    # -- the Python heat-api, for setting up and cleaning up stacks ---------------------------

    def py(self, user, method, path, body=None, timeout=60, **kw):
        """A request to the Python heat-api as user; path is relative to /v1/<project>."""
        token, project = self.token(user)
        url = 'http://127.0.0.1:%d/v1/%s%s' % (self.py_api_port, project, path)
        kw.setdefault('allow_redirects', False)
        return requests.request(method, url, json=body, timeout=timeout,
                                headers={'X-Auth-Token': token, 'Accept': 'application/json'}, **kw)

    def find_stack(self, user, name):
        """The stack summary of name in user's project (Python API), None if there is none."""
        r = self.py(user, 'GET', '/stacks', params={'name': name})
        r.raise_for_status()
        stacks = [s for s in r.json()['stacks'] if s['stack_name'] == name]
        return stacks[0] if stacks else None

    def wait_stack(self, user, name_or_id, want, timeout=120, until=None):
        """Polls the stack (Python API) until its status is in want (and until(stack) holds, if
        given); returns the stack dict. A *_FAILED status or timeout fails; a deleted stack gives
        None when want has DELETE_COMPLETE."""
        deadline = time.time() + timeout
        status = None
        while time.time() < deadline:
            r = self.py(user, 'GET', '/stacks/%s' % name_or_id, allow_redirects=True)
            if r.status_code == 404 and 'DELETE_COMPLETE' in want:
                return None
            if r.status_code == 200:
                stack = r.json()['stack']
                status = stack['stack_status']
                if status in want and (until is None or until(stack)):
                    return stack
                if status.endswith('_FAILED'):
                    raise AssertionError('stack %s: %s (%s)' % (name_or_id, status, stack.get('stack_status_reason')))
            time.sleep(0.5)
        raise AssertionError('stack %s: not %s after %d s (last status %s)' % (name_or_id, want, timeout, status))

    def create_stack(self, user, name, template, parameters=None, files=None, wait=True):
        body = {'stack_name': name, 'template': template, 'parameters': parameters or {},
                'files': files or {}, 'timeout_mins': 5}
        r = self.py(user, 'POST', '/stacks', body)
        if r.status_code != 201:
            raise AssertionError('creating %s through the Python heat-api: HTTP %d %s' % (name, r.status_code, r.text))
        sid = r.json()['stack']['id']
        if wait:
            self.wait_stack(user, '%s/%s' % (name, sid), ('CREATE_COMPLETE',))
        return sid

    def delete_stacks(self, user, match):
        """Deletes every stack of user's project whose name satisfies match(name) (Python API), in
        parallel, and waits until they are gone; returns the problems as a list of texts."""
        r = self.py(user, 'GET', '/stacks')
        r.raise_for_status()
        stacks = [(s['stack_name'], s['id']) for s in r.json()['stacks'] if match(s['stack_name'])]
        problems = []
        for name, _ in stacks:
            try:
                self.delete_stack(user, name, wait=False)
            except Exception as e:
                problems.append('%s: %s' % (name, e))
        for name, sid in stacks:
            try:
                self.wait_stack(user, '%s/%s' % (name, sid), ('DELETE_COMPLETE',))
            except Exception as e:
                problems.append('%s: %s' % (name, e))
        return problems

    def delete_leftovers(self, user, prefix, older_than=LEFTOVER_AGE):
        """Deletes the stacks an interrupted earlier session left behind: those of user's project
        named prefix... and created more than older_than seconds ago. Every session names its
        stacks with its own random RUN, so a younger stack may belong to a session running now
        (two sessions on one stack, as helpers run them) and is left alone."""
        r = self.py(user, 'GET', '/stacks')
        r.raise_for_status()
        now = time.time()
        old = {s['stack_name'] for s in r.json()['stacks'] if s['stack_name'].startswith(prefix)
               and now - calendar.timegm(time.strptime(s['creation_time'], '%Y-%m-%dT%H:%M:%SZ')) > older_than}
        return self.delete_stacks(user, lambda n: n in old) if old else []

    def delete_stack(self, user, name, wait=True):
        """Deletes name (Python API) if it exists; waits until it is gone."""
        stack = self.find_stack(user, name)
        if stack is None:
            return
        path = '/stacks/%s/%s' % (name, stack['id'])
        r = self.py(user, 'DELETE', path)
        if r.status_code not in (204, 404):
            # still in progress: wait for it to settle, then try once more
            self.wait_stack(user, path[len('/stacks/'):], ('CREATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_FAILED',
                                                           'UPDATE_FAILED', 'DELETE_COMPLETE'))
            r = self.py(user, 'DELETE', path)
        if wait:
            self.wait_stack(user, path[len('/stacks/'):], ('DELETE_COMPLETE',))


class RealStack24(RealStack):
    """test/stack/trixie.sh's heat 24.0.0 stack (its own engine, database and RabbitMQ vhost;
    stack.sh's Keystone), with its Python heat-api and heat-api-cfn 24.0.0 as the reference.
    `trixie.sh start` builds the Debian 13 root on first use (minutes) and starts stack.sh's
    core services when they are down."""

    release = '24'
    facts_file = 'stack24.json'

    def __init__(self):
        super().__init__()
        self.started_24 = False

    def _start(self):
        healthy, _, _ = self.status()
        rc24, _ = self.sh('status', check=False, timeout=60, script=TRIXIE_SH)
        self.sh('start', timeout=3600, script=TRIXIE_SH)
        self.started_core = not healthy
        self.started_24 = rc24 != 0
        return [m for flag, m in ((self.started_core, '.started-core'), (self.started_24, '.started-24')) if flag]

    def up(self):
        """HEAT24_TEST_OSLO_POLICY='enforce_new_defaults=false enforce_scope=false' (say): the
        session's Python reference is a heat-api and heat-api-cfn 24 of its own with those
        [oslo_policy] settings (Python24Api) and stack_server gives mod_heat the same ones, so the
        suites run under either set of policy defaults without restarting the shared services."""
        super().up()
        spec = os.environ.get('HEAT24_TEST_OSLO_POLICY', '').split()
        if spec:
            bad = [item for item in spec if not re.match(r'^enforce_(new_defaults|scope)=(true|false)$', item)]
            if bad:
                raise StackError('HEAT24_TEST_OSLO_POLICY: enforce_new_defaults=true|false and/or '
                                 'enforce_scope=true|false, not %s' % bad)
            self.oslo_policy = dict(item.split('=', 1) for item in spec)
            api = Python24Api(self, 'session-api', 'heat-api', {'oslo_policy': self.oslo_policy}).start()
            cfn = Python24Api(self, 'session-cfn', 'heat-api-cfn', {'oslo_policy': self.oslo_policy}).start()
            self.facts['python_api'].update(
                api_port=api.port, api_url='http://127.0.0.1:%d/v1/%%(tenant_id)s' % api.port,
                cfn_port=cfn.port, cfn_url='http://127.0.0.1:%d/v1' % cfn.port)
        return self

    def restore(self):
        self.sh('start', timeout=600, script=TRIXIE_SH)
        healthy, _, out = self.status()
        if not healthy:
            raise StackError('the stack is not healthy after a restart:\n' + out)


class Python24Api:
    """One more Python heat-api or heat-api-cfn 24.0.0, run from the 24 stack's root on a kernel
    port with extra heat.conf settings on top of the stack's (e.g. {'oslo_policy':
    {'enforce_new_defaults': 'false'}}), for the policy tests of both sets of defaults without
    restarting the shared services. Stopped by its PID (stop(), or at the end of the session)."""

    def __init__(self, stack, name, api='heat-api', settings=None):
        assert api in ('heat-api', 'heat-api-cfn')
        self.stack, self.api = stack, api
        self.port = free_port()
        self.proc = None
        root = stack.facts['root']
        self.conf_in = '/etc/heat/mod_heat-tests/%s-%d.conf' % (name, os.getpid())
        self.conf = root + self.conf_in
        self.log_path = os.path.join(gen_dir('python24-' + name), 'console.log')
        sections = {k: dict(v) for k, v in (settings or {}).items()}
        section = 'heat_api' if api == 'heat-api' else 'heat_api_cfn'
        sections.setdefault(section, {}).update(bind_host='127.0.0.1', bind_port=str(self.port), workers='1')
        if api == 'heat-api-cfn':
            # through the stack's ec2tokens shim, as its own heat-api-cfn (see trixie.sh)
            sections.setdefault('ec2authtoken', {})['auth_uri'] = \
                'http://127.0.0.1:%d/v3' % stack.facts['python_api']['ec2_shim_port']
        os.makedirs(os.path.dirname(self.conf), exist_ok=True)
        with open(self.conf, 'w') as f:
            f.write('# written by heat_stack.Python24Api, read after /etc/heat/heat.conf\n')
            for sec, kv in sections.items():
                f.write('[%s]\n' % sec + ''.join('%s = %s\n' % item for item in kv.items()))
        os.chmod(self.conf, 0o644)
        stack.dependents.append(self)

    def start(self, timeout=120):
        cmd = ['chroot', self.stack.facts['root'], '/usr/bin/setpriv', '--reuid=heat', '--regid=heat',
               '--init-groups', '--reset-env', '/usr/bin/env', 'HOME=/var/lib/heat', 'LC_ALL=C.UTF-8',
               'PATH=' + CLEAN_PATH, '/usr/bin/' + self.api,
               '--config-file', '/etc/heat/heat.conf', '--config-file', self.conf_in]
        log = open(self.log_path, 'ab')
        try:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        finally:
            log.close()
        deadline = time.time() + timeout
        while not port_answers(self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                problem = 'exited (%s)' % self.proc.returncode if self.proc.poll() is not None else \
                    'no answer after %d s' % timeout
                self.stop()
                raise StackError('%s 24 with %s: %s\n%s' % (self.api, self.conf, problem, tail(self.log_path)))
            time.sleep(0.25)
        return self

    def stop(self, timeout=30):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout)
        self.proc = None
        if os.path.exists(self.conf):
            os.unlink(self.conf)

    def url(self, project=None):
        if self.api == 'heat-api-cfn':
            return 'http://127.0.0.1:%d/v1/' % self.port
        return 'http://127.0.0.1:%d/v1/%s' % (self.port, project)


def make_real_stack(release=RELEASE):
    if release == '19':
        return RealStack()
    if release == '24':
        return RealStack24()
    raise StackError('HEAT_RELEASE=%s: the real stack exists for releases 19 and 24' % release)


def release_directive(release):
    """The httpd directive that makes mod_heat behave as heat-api <release>; '' for 19 (the
    default) and for a module built before the directive existed (then the 24 suites show the
    differences of the 19 behaviour)."""
    if release == '19':
        return ''
    with open(MODULE_SO, 'rb') as f:
        known = b'HeatRelease' in f.read()
    return 'HeatRelease %s' % release if known else ''


def read_template(name):
    with open(os.path.join(TEMPLATES, name)) as f:
        return f.read()


class StackErrorLog(ErrorLog):
    """ErrorLog with the stack's passwords and the tokens issued in this session as planted secrets.
    The stack's heat.conf also serves the Python heat-api: its [heat_api] / [heat_api_cfn] server
    options and api_paste_config are warned about (HEAT1000) at every start and graceful restart of
    any server that reads it, as intended; those lines are expected here, whichever server it is."""

    STACK_CONF_WARNINGS = re.compile(r'HEAT1000: heat\.conf: \[(heat_api|heat_api_cfn)\] (bind_host|bind_port|workers) '
                                     r'|HEAT1000: heat\.conf: \[paste_deploy\] api_paste_config ')

    def problems(self, lines=None):
        lines = self.lines_since() if lines is None else lines
        lines = [l for l in lines if not self.STACK_CONF_WARNINGS.search(l)]
        bad = super().problems(lines)
        secrets = [s for s in STACK_SECRETS + ISSUED_TOKENS if s]
        for line in lines:
            for s in secrets:
                if s in line:
                    bad.append('secret in log (%s...): %s' % (s[:6], line))
                    break
        return bad


class StackHttpd(HttpdServer):
    """HttpdServer on fixed ports (the ones the Keystone catalog names). It never moves to other
    ports: a taken port is an error that names the process holding it."""

    def __init__(self, name, fixed_ports=None, **kwargs):
        super().__init__(name, **kwargs)
        self.log = StackErrorLog(self.log.path)
        if fixed_ports:
            self.ports = dict(fixed_ports)
            self.write_conf()

    def start(self, timeout=30):
        taken = [(api, port) for api, port in self.ports.items() if port_answers(port) or listeners(port)]
        if taken:
            holders = subprocess.run(['ss', '-ltnp'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)\
                .stdout.decode('utf-8', 'replace')
            holders = '\n'.join(l for l in holders.splitlines()
                                if any(':%d ' % p in l for _, p in taken))
            raise StackError('mod_heat must listen on 127.0.0.1:%s (the Keystone catalog of the stack points '
                             'there), but the port is taken (`make stop` stops a `make run` server):\n%s'
                             % (', '.join(str(p) for _, p in taken), holders))
        try:
            return super().start(timeout)
        except RuntimeError as e:
            raise StackError('%s\n%s' % (e, tail(self.log.path)))


def stack_server(httpd_factory, real_stack, name, **kwargs):
    """An httpd (StackHttpd) serving mod_heat with the stack's heat.conf (and, for the 24 stack,
    configured for that release); it is stopped before the stack is (when the session stops the
    stack). Fails the test clearly when it cannot start."""
    directive = 'HeatConfigFile "%s"' % real_stack.heat_conf
    if release_directive(real_stack.release):
        directive += '\n' + release_directive(real_stack.release)
    for key, value in sorted(real_stack.oslo_policy.items()):
        directive += '\nHeatOption oslo_policy %s %s' % (key, value)
    server = httpd_factory(name, cls=StackHttpd, heat_conf_directive=directive, **kwargs)
    server.persistent = True
    real_stack.dependents.append(server)
    try:
        return server.start()
    except StackError as e:
        problem = str(e)
    pytest.fail(problem, pytrace=False)


# -- comparison with the Python heat-api ---------------------------------------------------------

UUID_RE = re.compile(rb'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}')
TS_RE = re.compile(rb'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?')
PORT_RE = re.compile(rb'127\.0\.0\.1(:|%3A)\d+')
TRACEBACK_RE = re.compile(rb'"traceback": (?:null|"(?:[^"\\]|\\.)*")')


def normalise(data, subs=()):
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode('latin-1')
    for a, b in subs:
        data = data.replace(a.encode(), b.encode())
    data = PORT_RE.sub(rb'127.0.0.1\1PORT', data)
    data = UUID_RE.sub(b'UUID', data)
    data = TS_RE.sub(b'TIMESTAMP', data)
    data = TRACEBACK_RE.sub(b'"traceback": null', data)
    return data


COMPARED = ('content-type', 'location', 'www-authenticate', 'allow')


def differences(ours, theirs, subs_ours=(), subs_theirs=(), unordered=()):
    """unordered: top-level JSON keys of lists compared as multisets (see unordered_lists)."""
    diffs = []
    if (ours.status, ours.reason) != (theirs.status, theirs.reason):
        diffs.append('status: mod_heat %d %r, python %d %r' % (ours.status, ours.reason, theirs.status, theirs.reason))
    for name in COMPARED:
        a, b = normalise(ours.header(name), subs_ours), normalise(theirs.header(name), subs_theirs)
        if a != b:
            diffs.append('header %s: mod_heat %r, python %r' % (name, a, b))
    a_id, b_id = ours.request_id, theirs.request_id
    if (a_id is None) != (b_id is None):
        diffs.append('x-openstack-request-id: mod_heat %r, python %r' % (a_id, b_id))
    if a_id is not None and not REQUEST_ID_RE.match(a_id):
        diffs.append('x-openstack-request-id has a bad format: %r' % a_id)
    skip = TRANSPORT_HEADERS | {'x-openstack-request-id'}
    extra = ours.header_names() - theirs.header_names() - skip
    missing = theirs.header_names() - ours.header_names() - skip
    if extra:
        diffs.append('headers only mod_heat sends: %s' % sorted(extra))
    if missing:
        diffs.append('headers only python sends: %s' % sorted(missing))
    a, b = normalise(ours.body, subs_ours), normalise(theirs.body, subs_theirs)
    if unordered and a != b:
        a, b = unordered_lists(a, unordered), unordered_lists(b, unordered)
    if a != b:
        diffs.append('body (normalised):\n  mod_heat %r\n  python   %r' % (a, b))
    return diffs


def unordered_lists(body, keys):
    """The JSON body with the lists under the top-level keys sorted, as sorted canonical text.
    For answers about two different stacks (one per side) whose lists heat-engine does not
    order: the resources of a stack come in the order of the database rows, which is the order
    the engine happened to create them in. Byte-exact output is compared on the shared stack."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    for key in keys:
        if isinstance(data, dict) and isinstance(data.get(key), list):
            data[key] = sorted(data[key], key=lambda item: json.dumps(item, sort_keys=True))
    return json.dumps(data, sort_keys=True).encode()


def short(body, n=3000):
    return body if len(body) <= n else body[:n] + b'... (%d bytes)' % len(body)


def assert_same(ours, theirs, subs_ours=(), subs_theirs=(), unordered=()):
    diffs = differences(ours, theirs, subs_ours, subs_theirs, unordered)
    if diffs:
        req = ours.raw_request
        if len(req) > 3000:
            req = req[:3000] + b'... (%d bytes)' % len(req)
        raise AssertionError('mod_heat differs from the Python heat-api:\n- ' + '\n- '.join(diffs)
                             + '\n\nrequest (to mod_heat):\n' + req.decode('latin-1')
                             + '\n\nmod_heat answer:\n' + ours.dump()[:4000]
                             + '\n\npython answer:\n' + theirs.dump()[:4000])
