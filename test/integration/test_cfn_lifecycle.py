"""A whole stack life cycle driven by awscli (`aws cloudformation ...`) through mod_heat's CFN API
(127.0.0.1:8000, the real stack's heat.conf, heat-engine and Keystone): create-stack with a
CloudFormation-format template and parameters, describe-stacks until CREATE_COMPLETE, outputs,
resources, events, get-template, update-stack, cancel-update-stack, delete-stack. awscli signs
every request with SigV4 (the demo user's EC2 credentials), so each step also goes through
mod_heat's ec2authtoken; the create itself cannot be signed (see test_create). Each step checks in mod_heat's access log that it went through mod_heat.

The tests run in file order and share one stack (demo project); it is deleted at the end.
"""

import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse
import uuid

import pytest

from heat_client import request

pytestmark = pytest.mark.real_stack

RUN = uuid.uuid4().hex[:6]

TEMPLATE = """HeatTemplateFormatVersion: '2012-12-12'
Description: mod_heat awscli life cycle
Parameters:
  Len:
    Type: Number
    Default: 8
Resources:
  Rand:
    Type: OS::Heat::RandomString
    Properties:
      length: {Ref: Len}
  Slow:
    Type: OS::Heat::TestResource
    Properties:
      value: {Ref: Len}
      update_replace: false
      action_wait_secs: {update: 30}
Outputs:
  Random:
    Description: the random string
    Value: {'Fn::GetAtt': [Rand, value]}
  Length:
    Value: {Ref: Len}
"""


class Cli:
    def __init__(self, stack, httpd, home):
        self.stack = stack
        self.httpd = httpd
        self.name = 'awscli-' + RUN
        self.aws = shutil.which('aws', path='/usr/bin:/bin')
        user = stack.facts['users']['demo']
        self.env = {'PATH': '/usr/bin:/bin', 'HOME': home, 'AWS_ACCESS_KEY_ID': user['ec2_access'],
                    'AWS_SECRET_ACCESS_KEY': user['ec2_secret'], 'AWS_DEFAULT_REGION': 'RegionOne',
                    'AWS_EC2_METADATA_DISABLED': 'true', 'LC_ALL': 'C.UTF-8', 'AWS_MAX_ATTEMPTS': '1'}
        self.endpoint = 'http://127.0.0.1:%d/v1/' % httpd.ports['cfn']
        self.sent = 0    # requests sent to mod_heat since the last actions_seen()

    def run(self, *args, check=True, port=None):
        """`aws cloudformation <args>` against mod_heat (or the server on port): (exit code, parsed
        JSON or None, stderr)."""
        endpoint = 'http://127.0.0.1:%d/v1/' % port if port else self.endpoint
        self.sent += port is None    # AWS_MAX_ATTEMPTS=1: one request per command
        p = subprocess.run([self.aws, 'cloudformation'] + list(args) +
                           ['--output', 'json', '--endpoint-url', endpoint],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env, timeout=120)
        out, err = p.stdout.decode(), p.stderr.decode()
        if check and p.returncode != 0:
            raise AssertionError('`aws cloudformation %s` failed (exit %d)\nstdout:\n%s\nstderr:\n%s'
                                 % (' '.join(args), p.returncode, out, err))
        return p.returncode, (json.loads(out) if out.strip() else None), err

    def stack_status(self):
        _, out, _ = self.run('describe-stacks', '--stack-name', self.name)
        return out['Stacks'][0]

    def wait(self, statuses, timeout=120):
        deadline = time.time() + timeout
        while True:
            shown = self.stack_status()
            if shown['StackStatus'] in statuses or shown['StackStatus'].endswith('FAILED'):
                return shown
            if time.time() > deadline:
                raise AssertionError('%s still %s after %d s' % (self.name, shown['StackStatus'], timeout))
            time.sleep(1)

    def actions_seen(self):
        """The (method, status) pairs of the requests mod_heat answered since the last call, one
        per request sent to it (awscli POSTs forms, so the Action is in the body: the log has the
        signed POST /v1/ lines). Apache logs a request after answering it, so the line of the
        request just answered may not be there yet: waits (bounded) for all of them."""
        lines = []
        pairs = lambda: [(m, str(s)) for m, p, s in lines if p.startswith('/v1/')]
        self.httpd.access.wait_for(lines, lambda _: len(pairs()) >= self.sent)
        self.sent = 0
        seen = pairs()
        assert len(seen) == len(lines), lines
        return seen

@pytest.fixture(scope='module')
def cli(real_stack, stack_httpd, tmp_path_factory):
    c = Cli(real_stack, stack_httpd, str(tmp_path_factory.mktemp('awscli')))
    if not c.aws:
        pytest.skip('aws-cli is not installed (apt-get install awscli)')
    # heat-api-cfn 24.0.0 under oslo.policy's new defaults refuses every action of a project
    # user (empty policy target): then mod_heat must refuse the same way, and there is no life
    # cycle to drive (the 24 run of make check runs it with enforce_new_defaults = false)
    rc_py, _, err_py = c.run('list-stacks', check=False, port=real_stack.facts['python_api']['cfn_port'])
    if rc_py != 0 and '(AccessDenied)' in err_py:
        assert real_stack.release == '24', err_py
        rc, _, err = c.run('list-stacks', check=False)
        assert rc == rc_py and err.split(':')[0] == err_py.split(':')[0], (err, err_py)
        pytest.skip('heat-api-cfn %s refuses project users by policy (mod_heat too): %s'
                    % (real_stack.release, err_py.strip().splitlines()[-1]))
    c.httpd.access.mark()
    yield c
    # whatever the tests did, the stack goes (the harness deletes it through the Python API)
    real_stack.delete_stack('demo', c.name)


def test_create(cli):
    """awscli's create-stack fails on heat-api-cfn and on mod_heat alike: heat-engine cannot create
    its trust from a token Keystone issued for EC2 credentials (Keystone answers 403, the engine
    raises keystoneauth1's Forbidden, which is InternalFailure). So the stack is created through
    mod_heat's CFN API with a Keystone token (X-Auth-User + X-Auth-Token), the rest with awscli."""
    args = ('create-stack', '--stack-name', cli.name, '--template-body', TEMPLATE,
            '--parameters', 'ParameterKey=Len,ParameterValue=12', '--timeout-in-minutes', '5')
    rc, _, err = cli.run(*args, check=False)
    rc_py, _, err_py = cli.run(*args, check=False, port=cli.stack.facts['python_api']['cfn_port'])
    assert rc != 0 and rc_py != 0, (err, err_py)
    assert '(InternalFailure) when calling the CreateStack operation' in err, err
    assert err.split(':')[0] == err_py.split(':')[0], (err, err_py)
    assert cli.stack.find_stack('demo', cli.name) is None

    token, _ = cli.stack.token('demo')
    form = urllib.parse.urlencode([('Action', 'CreateStack'), ('StackName', cli.name), ('TemplateBody', TEMPLATE),
                                   ('Parameters.member.1.ParameterKey', 'Len'),
                                   ('Parameters.member.1.ParameterValue', '12'), ('TimeoutInMinutes', '5')])
    cli.sent += 1
    resp = request(cli.httpd.ports['cfn'], 'POST', '/v1/', body=form,
                   headers=[('X-Auth-User', 'demo'), ('X-Auth-Token', token),
                            ('Content-Type', 'application/x-www-form-urlencoded')], timeout=60)
    assert resp.status == 200, resp.dump()
    out = {'StackId': re.search(rb'<StackId>([^<]+)</StackId>', resp.body).group(1).decode()}
    m = re.fullmatch(r'arn:openstack:heat::(\w+):stacks/%s/([0-9a-f-]{36})' % re.escape(cli.name), out['StackId'])
    assert m, out
    assert m.group(1) == cli.stack.facts['projects']['demo']
    assert sorted(cli.actions_seen()) == [('POST', '200'), ('POST', '500')]
    shown = cli.wait(('CREATE_COMPLETE',))
    assert shown['StackStatus'] == 'CREATE_COMPLETE', shown
    assert shown['StackId'] == out['StackId']
    assert shown['TimeoutInMinutes'] == 5
    params = {p['ParameterKey']: p['ParameterValue'] for p in shown['Parameters']}
    assert params['Len'] == '12' and params['AWS::StackName'] == cli.name, params
    outputs = {o['OutputKey']: o['OutputValue'] for o in shown['Outputs']}
    assert re.fullmatch(r'[A-Za-z0-9]{12}', outputs['Random']), outputs
    assert outputs['Length'] == '12'


def test_list_and_resources(cli):
    # heat-engine creates in the background: whatever test_create saw, wait for the end state
    shown = cli.wait(('CREATE_COMPLETE',))
    assert shown['StackStatus'] == 'CREATE_COMPLETE', shown
    _, out, _ = cli.run('list-stacks')
    mine = [s for s in out['StackSummaries'] if s['StackName'] == cli.name]
    assert len(mine) == 1 and mine[0]['StackStatus'] == 'CREATE_COMPLETE', out
    _, out, _ = cli.run('list-stack-resources', '--stack-name', cli.name)
    kinds = {r['LogicalResourceId']: r['ResourceType'] for r in out['StackResourceSummaries']}
    assert kinds == {'Rand': 'OS::Heat::RandomString', 'Slow': 'OS::Heat::TestResource'}, out
    _, out, _ = cli.run('describe-stack-resource', '--stack-name', cli.name, '--logical-resource-id', 'Rand')
    detail = out['StackResourceDetail']
    assert detail['ResourceStatus'] == 'CREATE_COMPLETE' and detail['StackName'] == cli.name, detail
    _, out, _ = cli.run('describe-stack-resources', '--stack-name', cli.name)
    assert {r['LogicalResourceId'] for r in out['StackResources']} == {'Rand', 'Slow'}, out
    _, out, _ = cli.run('get-template', '--stack-name', cli.name)
    assert out['TemplateBody']['Parameters']['Len']['Type'] == 'Number', out
    _, out, _ = cli.run('describe-stack-events', '--stack-name', cli.name)
    statuses = [(e['LogicalResourceId'], e['ResourceStatus']) for e in out['StackEvents']]
    assert ('Rand', 'CREATE_COMPLETE') in statuses and (cli.name, 'CREATE_COMPLETE') in statuses, statuses
    assert all(s == '200' for _, s in cli.actions_seen())


def test_validate_template(cli):
    _, out, _ = cli.run('validate-template', '--template-body', TEMPLATE)
    assert out['Description'] == 'mod_heat awscli life cycle', out
    assert [p['ParameterKey'] for p in out['Parameters']] == ['Len'], out
    rc, _, err = cli.run('validate-template', '--template-body', 'Resources: [', check=False)
    assert rc != 0 and 'InvalidParameterValue' in err, err


def test_update_and_cancel(cli):
    """update-stack (the TestResource takes 30 s to update), then cancel-update-stack rolls it
    back: the engine ends in ROLLBACK_COMPLETE with the old parameter."""
    _, out, _ = cli.run('update-stack', '--stack-name', cli.name, '--template-body', TEMPLATE,
                        '--parameters', 'ParameterKey=Len,ParameterValue=16')
    assert out['StackId'].endswith(cli.name + '/' + out['StackId'].rsplit('/', 1)[1])
    deadline = time.time() + 30
    while cli.stack_status()['StackStatus'] != 'UPDATE_IN_PROGRESS':
        assert time.time() < deadline, cli.stack_status()
        time.sleep(0.5)
    cli.run('cancel-update-stack', '--stack-name', cli.name)
    shown = cli.wait(('ROLLBACK_COMPLETE',), timeout=120)
    assert shown['StackStatus'] == 'ROLLBACK_COMPLETE', shown
    params = {p['ParameterKey']: p['ParameterValue'] for p in shown['Parameters']}
    assert params['Len'] == '12', params


def test_update(cli):
    cli.run('update-stack', '--stack-name', cli.name, '--template-body',
            TEMPLATE.replace('update: 30', 'update: 0'), '--parameters', 'ParameterKey=Len,ParameterValue=20')
    shown = cli.wait(('UPDATE_COMPLETE',))
    assert shown['StackStatus'] == 'UPDATE_COMPLETE', shown
    assert shown.get('LastUpdatedTime'), shown
    outputs = {o['OutputKey']: o['OutputValue'] for o in shown['Outputs']}
    assert len(outputs['Random']) == 20 and outputs['Length'] == '20', outputs


def test_delete(cli):
    cli.run('delete-stack', '--stack-name', cli.name)
    deadline = time.time() + 60
    while True:
        rc, out, err = cli.run('describe-stacks', '--stack-name', cli.name, check=False)
        if rc != 0:
            break
        assert out['Stacks'][0]['StackStatus'] in ('DELETE_IN_PROGRESS', 'DELETE_COMPLETE'), out
        assert time.time() < deadline, out
        time.sleep(1)
    assert 'InvalidParameterValue' in err and 'could not be found' in err, err
    _, out, _ = cli.run('list-stacks')
    assert cli.name not in [s['StackName'] for s in out['StackSummaries'] if s['StackStatus'] != 'DELETE_COMPLETE']
    assert all(s in ('200', '400') for _, s in cli.actions_seen())
