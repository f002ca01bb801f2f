"""The same requests, good and bad, to mod_heat (127.0.0.1:8004, heat.conf of the real stack) and
to the Python heat-api 19.0.0 (127.0.0.1:18004, same heat.conf, same heat-engine, same Keystone),
with real tokens; status, reason, Content-Type, Location, WWW-Authenticate, the request id and the
body are compared after normalising what differs by nature: the port in 127.0.0.1:<port>, uuids
(stack ids, request ids), timestamps, engine tracebacks (null) and, for requests that create or
change a stack, the stack names (each side works on a stack of its own).

The stacks live in the demo project (the admin project is the life cycle's and the developers').
A module fixture creates them through the Python heat-api and deletes every stack of this run at
the end, even those a failing create made by mistake.
"""

import json
import uuid

import pytest

from heat_client import request
from heat_stack import assert_same, read_template

pytestmark = [pytest.mark.real_stack, pytest.mark.python_reference]

RUN = uuid.uuid4().hex[:6]

BASE = """heat_template_version: 2018-08-31
description: mod_heat differential stack
parameters:
  length:
    type: number
    default: 12
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  val:
    type: OS::Heat::Value
    properties:
      type: string
      value: {list_join: ['-', ['v', {get_attr: [rand, value]}]]}
  nothing:
    type: OS::Heat::None
  child:
    type: nested.yaml
    properties:
      greeting: hi
outputs:
  random:
    description: the random string
    value: {get_attr: [rand, value]}
  value:
    value: {get_attr: [val, value]}
  nested_out:
    value: {get_attr: [child, shout]}
"""
SMALL = {'heat_template_version': '2018-08-31',
         'parameters': {'length': {'type': 'number', 'default': 12}},
         'resources': {'rand': {'type': 'OS::Heat::RandomString', 'properties': {'length': {'get_param': 'length'}}},
                       'nothing': {'type': 'OS::Heat::None'}},
         'outputs': {'random': {'value': {'get_attr': ['rand', 'value']}}}}
FILES = {'nested.yaml': read_template('nested.yaml')}
MAX_TEMPLATE_SIZE = 524288

class Env:
    """What the cases need: tokens, projects, the base stack and the per-side stacks."""

    def __init__(self, stack, httpd):
        self.stack = stack
        self.ports = {'mh': httpd.ports['api'], 'py': stack.py_api_port}
        self.token, self.project = stack.token('demo')
        self.admin_token, self.admin_project = stack.token('admin')
        self.base = 'diff-base-' + RUN
        self.base_id = None
        self.side_ids = {}     # (kind, side) -> stack id

    def name(self, kind, side):
        """A stack name of this run for one side (kind: the case); both sides' names have the same
        length, so the bodies line up."""
        return 'diff-%s-%s-%s' % (kind, side, RUN)

    @staticmethod
    def subs(side):
        """diff-<kind>-<side>-<run> becomes diff-<kind>-SIDE in the comparison."""
        return [('-%s-%s' % (side, RUN), '-SIDE')]

    def send(self, side, method, path, body=None, token='demo', headers=None, content_type='application/json',
             accept='application/json'):
        hdrs = []
        if accept is not None:
            hdrs.append(('Accept', accept))
        tok = {'demo': self.token, 'admin': self.admin_token}.get(token, token)
        if tok is not None:
            hdrs.append(('X-Auth-Token', tok))
        if body is not None and content_type is not None:
            hdrs.append(('Content-Type', content_type))
        hdrs += list(headers or ())
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        return request(self.ports[side], method, path, headers=hdrs, body=body, timeout=120)


@pytest.fixture(scope='module')
def env(real_stack, stack_httpd):
    e = Env(real_stack, stack_httpd)
    # stacks an interrupted earlier run left behind (the demo project is the tests' own)
    real_stack.delete_leftovers('demo', 'diff-')
    try:
        e.base_id = real_stack.create_stack('demo', e.base, BASE, files=FILES, wait=False)
        for side in ('mh', 'py'):
            e.side_ids[('upd', side)] = real_stack.create_stack('demo', e.name('upd', side), SMALL, wait=False)
        for name in (e.base, e.name('upd', 'mh'), e.name('upd', 'py')):
            real_stack.wait_stack('demo', name, ('CREATE_COMPLETE',))
        yield e
    finally:
        problems = real_stack.delete_stacks('demo', lambda n: n.endswith(RUN))
        if problems:
            raise AssertionError('cleaning up the differential stacks:\n' + '\n'.join(problems))


def both(env, method, path, **kw):
    return env.send('mh', method, path, **kw), env.send('py', method, path, **kw)


# -- reads of one stack (the same on both sides) ---------------------------------------------------

def P(env):
    return '/v1/%s' % env.project


READS = [
    ('list-filter', lambda e: '/stacks?name=%s' % e.base, {}),
    ('list-limit-sort', lambda e: '/stacks?name=%s&limit=1&sort_keys=stack_name&sort_dir=asc' % e.base, {}),
    ('list-with-count', lambda e: '/stacks?name=%s&with_count=true&show_nested=false' % e.base, {}),
    # heat-engine 19 fails on tags filters (sqlalchemy InvalidRequestError): a 500 RemoteError on both
    ('list-tags-engine-error', lambda e: '/stacks?tags=nope,other&name=%s' % e.base, {}),
    ('list-bad-limit', lambda e: '/stacks?limit=-1', {}),
    ('list-bad-bool', lambda e: '/stacks?show_deleted=maybe', {}),
    ('lookup-name', lambda e: '/stacks/%s' % e.base, {}),
    ('lookup-name-path', lambda e: '/stacks/%s/template' % e.base, {}),
    ('lookup-name-query', lambda e: '/stacks/%s?resolve_outputs=false&x=1&x=2' % e.base, {}),
    ('lookup-no-accept', lambda e: '/stacks/%s' % e.base, {'accept': None}),
    ('lookup-accept-any', lambda e: '/stacks/%s' % e.base, {'accept': '*/*'}),
    ('lookup-id', lambda e: '/stacks/%s' % e.base_id, {}),
    ('show', lambda e: '/stacks/%s/%s' % (e.base, e.base_id), {}),
    ('show-no-outputs', lambda e: '/stacks/%s/%s?resolve_outputs=false' % (e.base, e.base_id), {}),
    ('show-bad-bool', lambda e: '/stacks/%s/%s?resolve_outputs=' % (e.base, e.base_id), {}),
    ('template', lambda e: '/stacks/%s/%s/template' % (e.base, e.base_id), {}),
    ('environment', lambda e: '/stacks/%s/%s/environment' % (e.base, e.base_id), {}),
    ('files', lambda e: '/stacks/%s/%s/files' % (e.base, e.base_id), {}),
    ('outputs', lambda e: '/stacks/%s/%s/outputs' % (e.base, e.base_id), {}),
    ('output-show', lambda e: '/stacks/%s/%s/outputs/random' % (e.base, e.base_id), {}),
    ('output-nested', lambda e: '/stacks/%s/%s/outputs/nested_out' % (e.base, e.base_id), {}),
    ('output-missing', lambda e: '/stacks/%s/%s/outputs/nope' % (e.base, e.base_id), {}),
    ('export', lambda e: '/stacks/%s/%s/export' % (e.base, e.base_id), {}),
    # bad ones that need no body
    ('no-token', lambda e: '/stacks', {'token': None}),
    ('bad-token', lambda e: '/stacks', {'token': 'gAAAAAB-not-a-real-token-' + RUN}),
    ('not-found-name', lambda e: '/stacks/nope-%s' % RUN, {}),
    ('not-found-name-path', lambda e: '/stacks/nope-%s/outputs' % RUN, {}),
    ('not-found-id', lambda e: '/stacks/nope-%s/%s' % (RUN, uuid.uuid4()), {}),
    ('not-found-id-template', lambda e: '/stacks/nope-%s/%s/template' % (RUN, uuid.uuid4()), {}),
    ('wrong-id', lambda e: '/stacks/%s/%s' % (e.base, uuid.uuid4()), {}),
]


@pytest.mark.parametrize('case', [c[0] for c in READS])
def test_read(case, env):
    _, path, kw = next(c for c in READS if c[0] == case)
    ours, theirs = both(env, 'GET', P(env) + path(env), **kw)
    assert_same(ours, theirs)
    if case in ('no-token', 'bad-token'):
        assert ours.status == 401, ours.dump()
        assert (ours.header('www-authenticate') or '').startswith('Keystone uri='), ours.dump()


OTHER_TENANT = [
    ('GET', '/stacks', None),
    ('GET', '/stacks/nope/%s' % uuid.uuid4(), None),
    ('POST', '/stacks', {'stack_name': 'x', 'template': SMALL}),
    ('POST', '/stacks/preview', {'stack_name': 'x', 'template': SMALL}),
    ('PATCH', '/stacks/nope/%s' % uuid.uuid4(), {}),
    ('DELETE', '/stacks/nope/%s' % uuid.uuid4(), None),
]


@pytest.mark.parametrize('method,path,body', OTHER_TENANT,
                         ids=['list', 'show', 'create', 'preview', 'patch', 'delete'])
def test_other_tenant(method, path, body, env):
    """The demo token on the admin project's path: 403, before anything reaches the engine."""
    ours, theirs = both(env, method, '/v1/%s%s' % (env.admin_project, path), body=body)
    assert_same(ours, theirs)
    assert ours.status == 403, ours.dump()


# -- create and preview: bodies, templates, environments -----------------------------------------------

def big_template():
    head = 'heat_template_version: 2018-08-31\n# '
    return head + 'x' * (MAX_TEMPLATE_SIZE + 1 - len(head))


BAD_TEMPLATE_YAML = 'heat_template_version: 2018-08-31\nresources:\n  a: {type: OS::Heat::None\n'
UNKNOWN_SECTION = 'heat_template_version: 2018-08-31\nfoo: bar\nresources: {}\n'

# (case, body builder (name -> body) or raw bytes builder, kwargs)
CREATES = [
    ('create', lambda n: {'stack_name': n, 'template': SMALL, 'parameters': {'length': 9}, 'timeout_mins': 5,
                          'tags': 'a,b'}, {}),
    ('create-yaml-files', lambda n: {'stack_name': n, 'template': BASE, 'files': FILES,
                                     'environment': 'parameters: {length: 7}\n'}, {}),
    # floats come back as Python writes them (repr: 0.1, 1e+16), not as %.17g (0.10000000000000001)
    ('floats', lambda n: {'stack_name': n, 'template': {
        'heat_template_version': '2018-08-31', 'outputs': {'o': {'value': 0.3}},
        'resources': {'v': {'type': 'OS::Heat::Value', 'properties': {
            'value': [0.1, 1e16, 1.5e-05, 2.5, 1e22, 123456.789, -0.0, 3.0, 0.30000000000000004]}}}}}, {}),
    ('invalid-yaml', lambda n: {'stack_name': n, 'template': BAD_TEMPLATE_YAML}, {}),
    ('unknown-section', lambda n: {'stack_name': n, 'template': UNKNOWN_SECTION}, {}),
    ('oversize-template', lambda n: {'stack_name': n, 'template': big_template()}, {}),
    ('malformed-json', lambda n: '{"stack_name": "%s", "template": ' % n, {}),
    ('json-not-object', lambda n: '["stack_name"]', {}),
    # (not application/xml: heat-api answers that with an XML fault, which mod_heat need not do)
    ('wrong-content-type', lambda n: {'stack_name': n, 'template': SMALL}, {'content_type': 'application/x-yaml'}),
    ('no-body', lambda n: None, {}),
    ('no-stack-name', lambda n: {'template': SMALL}, {}),
    ('no-template', lambda n: {'stack_name': n}, {}),
    ('template-not-mapping', lambda n: {'stack_name': n, 'template': '- a\n- b\n'}, {}),
    ('template-no-version', lambda n: {'stack_name': n, 'template': 'resources: {}\n'}, {}),
    ('template-list', lambda n: {'stack_name': n, 'template': ['a']}, {}),
    ('unknown-parameter', lambda n: {'stack_name': n, 'template': SMALL, 'parameters': {'nope': 1}}, {}),
    ('bad-parameter-value', lambda n: {'stack_name': n, 'template': SMALL, 'parameters': {'length': 'abc'}}, {}),
    ('bad-env-section', lambda n: {'stack_name': n, 'template': SMALL, 'environment': {'nope': {}}}, {}),
    ('bad-resource-type', lambda n: {'stack_name': n, 'template': {
        'heat_template_version': '2018-08-31', 'resources': {'r': {'type': 'OS::Nope::Nothing'}}}}, {}),
    ('bad-property', lambda n: {'stack_name': n, 'template': {
        'heat_template_version': '2018-08-31',
        'resources': {'r': {'type': 'OS::Heat::RandomString', 'properties': {'length': 'long'}}}}}, {}),
    ('tags-list', lambda n: {'stack_name': n, 'template': SMALL, 'tags': ['a']}, {}),
    ('bad-timeout', lambda n: {'stack_name': n, 'template': SMALL, 'timeout_mins': 'soon'}, {}),
    ('converge-on-create', lambda n: {'stack_name': n, 'template': SMALL, 'converge': True}, {}),
]


def _send_create(env, side, case, path):
    _, build, kw = next(c for c in CREATES if c[0] == case)
    body = build(env.name(case + path.replace('/stacks', '').replace('/', '-'), side))
    return env.send(side, 'POST', P(env) + path, body=body, **kw)


@pytest.mark.parametrize('case', [c[0] for c in CREATES])
def test_create(case, env):
    """POST /stacks: each side gets a stack name of its own (normalised in the comparison)."""
    ours = _send_create(env, 'mh', case, '/stacks')
    theirs = _send_create(env, 'py', case, '/stacks')
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))


@pytest.mark.parametrize('case', [c[0] for c in CREATES])
def test_preview(case, env):
    """POST /stacks/preview: nothing is created, so the same name could be used; per side anyway."""
    ours = _send_create(env, 'mh', case, '/stacks/preview')
    theirs = _send_create(env, 'py', case, '/stacks/preview')
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))


def test_create_duplicate_name(env):
    """The base stack exists: 409 StackExists from the engine, on both."""
    body = {'stack_name': env.base, 'template': SMALL}
    ours, theirs = both(env, 'POST', P(env) + '/stacks', body=body)
    assert_same(ours, theirs)
    assert ours.status == 409, ours.dump()


def test_created_stacks_complete(env):
    """The stacks the create cases made on each side reach CREATE_COMPLETE and look alike."""
    for kind in ('create', 'create-yaml-files'):
        shown = {}
        for side in ('mh', 'py'):
            name = env.name(kind, side)
            stack = env.stack.find_stack('demo', name)
            assert stack is not None, '%s was not created' % name
            shown[side] = env.stack.wait_stack('demo', '%s/%s' % (name, stack['id']), ('CREATE_COMPLETE',))
        for key in ('stack_status', 'parameters', 'tags', 'timeout_mins', 'disable_rollback', 'description'):
            a, b = shown['mh'].get(key), shown['py'].get(key)
            if key == 'parameters':
                a = {k: v for k, v in a.items() if not k.startswith('OS::')}
                b = {k: v for k, v in b.items() if not k.startswith('OS::')}
            assert a == b, '%s: mod_heat-created %r, python-created %r' % (key, a, b)


# -- update previews of the base stack (nothing changes: the same stack on both sides) ----------------

UPDATE_PREVIEWS = [
    ('put-preview', 'PUT', '/preview', {'template': BASE, 'files': FILES, 'parameters': {'length': 8}}),
    ('put-preview-nested', 'PUT', '/preview?show_nested=true',
     {'template': BASE, 'files': FILES, 'parameters': {'length': 8}}),
    ('patch-preview', 'PATCH', '/preview', {'parameters': {'length': 8}}),
    ('patch-preview-empty', 'PATCH', '/preview', {}),
    ('put-preview-no-template', 'PUT', '/preview', {'parameters': {'length': 8}}),
    ('put-preview-malformed', 'PUT', '/preview', '{"template": '),
]


@pytest.mark.parametrize('case', [c[0] for c in UPDATE_PREVIEWS])
def test_update_preview(case, env):
    _, method, suffix, body = next(c for c in UPDATE_PREVIEWS if c[0] == case)
    path = P(env) + '/stacks/%s/%s%s' % (env.base, env.base_id, suffix)
    ours, theirs = both(env, method, path, body=body)
    assert_same(ours, theirs)


# -- bad updates (nothing changes) -------------------------------------------------------------------

BAD_UPDATES = [
    ('put-no-body', 'PUT', None),
    ('put-malformed-json', 'PUT', '{"template": '),
    ('put-no-template', 'PUT', {'parameters': {'length': 8}}),
    ('put-invalid-yaml', 'PUT', {'template': BAD_TEMPLATE_YAML}),
    ('put-unknown-section', 'PUT', {'template': UNKNOWN_SECTION}),
    ('put-oversize-template', 'PUT', {'template': big_template()}),
    ('patch-malformed-json', 'PATCH', '{"parameters": '),
    ('patch-bad-timeout', 'PATCH', {'timeout_mins': 'soon'}),
    ('patch-converge-string', 'PATCH', {'converge': 'maybe'}),
    ('patch-bad-tags', 'PATCH', {'tags': ['a']}),
]


@pytest.mark.parametrize('case', [c[0] for c in BAD_UPDATES])
def test_bad_update(case, env):
    _, method, body = next(c for c in BAD_UPDATES if c[0] == case)
    ours, theirs = both(env, method, P(env) + '/stacks/%s/%s' % (env.base, env.base_id), body=body)
    assert_same(ours, theirs)
    assert ours.status >= 400, ours.dump()


@pytest.mark.parametrize('method', ['PUT', 'PATCH', 'DELETE'])
def test_write_not_found(method, env):
    body = None if method == 'DELETE' else {'template': SMALL} if method == 'PUT' else {}
    ours, theirs = both(env, method, P(env) + '/stacks/nope-%s/%s' % (RUN, uuid.uuid4()), body=body)
    assert_same(ours, theirs)
    assert ours.status == 404, ours.dump()


def test_base_unchanged(env):
    """None of the previews and bad updates above changed the base stack."""
    stack = env.stack.wait_stack('demo', '%s/%s' % (env.base, env.base_id), ('CREATE_COMPLETE', 'UPDATE_COMPLETE'))
    assert stack['stack_status'] == 'CREATE_COMPLETE', stack


# -- updates and delete: each side on its own stack ----------------------------------------------------

def _upd(env, side, method, body, suffix=''):
    path = P(env) + '/stacks/%s/%s%s' % (env.name('upd', side), env.side_ids[('upd', side)], suffix)
    return env.send(side, method, path, body=body)


def _wait_upd(env, want, answers):
    """Waits for the stacks of the sides whose update was accepted (202); {side: stack}."""
    out = {}
    for side in ('mh', 'py'):
        if answers[side].status == 202:
            out[side] = env.stack.wait_stack(
                'demo', '%s/%s' % (env.name('upd', side), env.side_ids[('upd', side)]),
                (want, want.split('_')[0] + '_FAILED'))
    return out


@pytest.mark.parametrize('case,method,body,want', [
    ('put', 'PUT', {'template': SMALL, 'parameters': {'length': 16}}, 16),
    ('patch-existing', 'PATCH', {'parameters': {'length': 10}}, 10),
    ('patch-nothing', 'PATCH', {}, 10),
    ('put-clear-parameters', 'PUT', {'template': SMALL, 'clear_parameters': ['length']}, 12),
])
def test_update(case, method, body, want, env):
    ours = _upd(env, 'mh', method, body)
    theirs = _upd(env, 'py', method, body)
    done = _wait_upd(env, 'UPDATE_COMPLETE', {'mh': ours, 'py': theirs})
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
    for side, stack in done.items():
        assert stack['stack_status'] == 'UPDATE_COMPLETE', (side, stack)
        assert stack['parameters']['length'] == str(want), (side, stack['parameters'])
        random = [o['output_value'] for o in stack['outputs'] if o['output_key'] == 'random'][0]
        assert len(random) == want, (side, random)


def test_update_during_update(env):
    """A second update while the first runs. heat-engine 19 uses convergence, so it is accepted
    (202 on both; the newer traversal wins), not refused with 409 ActionInProgress. The first
    update adds an OS::Heat::TestResource that takes 4 s to create."""
    slow = json.loads(json.dumps(SMALL))
    slow['resources']['slow'] = {'type': 'OS::Heat::TestResource',
                                 'properties': {'value': 'slow', 'action_wait_secs': {'create': 4}}}
    first = {'template': slow, 'parameters': {'length': 11}}
    second = {'parameters': {'length': 13}}
    r1 = {side: _upd(env, side, 'PUT', first) for side in ('mh', 'py')}
    r2 = {side: _upd(env, side, 'PATCH', second) for side in ('mh', 'py')}
    for side in ('mh', 'py'):
        if r2[side].status == 202:
            env.stack.wait_stack('demo', '%s/%s' % (env.name('upd', side), env.side_ids[('upd', side)]),
                                 ('UPDATE_COMPLETE', 'UPDATE_FAILED'),
                                 until=lambda st: st['parameters'].get('length') == '13')
    assert_same(r1['mh'], r1['py'], env.subs('mh'), env.subs('py'))
    assert_same(r2['mh'], r2['py'], env.subs('mh'), env.subs('py'))


def test_delete(env):
    ours = _upd(env, 'mh', 'DELETE', None)
    theirs = _upd(env, 'py', 'DELETE', None)
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
    assert ours.status == 204, ours.dump()
    for side in ('mh', 'py'):
        env.stack.wait_stack('demo', '%s/%s' % (env.name('upd', side), env.side_ids[('upd', side)]),
                             ('DELETE_COMPLETE',))
