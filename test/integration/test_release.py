"""HeatRelease against the real stack: one mod_heat per release, each on kernel-chosen ports, with
the stack's heat.conf, asked with raw HTTP and real tokens.

What a client of the stack can tell apart without extra Keystone users (doc/releases.md has the
rest, unit-tested in test/unit/test_release.c):
- /healthcheck/<anything>: 24.0.0's urlmap answers it; 19.0.0's filter does not (the path goes
  on to version negotiation);
- the same authenticated requests (stack list, build_info, a stack's 404) answer the same under
  both, against the stack's heat-engine: the RPC messages and context do not depend on the release;
- the error log names the release (HEAT1601); a bad HeatRelease refuses the configuration."""

import json

import pytest

from heat_client import request
from heat_httpd import HttpdServer, base_heat_conf
from heat_stack import StackHttpd, assert_same, stack_server

pytestmark = pytest.mark.real_stack


@pytest.fixture(scope='module')
def servers(httpd_factory, real_stack):
    return {rel: stack_server(httpd_factory, real_stack, 's8-release-%s' % rel, apis=('api',),
                              test_conf='HeatRelease %s' % rel)
            for rel in ('19', '24')}


def get(server, path, token=None):
    headers = [('Accept', 'application/json')]
    if token:
        headers.append(('X-Auth-Token', token))
    return request(server.ports['api'], 'GET', path, headers=headers, timeout=90)


def test_startup_names_the_release(servers):
    for rel, name in (('19', '19.0.0'), ('24', '24.0.0')):
        with open(servers[rel].log.path, 'rb') as f:
            log = f.read().decode('utf-8', 'replace')
        assert 'HEAT1601: reproducing heat-api %s (HeatRelease)' % name in log, log[-2000:]


def test_healthcheck_below_its_path(servers):
    hc = {}
    for rel in ('19', '24'):
        r = get(servers[rel], '/healthcheck')
        assert r.status == 200 and b'"reasons"' in r.body, (rel, r.status, r.body)
        hc[rel] = r.body
    r = get(servers['24'], '/healthcheck/extra')
    assert (r.status, r.body) == (200, hc['24']), (r.status, r.body)
    # 19.0.0: not the healthcheck's path; version negotiation finds no version in it
    r = get(servers['19'], '/healthcheck/extra')
    assert r.body != hc['19'], (r.status, r.body)
    # not below it: the API under both
    for rel in ('19', '24'):
        r = get(servers[rel], '/healthcheckx')
        assert r.body != hc[rel], (rel, r.status, r.body)


def test_same_engine_answers_under_both(servers, real_stack):
    token, project = real_stack.token('demo')
    answers = {}
    for rel in ('19', '24'):
        srv = servers[rel]
        stacks = get(srv, '/v1/%s/stacks?with_count=true' % project, token)
        assert stacks.status == 200, (rel, stacks.status, stacks.body)
        listing = json.loads(stacks.body)
        assert isinstance(listing['count'], int) and listing['count'] == len(listing['stacks']), listing
        info = get(srv, '/v1/%s/build_info' % project, token)
        assert info.status == 200, (rel, info.status, info.body)
        missing = get(srv, '/v1/%s/stacks/s8-release-no-such-stack' % project, token)
        assert missing.status == 404, (rel, missing.status, missing.body)
        answers[rel] = (json.loads(info.body), json.loads(missing.body)['error']['type'])
    assert answers['19'] == answers['24'], answers


def test_bad_release_refused(tmp_path):
    server = HttpdServer('s8-release-bad', apis=('api',), heat_conf=base_heat_conf(),
                         test_conf='HeatRelease 20')
    rc, out = server.config_test()
    assert rc != 0 and 'HeatRelease' in out and "'20'" in out, out


# -- against heat-api 24.0.0 (test/stack/trixie.sh's stack, started by the real_stack_24 fixture) --

CYCLE = json.dumps({'heat_template_version': '2018-08-31', 'resources': {
    'a': {'type': 'OS::Heat::None', 'depends_on': ['b']},
    'b': {'type': 'OS::Heat::None', 'depends_on': ['a']}}})


@pytest.fixture(scope='module')
def heat24(httpd_factory, real_stack_24):
    """(mod_heat with HeatRelease 24 and the 24.0.0 stack's heat.conf, the Python heat-api 24.0.0
    port, the stack's facts). The 24.0.0 stack shares the 19 stack's Keystone and users."""
    facts = real_stack_24.facts
    server = httpd_factory('s8-release-diff24', cls=StackHttpd, apis=('api', 'cfn'), test_conf='HeatRelease 24',
                           heat_conf_directive='HeatConfigFile "%s"' % facts['heat_conf'])
    server.persistent = True
    real_stack_24.dependents.append(server)
    return server.start(), facts['python_api']['api_port'], facts


def both(heat24, method, path, token=None, body=None):
    server, port, _ = heat24
    headers = [('Accept', 'application/json')]
    if token:
        headers.append(('X-Auth-Token', token))
    if body is not None:
        headers.append(('Content-Type', 'application/json'))
    return [request(p, method, path, headers=headers, body=body, timeout=90)
            for p in (server.ports['api'], port)]


def test_differential_24(heat24, real_stack):
    demo_token, demo = real_stack.token('demo')
    admin_token, admin = real_stack.token('admin')
    cases = [
        ('GET', '/healthcheck', None, None),
        ('GET', '/healthcheck/extra', None, None),
        ('GET', '/v1/%s/stacks' % demo, demo_token, None),
        ('GET', '/v1/%s/stacks?with_count=true' % demo, demo_token, None),
        ('GET', '/v1/%s/stacks?global_tenant=true' % demo, demo_token, None),
        ('GET', '/v1/%s/stacks?global_tenant=true' % admin, admin_token, None),
        ('GET', '/v1/%s/stacks' % admin, demo_token, None),       # another project's URL
        ('GET', '/v1/%s/stacks' % demo, admin_token, None),       # an admin on another project's URL
        ('GET', '/v1/%s/stacks/s8-release-nope' % demo, demo_token, None),
        ('GET', '/v1/%s/build_info' % demo, demo_token, None),
        ('GET', '/v1/%s/services' % demo, demo_token, None),
        ('GET', '/v1/%s/software_configs?global_tenant=true' % demo, demo_token, None),
        ('GET', '/v1/%s/template_versions' % demo, demo_token, None),
        ('POST', '/v1/%s/validate' % demo, demo_token, '{"template": %s}' % CYCLE),
    ]
    for method, path, token, body in cases:
        ours, theirs = both(heat24, method, path, token, body)
        assert_same(ours, theirs)
    # services: the same engines, listed in an order heat-engine does not define
    ours, theirs = both(heat24, 'GET', '/v1/%s/services' % admin, admin_token)
    assert (ours.status, theirs.status) == (200, 200), (ours.dump(), theirs.dump())


def test_differential_24_cfn(heat24, real_stack):
    """heat-api-cfn 24.0.0 checks cloudformation:* with an empty target: under the new defaults
    ("project_id:%(project_id)s") every project user is refused, as mod_heat does."""
    server, _, facts = heat24
    demo_token, _ = real_stack.token('demo')
    user = real_stack.facts['users']['demo']['username']
    headers = [('X-Auth-Token', demo_token), ('X-Auth-User', user)]
    for action in ('ListStacks', 'DescribeStacks&StackName=s8-release-nope', 'ValidateTemplate&TemplateBody=%7B%7D'):
        ours, theirs = [request(p, 'GET', '/v1/?Action=' + action, headers=headers, timeout=90)
                        for p in (server.ports['cfn'], facts['python_api']['cfn_port'])]
        assert_same(ours, theirs)
        assert ours.status == 403 and b'<Code>AccessDenied</Code>' in ours.body, ours.dump()
