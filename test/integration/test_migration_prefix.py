"""A Heat API mounted under a URL prefix, as devstack deploys it (`ProxyPass "/heat-api" ...
uwsgi://...` with uwsgi's SCRIPT_NAME /heat-api): `<Location /heat-api> SetHandler heat-api
</Location>` with no other directive in the section. /heat-api/v1/... must reach the route
/v1/..., with /heat-api as SCRIPT_NAME in the versions document's links, and answer as the Python
heat-api answers /v1/... (compared with the reference, which serves at the root).
"""

import json

import pytest

from heat_client import assert_same, request
from heat_httpd import base_heat_conf

pytestmark = pytest.mark.python_reference

NOAUTH = '    HeatOption paste_deploy flavor noauth\n'


def location(prefix, handler, extra=''):
    return '    <Location %s>\n        SetHandler %s\n%s    </Location>\n' % (prefix, handler, extra)


@pytest.fixture(scope='module')
def httpd_prefix(httpd_factory):
    """heat-api at /heat-api and heat-api-cfn at /heat-api-cfn/ (trailing slash: same mount), and a
    nested <Location> without a handler that must not move the mount point."""
    server = httpd_factory('prefix', heat_conf=base_heat_conf(), set_handler=False, modules=('headers',),
                           vhost_extra={'api': NOAUTH + location('/heat-api', 'heat-api') +
                                        '    <Location /heat-api/v1>\n        Header set X-Nested yes\n'
                                        '    </Location>\n',
                                        'cfn': location('/heat-api-cfn/', 'heat-api-cfn')})
    server.persistent = True
    return server.start()


# <Location /heat-api-cfn/> (Apache's rule) does not match /heat-api-cfn; <Location /heat-api> does.
@pytest.mark.parametrize('api,prefix,tail', [('api', '/heat-api', '/'), ('api', '/heat-api', ''),
                                             ('cfn', '/heat-api-cfn', '/')])
def test_versions_under_prefix(api, prefix, tail, httpd_prefix):
    port = httpd_prefix.ports[api]
    r = request(port, 'GET', prefix + tail, headers=[('Accept', 'application/json')])
    assert r.status == 300, r.dump()
    links = json.loads(r.body)['versions'][0]['links']
    assert links == [{'rel': 'self', 'href': 'http://127.0.0.1:%d%s/v1/' % (port, prefix)}], r.dump()


@pytest.mark.parametrize('api,method,path', [('api', 'DELETE', '/v1/t/stacks'), ('api', 'OPTIONS', '/v1/t/stacks'),
                                             ('api', 'GET', '/nope'), ('api', 'GET', '/v1/t/nope'),
                                             ('cfn', 'GET', '/nope'), ('cfn', 'GET', '/healthcheck')])
def test_routes_under_prefix_as_python(api, method, path, httpd_prefix, reference):
    """The prefix is stripped as uwsgi's SCRIPT_NAME strips it: the answer is the Python one for
    the path below it (the reference serves at the root). /heat-api-cfn/healthcheck is not the
    healthcheck (oslo matches SCRIPT_NAME + PATH_INFO), so it is the router's 404 there too."""
    prefix = '/heat-api' if api == 'api' else '/heat-api-cfn'
    theirs = reference.get('plain-%s' % api).request(method, '/nope' if path == '/healthcheck' else path)
    ours = request(httpd_prefix.ports[api], method, prefix + path)
    assert_same(ours, theirs, ignore_headers=('allow', 'x-nested'))
    if api == 'api' and path.startswith('/v1'):
        assert ours.header('X-Nested') == 'yes', ours.dump()


def test_outside_prefix_is_not_heat(httpd_prefix):
    r = request(httpd_prefix.ports['api'], 'GET', '/v1/t/stacks')
    assert r.status == 404 and r.request_id is None, r.dump()
