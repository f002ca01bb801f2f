"""CORS on both APIs, compared with the Python heat-api and heat-api-cfn started with the same
[cors] settings: status and the Access-Control-* and Vary headers of simple requests and
preflights, for allowed, refused and wildcard origins, allow_credentials true and false, and a
[cors.<name>] subsection (oslo.middleware still reads them).

heat's cors filter (api-paste.ini: oslo_config_project = heat) reads its options from its own
ConfigOpts, which finds heat.conf in oslo's default places (~/.heat/heat.conf first), not in the
--config-file heat-api was given; the Python services here get HOME pointing at a directory whose
.heat/heat.conf is their heat.conf, so both read the same [cors].
"""

import os
import shutil

import pytest

import heat_client
from heat_httpd import base_heat_conf
from heat_reference import HeatReference

pytestmark = pytest.mark.python_reference

CONFIGS = {
    # an origin of [cors] with credentials and max_age; a subsection with its own origin, no
    # credentials and only GET, which also names [cors]'s origin again (skipped by oslo)
    'named': {
        'cors': [('allowed_origin', 'http://good.example'), ('max_age', '100')],
        'cors.sub': [('allowed_origin', 'http://sub.example,http://good.example'),
                     ('allow_credentials', 'false'), ('allow_methods', 'GET')],
    },
    # every origin, no credentials, no max_age, own exposed headers
    'wildcard': {
        'cors': [('allowed_origin', '*'), ('allow_credentials', 'false'), ('max_age', '0'),
                 ('expose_headers', 'X-A, X-B')],
    },
}

GOOD, SUB, BAD = 'http://good.example', 'http://sub.example', 'http://bad.example'


def pre(origin, method=None, headers=None):
    h = [('Origin', origin)]
    if method is not None:
        h.append(('Access-Control-Request-Method', method))
    if headers is not None:
        h.append(('Access-Control-Request-Headers', headers))
    return h


# (method, path, headers); the paths give the versions document, webob 404s, authtoken's 401
# (no token) on heat-api and the CFN API's unsigned refusal
PATHS = {'api': ['/', '/v1/t/stacks', '/nope'], 'cfn': ['/', '/v1/?Action=ListStacks', '/nope']}
REQUESTS = []
for _api in ('api', 'cfn'):
    for _path in PATHS[_api]:
        REQUESTS += [
            (_api, 'GET', _path, []),
            (_api, 'GET', _path, [('Origin', GOOD)]),
            (_api, 'GET', _path, [('Origin', SUB)]),
            (_api, 'GET', _path, [('Origin', BAD)]),
            (_api, 'OPTIONS', _path, pre(GOOD, 'PUT', ' x-auth-token , Content-Type,,')),
            (_api, 'OPTIONS', _path, pre(GOOD, 'TRACE')),
            (_api, 'OPTIONS', _path, pre(GOOD, 'GET', 'X-Foo')),
            (_api, 'OPTIONS', _path, pre(GOOD)),
            (_api, 'OPTIONS', _path, pre(SUB, 'GET', 'Accept')),
            (_api, 'OPTIONS', _path, pre(SUB, 'PUT')),
            (_api, 'OPTIONS', _path, pre(BAD, 'GET')),
        ]
    REQUESTS.append((_api, 'POST', '/v1/', [('Origin', GOOD), ('Content-Type', 'application/x-www-form-urlencoded')]))


class CorsReference(HeatReference):
    """HeatReference whose cors filter reads the same heat.conf: HOME/.heat/heat.conf."""

    def start(self):
        home = os.path.join(self.dir, 'home')
        os.makedirs(os.path.join(home, '.heat'), exist_ok=True)
        shutil.copy(self.conf_path, os.path.join(home, '.heat', 'heat.conf'))
        saved = os.environ.get('HOME')
        os.environ['HOME'] = home
        try:
            return super().start()
        finally:
            if saved is None:
                del os.environ['HOME']
            else:
                os.environ['HOME'] = saved


@pytest.fixture(scope='module')
def servers(httpd_factory):
    refs = {}
    try:
        for name, opts in CONFIGS.items():
            for api in ('api', 'cfn'):
                refs[(name, api)] = CorsReference('cors-%s-%s' % (name, api), api, options=opts).start()
        for ref in refs.values():
            ref.wait_ready(timeout=180)
        ours = {}
        for name, opts in CONFIGS.items():
            server = httpd_factory('cors-' + name, heat_conf=base_heat_conf(opts))
            # oslo's warning when [cors.sub] names [cors]'s origin again
            server.log.expect(r'HEAT1400: \[cors\.sub\] allowed_origin: origin http://good\.example is already')
            ours[name] = server.start()
        yield ours, refs
    finally:
        for ref in refs.values():
            ref.stop()


def cors_view(resp):
    heads = {}
    for k, v in resp.headers:
        if k.lower().startswith('access-control-') or k.lower() == 'vary':
            heads[k.lower()] = v
    return resp.status, sorted(heads.items())


@pytest.mark.parametrize('config', sorted(CONFIGS))
def test_cors_same_as_python(servers, config):
    ours, refs = servers
    server = ours[config]
    diffs = []
    decorated = 0
    for api, method, path, headers in REQUESTS:
        mine = heat_client.request(server.ports[api], method, path, headers=headers)
        theirs = refs[(config, api)].request(method, path, headers=headers)
        if cors_view(mine) != cors_view(theirs):
            diffs.append('%s %s %s %s:\n  mod_heat %s\n  python   %s'
                         % (api, method, path, headers, cors_view(mine), cors_view(theirs)))
        decorated += bool(theirs.header('Access-Control-Allow-Origin'))
    assert not diffs, '\n'.join(diffs)
    # the comparison is only worth something if the reference did decorate answers
    assert decorated >= 10, decorated
