"""mod_heat among other Apache modules and directives that a real server has: the answers must not
change when the vhost also has a DocumentRoot with files in it and mod_dir is loaded (Debian
enables mod_dir and ships /var/www/html/index.html, and a vhost without DocumentRoot inherits
the main server's), nor when the handler is set in a <Location>.
"""

import os
import re
import time

import pytest

from heat_client import assert_same, request
from heat_httpd import base_heat_conf

pytestmark = pytest.mark.python_reference

# as httpd_main: the pipelines of the Python reference (heat-api noauth)
NOAUTH = {'api': '    HeatOption paste_deploy flavor noauth\n'}


@pytest.fixture(scope='module')
def httpd_docroot(httpd_factory):
    """Both APIs, mod_dir loaded, a DocumentRoot with index.html, a directory v1/ and a file
    named versions, as a default Debian server has in /var/www/html."""
    server = httpd_factory('docroot', heat_conf=base_heat_conf(), modules=('dir',), vhost_extra=NOAUTH)
    htdocs = os.path.join(server.root, 'htdocs')
    os.makedirs(os.path.join(htdocs, 'v1', 't'))
    os.makedirs(os.path.join(htdocs, 'healthcheck'))
    for name in ('index.html', 'versions', 'nope', 'v1/index.html'):
        with open(os.path.join(htdocs, name), 'w') as f:
            f.write('<html>not heat</html>\n')
    os.chmod(htdocs, 0o755)
    server.test_conf = ('DocumentRoot "%s"\n<Directory "%s">\n    Require all granted\n</Directory>\n'
                        'DirectoryIndex index.html\n' % (htdocs, htdocs))
    server.write_conf()
    server.persistent = True
    return server.start()


DOCROOT_CASES = [('api', 'GET', '/'), ('api', 'GET', '/versions'), ('api', 'GET', '/nope'),
                 ('api', 'GET', '/v1'), ('api', 'GET', '/v1/'), ('api', 'GET', '/v1/t'),
                 ('api', 'GET', '/v1/t/'), ('api', 'OPTIONS', '/v1/'), ('api', 'GET', '/healthcheck'),
                 ('api', 'GET', '/healthcheck/'), ('api', 'DELETE', '/v1/t/stacks'),
                 ('cfn', 'GET', '/'), ('cfn', 'GET', '/versions'), ('cfn', 'GET', '/nope'),
                 ('cfn', 'GET', '/healthcheck')]


@pytest.mark.parametrize('api,method,path', DOCROOT_CASES)
def test_docroot_and_mod_dir_change_nothing(api, method, path, httpd_docroot, reference):
    ref = reference.get('plain-%s' % api)
    headers = [('Accept', 'application/json')]
    theirs = ref.request(method, path, headers=headers)
    ours = request(httpd_docroot.ports[api], method, path, headers=headers)
    assert_same(ours, theirs, ignore_headers=('allow',) if theirs.status == 405 else ())


@pytest.fixture(scope='module')
def httpd_location(httpd_factory):
    """The handlers set in <Location /> instead of directly in the vhost."""
    server = httpd_factory('location', heat_conf=base_heat_conf(), set_handler=False,
                           vhost_extra={'api': NOAUTH['api'] + '    <Location />\n        SetHandler heat-api\n    </Location>\n',
                                        'cfn': '    <Location />\n        SetHandler heat-api-cfn\n    </Location>\n'})
    server.persistent = True
    return server.start()


@pytest.mark.parametrize('api,method,path', [('api', 'GET', '/'), ('api', 'GET', '/nope'),
                                             ('api', 'DELETE', '/v1/t/stacks'), ('api', 'OPTIONS', '/v1/t/stacks'),
                                             ('cfn', 'GET', '/'), ('cfn', 'GET', '/healthcheck')])
def test_handler_in_location(api, method, path, httpd_location, reference):
    theirs = reference.get('plain-%s' % api).request(method, path)
    ours = request(httpd_location.ports[api], method, path)
    assert_same(ours, theirs, ignore_headers=('allow',) if theirs.status == 405 else ())


# -- one Keystone client and RPC pool per heat.conf, per child --------------------------------------

def _pools_per_child(server, want_children=1, timeout=10):
    """{pid: number of "RPC pool:" lines} from the error log (child_init, LogLevel heat:debug)."""
    deadline = time.time() + timeout
    while True:
        with open(server.log.path, errors='replace') as f:
            pids = re.findall(r'\[pid (\d+):tid \d+\] mod_heat/engine/heat_rpc\.c\(\d+\): RPC pool: ', f.read())
        counts = {pid: pids.count(pid) for pid in set(pids)}
        if len(counts) >= want_children or time.time() > deadline:
            return counts
        time.sleep(0.1)


def test_vhosts_share_one_heat_conf(httpd_factory):
    """The main server and both vhosts read the same heat.conf (the sample configuration): it is
    read once, and each child sets up one RPC pool (and one Keystone client) for all of them."""
    server = httpd_factory('share-conf', heat_conf=base_heat_conf())
    server.start()
    counts = _pools_per_child(server)
    assert counts and set(counts.values()) == {1}, counts
    with open(server.log.path, errors='replace') as f:
        assert len(re.findall(r'HEAT0005: read ', f.read())) == 1


def test_vhost_with_its_own_options_has_its_own_pool(httpd_factory):
    """A vhost with a HeatOption of its own reads heat.conf with it, and gets its own pool."""
    server = httpd_factory('own-conf', heat_conf=base_heat_conf(),
                           vhost_extra={'cfn': '    HeatOption DEFAULT rpc_response_timeout 7\n'})
    server.start()
    counts = _pools_per_child(server)
    assert counts and set(counts.values()) == {2}, counts
