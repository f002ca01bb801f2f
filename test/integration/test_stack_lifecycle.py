"""A whole stack life cycle driven by python-openstackclient through mod_heat.

`openstack` finds the orchestration endpoint in the stack's Keystone catalog, which points at
127.0.0.1:8004: the stack_httpd fixture serves mod_heat exactly there, and every step checks in
mod_heat's access log that it really went through it. The template is the peer smoke stack
(stack_templates/main.yaml: OS::Heat::RandomString, OS::Heat::None, OS::Heat::TestResource,
OS::Heat::Value and nested.yaml as a nested stack, which the client sends in `files`).

The tests run in file order and share one stack (admin project); if the CLI create fails, the
stack is made through the Python heat-api so that the read steps still say something.
"""

import json
import os
import re
import shutil
import time
import uuid

import pytest

from heat_stack import TEMPLATES, read_template

pytestmark = pytest.mark.real_stack


class Life:
    def __init__(self, stack, httpd, workdir):
        self.stack = stack
        self.httpd = httpd
        self.workdir = workdir
        self.name = 'life-' + uuid.uuid4().hex[:8]
        self.id = None
        self.access_lines = []

    def cli(self, *args, user='admin', check=True, timeout=180):
        return self.stack.openstack(user, *args, cwd=self.workdir, check=check, timeout=timeout)

    def cli_json(self, *args, user='admin', timeout=180):
        """Runs a command with -f json; --wait commands print events first, then the JSON."""
        _, out, _ = self.cli(*(list(args) + ['-f', 'json']), user=user, timeout=timeout)
        m = re.search(r'^[\[{]', out, re.M)
        if not m:
            raise AssertionError('`openstack %s` printed no JSON:\n%s' % (' '.join(args), out))
        return json.loads(out[m.start():])

    def mark(self):
        """Forgets the access log lines so far (each test looks at its own)."""
        self.httpd.access.mark()
        self.access_lines = []

    def assert_through_mod_heat(self, method, path_re, status):
        """mod_heat's access log has the request. Apache logs a request after answering it, so
        the line may come a moment after the client has its answer: waits for it (bounded)."""
        match = lambda lines: any(m == method and re.search(path_re, p) and s == status for m, p, s in lines)
        lines = self.httpd.access.wait_for(self.access_lines, match)
        if not match(lines):
            raise AssertionError('no "%s %s" -> %d in mod_heat\'s access log; it has:\n%s'
                                 % (method, path_re, status, '\n'.join('%s %s %d' % l for l in lines)))

    def outputs(self):
        """{output_key: output_value} through `openstack stack output show --all`."""
        raw = self.cli_json('stack', 'output', 'show', self.name, '--all')
        out = {}
        for key, value in raw.items():
            value = json.loads(value) if isinstance(value, str) else value
            out[key] = value['output_value']
        return out


@pytest.fixture(scope='module')
def life(real_stack, stack_httpd, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('lifecycle'))
    for name in ('main.yaml', 'nested.yaml'):
        shutil.copy(os.path.join(TEMPLATES, name), workdir)
    # stacks an interrupted earlier run left behind
    real_stack.delete_leftovers('admin', 'life-')
    lf = Life(real_stack, stack_httpd, workdir)
    yield lf
    real_stack.delete_stack('admin', lf.name)


@pytest.fixture(autouse=True)
def _mark_access_log(life):
    life.mark()


def test_create_wait(life):
    t0 = time.time()
    rc, out, err = life.cli('stack', 'create', '--wait', '-t', 'main.yaml', life.name, '-f', 'json',
                            check=False, timeout=180)
    if rc != 0:
        # keep the other steps meaningful: make the stack through the Python heat-api unless
        # the create went through and only the waiting failed
        if life.stack.find_stack('admin', life.name) is None:
            life.stack.create_stack('admin', life.name, read_template('main.yaml'),
                                    files={'nested.yaml': read_template('nested.yaml')})
        life.stack.wait_stack('admin', life.name, ('CREATE_COMPLETE',), timeout=60)
        raise AssertionError('`openstack stack create --wait` through mod_heat failed (exit %d, %.1f s)\n'
                             'stdout:\n%s\nstderr:\n%s' % (rc, time.time() - t0, out, err))
    stack = json.loads(out[re.search(r'^\{', out, re.M).start():])
    life.id = stack['id']
    assert stack['stack_name'] == life.name
    assert stack['stack_status'] == 'CREATE_COMPLETE', stack
    assert stack['description'] == 'mod_heat peer smoke stack - no Nova/Neutron needed'
    life.assert_through_mod_heat('POST', r'^/v1/[0-9a-f]{32}/stacks$', 201)


def test_outputs(life):
    out = life.outputs()
    assert set(out) == {'random', 'test_output', 'value', 'nested_out'}, out
    assert re.match(r'^[A-Za-z0-9]{12}$', out['random']), out
    assert out['test_output'] == out['random'], out
    assert out['value'] == 'v-' + out['random'], out
    assert out['nested_out'] == 'hello from nested', out
    one = life.cli_json('stack', 'output', 'show', life.name, 'value')
    assert one == {'output_key': 'value', 'output_value': out['value'], 'description': 'No description given'}
    listed = life.cli_json('stack', 'output', 'list', life.name)
    assert sorted(o['output_key'] for o in listed) == sorted(out)
    life.assert_through_mod_heat('GET', r'/stacks/%s/[0-9a-f-]{36}/outputs/value$' % life.name, 200)


def test_list_and_show(life):
    stacks = life.cli_json('stack', 'list')
    mine = [s for s in stacks if s['Stack Name'] == life.name]
    assert len(mine) == 1, stacks
    assert mine[0]['Stack Status'] == 'CREATE_COMPLETE'
    life.id = life.id or mine[0]['ID']
    assert mine[0]['ID'] == life.id
    life.assert_through_mod_heat('GET', r'^/v1/[0-9a-f]{32}/stacks(\?|$)', 200)
    shown = life.cli_json('stack', 'show', life.name)
    assert shown['id'] == life.id
    assert shown['stack_status'] == 'CREATE_COMPLETE'
    assert shown['parameters']['length'] == '12'
    assert shown['parameters']['OS::stack_name'] == life.name
    assert shown['parameters']['OS::stack_id'] == life.id
    outputs = {o['output_key']: o['output_value'] for o in shown['outputs']}
    assert outputs['nested_out'] == 'hello from nested'
    assert outputs['value'] == 'v-' + outputs['random']
    # `stack show NAME` is a lookup (302) and then the show
    life.assert_through_mod_heat('GET', r'/stacks/%s$' % life.name, 302)
    life.assert_through_mod_heat('GET', r'/stacks/%s/%s$' % (life.name, life.id), 200)
    rc, out, err = life.cli('stack', 'resource', 'list', life.name, '-f', 'json', check=False)
    # (resources are not a stack route; only checked when mod_heat serves them)
    if rc == 0:
        assert {r['resource_name'] for r in json.loads(out)} == {'rand', 'nothing', 'test', 'val', 'child'}


def test_template_show(life):
    tmpl = life.cli_json('stack', 'template', 'show', life.name)
    assert tmpl['heat_template_version'] == '2018-08-31'
    assert tmpl['description'] == 'mod_heat peer smoke stack - no Nova/Neutron needed'
    assert set(tmpl['resources']) == {'rand', 'nothing', 'test', 'val', 'child'}
    assert tmpl['resources']['rand']['type'] == 'OS::Heat::RandomString'
    # the client sent nested.yaml as a file: its type is the file's URL
    assert tmpl['resources']['child']['type'].endswith('nested.yaml'), tmpl['resources']['child']
    assert set(tmpl['outputs']) == {'random', 'test_output', 'value', 'nested_out'}
    life.assert_through_mod_heat('GET', r'/stacks/%s/[0-9a-f-]{36}/template$' % life.name, 200)


def test_demo_cannot_see_admins_stack(life):
    stacks = life.cli_json('stack', 'list', user='demo')
    assert life.name not in [s['Stack Name'] for s in stacks]
    for ref in (life.name, life.id):
        if ref is None:
            continue
        rc, out, err = life.cli('stack', 'show', ref, user='demo', check=False)
        assert rc != 0, out
        assert 'Stack not found' in out + err, out + err
    rc, out, err = life.cli('stack', 'output', 'show', life.name, 'random', user='demo', check=False)
    assert rc != 0 and life.name in out + err and 'not found' in out + err, out + err


def run_wait(life, *args):
    """Runs an `openstack ... --wait` command. If it fails, the same command runs again without
    --wait (that must work) so that the next checks still say something; returns the first
    failure as text (None when --wait worked) and the output of the run that worked."""
    rc, out, err = life.cli(*args, check=False)
    if rc == 0:
        return None, out
    failure = '`openstack %s` through mod_heat failed (exit %d)\nstdout:\n%s\nstderr:\n%s' % (
        ' '.join(args), rc, out, err)
    try:
        _, out, _ = life.cli(*[a for a in args if a != '--wait'])
    except AssertionError as e:
        raise AssertionError('%s\n\nand then without --wait:\n%s' % (failure, e))
    return failure, out


def test_update_dry_run(life):
    """`stack update --dry-run`: the update preview (PUT .../preview) through mod_heat."""
    changes = life.cli_json('stack', 'update', '--dry-run', '-t', 'main.yaml', '--parameter', 'length=20', life.name)
    names = lambda state: {c['resource_name'] for c in json.loads(changes[state]) if isinstance(c, dict)} \
        if isinstance(changes.get(state), str) else {c['resource_name'] for c in changes.get(state, [])}
    assert 'rand' in names('updated') | names('replaced'), changes
    assert 'nothing' in names('unchanged'), changes
    life.assert_through_mod_heat('PUT', r'/stacks/%s/[0-9a-f-]{36}/preview$' % life.name, 200)
    assert life.stack.find_stack('admin', life.name)['stack_status'] == 'CREATE_COMPLETE'


def test_update_wait(life):
    before = life.outputs()
    failure, out = run_wait(life, 'stack', 'update', '--wait', '-t', 'main.yaml', '--parameter', 'length=20',
                            life.name, '-f', 'json')
    life.assert_through_mod_heat('PUT', r'/stacks/%s/[0-9a-f-]{36}$' % life.name, 202)
    if failure is None:
        shown = json.loads(out[re.search(r'^\{', out, re.M).start():])
        assert shown['stack_status'] == 'UPDATE_COMPLETE', shown
    life.stack.wait_stack('admin', life.name, ('UPDATE_COMPLETE',), timeout=60)
    out = life.outputs()
    assert re.match(r'^[A-Za-z0-9]{20}$', out['random']), out
    assert out['random'] != before['random']
    assert out['test_output'] == out['random'], out
    assert out['value'] == 'v-' + out['random'], out
    assert out['nested_out'] == 'hello from nested', out
    shown = life.cli_json('stack', 'show', life.name)
    assert shown['parameters']['length'] == '20'
    assert shown['stack_status'] == 'UPDATE_COMPLETE'
    assert shown['updated_time'] is not None
    if failure:
        raise AssertionError(failure)


def test_delete_wait(life):
    failure, _ = run_wait(life, 'stack', 'delete', '--wait', '-y', life.name)
    life.assert_through_mod_heat('DELETE', r'/stacks/%s/[0-9a-f-]{36}$' % life.name, 204)
    life.stack.wait_stack('admin', life.name, ('DELETE_COMPLETE',), timeout=60)
    rc, out, err = life.cli('stack', 'show', life.name, check=False)
    assert rc != 0
    assert 'Stack not found: %s' % life.name in out + err, out + err
    stacks = life.cli_json('stack', 'list')
    assert life.name not in [s['Stack Name'] for s in stacks]
    if failure:
        raise AssertionError(failure)
