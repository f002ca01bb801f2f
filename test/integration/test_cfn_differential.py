"""heat-api-cfn, differentially: the same CFN requests, good and bad, to mod_heat (127.0.0.1:8000,
the real stack's heat.conf) and to the Python heat-api-cfn 19.0.0 (127.0.0.1:18000, same heat.conf,
heat-engine and Keystone), authenticated the way heat's ec2token lets a Keystone token through
(X-Auth-User + X-Auth-Token). Status line (the reason phrase is the AWS code), Content-Type, the
request id and the body are compared after normalising what differs by nature: ports, uuids,
timestamps, stack names of the per-side stacks, and engine tracebacks (heat-api-cfn sends them in
the error Message; mod_heat only with [DEFAULT] debug = true, doc/differences.md).

The documented differences (doc/differences.md) are normalised or asserted
explicitly:
  - unset LastUpdatedTime / DeletionTime / TimeoutInMinutes are left out of the XML instead of the
    text "None" (awscli cannot read heat-api-cfn's: test_awscli);
  - DescribeStackEvents answers when the stack has events (heat-api-cfn: 500), ResourceProperties null;
  - a missing StackName is 400 MissingParameter (heat-api-cfn: 500 InternalFailure, or a bare 500);
  - TemplateURL (AWS's spelling) is read as well as TemplateUrl;
  - parameters that are not UTF-8, a non-form body on "/", an oversize template, a wait condition
    without a body and a signal path that is no ARN get an AWS error, not a bare 500.
The stacks live in the demo project and are deleted at the end, even after a failure.
"""

import json
import re
import time
import urllib.parse
import uuid

import pytest

from heat_client import request
from heat_stack import differences

pytestmark = [pytest.mark.real_stack, pytest.mark.python_reference]

RUN = uuid.uuid4().hex[:6]

BASE = """heat_template_version: 2018-08-31
description: mod_heat CFN differential stack
parameters:
  length:
    type: number
    default: 8
    description: random length
  secret:
    type: string
    default: s3cret
    hidden: true
resources:
  rand:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
  nothing:
    type: OS::Heat::None
  WaitHandle:
    type: AWS::CloudFormation::WaitConditionHandle
outputs:
  random:
    description: the random string
    value: {get_attr: [rand, value]}
  map:
    value: {'a:b': {'c:d': 1, 'list': [1, 'two']}, 'caf\u00e9': '<&>'}
"""

SMALL_CFN = json.dumps({
    'HeatTemplateFormatVersion': '2012-12-12',
    'Parameters': {'Len': {'Type': 'Number', 'Default': '6'}},
    'Resources': {'R': {'Type': 'OS::Heat::RandomString', 'Properties': {'length': {'Ref': 'Len'}}}},
    'Outputs': {'Out': {'Value': {'Ref': 'Len'}, 'Description': 'r'},
                'Map': {'Value': {'k:1': {'Ref': 'Len'}, 'n': None}}},
})
SMALL_YAML = 'heat_template_version: 2018-08-31\nparameters:\n  p: {type: string, default: yes}\nresources: {}\n'

TB_XML = re.compile(rb'\n(Traceback \(most recent call last\):.*?)?(?=</Message>)', re.S)
TB_JSON = re.compile(rb'\\n(Traceback \(most recent call last\):(?:[^"\\]|\\.)*)?(?=")')
# the physical id heat gives resources like RandomString: <stack>-<resource>-<12 random characters>
PHYSICAL = re.compile(rb'(-R-)[a-z0-9]{12}(?=<|")')
NONE_TIMES = (b'<LastUpdatedTime>None</LastUpdatedTime>', b'<DeletionTime>None</DeletionTime>',
              b'<TimeoutInMinutes>None</TimeoutInMinutes>')


class Env:
    def __init__(self, stack, httpd):
        self.stack = stack
        self.ports = {'mh': httpd.ports['cfn'], 'py': stack.facts['python_api']['cfn_port']}
        self.token, self.project = stack.token('demo')
        self.base = 'cfn-base-' + RUN
        self.base_id = None

    @property
    def base_arn(self):
        return 'arn:openstack:heat::%s:stacks/%s/%s' % (self.project, self.base, self.base_id)

    def name(self, kind, side):
        return 'cfn-%s-%s-%s' % (kind, side, RUN)

    @staticmethod
    def subs(side):
        return [('-%s-%s' % (side, RUN), '-SIDE')]

    def send(self, side, params, method='POST', form=True, path='/v1/', body=None, content_type=None,
             headers=None):
        hdrs = [('X-Auth-User', 'demo'), ('X-Auth-Token', self.token)] + list(headers or ())
        qs = urllib.parse.urlencode(params)
        if body is None and form and method == 'POST' and params:
            hdrs.append(('Content-Type', 'application/x-www-form-urlencoded'))
            return request(self.ports[side], method, path, headers=hdrs, body=qs, timeout=120)
        if content_type:
            hdrs.append(('Content-Type', content_type))
        return request(self.ports[side], method, path + ('?' + qs if qs else ''), headers=hdrs, body=body,
                       timeout=120)


def tidy(resp, python):
    """Tracebacks out of both (mod_heat sends none without debug); heat-api-cfn's unset times out."""
    body = PHYSICAL.sub(rb'\1PHYSICAL', TB_JSON.sub(b'', TB_XML.sub(b'', resp.body)))
    if python:
        for none in NONE_TIMES:
            body = body.replace(none, b'')
    resp.body = body
    return resp


def compare(env, params, per_side=False, **kw):
    """Sends the request to both; per_side: each side works on its own stack (name substituted)."""
    def side_params(side):
        if not per_side:
            return params
        return [(k, v.replace('-SIDE-', '-%s-' % side) if isinstance(v, str) else v) for k, v in params]
    ours = tidy(env.send('mh', side_params('mh'), **kw), False)
    theirs = tidy(env.send('py', side_params('py'), **kw), True)
    diffs = differences(ours, theirs, env.subs('mh') if per_side else (), env.subs('py') if per_side else ())
    if diffs:
        raise AssertionError('mod_heat differs from the Python heat-api-cfn:\n- ' + '\n- '.join(diffs)
                             + '\n\nrequest (to mod_heat):\n' + ours.raw_request.decode('latin-1')[:3000]
                             + '\n\nmod_heat answer:\n' + ours.dump()[:4000]
                             + '\n\npython answer:\n' + theirs.dump()[:4000])
    return ours, theirs


def refused(env, ours, theirs):
    """True when the Python reference refused the request by policy: heat-api-cfn 24.0.0 under
    oslo.policy's new defaults checks every action against an empty target, so a project user
    gets 403 AccessDenied whatever the request. Its answer is then the expectation, not the
    19.0.0 outcome a test asserts: mod_heat must answer the same (compared here)."""
    if not env.policy_refuses or (theirs.status, theirs.reason) != (403, 'AccessDenied'):
        return False
    diffs = differences(tidy(ours, False), tidy(theirs, True))
    assert not diffs, 'mod_heat differs from the refusing Python heat-api-cfn:\n- ' + '\n- '.join(diffs) \
        + '\n\nmod_heat answer:\n' + ours.dump() + '\n\npython answer:\n' + theirs.dump()
    return True


@pytest.fixture(scope='module')
def env(real_stack, stack_httpd):
    e = Env(real_stack, stack_httpd)
    real_stack.delete_leftovers('demo', 'cfn-')
    # only heat-api-cfn 24 refuses a project user's ListStacks (its policy defaults)
    probe = e.send('py', act('ListStacks'))
    e.policy_refuses = (probe.status, probe.reason) == (403, 'AccessDenied')
    assert not e.policy_refuses or real_stack.release == '24', probe.dump()
    try:
        e.base_id = real_stack.create_stack('demo', e.base, BASE)
        yield e
    finally:
        problems = real_stack.delete_stacks('demo', lambda n: n.endswith(RUN))
        # gone from the lists too, so that the next module's list/describe-all see the same set
        deadline = time.time() + 60
        while time.time() < deadline:
            left = [s['stack_name'] for s in real_stack.py('demo', 'GET', '/stacks').json()['stacks']
                    if s['stack_name'].endswith(RUN)]
            if not left:
                break
            time.sleep(0.5)
        else:
            problems.append('still listed: %s' % left)
        if problems:
            raise AssertionError('cleaning up the CFN differential stacks:\n' + '\n'.join(problems))


def act(name, *more, json_mode=False):
    return [('Action', name)] + list(more) + ([('ContentType', 'JSON')] if json_mode else [])


# -- reads on the shared stack, as name and as ARN, XML and JSON ---------------------------------------

READS = [
    ('list', lambda e: act('ListStacks')),
    ('describe-all', lambda e: act('DescribeStacks')),
    ('describe-name', lambda e: act('DescribeStacks', ('StackName', e.base))),
    ('describe-arn', lambda e: act('DescribeStacks', ('StackName', e.base_arn))),
    ('describe-id', lambda e: act('DescribeStacks', ('StackName', e.base_id))),
    ('describe-unknown', lambda e: act('DescribeStacks', ('StackName', 'nope-' + RUN))),
    ('describe-empty-name', lambda e: act('DescribeStacks', ('StackName', ''))),
    ('describe-unknown-non-ascii', lambda e: act('DescribeStacks', ('StackName', 'nop\u00e9-<&>-\U0001F600'))),
    ('describe-bad-arn', lambda e: act('DescribeStacks', ('StackName', 'arn:openstack:heat::x:stacks/a'))),
    ('describe-foreign-arn', lambda e: act('DescribeStacks', ('StackName', 'arn:openstack:heat::%s:stacks/%s/%s'
                                                              % ('0' * 32, e.base, uuid.uuid4())))),
    ('template-name', lambda e: act('GetTemplate', ('StackName', e.base))),
    ('template-arn', lambda e: act('GetTemplate', ('StackName', e.base_arn))),
    ('template-unknown', lambda e: act('GetTemplate', ('StackName', 'nope-' + RUN))),
    ('resource', lambda e: act('DescribeStackResource', ('StackName', e.base), ('LogicalResourceId', 'rand'))),
    ('resource-handle', lambda e: act('DescribeStackResource', ('StackName', e.base_arn),
                                      ('LogicalResourceId', 'WaitHandle'))),
    ('resource-missing-logical', lambda e: act('DescribeStackResource', ('StackName', e.base))),
    ('resource-unknown', lambda e: act('DescribeStackResource', ('StackName', e.base), ('LogicalResourceId', 'x'))),
    ('resources', lambda e: act('DescribeStackResources', ('StackName', e.base))),
    ('resources-logical', lambda e: act('DescribeStackResources', ('StackName', e.base_arn),
                                        ('LogicalResourceId', 'nothing'))),
    ('resources-physical-unknown', lambda e: act('DescribeStackResources', ('PhysicalResourceId', 'nope'))),
    ('resources-both', lambda e: act('DescribeStackResources', ('StackName', e.base), ('PhysicalResourceId', 'x'))),
    ('resources-neither', lambda e: act('DescribeStackResources')),
    ('list-resources', lambda e: act('ListStackResources', ('StackName', e.base))),
    ('list-resources-unknown', lambda e: act('ListStackResources', ('StackName', 'nope-' + RUN))),
    ('events-unknown', lambda e: act('DescribeStackEvents', ('StackName', 'nope-' + RUN))),
    ('estimate', lambda e: act('EstimateTemplateCost', ('TemplateBody', SMALL_CFN))),
    ('validate-cfn', lambda e: act('ValidateTemplate', ('TemplateBody', SMALL_CFN))),
    ('validate-hot', lambda e: act('ValidateTemplate', ('TemplateBody', BASE))),
    ('validate-invalid', lambda e: act('ValidateTemplate', ('TemplateBody', 'heat_template_version: 2018-08-31\n'
                                                                            'resources:\n  r: {type: OS::Nope}\n'))),
    ('validate-not-a-template', lambda e: act('ValidateTemplate', ('TemplateBody', '[1, 2]'))),
    ('validate-no-version', lambda e: act('ValidateTemplate', ('TemplateBody', '{"Resources": {}}'))),
    ('validate-none', lambda e: act('ValidateTemplate')),
    ('validate-bad-url-scheme', lambda e: act('ValidateTemplate', ('TemplateUrl', 'ftp://127.0.0.1/t'))),
    ('validate-url-unreachable', lambda e: act('ValidateTemplate', ('TemplateUrl', 'http://127.0.0.1:9/t'))),
    ('cancel-not-updating', lambda e: act('CancelUpdateStack', ('StackName', e.base))),
    ('invalid-action', lambda e: act('DescribeStackSummary')),
    ('no-action', lambda e: []),
]


@pytest.mark.parametrize('fmt', ['xml', 'json'])
@pytest.mark.parametrize('case', [c[0] for c in READS])
def test_read(case, fmt, env):
    params = next(c for c in READS if c[0] == case)[1](env)
    if fmt == 'json':
        params = params + [('ContentType', 'JSON')]
    ours, theirs = compare(env, params)
    if case in ('describe-name', 'template-arn', 'list-resources') and fmt == 'xml' \
            and not refused(env, ours, theirs):
        assert ours.status == 200, ours.dump()


@pytest.mark.parametrize('how', ['get', 'form', 'query-wins'])
def test_param_sources(how, env):
    """GET query, POST form body, and a key in both (webob takes the query's)."""
    if how == 'get':
        compare(env, act('DescribeStacks', ('StackName', env.base)), method='GET')
    elif how == 'form':
        compare(env, act('DescribeStacks', ('StackName', env.base)), method='POST')
    else:
        qs = urllib.parse.urlencode(act('DescribeStacks', ('StackName', env.base)))
        form = urllib.parse.urlencode([('StackName', 'nope-' + RUN)])
        answers = []
        for side in ('mh', 'py'):
            answers.append(tidy(request(env.ports[side], 'POST', '/v1/?' + qs,
                                        headers=[('X-Auth-User', 'demo'), ('X-Auth-Token', env.token),
                                                 ('Content-Type', 'application/x-www-form-urlencoded')],
                                        body=form), side == 'py'))
        assert differences(answers[0], answers[1]) == [], answers[0].dump()
        if not refused(env, *answers):
            assert answers[0].status == 200, answers[0].dump()


def test_no_token_and_bad_token(env):
    for token in (None, 'gAAAAAB-not-a-real-token-' + RUN):
        answers = []
        for side in ('mh', 'py'):
            hdrs = [('X-Auth-User', 'demo')] + ([('X-Auth-Token', token)] if token else [])
            answers.append(request(env.ports[side], 'GET', '/v1/?Action=ListStacks', headers=hdrs))
        assert (answers[0].status, answers[0].reason) == (answers[1].status, answers[1].reason), \
            answers[0].dump() + '\n' + answers[1].dump()
        assert answers[0].status in (401, 403), answers[0].dump()


# -- writes: each side on its own stack -------------------------------------------------------------------

def test_create_update_cancel_delete(env):
    n = 'cfn-life-SIDE-' + RUN
    params = [('StackName', n), ('TemplateBody', SMALL_CFN), ('TimeoutInMinutes', '10'), ('DisableRollback', 'true'),
              ('Parameters.member.1.ParameterKey', 'Len'), ('Parameters.member.1.ParameterValue', '9')]
    ours, theirs = compare(env, act('CreateStack', *params), per_side=True)
    if refused(env, ours, theirs):
        return    # no stack to go on with
    assert ours.status == 200 and b'<StackId>arn:openstack:heat::' in ours.body, ours.dump()
    for side in ('mh', 'py'):
        env.stack.wait_stack('demo', env.name('life', side), ('CREATE_COMPLETE',))
    # the same name again: AlreadyExists, XML and JSON
    compare(env, act('CreateStack', *params), per_side=True)
    compare(env, act('CreateStack', *params, json_mode=True), per_side=True)
    # the created stacks read back the same (parameters, outputs, timeout, rollback flag)
    compare(env, act('DescribeStacks', ('StackName', n)), per_side=True)
    compare(env, act('DescribeStacks', ('StackName', n), json_mode=True), per_side=True)

    ours, _ = compare(env, act('UpdateStack', ('StackName', n), ('TemplateBody', SMALL_CFN),
                               ('Parameters.member.1.ParameterKey', 'Len'),
                               ('Parameters.member.1.ParameterValue', '7')), per_side=True)
    assert ours.status == 200, ours.dump()
    for side in ('mh', 'py'):
        env.stack.wait_stack('demo', env.name('life', side), ('UPDATE_COMPLETE',))
    compare(env, act('ListStackResources', ('StackName', n)), per_side=True)
    compare(env, act('CancelUpdateStack', ('StackName', n)), per_side=True)
    compare(env, act('UpdateStack', ('StackName', n), ('TemplateBody', '[]')), per_side=True)
    compare(env, act('UpdateStack', ('StackName', n), ('TemplateBody', SMALL_CFN),
                     ('Parameters.member.1.ParameterKey', 'Nope'), ('Parameters.member.1.ParameterValue', '1')),
            per_side=True)

    ours, _ = compare(env, act('DeleteStack', ('StackName', n)), per_side=True)
    assert ours.body == b'<DeleteStackResponse><DeleteStackResult></DeleteStackResult></DeleteStackResponse>'
    for side in ('mh', 'py'):
        env.stack.wait_stack('demo', env.name('life', side), ('DELETE_COMPLETE',))


CREATE_ERRORS = [
    ('no-template', [('StackName', 'cfn-x-SIDE-' + RUN)]),
    ('bad-template', [('StackName', 'cfn-x-SIDE-' + RUN), ('TemplateBody', 'just text')]),
    ('yaml-error', [('StackName', 'cfn-x-SIDE-' + RUN), ('TemplateBody', 'a: [b')]),
    ('combination', [('StackName', 'cfn-x-SIDE-' + RUN), ('TemplateBody', SMALL_CFN), ('OnFailure', 'DELETE'),
                     ('DisableRollback', 'true')]),
    ('unknown-param', [('StackName', 'cfn-x-SIDE-' + RUN), ('TemplateBody', SMALL_CFN),
                       ('Parameters.member.1.ParameterKey', 'Nope'), ('Parameters.member.1.ParameterValue', '1')]),
    ('invalid-resource', [('StackName', 'cfn-x-SIDE-' + RUN),
                          ('TemplateBody', 'heat_template_version: 2018-08-31\nresources:\n  r: {type: OS::Nope}\n')]),
    ('bad-name', [('StackName', '1-bad name'), ('TemplateBody', SMALL_CFN)]),
]


@pytest.mark.parametrize('fmt', ['xml', 'json'])
@pytest.mark.parametrize('case', [c[0] for c in CREATE_ERRORS])
def test_create_errors(case, fmt, env):
    params = next(c for c in CREATE_ERRORS if c[0] == case)[1]
    ours, theirs = compare(env, act('CreateStack', *params, json_mode=fmt == 'json'), per_side=True)
    if refused(env, ours, theirs):
        return
    # the combination error is raised (XML with its status even with ContentType=JSON)
    assert ours.status == (200 if fmt == 'json' and case != 'combination' else 400), ours.dump()


# -- wait conditions and signals ---------------------------------------------------------------------------

def resource_path(env, kind, resource):
    arn = '%s/resources/%s' % (env.base_arn, resource)
    return '/v1/%s/%s' % (kind, urllib.parse.quote(arn, safe='/'))


def test_waitcondition(env):
    body = json.dumps({'Status': 'SUCCESS', 'Reason': 'ok', 'UniqueId': 'u1', 'Data': 'd'})
    ours, _ = compare(env, [], method='PUT', path=resource_path(env, 'waitcondition', 'WaitHandle'), body=body,
                      content_type='application/json')
    assert ours.body == b'<resource>WaitHandle</resource>', ours.dump()
    # JSON: the metadata the engine returns (it grows with each signal, so only ours is checked)
    ours = env.send('mh', [('ContentType', 'JSON')], method='PUT',
                    path=resource_path(env, 'waitcondition', 'WaitHandle'), body=body, content_type='application/json')
    doc = json.loads(ours.body)
    assert ours.status == 200 and doc['resource'] == 'WaitHandle' and 'u1' in doc['metadata'], ours.dump()
    # a resource that takes no signal, and an unknown stack
    compare(env, [], method='PUT', path=resource_path(env, 'waitcondition', 'nothing'), body=body,
            content_type='application/json')
    compare(env, [], method='PUT', path=resource_path(env, 'waitcondition', 'nothing').replace(env.base, 'nope'),
            body=body, content_type='application/json')


def test_signal(env):
    # complete wait-condition signals only: an async signal the engine refuses ("Metadata format
    # invalid") fails in an engine thread, and heat-engine 19 then stalls that worker for a while
    ours, _ = compare(env, [], method='POST', path=resource_path(env, 'signal', 'WaitHandle'),
                      body=json.dumps({'Status': 'SUCCESS', 'Reason': 'r', 'UniqueId': 's1', 'Data': 'd'}),
                      content_type='application/json')
    assert ours.status == 200 and ours.body == b'', ours.dump()
    compare(env, [('ContentType', 'JSON')], method='POST', path=resource_path(env, 'signal', 'WaitHandle'),
            body=json.dumps({'Status': 'SUCCESS', 'Reason': 'r', 'UniqueId': 's2', 'Data': 'd'}),
            content_type='application/json')
    compare(env, [], method='POST', path=resource_path(env, 'signal', 'nothing'))
    compare(env, [], method='POST', path=resource_path(env, 'signal', 'rand'), body='{"a": 1}',
            content_type='application/json')


# -- the documented differences ---------------------------------------------------------------------------------

def test_events_work_where_heat_api_cfn_fails(env):
    for params in (act('DescribeStackEvents', ('StackName', env.base)),
                   act('DescribeStackEvents', ('StackName', env.base_arn), json_mode=True)):
        ours, theirs = env.send('mh', params), env.send('py', params)
        if refused(env, ours, theirs):
            continue
        assert theirs.status == 500, theirs.dump()
        assert ours.status == 200, ours.dump()
        if ('ContentType', 'JSON') in params:
            events = json.loads(ours.body)['DescribeStackEventsResponse']['DescribeStackEventsResult']['StackEvents']
            assert events and all(e['ResourceProperties'] == 'null' for e in events)
            assert {e['LogicalResourceId'] for e in events} >= {'rand', 'nothing', 'WaitHandle', env.base}
            assert all(e['StackId'] == env.base_arn for e in events)
        else:
            assert b'<ResourceProperties>null</ResourceProperties>' in ours.body, ours.dump()
            assert b'<ResourceStatus>CREATE_COMPLETE</ResourceStatus>' in ours.body, ours.dump()


def test_unset_times_left_out_of_the_xml(env):
    ours, theirs = env.send('mh', act('ListStacks')), env.send('py', act('ListStacks'))
    if refused(env, ours, theirs):
        return
    assert b'<DeletionTime>None</DeletionTime>' in theirs.body
    assert b'>None<' not in ours.body, ours.dump()
    # JSON keeps them (null)
    ours = env.send('mh', act('ListStacks', json_mode=True))
    summaries = json.loads(ours.body)['ListStacksResponse']['ListStacksResult']['StackSummaries']
    assert summaries and all('DeletionTime' in s for s in summaries)


@pytest.mark.parametrize('action', ['CreateStack', 'UpdateStack', 'DeleteStack', 'CancelUpdateStack', 'GetTemplate',
                                    'DescribeStackResource', 'ListStackResources'])
def test_missing_stack_name_is_400(action, env):
    params = act(action, ('TemplateBody', SMALL_CFN))
    ours, theirs = env.send('mh', params), env.send('py', params)
    if refused(env, ours, theirs):
        return
    assert theirs.status == 500, theirs.dump()
    assert (ours.status, ours.reason) == (400, 'MissingParameter'), ours.dump()
    assert ours.body == (b'<ErrorResponse><Error><Type>Sender</Type><Code>MissingParameter</Code><Message>A mandatory '
                         b'input parameter is missing:StackName</Message></Error></ErrorResponse>')
    ours = env.send('mh', params + [('ContentType', 'JSON')])
    assert (ours.status, ours.body) == (200, b'"StackName"'), ours.dump()


def test_template_url_spelling(env):
    params = act('ValidateTemplate', ('TemplateURL', 'ftp://127.0.0.1/t'))
    ours, theirs = env.send('mh', params), env.send('py', params)
    if refused(env, ours, theirs):
        return
    assert b'TemplateBody or TemplateUrl were not given.' in theirs.body, theirs.dump()
    assert (ours.status, ours.reason) == (400, 'InvalidParameterValue'), ours.dump()
    assert b'Failed to fetch template: Invalid URL scheme ftp' in ours.body, ours.dump()


def test_no_bare_500_for_odd_requests(env):
    # parameters that are not UTF-8 (webob: UnicodeDecodeError)
    answers = [request(env.ports[side], 'GET', '/v1/?Action=DescribeStacks&StackName=%FF',
                       headers=[('X-Auth-User', 'demo'), ('X-Auth-Token', env.token)]) for side in ('mh', 'py')]
    if not refused(env, *answers):
        assert answers[1].status == 500, answers[1].dump()
        assert (answers[0].status, answers[0].reason) == (400, 'InvalidParameterValue'), answers[0].dump()
    # a JSON body on "/" (heat passes it as an argument the actions do not take)
    answers = [env.send(side, act('ListStacks'), method='POST', form=False, body='{"a": 1}',
                        content_type='application/json') for side in ('mh', 'py')]
    assert answers[1].status == 500, answers[1].dump()
    # mod_heat leaves the body out and runs the action: heat-api-cfn 24 under its policy defaults
    # (which fails on the body before its policy check) would refuse that action
    if refused(env, env.send('mh', act('ListStacks')), env.send('py', act('ListStacks'))):
        assert (answers[0].status, answers[0].reason) == (403, 'AccessDenied'), answers[0].dump()
    else:
        assert answers[0].status == 200 and answers[0].body.startswith(b'<ListStacksResponse>'), answers[0].dump()
    # a template over max_template_size (heat: RequestLimitExceeded escapes)
    big = 'heat_template_version: 2018-08-31\n# ' + 'x' * 524288
    answers = [env.send(side, act('ValidateTemplate', ('TemplateBody', big))) for side in ('mh', 'py')]
    if not refused(env, *answers):
        assert answers[1].status == 500, answers[1].dump()
        assert (answers[0].status, answers[0].reason) == (400, 'RequestLimitExceeded'), answers[0].dump()
        assert b'exceeds maximum allowed size (524288 bytes).' in answers[0].body, answers[0].dump()
    # a wait condition without a body, and a path that is no ARN
    answers = [env.send(side, [], method='PUT', path=resource_path(env, 'waitcondition', 'WaitHandle'))
               for side in ('mh', 'py')]
    if not refused(env, *answers):
        assert answers[1].status == 500, answers[1].dump()
        assert (answers[0].status, answers[0].reason) == (400, 'MissingParameter'), answers[0].dump()
    answers = [env.send(side, [], method='POST', path='/v1/signal/not-an-arn') for side in ('mh', 'py')]
    if not refused(env, *answers):
        assert answers[1].status == 500, answers[1].dump()
        assert (answers[0].status, answers[0].reason) == (400, 'InvalidParameterValue'), answers[0].dump()


# -- aws-cli, a real client (EC2-signed requests) ------------------------------------------------------------

AWSCLI = [
    # (expectation, command): same = both answer the same; mh = only mod_heat answers (heat-api-cfn
    # writes "None" where awscli wants a time or a number, or fails with 500); error = the same
    # error on both; unreadable = neither: the base stack's output has a key that lxml writes as
    # <caf&#233;>, which no XML parser accepts (kept as heat does)
    ('mh', ('list-stacks',)),
    ('unreadable', ('describe-stacks', '--stack-name', '{base}')),
    ('mh', ('describe-stacks', '--stack-name', '{notimeout}')),
    ('same', ('describe-stack-resources', '--stack-name', '{base}')),
    ('same', ('describe-stack-resource', '--stack-name', '{base}', '--logical-resource-id', 'rand')),
    ('same', ('list-stack-resources', '--stack-name', '{base}')),
    ('same', ('get-template', '--stack-name', '{base}')),
    ('mh', ('describe-stack-events', '--stack-name', '{base}')),
    ('same', ('validate-template', '--template-body', SMALL_CFN)),
    ('error', ('describe-stacks', '--stack-name', 'nope-' + RUN)),
]


def test_awscli(env, tmp_path):
    """awscli against both (EC2-signed requests through mod_heat's ec2authtoken)."""
    import shutil
    import subprocess
    aws = shutil.which('aws', path='/usr/bin:/bin')
    if not aws:
        pytest.skip('aws-cli is not installed (apt-get install awscli)')
    user = env.stack.facts['users']['demo']
    penv = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'AWS_ACCESS_KEY_ID': user['ec2_access'],
            'AWS_SECRET_ACCESS_KEY': user['ec2_secret'], 'AWS_DEFAULT_REGION': 'RegionOne',
            'AWS_EC2_METADATA_DISABLED': 'true', 'LC_ALL': 'C.UTF-8', 'AWS_MAX_ATTEMPTS': '1'}
    # a stack without a timeout: heat-api-cfn writes <TimeoutInMinutes>None</TimeoutInMinutes>
    nt = 'cfn-notimeout-' + RUN
    r = env.stack.py('demo', 'POST', '/stacks', {'stack_name': nt, 'template': {'heat_template_version': '2018-08-31',
                                                                               'resources': {}}})
    assert r.status_code == 201, r.text
    env.stack.wait_stack('demo', nt, ('CREATE_COMPLETE',))
    for expect, cmd in AWSCLI:
        args = [a.replace('{base}', env.base).replace('{notimeout}', nt) for a in cmd]
        out = {}
        for side in ('mh', 'py'):
            p = subprocess.run([aws, 'cloudformation'] + args + ['--output', 'json', '--endpoint-url',
                                                                  'http://127.0.0.1:%d/v1/' % env.ports[side]],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=penv, timeout=120)
            out[side] = (p.returncode, p.stdout.decode(), p.stderr.decode())
        what = ' '.join(args[:3])
        if env.policy_refuses and '(AccessDenied)' in out['py'][2]:
            # heat-api-cfn 24's policy refusal (see refused()) is the expectation
            assert out['mh'][0] == out['py'][0] != 0, (what, out)
            assert out['mh'][2].split(':')[0] == out['py'][2].split(':')[0], (what, out)
        elif expect == 'mh':
            assert out['py'][0] != 0, (what, out['py'])
            assert out['mh'][0] == 0, (what, out['mh'])
            json.loads(out['mh'][1])
        elif expect == 'unreadable':
            assert out['mh'][0] == out['py'][0] != 0, (what, out)
            assert 'not well-formed' in out['mh'][2], (what, out['mh'])
        elif expect == 'error':
            assert out['mh'][0] == out['py'][0] != 0, (what, out)
            assert out['mh'][2].split(':')[0] == out['py'][2].split(':')[0], (what, out)
        else:
            assert out['mh'][0] == 0 and out['py'][0] == 0, (what, out)
            assert json.loads(out['mh'][1]) == json.loads(out['py'][1]), (what, out)


def test_template_url_fetched(env):
    """TemplateUrl from a loopback HTTP server: both fetch it; a 404 and a refused port alike.
    TemplateURL (AWS's spelling) is only read by mod_heat."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == '/t.json':
                data = SMALL_CFN.encode()
                self.send_response(200)
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        base = 'http://127.0.0.1:%d' % srv.server_address[1]
        ours, theirs = compare(env, act('ValidateTemplate', ('TemplateUrl', base + '/t.json')))
        if refused(env, ours, theirs):
            return
        assert ours.status == 200 and b'<ParameterKey>Len</ParameterKey>' in ours.body, ours.dump()
        compare(env, act('ValidateTemplate', ('TemplateUrl', base + '/missing.json')))
        compare(env, act('ValidateTemplate', ('TemplateUrl', base + '/missing.json'), json_mode=True))
        # TemplateBody wins over TemplateUrl, as in heat
        compare(env, act('ValidateTemplate', ('TemplateBody', '[]'), ('TemplateUrl', base + '/t.json')))
        params = act('ValidateTemplate', ('TemplateURL', base + '/t.json'))
        ours, theirs = env.send('mh', params), env.send('py', params)
        assert (theirs.status, theirs.reason) == (400, 'MissingParameter'), theirs.dump()
        assert ours.status == 200 and b'<ParameterKey>Len</ParameterKey>' in ours.body, ours.dump()
    finally:
        srv.shutdown()
        srv.server_close()


# -- the stack user (cfn-init / cfn-hup): EC2 keys of an AWS::IAM::User, SigV2 --------------------------------

STACK_USER = """heat_template_version: 2018-08-31
resources:
  user:
    type: AWS::IAM::User
  key:
    type: AWS::IAM::AccessKey
    properties:
      UserName: {get_resource: user}
  config:
    type: OS::Heat::None
    metadata:
      AWS::CloudFormation::Init:
        config:
          files:
            /tmp/x: {content: "a <b> & \\"c\\" caf\\u00e9", mode: "000644"}
outputs:
  access:
    value: {get_resource: key}
  secret:
    value: {get_attr: [key, SecretAccessKey]}
"""


def signed_v2(port, access, secret, params):
    from keystoneclient.contrib.ec2.utils import Ec2Signer
    import datetime
    params = dict(params, AWSAccessKeyId=access, SignatureMethod='HmacSHA256', SignatureVersion='2',
                  Version='2010-05-15', Timestamp=datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ'))
    params['Signature'] = Ec2Signer(secret).generate({'host': '127.0.0.1:%d' % port, 'verb': 'GET', 'path': '/v1/',
                                                       'params': dict(params)})
    return request(port, 'GET', '/v1/?' + urllib.parse.urlencode(params), timeout=120)


def test_stack_user_reads_its_metadata(env):
    """What cfn-init and cfn-hup do: DescribeStackResource signed with the stack user's keys; the
    engine checks that user against the stack. The other actions are denied to heat_stack_user."""
    name = 'cfn-user-' + RUN
    sid = env.stack.create_stack('demo', name, STACK_USER)
    r = env.stack.py('demo', 'GET', '/stacks/%s/%s' % (name, sid))
    outputs = {o['output_key']: o['output_value'] for o in r.json()['stack']['outputs']}
    access, secret = outputs['access'], outputs['secret']
    assert access and secret, outputs
    cases = [
        act('DescribeStackResource', ('StackName', name), ('LogicalResourceId', 'config')),
        act('DescribeStackResource', ('StackName', name), ('LogicalResourceId', 'config'), json_mode=True),
        act('DescribeStackResource', ('StackName', name), ('LogicalResourceId', 'nope')),
        act('DescribeStackResource', ('StackName', env.base), ('LogicalResourceId', 'rand')),
        act('DescribeStackResources', ('StackName', name)),
        act('ListStacks'),
    ]
    for params in cases:
        ours = tidy(signed_v2(env.ports['mh'], access, secret, params), False)
        theirs = tidy(signed_v2(env.ports['py'], access, secret, params), True)
        diffs = differences(ours, theirs)
        assert not diffs, '\n'.join(diffs) + '\n' + ours.dump() + '\n' + theirs.dump()
    ours = signed_v2(env.ports['mh'], access, secret, cases[0])
    if refused(env, ours, signed_v2(env.ports['py'], access, secret, cases[0])):
        return    # the stack user too
    assert ours.status == 200 and b'<Metadata>{&quot;' not in ours.body, ours.dump()
    assert b'<Metadata>{"AWS::CloudFormation::Init": {"config": {"files": {"/tmp/x": {"content": ' \
           b'"a &lt;b&gt; &amp; \\"c\\" caf\\u00e9"' in ours.body, ours.dump()
    denied = signed_v2(env.ports['mh'], access, secret, cases[-1])
    assert (denied.status, denied.reason) == (403, 'AccessDenied'), denied.dump()
