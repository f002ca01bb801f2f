"""Resources, actions and snapshots: the same requests, good and bad, to mod_heat (127.0.0.1:8004)
and to the Python heat-api 19.0.0 (127.0.0.1:18004), same heat.conf, same heat-engine, same
Keystone, real tokens of the demo project; compared as test_stack_differential.py compares
(heat_stack.assert_same: status, reason, the compared headers, the request id's presence and the
body after normalising ports, uuids, timestamps and tracebacks).

Reads and requests that change nothing go to one shared stack (rdiff-base-<run>: a RandomString,
a None and a nested stack). Requests that change a stack (actions, snapshots and restores,
mark_unhealthy) go to a stack per side (rdiff-act-mh-<run> / rdiff-act-py-<run>, two
OS::Heat::None resources, whose physical ids are uuids), in the same order on both sides, each
side waiting for the engine to finish before the next step; the names are normalised.
"""

import json
import time
import uuid

import pytest

from heat_client import request
from heat_stack import assert_same, read_template

pytestmark = [pytest.mark.real_stack, pytest.mark.python_reference]

RUN = uuid.uuid4().hex[:6]
PREFIX = 'rdiff-'

BASE = """heat_template_version: 2018-08-31
description: mod_heat resource differential stack
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: 10
  nothing:
    type: OS::Heat::None
  child:
    type: nested.yaml
    properties:
      greeting: hi
"""
FILES = {'nested.yaml': read_template('nested.yaml')}
ACT = {'heat_template_version': '2018-08-31',
       'resources': {'a': {'type': 'OS::Heat::None'}, 'b': {'type': 'OS::Heat::None'}}}
SIDES = ('mh', 'py')


class Env:
    def __init__(self, stack, httpd):
        self.stack = stack
        self.ports = {'mh': httpd.ports['api'], 'py': stack.py_api_port}
        self.token, self.project = stack.token('demo')
        self.admin_token, self.admin_project = stack.token('admin')
        self.base = PREFIX + 'base-' + RUN
        self.base_id = None
        self.act_ids = {}
        self.user_projects = {}     # each stack's own stack_user_project_id (in snapshot data)

    def act(self, side):
        return '%sact-%s-%s' % (PREFIX, side, RUN)

    def act_path(self, side):
        return '/v1/%s/stacks/%s/%s' % (self.project, self.act(side), self.act_ids[side])

    def base_path(self):
        return '/v1/%s/stacks/%s/%s' % (self.project, self.base, self.base_id)

    def subs(self, side):
        """rdiff-act-<side>-<run> becomes rdiff-act-SIDE; the stack's user project, USER_PROJECT."""
        return [('-%s-%s' % (side, RUN), '-SIDE'), (self.user_projects.get(side, 'NONE'), 'USER_PROJECT')]

    def send(self, side, method, path, body=None, token='demo', content_type='application/json',
             accept='application/json'):
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
        return request(self.ports[side], method, path, headers=hdrs, body=body, timeout=120)

    def wait_act(self, side, want, until=None, timeout=120):
        return self.stack.wait_stack('demo', '%s/%s' % (self.act(side), self.act_ids[side]), want,
                                     timeout=timeout, until=until)


@pytest.fixture(scope='module')
def env(real_stack, stack_httpd):
    e = Env(real_stack, stack_httpd)
    real_stack.delete_leftovers('demo', PREFIX)
    try:
        e.base_id = real_stack.create_stack('demo', e.base, BASE, files=FILES, wait=False)
        for side in SIDES:
            e.act_ids[side] = real_stack.create_stack('demo', e.act(side), ACT, wait=False)
        real_stack.wait_stack('demo', '%s/%s' % (e.base, e.base_id), ('CREATE_COMPLETE',))
        for side in SIDES:
            shown = e.wait_act(side, ('CREATE_COMPLETE',))
            e.user_projects[side] = shown.get('stack_user_project_id') or 'NONE'
        yield e
    finally:
        problems = real_stack.delete_stacks('demo', lambda n: n.startswith(PREFIX) and n.endswith(RUN))
        if problems:
            raise AssertionError('cleaning up the resource differential stacks:\n' + '\n'.join(problems))


def both(env, method, path, **kw):
    return env.send('mh', method, path, **kw), env.send('py', method, path, **kw)


def per_side(env, method, suffix, unordered=(), **kw):
    """The same request on each side's own stack; compared with the names normalised (and the
    lists under the keys in unordered compared whatever their order)."""
    ours = env.send('mh', method, env.act_path('mh') + suffix, **kw)
    theirs = env.send('py', method, env.act_path('py') + suffix, **kw)
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'), unordered)
    return ours, theirs


# -- resource reads on the shared stack --------------------------------------------------------------

READS = [
    ('list', '/resources'),
    ('list-detail', '/resources?with_detail=true'),
    ('list-detail-false', '/resources?with_detail=False'),
    ('list-nested', '/resources?nested_depth=2'),
    ('list-nested-detail', '/resources?nested_depth=1&with_detail=true'),
    ('list-filter-type', '/resources?type=OS::Heat::None'),
    ('list-filter-names', '/resources?name=rand&name=nothing'),
    ('list-filter-status', '/resources?status=COMPLETE&action=CREATE'),
    ('list-filter-empty', '/resources?name='),
    ('list-filter-nomatch', '/resources?physical_resource_id=nope&id=nope'),
    ('list-unknown-key', '/resources?foo=1'),
    ('list-unknown-key-repeated', '/resources?foo=1&foo=2&name=rand'),
    ('list-bad-depth', '/resources?nested_depth=deep'),
    ('list-negative-depth', '/resources?nested_depth=-1'),
    ('list-empty-depth', '/resources?nested_depth='),
    ('list-bad-detail', '/resources?with_detail=maybe'),
    ('show', '/resources/rand'),
    ('show-nested', '/resources/child'),
    ('show-attr', '/resources/rand?with_attr=value'),
    ('show-attrs', '/resources/child?with_attr=shout&with_attr=nope'),
    ('show-empty-attr', '/resources/nothing?with_attr='),
    ('show-missing', '/resources/nope'),
    ('metadata', '/resources/rand/metadata'),
    ('metadata-nested', '/resources/child/metadata'),
    ('metadata-missing', '/resources/nope/metadata'),
    ('events-of-resource', '/resources/rand/events'),
]


@pytest.mark.parametrize('case', [c[0] for c in READS])
def test_resource_read(case, env):
    suffix = next(c[1] for c in READS if c[0] == case)
    ours, theirs = both(env, 'GET', env.base_path() + suffix)
    assert_same(ours, theirs)
    if case.startswith('list-unknown'):
        assert ours.status == 400 and b"Invalid filter parameters ['foo']" in ours.body, ours.dump()


def test_resource_list_shape(env):
    """The view: links self/stack (and nested for the nested stack), joined status, no metadata."""
    ours = env.send('mh', 'GET', env.base_path() + '/resources')
    assert ours.status == 200, ours.dump()
    resources = {r['resource_name']: r for r in json.loads(ours.body)['resources']}
    assert set(resources) == {'rand', 'nothing', 'child'}
    child = resources['child']
    assert [l['rel'] for l in child['links']] == ['self', 'stack', 'nested']
    assert child['links'][0]['href'].endswith('/stacks/%s/%s/resources/child' % (env.base, env.base_id))
    assert child['links'][1]['href'].endswith('/stacks/%s/%s' % (env.base, env.base_id))
    assert child['resource_status'] == 'CREATE_COMPLETE'
    assert child['logical_resource_id'] == 'child'
    assert 'metadata' not in child and 'resource_action' not in child


# -- writes that change nothing (refused by the API or by the engine) ------------------------------

BAD_WRITES = [
    # signal: RandomString has no handle_signal (the engine's error); missing resource
    ('signal-unsupported', 'POST', '/resources/rand/signal', {'data': 1}, {}),
    ('signal-no-body', 'POST', '/resources/rand/signal', None, {}),
    ('signal-not-json', 'POST', '/resources/rand/signal', 'hello', {'content_type': 'text/plain'}),
    ('signal-malformed', 'POST', '/resources/rand/signal', '{"a": ', {}),
    ('signal-missing', 'POST', '/resources/nope/signal', {}, {}),
    # mark_unhealthy: heat-api's validation, then the engine's errors
    ('mark-no-body', 'PATCH', '/resources/nothing', None, {}),
    ('mark-malformed', 'PATCH', '/resources/nothing', '{"mark_unhealthy": tru', {}),
    ('mark-empty', 'PATCH', '/resources/nothing', {}, {}),
    ('mark-reason-only', 'PATCH', '/resources/nothing', {'resource_status_reason': 'x'}, {}),
    ('mark-unknown-key', 'PATCH', '/resources/nothing', {'mark_unhealthy': True, 'bogus': 1}, {}),
    ('mark-bad-string', 'PATCH', '/resources/nothing', {'mark_unhealthy': 'maybe'}, {}),
    ('mark-int', 'PATCH', '/resources/nothing', {'mark_unhealthy': 1}, {}),
    ('mark-float', 'PATCH', '/resources/nothing', {'mark_unhealthy': 1.5}, {}),
    ('mark-null', 'PATCH', '/resources/nothing', {'mark_unhealthy': None}, {}),
    ('mark-list', 'PATCH', '/resources/nothing', {'mark_unhealthy': ['a', "b'c"]}, {}),
    ('mark-dict', 'PATCH', '/resources/nothing', {'mark_unhealthy': {'k': None}}, {}),
    ('mark-missing-resource', 'PATCH', '/resources/nope', {'mark_unhealthy': True}, {}),
    # actions: heat-api's validation; cancel_update on a stack that is not updating (the engine's)
    ('action-no-body', 'POST', '/actions', None, {}),
    ('action-empty', 'POST', '/actions', {}, {}),
    ('action-several', 'POST', '/actions', {'suspend': None, 'resume': None}, {}),
    ('action-unknown', 'POST', '/actions', {'explode': None}, {}),
    ('action-malformed', 'POST', '/actions', '{"check": ', {}),
    ('action-not-json', 'POST', '/actions', 'check', {'content_type': 'text/plain'}),
    ('action-cancel-update', 'POST', '/actions', {'cancel_update': None}, {}),
    ('action-cancel-no-rollback', 'POST', '/actions', {'cancel_without_rollback': None}, {}),
    # snapshots: the body is required
    ('snapshot-no-body', 'POST', '/snapshots', None, {}),
    ('snapshot-malformed', 'POST', '/snapshots', '{"name": ', {}),
    ('snapshot-not-json', 'POST', '/snapshots', 'name', {'content_type': 'application/x-yaml'}),
    ('snapshot-show-missing', 'GET', '/snapshots/%s' % uuid.uuid4(), None, {}),
    ('snapshot-delete-missing', 'DELETE', '/snapshots/%s' % uuid.uuid4(), None, {}),
    ('snapshot-restore-missing', 'POST', '/snapshots/%s/restore' % uuid.uuid4(), None, {}),
    ('snapshot-list-empty', 'GET', '/snapshots', None, {}),
]


@pytest.mark.parametrize('case', [c[0] for c in BAD_WRITES])
def test_bad_write(case, env):
    _, method, suffix, body, kw = next(c for c in BAD_WRITES if c[0] == case)
    ours, theirs = both(env, method, env.base_path() + suffix, body=body, **kw)
    assert_same(ours, theirs)
    assert ours.status >= 400 or case == 'snapshot-list-empty', ours.dump()


OTHER_TENANT = [
    ('resources', 'GET', '/resources', None),
    ('resource-show', 'GET', '/resources/rand', None),
    ('mark', 'PATCH', '/resources/rand', {'mark_unhealthy': True}),
    ('action-check', 'POST', '/actions', {'check': None}),
    ('action-empty', 'POST', '/actions', {}),   # the body is checked first: 400
    ('snapshots', 'GET', '/snapshots', None),
]


@pytest.mark.parametrize('case', [c[0] for c in OTHER_TENANT])
def test_other_tenant(case, env):
    _, method, suffix, body = next(c for c in OTHER_TENANT if c[0] == case)
    path = '/v1/%s/stacks/%s/%s%s' % (env.admin_project, env.base, env.base_id, suffix)
    ours, theirs = both(env, method, path, body=body)
    assert_same(ours, theirs)
    assert ours.status == (400 if case == 'action-empty' else 403), ours.dump()


# -- changes, each side on its own stack --------------------------------------------------------------

@pytest.mark.parametrize('action,want', [('check', 'CHECK_COMPLETE'), ('suspend', 'SUSPEND_COMPLETE'),
                                         ('resume', 'RESUME_COMPLETE')])
def test_action(action, want, env):
    ours, _ = per_side(env, 'POST', '/actions', body={action: None})
    assert ours.status == 200 and ours.body == b'null', ours.dump()
    for side in SIDES:
        env.wait_act(side, (want,))


def test_resources_per_side(env):
    # each side's stack lists a and b in the order the engine created them, which Heat leaves open
    ours, _ = per_side(env, 'GET', '/resources?with_detail=true', unordered=('resources',))
    assert sorted(r['resource_name'] for r in json.loads(ours.body)['resources']) == ['a', 'b'], ours.dump()
    per_side(env, 'GET', '/resources/a')


def wait_snapshots(env, ids, timeout=60):
    """Snapshots are taken in the background: waits until each side's is COMPLETE."""
    for side in SIDES:
        deadline = time.time() + timeout
        while True:
            r = env.send('py', 'GET', env.act_path(side) + '/snapshots/' + ids[side])
            status = json.loads(r.body)['snapshot']['status'] if r.status == 200 else None
            if status == 'COMPLETE':
                break
            assert status == 'IN_PROGRESS' and time.time() < deadline, r.dump()
            time.sleep(0.5)


def test_snapshots(env):
    ours, theirs = per_side(env, 'POST', '/snapshots', body={'name': 'snap-' + RUN})
    assert ours.status == 200, ours.dump()
    ids = {'mh': json.loads(ours.body)['id'], 'py': json.loads(theirs.body)['id']}
    wait_snapshots(env, ids)
    per_side(env, 'GET', '/snapshots')
    ours = env.send('mh', 'GET', env.act_path('mh') + '/snapshots/' + ids['mh'])
    theirs = env.send('py', 'GET', env.act_path('py') + '/snapshots/' + ids['py'])
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
    assert ours.status == 200 and json.loads(ours.body)['snapshot']['status'] == 'COMPLETE', ours.dump()

    # restore: 202 with webob's body, then the stack is restored (bounded wait)
    ours, theirs = (env.send(side, 'POST', env.act_path(side) + '/snapshots/%s/restore' % ids[side])
                    for side in SIDES)
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
    assert ours.status == 202, ours.dump()
    for side in SIDES:
        env.wait_act(side, ('RESTORE_COMPLETE',), timeout=90)

    # a second snapshot without a name ({} gives name null)
    ours2, theirs2 = per_side(env, 'POST', '/snapshots', body={})
    ids2 = {'mh': json.loads(ours2.body)['id'], 'py': json.loads(theirs2.body)['id']}
    assert json.loads(ours2.body)['name'] is None, ours2.dump()
    wait_snapshots(env, ids2)

    # delete both, then they are gone
    for snaps in (ids, ids2):
        ours = env.send('mh', 'DELETE', env.act_path('mh') + '/snapshots/' + snaps['mh'])
        theirs = env.send('py', 'DELETE', env.act_path('py') + '/snapshots/' + snaps['py'])
        assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
        assert ours.status == 204, ours.dump()
    ours = env.send('mh', 'GET', env.act_path('mh') + '/snapshots/' + ids['mh'])
    theirs = env.send('py', 'GET', env.act_path('py') + '/snapshots/' + ids['py'])
    assert_same(ours, theirs, env.subs('mh'), env.subs('py'))
    assert ours.status == 404, ours.dump()


def test_mark_unhealthy(env):
    ours, _ = per_side(env, 'PATCH', '/resources/b',
                       body={'mark_unhealthy': True, 'resource_status_reason': 'differential ' + RUN})
    assert ours.status == 200 and ours.body == b'null', ours.dump()
    ours, _ = per_side(env, 'GET', '/resources/b')
    assert json.loads(ours.body)['resource']['resource_status'] == 'CHECK_FAILED', ours.dump()
    ours, _ = per_side(env, 'PATCH', '/resources/b', body={'mark_unhealthy': 'FALSE'})
    assert ours.status == 200 and ours.body == b'null', ours.dump()
    per_side(env, 'GET', '/resources/b')
