"""doc/migration.md, run: each of the three Python deployments of heat-api is built from the
samples in test/integration/migration/ in a throwaway copy of /etc/apache2 (test_packaging's
DebianCopy: a2enmod, a2ensite and apache2ctl honour APACHE_CONFDIR), really run on the real stack
(Python heat-api under mod_wsgi, or in uwsgi behind mod_proxy_http or mod_proxy_uwsgi), then the
guide's steps are applied with the same commands, `apache2ctl -t` must pass, `apache2ctl
graceful` moves the running Apache to mod_heat, and both APIs' answers (versions documents, an
authenticated stack list, CFN ListStacks and DescribeStacks) are compared before and after, and
again after the guide's rollback.

Ports are kernel-chosen, loopback only. The processes started here (our Apache, uwsgi) are
stopped by their PIDs; uwsgi runs in its own session and dies on SIGTERM (die-on-term).
"""

import json
import os
import pwd
import re
import signal
import subprocess
import time

import pytest

from heat_client import request
from heat_env import APACHE2CTL, TOP, free_port, port_answers, tail
from heat_httpd import ErrorLog, ExternalHttpd
from heat_stack import StackErrorLog
from test_packaging import DebianCopy

pytestmark = pytest.mark.real_stack

SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'migration')
GUIDE = os.path.join(TOP, 'doc', 'migration.md')
UWSGI = '/usr/bin/uwsgi'
NO_SUCH_STACK = 's7d-migration-no-such-stack'
API_NAMES = {'api': 'heat-api', 'cfn': 'heat-api-cfn'}


def fill(sample, subs):
    with open(os.path.join(SAMPLES, sample)) as f:
        text = f.read()
    # "Listen <port>" would bind every address: loopback only here
    text = re.sub(r'^Listen %PUBLICPORT%$', 'Listen 127.0.0.1:%PUBLICPORT%', text, flags=re.M)
    for key, value in subs.items():
        text = text.replace('%' + key + '%', str(value))
    assert not re.search(r'%[A-Z_]+%', text), text
    return text


def guide_block(marker):
    """The first ```apache block of doc/migration.md that contains marker: the test applies the
    guide's own text."""
    with open(GUIDE) as f:
        blocks = re.findall(r'```apache\n(.*?)```', f.read(), re.S)
    found = [b for b in blocks if marker in b]
    assert found, 'no ```apache block with %r in %s' % (marker, GUIDE)
    return found[0]


class Deployment:
    """One Debian-style Apache copy with its "before" deployment, then the guide's steps."""

    def __init__(self, kind, real_stack):
        self.kind = kind
        self.stack = real_stack
        self.copy = DebianCopy('migration-' + kind)
        self.copy.make_install()
        cd = self.copy.confdir
        # start from a clean machine: only Debian's default site, no Heat or WSGI module enabled
        for sub in ('sites-enabled', 'mods-enabled'):
            for name in os.listdir(os.path.join(cd, sub)):
                if sub == 'sites-enabled' and name != '000-default.conf' or \
                        re.match(r'(heat|wsgi|proxy)', name):
                    os.unlink(os.path.join(cd, sub, name))
        # the sample sites' names (heat-api.conf before they were named heat-api-mod_heat.conf)
        self.renamed = os.path.exists(os.path.join(cd, 'sites-available', 'heat-api-mod_heat.conf'))
        self.ports = {'default': free_port()}
        self.copy.edit('ports.conf', (r'^Listen 80$', 'Listen 127.0.0.1:%d' % self.ports['default']),
                       (r'^(\s*)Listen 443$', r'\1Listen 127.0.0.1:%d' % free_port()))
        self.uwsgi = {}
        self.server = None

    def mod_site(self, api):
        return API_NAMES[api] + ('-mod_heat' if self.renamed else '')

    def run(self, *cmd):
        rc, out = self.copy.run(*cmd)
        assert rc == 0, '%s failed (%d):\n%s' % (' '.join(cmd), rc, out)
        return out

    def write(self, rel, text):
        with open(os.path.join(self.copy.confdir, rel), 'w') as f:
            f.write(text)

    # -- before -------------------------------------------------------------------------------

    def build_before(self):
        subs = {'API_WORKERS': 1, 'USER': 'heat', 'HEAT_CONF': self.stack.heat_conf,
                'LOG_DIR': self.copy.dirs['log']}
        self.uwsgi = {}
        if self.kind == 'mod_wsgi':
            # Under mod_wsgi heat-wsgi-api reads /etc/heat/heat.conf; these point it at the
            # stack's, as an operator's --config-file would, and run the shipped scripts.
            bindir = os.path.join(self.copy.top, 'bin')
            os.makedirs(bindir)
            os.chmod(bindir, 0o755)
            for script in ('heat-wsgi-api', 'heat-wsgi-api-cfn'):
                with open(os.path.join(bindir, script), 'w') as f:
                    f.write('import sys\nsys.argv = [%r, "--config-file", %r]\n'
                            'with open("/usr/bin/%s") as f:\n'
                            '    exec(compile(f.read(), "/usr/bin/%s", "exec"))\n'
                            % (script, self.stack.heat_conf, script, script))
            self.before_sites = {}
            for api, name in API_NAMES.items():
                self.ports[api] = free_port()
                # the mod_heat sites were named like Heat's before they became mod-heat-*
                site = name if self.mod_site(api) != name else name.replace('heat-api', 'heat-wsgi-api')
                self.before_sites[api] = site
                self.write('sites-available/%s.conf' % site,
                           fill('mod_wsgi-%s.conf' % name, dict(subs, PUBLICPORT=self.ports[api],
                                                                HEAT_BIN_DIR=bindir)))
            self.run('/usr/sbin/a2enmod', 'wsgi')
            self.where = {api: (self.ports[api], '') for api in API_NAMES}
        else:
            if self.kind == 'uwsgi_http':
                subs['UWSGI_PORT'] = self.uwsgi_port = free_port()
                subs['UWSGI_CFN_PORT'] = self.uwsgi_cfn_port = free_port()
                mods = ('proxy', 'proxy_http')
            else:
                # the sockets' directory belongs to the service user (devstack's /var/run/uwsgi)
                sockdir = os.path.join(self.copy.top, 'uwsgi')
                os.makedirs(sockdir)
                os.chmod(sockdir, 0o755)
                pw = pwd.getpwnam('heat')
                os.chown(sockdir, pw.pw_uid, pw.pw_gid)
                subs['SOCKET'] = os.path.join(sockdir, 'heat-wsgi-api.socket')
                subs['CFN_SOCKET'] = os.path.join(sockdir, 'heat-wsgi-api-cfn.socket')
                mods = ('proxy', 'proxy_uwsgi', 'env')
            sample = self.kind.replace('_', '-')
            self.before_sites = {}
            for api, name in API_NAMES.items():
                ini = os.path.join(self.copy.top, '%s-uwsgi.ini' % name)
                with open(ini, 'w') as f:
                    f.write(fill('%s-%s.ini' % (sample, name), subs))
                self.before_sites[api] = name.replace('heat-api', 'heat-wsgi-api')
                self.write('sites-available/%s.conf' % self.before_sites[api],
                           fill('%s-%s.conf' % (sample, name), subs))
                self.start_uwsgi(api, ini)
            self.run('/usr/sbin/a2enmod', *mods)
            self.where = {api: (self.ports['default'], '/' + name) for api, name in API_NAMES.items()}
        self.run('/usr/sbin/a2ensite', *self.before_sites.values())
        out = self.run(APACHE2CTL, '-t')
        assert 'Syntax OK' in out

    def start_uwsgi(self, api, ini):
        log = os.path.join(self.copy.dirs['log'], 'uwsgi-%s.log' % api)
        with open(log, 'wb') as out:
            self.uwsgi[api] = (subprocess.Popen([UWSGI, '--ini', ini], stdin=subprocess.DEVNULL, stdout=out,
                                                stderr=subprocess.STDOUT, start_new_session=True,
                                                cwd=self.copy.top), log)

    def stop_uwsgi(self):
        procs, self.uwsgi = self.uwsgi or {}, {}
        for proc, log in procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc, log in procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)     # our own child
                proc.wait()
                raise AssertionError('uwsgi did not stop on SIGTERM:\n' + tail(log))

    def start_apache(self, httpd_factory):
        c = self.copy
        self.server = httpd_factory('migration-' + self.kind, cls=ExternalHttpd, root=c.confdir,
                                    conf_path=os.path.join(c.confdir, 'apache2.conf'),
                                    pid_path=c.vars['APACHE_PID_FILE'],
                                    error_log=os.path.join(c.dirs['log'], 'error.log'),
                                    ports=self.ports, env=c.vars)
        self.server.log = StackErrorLog(self.server.log.path)
        self.server.log.expect(r'AH00558')      # Debian's config has no ServerName
        self.server.persistent = False
        self.stack.dependents.append(self.server)
        self.server.start(timeout=60)

    def wait_python(self, timeout=300):
        """Python heat-api loads for a while after Apache (mod_wsgi daemon, uwsgi workers)."""
        deadline = time.time() + timeout
        for api, (port, prefix) in self.where.items():
            while True:
                try:
                    r = request(port, 'GET', prefix + '/', headers=[('Accept', 'application/json')])
                    if r.status == 300:
                        break
                except OSError:
                    r = None
                for proc, log in self.uwsgi.values():
                    if proc.poll() is not None:
                        raise AssertionError('uwsgi exited:\n' + tail(log))
                if time.time() > deadline:
                    raise AssertionError('Python %s not ready after %ds (last: %s)\n%s'
                                         % (api, timeout, r and r.dump(), tail(self.server.log.path)))
                time.sleep(1)

    # -- after: the guide's steps ---------------------------------------------------------------

    def migrate(self):
        self.run('/usr/sbin/a2enmod', 'heat')
        # the same heat.conf as the Python services read (the shipped line may be commented out)
        self.copy.edit('mods-available/heat.conf', (r'^(\s*)#?(HeatConfigFile) /etc/heat/heat.conf',
                                                    r'\1\2 ' + self.stack.heat_conf))
        self.run('/usr/sbin/a2dissite', *self.before_sites.values())
        if self.kind == 'mod_wsgi':
            # the mod_heat sites in place of the mod_wsgi vhosts, on the ports those used
            for api, default in (('api', 8004), ('cfn', 8000)):
                self.copy.edit('sites-available/%s.conf' % self.mod_site(api),
                               (r'^Listen %d$' % default, 'Listen 127.0.0.1:%d' % self.ports[api]),
                               (r'<VirtualHost \*:%d>' % default, '<VirtualHost *:%d>' % self.ports[api]))
            self.run('/usr/sbin/a2ensite', self.mod_site('api'), self.mod_site('cfn'))
            self.run('/usr/sbin/a2dismod', 'wsgi')
            # the sites' MPM block raises ServerLimit and ThreadLimit, which only a full restart
            # applies: on this reload Apache says so and keeps the old limits (doc/migration.md)
            self.server.log.expect(r'AH00501: changing ServerLimit|AH00506: changing ThreadLimit'
                                   r'|AH00508: ThreadsPerChild of \d+ exceeds ThreadLimit')
        else:
            self.write('sites-available/heat-api-prefix.conf', guide_block('<Location /heat-api>'))
            self.run('/usr/sbin/a2ensite', 'heat-api-prefix')
        self.graceful()
        # the gentler order: uwsgi goes once Apache no longer sends it anything
        self.stop_uwsgi()

    def graceful(self):
        out = self.run(APACHE2CTL, '-t')
        assert 'Syntax OK' in out
        start_pos = self.server.log.size()
        parent = self.server.pid()
        self.run(APACHE2CTL, 'graceful')
        deadline = time.time() + 120
        while sum('resuming normal operations' in l for l in self.server.log.lines_since(start_pos)) < 1:
            assert time.time() < deadline, 'graceful not done:\n' + tail(self.server.log.path)
            time.sleep(0.2)
        assert self.server.pid() == parent and self.server.running

    def rollback(self):
        """The guide's "Rolling back": the Python services first, then the sites and modules."""
        if self.kind != 'mod_wsgi':
            for api, name in API_NAMES.items():
                self.start_uwsgi(api, os.path.join(self.copy.top, '%s-uwsgi.ini' % name))
            self.run('/usr/sbin/a2dissite', 'heat-api-prefix')
        else:
            self.run('/usr/sbin/a2dissite', self.mod_site('api'), self.mod_site('cfn'))
            self.run('/usr/sbin/a2enmod', 'wsgi')
        self.run('/usr/sbin/a2ensite', *self.before_sites.values())
        self.run('/usr/sbin/a2dismod', 'heat')
        self.graceful()

    def close(self):
        self.stop_uwsgi()


@pytest.fixture
def deployment(request, httpd_factory, real_stack):
    d = Deployment(request.param, real_stack)
    yield d
    d.close()


REQUEST_ID_RE = re.compile(rb'req-[0-9a-f-]{36}')


def answers(d, token, project):
    """What a client sees: the versions documents, a stack list filtered on a name nobody uses
    (stable while other sessions create stacks), the unfiltered list's status; for the CFN API
    (X-Auth-User + X-Auth-Token) ListStacks' status and a DescribeStacks of no stack."""
    out = {}
    h = [('Accept', 'application/json'), ('X-Auth-Token', token)]
    port, prefix = d.where['api']
    base = prefix + '/v1/%s/stacks' % project
    # /heat-api, not /heat-api/: for the latter mod_proxy_uwsgi passes SCRIPT_NAME=/heat-api/ and
    # heat-api's link becomes .../heat-api//v1/ (mod_heat's is .../heat-api/v1/ for both)
    for key, path in (('versions', prefix or '/'), ('filtered', base + '?name=' + NO_SUCH_STACK),
                      ('list', base)):
        r = request(port, 'GET', path, headers=h, timeout=120)
        out[key] = (r.status, r.header('Content-Type'), json.loads(r.body) if r.body else None)
    port, prefix = d.where['cfn']
    h = [('X-Auth-User', 'demo'), ('X-Auth-Token', token)]
    r = request(port, 'GET', prefix or '/', headers=[('Accept', 'application/json')], timeout=120)
    out['cfn-versions'] = (r.status, r.header('Content-Type'), json.loads(r.body))
    r = request(port, 'GET', prefix + '/v1/?Action=ListStacks', headers=h, timeout=120)
    out['cfn-list'] = (r.status, r.header('Content-Type'), b'<ListStacksResult>' in r.body)
    r = request(port, 'GET', prefix + '/v1/?Action=DescribeStacks&StackName=' + NO_SUCH_STACK, headers=h,
                timeout=120)
    # heat-api-cfn appends the engine's traceback to the message unless debug is on (mod_heat does
    # not: doc/differences.md)
    body = re.sub(rb'\nTraceback .*?(</Message>)', rb'\1', REQUEST_ID_RE.sub(b'req-X', r.body), flags=re.S)
    out['cfn-describe'] = (r.status, r.header('Content-Type'), body)
    return out


@pytest.mark.parametrize('deployment', ['mod_wsgi', 'uwsgi_http', 'uwsgi_socket'], indirect=True)
def test_migration(deployment, httpd_factory, real_stack):
    d = deployment
    token, project = real_stack.token('demo')
    d.build_before()
    d.start_apache(httpd_factory)
    d.wait_python()
    before = answers(d, token, project)
    assert before['filtered'][:2] == (200, 'application/json'), before
    assert before['list'][0] == 200 and before['cfn-list'][0] == 200, before

    d.migrate()
    after = answers(d, token, project)
    # mod_heat answers now: its links carry the address the client used (and the mount point)
    for api, key in (('api', 'versions'), ('cfn', 'cfn-versions')):
        href = 'http://127.0.0.1:%d%s/v1/' % d.where[api]
        assert after[key] == (300, 'application/json', {'versions': [
            {'id': 'v1.0', 'status': 'CURRENT', 'links': [{'rel': 'self', 'href': href}]}]}), after
    assert after['filtered'] == (200, 'application/json', {'stacks': []}), after
    assert after['list'][:2] == (200, 'application/json') and isinstance(after['list'][2]['stacks'], list)
    assert after['filtered'] == before['filtered']
    assert after['cfn-list'] == before['cfn-list'] == (200, 'application/xml; charset=UTF-8', True), (before, after)
    assert after['cfn-describe'] == before['cfn-describe'], (before, after)
    if d.kind == 'uwsgi_http':
        # behind mod_proxy_http uwsgi saw neither the prefix nor the client's Host
        for key, port in (('versions', d.uwsgi_port), ('cfn-versions', d.uwsgi_cfn_port)):
            assert before[key][2]['versions'][0]['links'][0]['href'] == 'http://127.0.0.1:%d/v1/' % port, before
            assert before[key][:2] == after[key][:2]
    else:
        assert after['versions'] == before['versions'] and after['cfn-versions'] == before['cfn-versions']

    # and back, as the guide says: the Python deployment answers as before
    d.rollback()
    d.wait_python()
    again = answers(d, token, project)
    for key in ('versions', 'filtered', 'cfn-versions', 'cfn-list', 'cfn-describe'):
        assert again[key] == before[key], (key, again, before)
    assert again['list'][0] == 200, again
    if d.kind == 'mod_wsgi':
        # the mod_heat sites' own error logs: nothing unexpected, no secret
        for name in ('heat_api.log', 'heat_api_cfn.log'):
            vlog = StackErrorLog(os.path.join(d.copy.dirs['log'], name))
            assert not vlog.problems([l for l in vlog.lines_since() if '[heat:' in l]), tail(vlog.path)
