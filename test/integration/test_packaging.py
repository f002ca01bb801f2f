"""The packaging files: conf/heat.load + conf/heat.conf (Debian mods-available), conf/10-heat.conf
(Red Hat conf.modules.d) and the vhosts in httpd/files/.

Debian: `make install DESTDIR=...`, then `a2enmod heat && a2ensite heat-api-mod_heat heat-api-cfn-mod_heat` and
`apache2ctl -t` in a throwaway copy of /etc/apache2 (a2enmod and apache2ctl honour APACHE_CONFDIR;
a2enmod's state markers go to APACHE_STATE_DIRECTORY, also in the copy). The real /etc/apache2 and
/var/lib/apache2 are compared before and after: the machine is never changed.
"""

import filecmp
import grp
import http.client
import os
import time
import pwd
import re
import shutil
import subprocess

import pytest

from heat_client import request
from heat_env import (APACHE2CTL, APACHE_MODULES, IS_ROOT, MODULE_SO, RUN_USER, TOP, free_port, gen_dir,
                      write_ini)
from heat_httpd import ErrorLog, ExternalHttpd, HttpdServer, base_heat_conf

REAL_CONFDIR = '/etc/apache2'
REAL_STATEDIR = '/var/lib/apache2'


def snapshot(top):
    """Every path under top with its type, size, mtime and link target: to prove nothing changed."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            state[path] = (st.st_mode, st.st_size, st.st_mtime_ns,
                           os.readlink(path) if os.path.islink(path) else None)
    return state


@pytest.fixture
def machine_unchanged():
    before = {d: snapshot(d) for d in (REAL_CONFDIR, REAL_STATEDIR, APACHE_MODULES)}
    yield
    for d, state in before.items():
        after = snapshot(d)
        assert after == state, 'the test changed %s: %s' % (
            d, sorted(set(after.items()) ^ set(state.items()))[:10])


class DebianCopy:
    """A copy of /etc/apache2 under gen/<name>/etc-apache2 with its own envvars (run, lock, log and
    state directories inside gen/<name>), the module installed by `make install DESTDIR`."""

    def __init__(self, name):
        self.top = gen_dir(name)
        self.confdir = os.path.join(self.top, 'etc-apache2')
        shutil.copytree(REAL_CONFDIR, self.confdir, symlinks=True)
        self.dirs = {k: os.path.join(self.top, k) for k in ('run', 'lock', 'log', 'state', 'destdir')}
        for d in self.dirs.values():
            os.makedirs(d)
            os.chmod(d, 0o755)
        # apache2ctl chowns its socks directory to the run user: only root may pick www-data
        user = RUN_USER if IS_ROOT else pwd.getpwuid(os.geteuid()).pw_name
        group = RUN_USER if IS_ROOT else grp.getgrgid(os.getegid()).gr_name
        self.vars = {
            'APACHE_RUN_USER': user, 'APACHE_RUN_GROUP': group,
            'APACHE_PID_FILE': os.path.join(self.dirs['run'], 'apache2.pid'),
            'APACHE_RUN_DIR': self.dirs['run'], 'APACHE_LOCK_DIR': self.dirs['lock'],
            'APACHE_LOG_DIR': self.dirs['log'], 'LANG': 'C',
        }
        with open(os.path.join(self.confdir, 'envvars'), 'w') as f:
            f.write('# throwaway copy for mod_heat tests\n')
            f.write(''.join('export %s=%s\n' % kv for kv in self.vars.items()))

    def env(self):
        env = {k: v for k, v in os.environ.items() if not k.startswith('APACHE_')}
        env.update(APACHE_CONFDIR=self.confdir, APACHE_STATE_DIRECTORY=self.dirs['state'], LANG='C')
        return env

    def run(self, *cmd):
        p = subprocess.run(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=self.env(),
                           timeout=120)
        return p.returncode, p.stdout.decode('utf-8', 'replace')

    def make_install(self):
        """`make install DESTDIR=...` and copies the Debian files it installed into the copy, with
        LoadModule pointing at the installed .so."""
        # -o: install the module as built, never rebuild it from a tree someone is editing
        built = os.path.join(TOP, 'build', 'mod_heat.so')
        rc, out = self.run('make', '-C', TOP, '-o', 'build/mod_heat.so', 'install',
                           'DESTDIR=' + self.dirs['destdir'])
        assert rc == 0, 'make install failed:\n' + out
        dest = self.dirs['destdir']
        so = os.path.join(dest, APACHE_MODULES.lstrip('/'), 'mod_heat.so')
        assert os.path.isfile(so), 'make install did not install %s:\n%s' % (so, out)
        assert filecmp.cmp(so, built, shallow=False)
        installed = {
            'mods-available/heat.load': 'conf/heat.load', 'mods-available/heat.conf': 'conf/heat.conf',
            'sites-available/heat-api-mod_heat.conf': 'httpd/files/heat-api-mod_heat.conf',
            'sites-available/heat-api-cfn-mod_heat.conf': 'httpd/files/heat-api-cfn-mod_heat.conf',
        }
        for rel, src in installed.items():
            path = os.path.join(dest, 'etc/apache2', rel)
            assert os.path.isfile(path), 'make install did not install %s:\n%s' % (path, out)
            assert filecmp.cmp(path, os.path.join(TOP, src), shallow=False), path
            with open(path) as f:
                text = f.read()
            if rel.endswith('.load'):
                text = text.replace('/usr/lib/apache2/modules/mod_heat.so', so)
                assert so in text
            with open(os.path.join(self.confdir, rel), 'w') as f:
                f.write(text)

    def edit(self, rel, *subs):
        path = os.path.join(self.confdir, rel)
        with open(path) as f:
            text = f.read()
        for old, new in subs:
            assert re.search(old, text, re.M), '%r not in %s' % (old, rel)
            text = re.sub(old, new, text, flags=re.M)
        with open(path, 'w') as f:
            f.write(text)


def enable(copy):
    rc, out = copy.run('/usr/sbin/a2enmod', 'heat')
    assert rc == 0, out
    rc, out = copy.run('/usr/sbin/a2ensite', 'heat-api-mod_heat', 'heat-api-cfn-mod_heat')
    assert rc == 0, out
    for rel in ('mods-enabled/heat.load', 'mods-enabled/heat.conf', 'sites-enabled/heat-api-mod_heat.conf',
                'sites-enabled/heat-api-cfn-mod_heat.conf'):
        assert os.path.islink(os.path.join(copy.confdir, rel)), rel


def test_debian_a2enmod_configtest(machine_unchanged, heat_module):
    copy = DebianCopy('pkg-debian')
    copy.make_install()
    enable(copy)
    if not os.path.isfile('/etc/heat/heat.conf'):   # heat-common's file, the shipped default
        copy.edit('mods-available/heat.conf', (r'^(\s*)#?(HeatConfigFile) /etc/heat/heat.conf',
                                               r'\1\2 ' + os.path.join(copy.top, 'heat.conf')))
        write_ini(os.path.join(copy.top, 'heat.conf'), base_heat_conf())
    rc, out = copy.run(APACHE2CTL, '-t')
    assert rc == 0 and 'Syntax OK' in out, out
    rc, out = copy.run(APACHE2CTL, '-M')
    assert rc == 0 and re.search(r'^\s*heat_module \(shared\)', out, re.M), out
    rc, out = copy.run(APACHE2CTL, '-S')
    assert rc == 0, out
    assert re.search(r'^\*:8004\s', out, re.M) and re.search(r'^\*:8000\s', out, re.M), out
    # and back
    rc, out = copy.run('/usr/sbin/a2dissite', 'heat-api-mod_heat', 'heat-api-cfn-mod_heat')
    assert rc == 0, out
    rc, out = copy.run('/usr/sbin/a2dismod', 'heat')
    assert rc == 0, out
    assert not os.path.lexists(os.path.join(copy.confdir, 'mods-enabled/heat.load'))
    rc, out = copy.run(APACHE2CTL, '-t')
    assert rc == 0, out


def test_debian_sites_serve(machine_unchanged, heat_module):
    """The enabled copy really starts (ports moved to free loopback ones) and both vhosts answer."""
    copy = DebianCopy('pkg-debian-run')
    copy.make_install()
    enable(copy)
    ports = {'api': free_port(), 'cfn': free_port(), 'default': free_port()}
    heat_conf = os.path.join(copy.top, 'heat.conf')
    write_ini(heat_conf, base_heat_conf())
    copy.edit('mods-available/heat.conf', (r'^(\s*)#?(HeatConfigFile) /etc/heat/heat.conf', r'\1\2 ' + heat_conf))
    copy.edit('ports.conf', (r'^Listen 80$', 'Listen 127.0.0.1:%d' % ports['default']))
    copy.edit('sites-available/heat-api-mod_heat.conf', (r'^Listen 8004$', 'Listen 127.0.0.1:%d' % ports['api']),
              (r'<VirtualHost \*:8004>', '<VirtualHost *:%d>' % ports['api']))
    copy.edit('sites-available/heat-api-cfn-mod_heat.conf', (r'^Listen 8000$', 'Listen 127.0.0.1:%d' % ports['cfn']),
              (r'<VirtualHost \*:8000>', '<VirtualHost *:%d>' % ports['cfn']))
    server = ExternalHttpd('pkg-debian-run', copy.confdir, os.path.join(copy.confdir, 'apache2.conf'),
                           copy.vars['APACHE_PID_FILE'], os.path.join(copy.dirs['log'], 'error.log'),
                           ports, env=copy.vars)
    server.log.expect(r'AH00558')   # Debian's config has no ServerName
    try:
        server.start()
        for api, name in (('api', 'heat_api'), ('cfn', 'heat_api_cfn')):
            resp = request(ports[api], 'GET', '/')
            assert resp.status == 300, resp.dump()
            assert b'"href": "http://127.0.0.1:%d/v1/"' % ports[api] in resp.body
            resp = request(ports[api], 'GET', '/healthcheck')
            assert resp.status == 200, resp.dump()
            # the access log line is written after the response went out: give it a moment
            access = os.path.join(copy.dirs['log'], '%s_access.log' % name)
            deadline = time.time() + 5
            while True:
                with open(access) as f:
                    text = f.read()
                if '"GET /healthcheck HTTP/1.1" 200' in text or time.time() > deadline:
                    break
                time.sleep(0.05)
            assert '"GET /healthcheck HTTP/1.1" 200' in text
        assert_idle_connection_kept(ports['api'], ports['cfn'])
    finally:
        server.stop()
    server.log.check()
    for name in ('heat_api.log', 'heat_api_cfn.log'):
        path = os.path.join(copy.dirs['log'], name)
        if os.path.exists(path):
            ErrorLog(path).check()



def assert_idle_connection_kept(*ports):
    """A client that waits 5 s between requests on one connection, as heatclient's --wait polling
    does, must find it still open: the sample vhosts' KeepAliveTimeout is longer than Apache's
    default 5 s, which closes it just as the next request goes out ("Connection aborted")."""
    conns = []
    for port in ports:
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
        conn.request('GET', '/healthcheck')
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and not resp.will_close
        conns.append(conn)
    time.sleep(6)
    for port, conn in zip(ports, conns):
        sock = conn.sock
        conn.request('GET', '/healthcheck')     # http.client reconnects only if sock is None
        resp = conn.getresponse()
        assert resp.status == 200 and conn.sock is sock, port
        resp.read()
        conn.close()

def test_redhat_conf_modules_d(heat_module):
    """conf/10-heat.conf in conf.modules.d and the vhosts in conf.d, with ${APACHE_LOG_DIR}
    replaced as `make install` does on Red Hat, pass `httpd -t`."""
    root = gen_dir('pkg-redhat')
    for d in ('conf', 'conf.modules.d', 'conf.d', 'modules', 'logs', 'run'):
        os.makedirs(os.path.join(root, d))
    os.symlink(MODULE_SO, os.path.join(root, 'modules', 'mod_heat.so'))
    heat_conf = os.path.join(root, 'heat.conf')
    write_ini(heat_conf, base_heat_conf())
    with open(os.path.join(TOP, 'conf', '10-heat.conf')) as f:
        text = f.read()
    assert re.search(r'^LoadModule heat_module modules/mod_heat.so$', text, re.M), text
    # commented out: Apache starts where heat-common is not installed yet
    assert re.search(r'^\s*#HeatConfigFile /etc/heat/heat.conf$', text, re.M), text
    with open(os.path.join(root, 'conf.modules.d', '10-heat.conf'), 'w') as f:
        f.write(re.sub(r'#HeatConfigFile /etc/heat/heat.conf', 'HeatConfigFile ' + heat_conf, text))
    for name in ('heat-api-mod_heat.conf', 'heat-api-cfn-mod_heat.conf'):
        with open(os.path.join(TOP, 'httpd', 'files', name)) as f:
            text = f.read()
        assert '${APACHE_LOG_DIR}' in text
        text = text.replace('${APACHE_LOG_DIR}', '/var/log/httpd')    # what the Makefile's sed does
        assert re.search(r'^\s*ErrorLog /var/log/httpd/\S+\.log$', text, re.M), text
        # httpd -t checks that the log directory exists: use ours on this (Debian) machine
        text = text.replace('/var/log/httpd', os.path.join(root, 'logs'))
        with open(os.path.join(root, 'conf.d', name), 'w') as f:
            f.write(text)
    with open(os.path.join(root, 'conf', 'httpd.conf'), 'w') as f:
        f.write('ServerRoot "%s"\nServerName 127.0.0.1\nDefaultRuntimeDir run\nPidFile run/httpd.pid\n'
                'ErrorLog logs/error_log\n'
                'LoadModule mpm_event_module %s/mod_mpm_event.so\n'
                'LoadModule authz_core_module %s/mod_authz_core.so\n'
                'Include conf.modules.d/*.conf\nIncludeOptional conf.d/*.conf\n'
                % (root, APACHE_MODULES, APACHE_MODULES))
    p = subprocess.run(['/usr/sbin/apache2', '-d', root, '-f', os.path.join(root, 'conf', 'httpd.conf'), '-t'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    out = p.stdout.decode('utf-8', 'replace')
    assert p.returncode == 0 and 'Syntax OK' in out, out


def test_every_directive_documented(heat_module):
    """Every directive the module registers (apache2 -L) is described in the shipped module configs."""
    server = HttpdServer('pkg-directives', apis=('api',), heat_conf=base_heat_conf())
    rc, out = server.run('-L')
    assert rc == 0, out
    directives = re.findall(r'^(\S+) \(mod_heat[^)]*\.c\)$', out, re.M)
    assert 'HeatConfigFile' in directives and 'HeatOption' in directives, out
    for rel in ('conf/heat.conf', 'conf/10-heat.conf'):
        with open(os.path.join(TOP, rel)) as f:
            text = f.read()
        missing = [d for d in directives if not re.search(r'^\s*#?\s*%s\b' % d, text, re.M)]
        assert not missing, '%s does not document %s' % (rel, missing)


def test_redhat_make_install_layout(heat_module):
    """`make install` with Red Hat's apxs answers (SYSCONFDIR /etc/httpd/conf) puts conf.modules.d
    and conf.d beside that directory, where httpd includes them, not inside it."""
    dest = gen_dir('pkg-redhat-install')
    p = subprocess.run(['make', '-C', TOP, '-o', 'build/mod_heat.so', '-o', 'deps', 'install', 'DESTDIR=' + dest,
                        'CONF_LAYOUT=redhat', 'APXS_SYSCONFDIR=/etc/httpd/conf',
                        'APXS_LIBEXECDIR=/usr/lib64/httpd/modules'],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = p.stdout.decode('utf-8', 'replace')
    assert p.returncode == 0, out
    found = sorted(os.path.relpath(os.path.join(d, f), dest) for d, _, files in os.walk(dest) for f in files)
    assert found == ['etc/httpd/conf.d/heat-api-cfn-mod_heat.conf', 'etc/httpd/conf.d/heat-api-mod_heat.conf',
                     'etc/httpd/conf.modules.d/10-heat.conf', 'usr/lib64/httpd/modules/mod_heat.so'], (found, out)
    with open(os.path.join(dest, 'etc/httpd/conf.d/heat-api-mod_heat.conf')) as f:
        assert re.search(r'^\s*ErrorLog /var/log/httpd/heat_api\.log$', f.read(), re.M)
