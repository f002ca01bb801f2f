"""The Red Hat spec mod_heat.spec, built into a binary RPM on this Debian machine with Debian's
rpmbuild: httpd-devel's macros are defined here with Red Hat's values and the BuildRequires skipped
(--nodeps); the source is an export (committed files plus uncommitted changes to them, as
`git stash create` records them) in a temporary directory. The RPM's file list, config files,
requirements and scriptlets are checked with rpm -qp; nothing is installed.
"""

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from heat_env import TOP

# /usr/lib/rpm/macros.d/macros.httpd of Red Hat's httpd-devel (x86_64), but apxs is Debian's
HTTPD_MACROS = {
    '_httpd_apxs': '/usr/bin/apxs',
    '_httpd_mmn': '20120211x8664',
    '_httpd_moddir': '%{_libdir}/httpd/modules',
    '_httpd_modconfdir': '%{_sysconfdir}/httpd/conf.modules.d',
    '_httpd_confdir': '%{_sysconfdir}/httpd/conf.d',
}
CONFIGS = ['/etc/httpd/conf.d/heat-api-cfn-mod_heat.conf', '/etc/httpd/conf.d/heat-api-mod_heat.conf',
           '/etc/httpd/conf.modules.d/10-heat.conf']


def run(*cmd, cwd=None, timeout=300):
    p = subprocess.run(list(cmd), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode('utf-8', 'replace')


def configure_version():
    with open(os.path.join(TOP, 'configure.ac')) as f:
        return re.search(r'^AC_INIT\(\[mod_heat\], \[([^]]+)\]', f.read(), re.M).group(1)


@pytest.fixture(scope='module')
def rpm_build():
    for tool in ('rpmbuild', 'rpm', 'git'):
        if not shutil.which(tool):
            pytest.skip('%s is not installed (test/stack/install-deps.sh installs it)' % tool)
    version = configure_version()
    with open(os.path.join(TOP, 'mod_heat.spec')) as f:
        spec = f.read()
    assert re.search(r'^Version:\s+%s$' % re.escape(version), spec, re.M), \
        'mod_heat.spec Version differs from configure.ac (%s)' % version
    rc, rev = run('git', '-C', TOP, 'stash', 'create')
    assert rc == 0, rev
    rev = rev.strip() or 'HEAD'
    top = tempfile.mkdtemp(prefix='mod_heat-rpm-')
    try:
        os.makedirs(os.path.join(top, 'SOURCES'))
        tarball = os.path.join(top, 'SOURCES', 'mod_heat-%s.tar.gz' % version)
        with open(tarball, 'wb') as f:
            subprocess.run(['git', '-C', TOP, 'archive', '--format=tar.gz', '--prefix=mod_heat-%s/' % version,
                            rev], stdout=f, check=True)
        defines = ['--define', '_topdir ' + top, '--define', 'debug_package %{nil}']
        for k, v in HTTPD_MACROS.items():
            defines += ['--define', '%s %s' % (k, v)]
        rc, out = run('rpmbuild', '-bb', '--nodeps', *defines, os.path.join(TOP, 'mod_heat.spec'), timeout=1800)
        assert rc == 0, 'rpmbuild failed:\n' + out[-6000:]
        rpms = os.listdir(os.path.join(top, 'RPMS', 'x86_64'))
        assert rpms == ['mod_heat-%s-1.x86_64.rpm' % version], rpms
        yield os.path.join(top, 'RPMS', 'x86_64', rpms[0])
    finally:
        shutil.rmtree(top, ignore_errors=True)


def test_rpm_layout(rpm_build):
    rc, files = run('rpm', '-qlp', rpm_build)
    assert rc == 0, files
    files = files.split()
    for path in ['/usr/lib64/httpd/modules/mod_heat.so'] + CONFIGS:
        assert path in files, (path, files)
    # nothing in Debian's places, and no file named as the Python packages' vhosts
    assert not [f for f in files if f.startswith('/etc/apache2') or f.startswith('/usr/lib/apache2')], files
    assert not [f for f in files if re.search(r'/heat-api(-cfn)?\.conf$', f)], files
    rc, configs = run('rpm', '-qcp', rpm_build)
    assert rc == 0 and sorted(configs.split()) == sorted(CONFIGS), configs
    # %config(noreplace): an edited file survives an upgrade (flag bit 16 = RPMFILE_NOREPLACE)
    rc, flags = run('rpm', '-qp', '--qf', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]', rpm_build)
    assert rc == 0, flags
    for path in CONFIGS:
        assert re.search(r'^cn %s$' % re.escape(path), flags, re.M), flags
    rc, requires = run('rpm', '-qp', '--requires', rpm_build)
    assert rc == 0 and re.search(r'^httpd-mmn = 20120211x8664$', requires, re.M), requires
    assert not re.search(r'^httpd( |$)', requires, re.M), requires
    # no scriptlet: installing never restarts httpd nor enables anything (rpm prints nothing)
    rc, scripts = run('rpm', '-qp', '--scripts', rpm_build)
    assert rc == 0 and scripts.strip() == '', scripts


def test_rpm_vhosts_log_to_httpd(rpm_build, tmp_path):
    """The vhosts in conf.d log to /var/log/httpd (Debian's ${APACHE_LOG_DIR} replaced) and the
    module is loaded by 10-heat.conf from the moddir's relative path."""
    rc, out = run('sh', '-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'sh', rpm_build, cwd=str(tmp_path))
    assert rc == 0, out
    for name in ('heat-api-mod_heat.conf', 'heat-api-cfn-mod_heat.conf'):
        text = (tmp_path / 'etc/httpd/conf.d' / name).read_text()
        assert '${APACHE_LOG_DIR}' not in text, text
        assert re.search(r'^\s*ErrorLog /var/log/httpd/\S+\.log$', text, re.M), text
    text = (tmp_path / 'etc/httpd/conf.modules.d/10-heat.conf').read_text()
    assert re.search(r'^LoadModule heat_module modules/mod_heat.so$', text, re.M), text
    assert (tmp_path / 'usr/lib64/httpd/modules/mod_heat.so').stat().st_size > 0
