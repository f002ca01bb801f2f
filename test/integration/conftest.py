"""Integration tests of mod_heat: real Apache httpd with build/mod_heat.so, compared with the
real Python heat-api / heat-api-cfn of Debian's heat 19.0.0 (see README.md in this directory).

Fixtures:
    heat_module      (session) build/mod_heat.so must exist; fails every test with a clear message if not
    httpd_factory    (session) make an HttpdServer (gen/<name>/); all are stopped at the end
    httpd_main       (session) one httpd serving heat-api and heat-api-cfn with a plain heat.conf
    httpd_opts       (session) the same with the options of the Python "opts" instances
    reference        (session) the Python services (heat_reference.ReferenceSet), started on first use
    real_stack       (session) test/stack/stack.sh's stack with the Python heat-api (heat_stack.RealStack);
                     stopped at the end only if this session started it
    stack_httpd      (session) mod_heat with the stack's heat.conf on 127.0.0.1:8004 / :8000, where the
                     stack's Keystone catalog points (test_stack_*.py)
    real_stack_24    (session) test/stack/trixie.sh's heat 24.0.0 stack (heat_stack.RealStack24): its
                     engine and Python heat-api / heat-api-cfn 24.0.0 on the same MariaDB, RabbitMQ, Keystone
    stack_httpd_24   (session) mod_heat for release 24 with that stack's heat.conf, on kernel ports
                     (`openstack` is pointed at it with a token: the catalog names :8004)
    With HEAT_RELEASE=24 in the environment, real_stack and stack_httpd are the 24 ones: the
    differential and life cycle suites then run against heat 24.0.0.
    hc_disable_file  (session) the [healthcheck] disable_by_file_path both "opts" variants watch

After every test the error log of every running httpd is checked (heat_httpd.ErrorLog): a line at
warn level or worse that the test did not declare with `server.log.expect(regex)`, or a line that
looks like it holds a secret, fails the test (reported as an error in its teardown).
"""

import os

import pytest

from heat_env import GEN, MODULE_SO, gen_dir
from heat_httpd import HttpdServer, base_heat_conf
from heat_reference import ReferenceSet
import heat_stack

_servers = []


def pytest_configure(config):
    config.addinivalue_line('markers', 'python_reference: compares with the Python heat services')
    config.addinivalue_line('markers', 'real_stack: uses test/stack/stack.sh (root; `-m "not real_stack"` skips)')


@pytest.fixture(scope='session')
def heat_module():
    if not os.path.isfile(MODULE_SO):
        pytest.fail('%s not found: build the module first (./autogen.sh && ./configure && make; '
                    '`make check-integration` does it)' % MODULE_SO, pytrace=False)
    return MODULE_SO


@pytest.fixture(scope='session')
def httpd_factory(heat_module):
    def make(name, cls=HttpdServer, **kwargs):
        server = cls(name, **kwargs)
        server.persistent = False
        _servers.append(server)
        return server
    yield make
    errors = []
    for server in _servers:
        try:
            server.stop()
            server.log.check()     # shutdown lines too
        except Exception as e:   # keep stopping the others
            errors.append(str(e))
    if errors:
        raise RuntimeError('\n'.join(errors))


@pytest.fixture(scope='session')
def hc_disable_file():
    path = os.path.join(gen_dir('shared'), 'healthcheck_disable')
    if os.path.exists(path):
        os.unlink(path)
    return path


@pytest.fixture(scope='session')
def httpd_main(httpd_factory):
    # The same pipelines as the Python reference (heat_reference.ReferenceSet): heat-api with the
    # noauth flavor, so /v1 stays reachable without Keystone, heat-api-cfn with the default one.
    server = httpd_factory('main', heat_conf=base_heat_conf(),
                           vhost_extra={'api': '    HeatOption paste_deploy flavor noauth\n'})
    server.persistent = True
    return server.start()


@pytest.fixture(scope='session')
def httpd_opts(httpd_factory, hc_disable_file):
    # heat-api with the default flavor, heat-api-cfn with "standalone", as in the reference
    server = httpd_factory('opts', heat_conf=base_heat_conf(ReferenceSet.options(hc_disable_file)),
                           vhost_extra={'cfn': '    HeatOption paste_deploy flavor standalone\n'})
    server.persistent = True
    return server.start()


@pytest.fixture(scope='session')
def reference(hc_disable_file):
    refs = ReferenceSet(hc_disable_file)
    yield refs
    refs.stop()


def _stack_up(release):
    stack = heat_stack.make_real_stack(release)
    try:
        stack.up()
        problem = None
    except heat_stack.StackError as e:
        problem = str(e)
    if problem:
        stack.down()
        pytest.fail(problem, pytrace=False)
    return stack


@pytest.fixture(scope='session')
def real_stack_24(request):
    if heat_stack.RELEASE == '24':
        return request.getfixturevalue('real_stack')
    stack = _stack_up('24')
    request.addfinalizer(stack.down)
    return stack


@pytest.fixture(scope='session')
def real_stack():
    stack = _stack_up(heat_stack.RELEASE)
    yield stack
    stack.down()


def _stack_httpd_24(httpd_factory, stack):
    # kernel ports: 8004/8000 (where the shared catalog points) belong to the 19 runs
    server = heat_stack.stack_server(httpd_factory, stack, 'stack24')
    stack.orchestration_url = 'http://127.0.0.1:%d/v1/%%(tenant_id)s' % server.ports['api']
    return server


@pytest.fixture(scope='session')
def stack_httpd_24(request, httpd_factory, real_stack_24):
    if heat_stack.RELEASE == '24':
        return request.getfixturevalue('stack_httpd')
    return _stack_httpd_24(httpd_factory, real_stack_24)


@pytest.fixture(scope='session')
def stack_httpd(httpd_factory, real_stack):
    if real_stack.release == '24':
        return _stack_httpd_24(httpd_factory, real_stack)
    return heat_stack.stack_server(httpd_factory, real_stack, 'stack',
                                   fixed_ports={'api': real_stack.api_port, 'cfn': real_stack.cfn_port})


@pytest.fixture(autouse=True)
def _check_error_logs():
    """After each test: stop the servers the test made for itself, then check every error log."""
    first = len(_servers)
    yield
    problems = []
    for server in _servers[first:]:
        if not server.persistent:
            try:
                server.stop()
            except Exception as e:
                problems.append(str(e))
    for server in _servers:
        try:
            server.log.check()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail('\n'.join(problems), pytrace=False)


def pytest_sessionstart(session):
    os.makedirs(GEN, exist_ok=True)
