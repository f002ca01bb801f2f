"""The small routes of heat-api, compared between mod_heat (127.0.0.1:8004) and the Python heat-api
19.0.0 (127.0.0.1:18004), both on the real stack's heat.conf, heat-engine and Keystone, with real
tokens: build_info, services, resource types (list, schema, generated template), template
versions and functions, template validation, software configs and software deployments. Good and
bad requests; status, reason, the compared headers and the body must match after assert_same's
normalisation (ports, uuids, timestamps, tracebacks).

Software configs and deployments are created per side (each side gets its own ids, which the uuid
normalisation hides) and deleted at the end, whatever happened.
"""

import json
import re
import uuid

import pytest

from heat_client import request
from heat_stack import assert_same, normalise, read_template

pytestmark = [pytest.mark.real_stack, pytest.mark.python_reference]

RUN = uuid.uuid4().hex[:6]

SMALL = {'heat_template_version': '2018-08-31',
         'description': 'mod_heat validate',
         'parameters': {'length': {'type': 'number', 'default': 12, 'description': 'how long'}},
         'parameter_groups': [{'label': 'g', 'parameters': ['length']}],
         'resources': {'rand': {'type': 'OS::Heat::RandomString', 'properties': {'length': {'get_param': 'length'}}}},
         'outputs': {'random': {'value': {'get_attr': ['rand', 'value']}}}}
NESTED = """heat_template_version: 2018-08-31
parameters:
  length:
    type: number
    default: 12
resources:
  child:
    type: nested.yaml
    properties:
      greeting: hi
"""
FILES = {'nested.yaml': read_template('nested.yaml')}
BAD_PROPERTY = {'heat_template_version': '2018-08-31',
                'resources': {'r': {'type': 'OS::Heat::RandomString', 'properties': {'length': 'long'}}}}
BAD_TYPE = {'heat_template_version': '2018-08-31', 'resources': {'r': {'type': 'OS::Nope::Nothing'}}}


class Env:
    def __init__(self, stack, httpd):
        self.stack = stack
        self.ports = {'mh': httpd.ports['api'], 'py': stack.py_api_port}
        self.token, self.project = stack.token('demo')
        self.admin_token, self.admin_project = stack.token('admin')
        self.configs = {}       # (case, side) -> config id
        self.deployments = {}   # (case, side) -> deployment id
        self.servers = {side: str(uuid.uuid4()) for side in ('mh', 'py')}

    def send(self, side, method, path, body=None, token='demo', content_type='application/json',
             accept='application/json', project=None):
        hdrs = []
        if accept is not None:
            hdrs.append(('Accept', accept))
        tok = {'demo': self.token, 'admin': self.admin_token}.get(token, token)
        if tok is not None:
            hdrs.append(('X-Auth-Token', tok))
        if body is not None and content_type is not None:
            hdrs.append(('Content-Type', content_type))
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        if project is None:
            project = self.admin_project if token == 'admin' else self.project
        return request(self.ports[side], method, '/v1/%s%s' % (project, path), headers=hdrs, body=body,
                       timeout=120)

    def both(self, method, path, **kw):
        return self.send('mh', method, path, **kw), self.send('py', method, path, **kw)


@pytest.fixture(scope='module')
def env(real_stack, stack_httpd):
    e = Env(real_stack, stack_httpd)
    try:
        yield e
    finally:
        for (case, side), dep in list(e.deployments.items()):
            e.send(side, 'DELETE', '/software_deployments/%s' % dep)
        for (case, side), cfg in list(e.configs.items()):
            e.send(side, 'DELETE', '/software_configs/%s' % cfg)


# -- build_info, services ------------------------------------------------------------------------

def test_build_info(env):
    ours, theirs = env.both('GET', '/build_info')
    assert_same(ours, theirs)
    assert ours.status == 200, ours.dump()
    assert set(json.loads(ours.body)) == {'api', 'engine'}, ours.dump()


def test_build_info_other_tenant(env):
    ours, theirs = env.both('GET', '/build_info', project=env.admin_project)
    assert_same(ours, theirs)
    assert ours.status == 403, ours.dump()


def test_services_admin(env):
    ours, theirs = env.both('GET', '/services', token='admin')
    # the engines' updated_at may move between the two requests: normalised by the timestamps
    assert_same(ours, theirs)
    assert ours.status == 200, ours.dump()
    assert json.loads(ours.body)['services'], ours.dump()


def test_services_demo_forbidden(env):
    ours, theirs = env.both('GET', '/services')
    assert_same(ours, theirs)
    assert ours.status == 403, ours.dump()


# -- resource types, template versions and functions --------------------------------------------------

READS = [
    ('types', '/resource_types'),
    ('types-description', '/resource_types?with_description=true'),
    ('types-description-false', '/resource_types?with_description=FALSE'),
    ('types-bad-description', '/resource_types?with_description=maybe'),
    ('types-empty-description', '/resource_types?with_description='),
    ('types-filtered', '/resource_types?support_status=SUPPORTED&name=OS::Heat::Random.*&version=5.0.0'),
    ('types-bad-status', '/resource_types?support_status=NOPE'),
    ('types-empty-name', '/resource_types?name='),
    ('schema', '/resource_types/OS::Heat::RandomString'),
    ('schema-description-ignored', '/resource_types/OS::Heat::RandomString?with_description=maybe'),
    ('schema-unknown', '/resource_types/OS::Nope::Nothing'),
    ('schema-quoted', '/resource_types/OS%3A%3AHeat%3A%3ANone'),
    ('generate', '/resource_types/OS::Heat::RandomString/template'),
    ('generate-hot', '/resource_types/OS::Heat::RandomString/template?template_type=hot'),
    ('generate-upper', '/resource_types/OS::Heat::RandomString/template?template_type=HOT'),
    ('generate-bad-type', '/resource_types/OS::Heat::RandomString/template?template_type=xml'),
    ('generate-empty-type', '/resource_types/OS::Heat::RandomString/template?template_type='),
    ('generate-unknown', '/resource_types/OS::Nope::Nothing/template'),
    ('versions', '/template_versions'),
    ('functions', '/template_versions/heat_template_version.2018-08-31/functions'),
    ('functions-cfn', '/template_versions/AWSTemplateFormatVersion.2010-09-09/functions'),
    ('functions-condition', '/template_versions/heat_template_version.2018-08-31/functions?with_condition_func=true'),
    ('functions-bad-condition',
     '/template_versions/heat_template_version.2018-08-31/functions?with_condition_func=nah'),
    ('functions-unknown', '/template_versions/nope.1/functions'),
    ('types-trailing-slash', '/resource_types/'),
]


@pytest.mark.parametrize('case', [c[0] for c in READS])
def test_read(case, env):
    path = next(c[1] for c in READS if c[0] == case)
    ours, theirs = env.both('GET', path)
    assert_same(ours, theirs)
    if 'bad' in case or 'empty-description' in case or 'empty-type' in case:
        assert ours.status == 400, ours.dump()
    if case.endswith('unknown'):
        assert ours.status == 404, ours.dump()


@pytest.mark.parametrize('method,path', [('POST', '/resource_types'), ('DELETE', '/template_versions'),
                                         ('PUT', '/build_info'), ('GET', '/validate')])
def test_wrong_method(method, path, env):
    """405 on both; mod_heat adds an Allow header (doc/differences.md), so the rest is compared here."""
    ours, theirs = env.both(method, path)
    assert ours.status == theirs.status == 405, (ours.dump(), theirs.dump())
    assert ours.body == theirs.body, (ours.dump(), theirs.dump())
    assert ours.header('allow'), ours.dump()


# -- validate -----------------------------------------------------------------------------------------

VALIDATES = [
    ('good', '', {'template': SMALL}),
    ('good-yaml-env', '', {'template': json.dumps(SMALL), 'environment': 'parameters: {length: 7}\n'}),
    ('good-parameters', '', {'template': SMALL, 'parameters': {'length': 5}}),
    ('show-nested', '?show_nested=true', {'template': NESTED, 'files': FILES}),
    ('show-nested-false', '?show_nested=false', {'template': NESTED, 'files': FILES}),
    ('show-nested-empty', '?show_nested=', {'template': SMALL}),
    ('bad-show-nested', '?show_nested=maybe', {'template': SMALL}),
    ('bad-show-nested-before-template', '?show_nested=maybe', {}),
    ('nested-missing-file', '', {'template': NESTED}),
    ('bad-property', '', {'template': BAD_PROPERTY}),
    ('bad-type', '', {'template': BAD_TYPE}),
    ('ignore-errors', '?ignore_errors=99001', {'template': BAD_TYPE}),
    ('ignore-errors-empty', '?ignore_errors=', {'template': BAD_TYPE}),
    ('unknown-parameter', '', {'template': SMALL, 'parameters': {'nope': 1}}),
    ('bad-parameter-value', '', {'template': SMALL, 'parameters': {'length': 'abc'}}),
    ('no-template', '', {'parameters': {}}),
    ('template-not-mapping', '', {'template': '- a\n'}),
    ('template-no-version', '', {'template': 'resources: {}\n'}),
    ('invalid-yaml', '', {'template': 'heat_template_version: 2018-08-31\nresources:\n  a: {type: x\n'}),
    ('bad-env-section', '', {'template': SMALL, 'environment': {'nope': {}}}),
    ('stack-name-ignored', '', {'stack_name': 1, 'template': SMALL, 'timeout_mins': 'soon'}),
    ('no-body', '', None),
    ('malformed-json', '', '{"template": '),
    ('wrong-content-type', '', '{"template": {}}'),
]


@pytest.mark.parametrize('case', [c[0] for c in VALIDATES])
def test_validate(case, env):
    _, query, body = next(c for c in VALIDATES if c[0] == case)
    kw = {'content_type': 'application/x-yaml'} if case == 'wrong-content-type' else {}
    ours, theirs = env.both('POST', '/validate' + query, body=body, **kw)
    assert_same(ours, theirs)
    if case.startswith('good') or case.startswith('show-nested') or case == 'stack-name-ignored':
        assert ours.status == 200, ours.dump()
    if case in ('bad-show-nested', 'bad-show-nested-before-template', 'bad-type', 'bad-env-section', 'no-template',
                'no-body', 'malformed-json', 'invalid-yaml', 'ignore-errors'):
        assert ours.status == 400, ours.dump()


def test_validate_other_ignore_errors(env):
    """ignore_errors with a code other than 99001: heat-engine returns a webob error object, which
    travels as its repr; heat-api answers 200 with that string (the object's address differs)."""
    ours, theirs = env.both('POST', '/validate?ignore_errors=12345', body={'template': BAD_TYPE})
    pat = re.compile(rb'^"<HTTPBadRequest at 0x[0-9a-f]+ 400 Bad Request>"$')
    assert (ours.status, ours.reason) == (theirs.status, theirs.reason) == (200, 'OK'), (ours.dump(), theirs.dump())
    assert ours.header('content-type') == theirs.header('content-type'), (ours.dump(), theirs.dump())
    assert pat.match(ours.body) and pat.match(theirs.body), (ours.dump(), theirs.dump())


# -- software configs -----------------------------------------------------------------------------------

CONFIG = {'name': 'cfg-' + RUN, 'group': 'script', 'config': '#!/bin/sh\necho hi\n',
          'inputs': [{'name': 'foo', 'default': 'bar'}], 'outputs': [{'name': 'result'}],
          'options': {'opt': True}}

CONFIG_CREATES = [
    ('full', CONFIG),
    ('minimal', {'name': 'min-' + RUN, 'config': 'x'}),
    ('falsy', {'name': 'falsy-' + RUN, 'inputs': '', 'outputs': 0, 'options': False}),
    ('empty', {}),
    ('bad-inputs', {'name': 'bad-' + RUN, 'inputs': 'nope'}),
]


@pytest.mark.parametrize('case', [c[0] for c in CONFIG_CREATES])
def test_config_create(case, env):
    body = next(c[1] for c in CONFIG_CREATES if c[0] == case)
    answers = {}
    for side in ('mh', 'py'):
        answers[side] = r = env.send(side, 'POST', '/software_configs', body=body)
        if r.status == 200:
            env.configs[(case, side)] = json.loads(r.body)['software_config']['id']
    assert_same(answers['mh'], answers['py'])
    if case == 'full':
        assert answers['mh'].status == 200, answers['mh'].dump()


@pytest.mark.parametrize('case,body,kw', [
    ('no-body', None, {}),
    ('malformed', '{"name": ', {}),
    ('not-json', 'name: x', {}),
    ('wrong-content-type', '{"name": "x"}', {'content_type': 'application/x-yaml'}),
])
def test_config_create_bad(case, body, kw, env):
    ours, theirs = env.both('POST', '/software_configs', body=body, **kw)
    assert_same(ours, theirs)
    assert ours.status == 400, ours.dump()


def test_config_show(env):
    answers = {side: env.send(side, 'GET', '/software_configs/%s' % env.configs[('full', side)])
               for side in ('mh', 'py')}
    assert_same(answers['mh'], answers['py'])
    assert answers['mh'].status == 200, answers['mh'].dump()


@pytest.mark.parametrize('case,query,token', [
    ('all', '', 'demo'),
    ('limit', '?limit=1', 'demo'),
    ('limit-zero', '?limit=0', 'demo'),
    ('limit-empty', '?limit=&marker=', 'demo'),
    ('bad-limit', '?limit=x', 'demo'),
    ('negative-limit', '?limit=-1', 'demo'),
    ('unknown-marker', '?marker=%s' % uuid.uuid4(), 'demo'),
    ('global-demo', '?global_tenant=true', 'demo'),
    ('global-admin', '?global_tenant=true', 'admin'),
    ('global-false', '?global_tenant=False', 'demo'),
    ('bad-global', '?global_tenant=maybe', 'demo'),
    ('empty-global', '?global_tenant=', 'demo'),
])
def test_config_list(case, query, token, env):
    ours, theirs = env.both('GET', '/software_configs' + query, token=token)
    assert_same(ours, theirs)
    if case.startswith('bad') or case.startswith('negative') or case.startswith('empty'):
        assert ours.status == 400, ours.dump()


def test_config_list_marker(env):
    """marker = the other side's own config: the same page on both."""
    marker = env.configs[('full', 'mh')]
    ours, theirs = env.both('GET', '/software_configs?limit=2&marker=%s' % marker)
    assert_same(ours, theirs)
    assert ours.status == 200, ours.dump()


@pytest.mark.parametrize('method', ['GET', 'DELETE'])
def test_config_missing(method, env):
    ours, theirs = env.both(method, '/software_configs/%s' % uuid.uuid4())
    assert_same(ours, theirs)
    assert ours.status == 404, ours.dump()


def test_config_other_tenant(env):
    ours, theirs = env.both('GET', '/software_configs', project=env.admin_project)
    assert_same(ours, theirs)
    assert ours.status == 403, ours.dump()


# -- software deployments -----------------------------------------------------------------------------

def _deployment_body(env, side, **extra):
    body = {'config_id': env.configs[('full', side)], 'server_id': env.servers[side],
            'input_values': {'foo': 'baz'}, 'action': 'CREATE', 'status': 'IN_PROGRESS',
            'status_reason': 'deploying', 'stack_user_project_id': None}
    body.update(extra)
    return body


DEPLOYMENT_CREATES = [
    ('full', {}),
    ('defaults', {'action': None, 'status': None, 'status_reason': None, 'input_values': None}),
    ('no-config', {'config_id': None}),
    ('unknown-config', {'config_id': str(uuid.uuid4())}),
]


@pytest.mark.parametrize('case', [c[0] for c in DEPLOYMENT_CREATES])
def test_deployment_create(case, env):
    extra = next(c[1] for c in DEPLOYMENT_CREATES if c[0] == case)
    answers = {}
    for side in ('mh', 'py'):
        answers[side] = r = env.send(side, 'POST', '/software_deployments', body=_deployment_body(env, side, **extra))
        if r.status == 200:
            env.deployments[(case, side)] = json.loads(r.body)['software_deployment']['id']
    assert_same(answers['mh'], answers['py'])
    if case == 'full':
        assert answers['mh'].status == 200, answers['mh'].dump()


def test_deployment_create_missing_keys(env):
    """Keys left out are sent as None (not the RPC's INIT/COMPLETE defaults): the same on both."""
    answers = {}
    for side in ('mh', 'py'):
        answers[side] = r = env.send(side, 'POST', '/software_deployments',
                                     body={'server_id': env.servers[side], 'config_id': env.configs[('full', side)]})
        if r.status == 200:
            env.deployments[('missing-keys', side)] = json.loads(r.body)['software_deployment']['id']
    assert_same(answers['mh'], answers['py'])


@pytest.mark.parametrize('case,body', [('no-body', None), ('malformed', '{"server_id": ')])
def test_deployment_bad_body(case, body, env):
    for method, path in (('POST', '/software_deployments'), ('PUT', '/software_deployments/%s' % uuid.uuid4())):
        ours, theirs = env.both(method, path, body=body)
        assert_same(ours, theirs)
        assert ours.status == 400, ours.dump()


def _per_side(env, method, fmt, case='full', body=None, **kw):
    return {side: env.send(side, method, fmt % env.deployments[(case, side)],
                           body=body(side) if callable(body) else body, **kw)
            for side in ('mh', 'py')}


def test_deployment_show(env):
    answers = _per_side(env, 'GET', '/software_deployments/%s')
    assert_same(answers['mh'], answers['py'])
    assert answers['mh'].status == 200, answers['mh'].dump()


def test_deployment_list(env):
    answers = {side: env.send(side, 'GET', '/software_deployments?server_id=%s' % env.servers[side])
               for side in ('mh', 'py')}
    # the engine lists deployments created within the same second in no fixed order: compare
    # status, headers and the normalised items as a multiset
    ours, theirs = answers['mh'], answers['py']
    assert (ours.status, ours.header('content-type')) == (theirs.status, theirs.header('content-type'))
    assert ours.status == 200, ours.dump()

    def items(resp):
        return sorted(normalise(json.dumps(d)) for d in json.loads(resp.body)['software_deployments'])
    assert items(ours) == items(theirs), ours.dump() + '\n---\n' + theirs.dump()
    ours, theirs = env.both('GET', '/software_deployments?server_id=%s' % uuid.uuid4())
    assert_same(ours, theirs)
    ours, theirs = env.both('GET', '/software_deployments?server_id=')
    assert_same(ours, theirs)


def test_deployment_metadata(env):
    answers = {side: env.send(side, 'GET', '/software_deployments/metadata/%s' % env.servers[side])
               for side in ('mh', 'py')}
    assert_same(answers['mh'], answers['py'])
    assert answers['mh'].status == 200, answers['mh'].dump()
    ours, theirs = env.both('GET', '/software_deployments/metadata/%s' % uuid.uuid4())
    assert_same(ours, theirs)


@pytest.mark.parametrize('case,body', [
    ('status', {'status': 'COMPLETE', 'status_reason': 'done', 'output_values': {'result': 'ok'}}),
    ('nulls', {'status': None, 'action': None, 'config_id': None}),
    ('empty', {}),
])
def test_deployment_update(case, body, env):
    answers = _per_side(env, 'PUT', '/software_deployments/%s', body=body)
    assert_same(answers['mh'], answers['py'])
    assert answers['mh'].status == 200, answers['mh'].dump()


def test_deployment_update_config(env):
    answers = _per_side(env, 'PUT', '/software_deployments/%s',
                        body=lambda side: {'config_id': env.configs[('minimal', side)]})
    assert_same(answers['mh'], answers['py'])


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_deployment_missing(method, env):
    ours, theirs = env.both(method, '/software_deployments/%s' % uuid.uuid4(),
                            body={'status': 'COMPLETE'} if method == 'PUT' else None)
    assert_same(ours, theirs)
    assert ours.status == 404, ours.dump()


def test_deployment_delete(env):
    answers = _per_side(env, 'DELETE', '/software_deployments/%s', case='defaults')
    assert_same(answers['mh'], answers['py'])
    if answers['mh'].status == 204:
        for side in ('mh', 'py'):
            env.deployments.pop(('defaults', side), None)
    # gone now
    answers = {side: env.send(side, 'GET', '/software_deployments/%s' % env.deployments.get(('full', side)))
               for side in ('mh', 'py')}
    assert_same(answers['mh'], answers['py'])


def test_config_delete(env):
    answers = {side: env.send(side, 'DELETE', '/software_configs/%s' % env.configs[('falsy', side)])
               for side in ('mh', 'py')}
    assert_same(answers['mh'], answers['py'])
    assert answers['mh'].status == 204, answers['mh'].dump()
    for side in ('mh', 'py'):
        env.configs.pop(('falsy', side), None)
    answers = {side: env.send(side, 'GET', '/software_configs/%s' % json.loads('"x"'))
               for side in ('mh', 'py')}
    assert_same(answers['mh'], answers['py'])
