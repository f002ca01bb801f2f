"""The Debian package libapache2-mod-heat, built from the in-tree debian/ with dpkg-buildpackage.

The build runs on an export of the source (committed files plus uncommitted changes to them, as
`git stash create` records them) in a temporary directory: dpkg-buildpackage needs a clean tree and
must leave no build output in the repository. The .deb is then checked with lintian, installed on
this machine with dpkg, enabled and served from a throwaway copy of /etc/apache2 on free loopback
ports, and purged; /etc/apache2, /var/lib/apache2 and the module directory must then hold exactly
what they held before (a finalizer purges even when the test fails midway).
"""

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time

import pytest

from heat_client import request
from heat_env import APACHE2CTL, APACHE_MODULES, IS_ROOT, TOP, free_port
from heat_httpd import ExternalHttpd
from heat_stack import StackErrorLog
from test_packaging import REAL_CONFDIR, REAL_STATEDIR, DebianCopy

PACKAGE = 'libapache2-mod-heat'
SITES = ('heat-api-mod_heat', 'heat-api-cfn-mod_heat')
POLICY_RC_D = '/usr/sbin/policy-rc.d'
POLICY_DENY = '#!/bin/sh\n# test_packaging_deb.py: no service starts while it installs libapache2-mod-heat\nexit 101\n'
CONFFILES = ('/etc/apache2/mods-available/heat.load', '/etc/apache2/mods-available/heat.conf',
             '/etc/apache2/sites-available/heat-api-mod_heat.conf',
             '/etc/apache2/sites-available/heat-api-cfn-mod_heat.conf')


def run(*cmd, cwd=None, env=None, timeout=300):
    p = subprocess.run(list(cmd), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace')


def dpkg(*args, env=None):
    """dpkg, waiting (up to 10 min) while another apt or dpkg on this machine holds dpkg's lock."""
    deadline = time.time() + 600
    while True:
        rc, out = run('dpkg', *args, env=env)
        if rc == 0 or 'lock' not in out or time.time() > deadline:
            return rc, out
        time.sleep(2)


def package_status(name=PACKAGE):
    rc, out = run('dpkg-query', '-W', '-f', '${Status}', name)
    return out.strip() if rc == 0 else ''


def content_snapshot(top):
    """Every path under top with its type and content (hash of a file, target of a link). Directory
    mtimes are left out: installing and purging a package rightly touches them."""
    state = {}
    for dirpath, dirnames, filenames in os.walk(top):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            if os.path.islink(path):
                what = ('link', os.readlink(path))
            elif os.path.isdir(path):
                what = ('dir', None)
            else:
                with open(path, 'rb') as f:
                    what = ('file', hashlib.sha256(f.read()).hexdigest())
            state[path] = (st.st_mode, st.st_uid, st.st_gid) + what
    return state


def configure_version():
    with open(os.path.join(TOP, 'configure.ac')) as f:
        return re.search(r'^AC_INIT\(\[mod_heat\], \[([^]]+)\]', f.read(), re.M).group(1)


@pytest.fixture(scope='module')
def deb_build():
    """Builds the package once per module from an export of the source: {'deb': path, 'dir': ...}."""
    for tool in ('dpkg-buildpackage', 'lintian', 'git'):
        if not shutil.which(tool):
            pytest.skip('%s is not installed (test/stack/install-deps.sh installs it)' % tool)
    rc, rev = run('git', '-C', TOP, 'stash', 'create')
    assert rc == 0, rev
    rev = rev.strip() or 'HEAD'
    version = configure_version()
    work = tempfile.mkdtemp(prefix='mod_heat-deb-')
    try:
        src = os.path.join(work, 'mod-heat-%s' % version)
        archive = subprocess.run(['git', '-C', TOP, 'archive', '--prefix=mod-heat-%s/' % version, rev],
                                 stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(['tar', '-x', '-C', work], input=archive, check=True)
        rc, out = run('dpkg-buildpackage', '-us', '-uc', '-b', cwd=src, timeout=1800)
        assert rc == 0, 'dpkg-buildpackage failed:\n' + out[-6000:]
        debs = [n for n in os.listdir(work) if n.startswith(PACKAGE + '_') and n.endswith('.deb')]
        assert len(debs) == 1, os.listdir(work)
        # the package's version is configure.ac's
        assert debs[0].startswith('%s_%s_' % (PACKAGE, version)), debs
        # the build ran in the export, never in the repository
        for rel in ('debian/files', 'debian/.debhelper', 'debian/libapache2-mod-heat', 'debian/tmp'):
            assert not os.path.lexists(os.path.join(TOP, rel)), rel
        yield {'deb': os.path.join(work, debs[0]), 'dir': work, 'version': version}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_deb_contents_and_lintian(deb_build):
    deb = deb_build['deb']
    rc, out = run('lintian', '--fail-on', 'error', deb)
    assert rc == 0 and not re.search(r'^E: ', out, re.M), out
    rc, files = run('dpkg-deb', '-c', deb)
    assert rc == 0, files
    for path in ('/usr/lib/apache2/modules/mod_heat.so',) + CONFFILES:
        assert re.search(r' \.%s$' % re.escape(path), files, re.M), (path, files)
    # sample vhosts under names of their own: never Heat's heat-api.conf / heat-api-cfn.conf
    assert not re.search(r'sites-available/heat-api(-cfn)?\.conf$', files, re.M), files
    rc, control = run('dpkg-deb', '-f', deb, 'Depends', 'Version')
    assert rc == 0, control
    depends = re.search(r'^Depends: (.*)$', control, re.M).group(1)
    # the module magic number's virtual package, never the apache2 package itself
    assert re.search(r'(^|, )apache2-api-\d{8}(,|$)', depends), depends
    assert not re.search(r'(^|, )apache2( |,|$)', depends), depends
    assert re.search(r'^Version: %s$' % re.escape(deb_build['version']), control, re.M), control
    rc, conffiles = run('sh', '-c', 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./conffiles', 'sh', deb)
    assert rc == 0 and sorted(conffiles.split()) == sorted(CONFFILES), conffiles
    # the postinst enables the module through the helper, never a site (8004/8000 may be taken)
    rc, postinst = run('sh', '-c', 'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./postinst', 'sh', deb)
    assert rc == 0, postinst
    assert 'apache2-maintscript-helper' in postinst and 'apache2_invoke enmod heat' in postinst, postinst
    assert 'ensite' not in postinst and 'a2enmod' not in postinst, postinst


@pytest.fixture
def installed(deb_build):
    """Installs the .deb on this machine; purges it afterwards (even if the test failed) and proves
    /etc/apache2, /var/lib/apache2 and the module directory are as they were."""
    if not IS_ROOT:
        pytest.skip('installing the package needs root')
    if package_status():
        pytest.skip('%s is already known to dpkg here (%s): not touching it' % (PACKAGE, package_status()))
    # The maintainer scripts ask invoke-rc.d to restart Apache: the policy must deny it, or a system
    # Apache would start on port 80. A container's policy-rc.d does; else one is put in place for the
    # test, as test/stack/install-deps.sh does for its installs.
    own_policy = None
    if not os.path.exists(POLICY_RC_D):
        own_policy = POLICY_DENY
        with open(POLICY_RC_D, 'w') as f:
            f.write(own_policy)
        os.chmod(POLICY_RC_D, 0o755)
    try:
        if run(POLICY_RC_D, 'apache2', 'restart')[0] != 101:
            pytest.skip('%s allows service restarts: the package\'s scripts could start the system Apache'
                        % POLICY_RC_D)
        yield from install_and_purge(deb_build)
    finally:
        if own_policy:
            with open(POLICY_RC_D) as f:
                mine = f.read() == own_policy
            if mine:
                os.unlink(POLICY_RC_D)


def install_and_purge(deb_build):
    dirs = (REAL_CONFDIR, REAL_STATEDIR, APACHE_MODULES)
    before = {d: content_snapshot(d) for d in dirs}
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    try:
        rc, out = dpkg('-i', deb_build['deb'], env=env)
        assert rc == 0, 'dpkg -i failed:\n' + out
        assert package_status() == 'install ok installed', package_status()
        yield out
    finally:
        rc, out = dpkg('--purge', PACKAGE, env=env)
        assert rc == 0, 'dpkg --purge failed:\n' + out
        assert not package_status() or package_status().startswith('unknown ok not-installed'), \
            package_status()
        undo_debian_bookkeeping(before[REAL_CONFDIR], before[REAL_STATEDIR])
        changed = []
        for d in dirs:
            after = content_snapshot(d)
            changed += sorted(p for p in set(after) | set(before[d]) if after.get(p) != before[d].get(p))
        assert not changed, 'installing and purging %s changed: %s' % (PACKAGE, changed[:20])


def undo_debian_bookkeeping(conf_before, state_before):
    """Undoes the two traces Debian's own tools leave by design after a purge, so that the machine
    is as before: a module that `a2enmod heat` enabled as a dependency (heat.load's
    `# Depends: socache_shmcb`; a2dismod never disables dependencies, another module may use them)
    and the empty state directories a2dismod and a2dissite create under /var/lib/apache2."""
    link = os.path.join(REAL_CONFDIR, 'mods-enabled', 'socache_shmcb.load')
    if link not in conf_before and os.path.lexists(link):
        rc, out = run('/usr/sbin/a2dismod', '-p', '-f', '-q', 'socache_shmcb')
        assert rc == 0, out
    for kind in ('module', 'site'):
        for name in ('disabled_by_admin', 'disabled_by_maint', 'enabled_by_maint', 'enabled_by_admin'):
            path = os.path.join(REAL_STATEDIR, kind, name)
            if path not in state_before and os.path.isdir(path) and not os.listdir(path):
                os.rmdir(path)


def test_deb_install_enable_serve_purge(installed, real_stack):
    # installed: the module enabled by the package, the sites only available
    assert os.path.isfile('/usr/lib/apache2/modules/mod_heat.so')
    for path in CONFFILES:
        assert os.path.isfile(path), path
    assert os.path.islink('/etc/apache2/mods-enabled/heat.load')
    for site in SITES:
        assert not os.path.lexists('/etc/apache2/sites-enabled/%s.conf' % site), site
    # as an administrator would: a2enmod heat (already on: says so), a2ensite, apache2ctl -t
    rc, out = run('/usr/sbin/a2enmod', 'heat')
    assert rc == 0, out
    rc, out = run('/usr/sbin/a2ensite', *SITES)
    assert rc == 0, out
    rc, out = run(APACHE2CTL, '-t', env=dict(os.environ, LANG='C'))
    assert rc == 0 and 'Syntax OK' in out, out
    rc, out = run(APACHE2CTL, '-M', env=dict(os.environ, LANG='C'))
    assert rc == 0 and re.search(r'^\s*heat_module \(shared\)', out, re.M), out

    # serve: the installed configuration copied, ports moved to free loopback ones, the real stack's
    # heat.conf; the module loaded is the installed /usr/lib/apache2/modules/mod_heat.so
    copy = DebianCopy('pkg-deb-installed')
    with open(os.path.join(copy.confdir, 'mods-enabled', 'heat.load')) as f:
        assert re.search(r'^LoadModule heat_module /usr/lib/apache2/modules/mod_heat.so$', f.read(), re.M)
    ports = {'api': free_port(), 'cfn': free_port(), 'default': free_port()}
    copy.edit('mods-available/heat.conf', (r'^(\s*)#?(HeatConfigFile) /etc/heat/heat.conf',
                                           r'\1\2 ' + real_stack.heat_conf))
    copy.edit('ports.conf', (r'^Listen 80$', 'Listen 127.0.0.1:%d' % ports['default']))
    copy.edit('sites-available/heat-api-mod_heat.conf', (r'^Listen 8004$', 'Listen 127.0.0.1:%d' % ports['api']),
              (r'<VirtualHost \*:8004>', '<VirtualHost *:%d>' % ports['api']))
    copy.edit('sites-available/heat-api-cfn-mod_heat.conf', (r'^Listen 8000$', 'Listen 127.0.0.1:%d' % ports['cfn']),
              (r'<VirtualHost \*:8000>', '<VirtualHost *:%d>' % ports['cfn']))
    server = ExternalHttpd('pkg-deb-installed', copy.confdir, os.path.join(copy.confdir, 'apache2.conf'),
                           copy.vars['APACHE_PID_FILE'], os.path.join(copy.dirs['log'], 'error.log'),
                           ports, env=copy.vars)
    server.log = StackErrorLog(server.log.path)
    server.log.expect(r'AH00558')   # Debian's config has no ServerName
    try:
        server.start()
        for api in ('api', 'cfn'):
            resp = request(ports[api], 'GET', '/')
            assert resp.status == 300, resp.dump()
        token, project = real_stack.token('demo')
        resp = request(ports['api'], 'GET', '/v1/%s/stacks' % project, headers=[('X-Auth-Token', token)],
                       timeout=120)
        assert resp.status == 200 and b'"stacks": [' in resp.body, resp.dump()
    finally:
        server.stop()
    server.log.check()
    for name in ('heat_api.log', 'heat_api_cfn.log'):
        path = os.path.join(copy.dirs['log'], name)
        if os.path.exists(path):
            StackErrorLog(path).check()
