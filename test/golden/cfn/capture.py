#!/usr/bin/python3
"""capture.py: golden results of heat-api-cfn 19.0.0 (Debian 12's python3-heat), for
test/unit/test_cfn*.c. Everything below is produced by running the real code:

  serializer.json  heat.common.serializers.XMLResponseSerializer / JSONResponseSerializer on
                   documents: {"name", "doc", "xml" (null: lxml raised), "json"}
  arn.json         heat.common.identifier: HeatIdentifier(**identity).arn(), HeatIdentifier.from_arn,
                   ResourceIdentifier.from_arn(...).stack() / .resource_name
  params.json      webob req.params.get (query + form body) and api_utils.extract_param_pairs
  remote.json      heat.api.aws.exception.map_remote_error by exception class name
  actions.json     the whole heat-api-cfn app (heat.api.cfn.v1.API: routes, wsgi.Resource, the
                   controllers, the serializers) with heat-engine replaced by a stub that records
                   each RPC call (method, args, version) and answers canned engine-shaped data or
                   raises an engine exception serialized and rebuilt by oslo.messaging's own code
                   (the "failure" JSON string is what travels on the wire). Each case keeps what
                   heat-api-cfn answered ("python": status, content_type, body, or "crash": the
                   exception that escaped to the WSGI server) and, where mod_heat deliberately
                   answers differently (doc/differences.md), "mod_heat": what it answers instead.

Run from the repository root:  /usr/bin/python3 test/golden/cfn/capture.py
"""
import copy
import json
import os
import sys
import urllib.parse

import webob
import webob.multidict
from oslo_messaging._drivers import common as rpc_common

from oslo_config import cfg
from oslo_log import log as logging

import heat.common.config  # noqa: registers max_template_size and friends
from heat.api.aws import exception as aws_exc
from heat.api.aws import utils as api_utils
from heat.common import exception as heat_exc
from heat.common import identifier
from heat.common import policy
from heat.common import serializers
from heat.rpc import client as rpc_client

HERE = os.path.dirname(os.path.abspath(__file__))
logging.register_options(cfg.CONF)  # log_exception reads [DEFAULT] debug


def dump(name, data):
    with open(os.path.join(HERE, name), 'w') as f:
        json.dump(data, f, indent=1, ensure_ascii=True)
        f.write('\n')


# ---- serializer ------------------------------------------------------------------------------

def to_xml(doc):
    try:
        return serializers.XMLResponseSerializer().to_xml(doc).decode('ascii')
    except Exception:
        return None


def to_json(doc):
    return serializers.JSONResponseSerializer().to_json(doc)


SERIALIZER_DOCS = [
    ('scalars', {'R': {'s': 'text', 'i': 60, 'neg': -3, 'big': 2**62, 't': True, 'f': False, 'n': None,
                       'empty': '', 'zero': 0}}),
    ('floats', {'R': {'a': 1.5, 'b': 100.0, 'c': 1e16, 'd': 1e-05, 'e': 0.0001, 'f': -0.0, 'g': 1e22,
                      'h': 2.5e-07, 'i': 123456789.125, 'j': 1e15, 'k': 0.5}}),
    ('floats_shortest', {'R': {'a': 0.1, 'b': 1/3, 'c': 2.675, 'd': 1e-310}}),
    ('lists', {'R': {'l': [1, 'a', None, [2, 3], {'k': 'v'}], 'empty_list': [], 'empty_dict': {}}}),
    ('list_root', {'R': ['x', 'y']}),
    ('scalar_root', {'resource': 'WaitHandle', 'metadata': {'a': 1}}),
    ('nested', {'AResponse': {'AResult': {'Stacks': [{'Outputs': [], 'Parameters': [
        {'ParameterKey': 'k', 'ParameterValue': 'v'}]}]}}}),
    ('json_only_keys', {'R': {'TemplateBody': {'HeatTemplateFormatVersion': '2012-12-12', 'Resources': {},
                                               'x': [1, 2.5, None, True, 'caf\u00e9 <&>']},
                              'Metadata': {'AWS::CloudFormation::Init': {'config': {}}}}}),
    ('json_only_falsy', {'R': {'TemplateBody': {}, 'Metadata': None, 'm': [{'Metadata': ''},
                                                                           {'Metadata': 0},
                                                                           {'Metadata': []}]}}),
    ('json_only_scalars', {'R': {'TemplateBody': 'a string', 'Metadata': 5}}),
    ('escaping', {'R': {'amp': 'a & b < c > d " e \' f', 'ws': 'x\r\ny\tz', 'cdata': ']]>'}}),
    ('non_ascii', {'R': {'e': 'caf\u00e9', 'emoji': '\U0001F600', 'ls': '\u2028', 'nbsp': '\u00a0',
                         'del': '\x7f', 'c1': '\x85', 'rep': '\ufffd', 'max': '\U0010ffff'}}),
    ('non_ascii_names', {'R': {'\u00e9l\u00e8ve': 1, 'a\u00b7b': 2, '\u4e00': 3, 'x\u0300': 4}}),
    ('name_ok_chars', {'R': {'a-1.b_c': 1, '_x': 2, 'xmlfoo': 3, 'member': 4}}),
    ('name_colon', {'R': {'a:b': 1}}),
    ('name_space', {'R': {'a b': 1}}),
    ('name_digit', {'R': {'1a': 1}}),
    ('name_dash', {'R': {'-a': 1}}),
    ('name_empty', {'R': {'': 1}}),
    ('name_middle_dot_start', {'R': {'\u00b7a': 1}}),
    ('name_times', {'R': {'\u00d7': 1}}),
    ('name_combining_start', {'R': {'\u0300': 1}}),
    ('text_control', {'R': {'a': 'x\x01y'}}),
    ('text_vt', {'R': {'a': '\x0b'}}),
    ('text_fffe', {'R': {'a': '\ufffe'}}),
    ('text_ffff', {'R': {'a': '\uffff'}}),
    ('json_only_control', {'R': {'TemplateBody': {'a': 'x\x01y'}}}),
    ('error_doc', {'ErrorResponse': {'Error': {'Type': 'Sender', 'Code': 'InvalidAction',
                                               'Message': 'The action or operation requested is invalid'}}}),
]


FLOATS = [0.0, -0.0, 0.1, 0.2, 0.3, 1/3, 2/3, 1.5, 2.675, 100.0, 1e15, 1e16, 1.5e16, 123456789012345678.0,
          1e-4, 1e-5, 0.00012345, 1.2345e-5, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308,
          3.141592653589793, -2.5, 1e22, 1e21, 9007199254740993.0, 0.30000000000000004, 4.35, 1e100, 12.0,
          999999999999999.9, 9999999999999998.0, 1e-7, 123.456, -1e-300]


def capture_serializer():
    out = []
    for name, doc in SERIALIZER_DOCS:
        out.append({'name': name, 'doc': doc, 'xml': to_xml(doc), 'json': to_json(doc)})
    dump('serializer.json', {'docs': out, 'floats': [[f, repr(f), str(f)] for f in FLOATS]})
    return len(out)


# ---- ARNs ------------------------------------------------------------------------------------

ARN_IDENTITIES = [
    {'tenant': 'a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b', 'stack_name': 'teststack',
     'stack_id': '8b6f1a36-2c1a-4b62-9e1f-3b5d6a7c8d9e', 'path': ''},
    {'tenant': 't/1:x y', 'stack_name': 'n\u00f1 a:b%c', 'stack_id': 'i d', 'path': '/resources/r 1/x%y:z'},
    {'tenant': 't', 'stack_name': 's', 'stack_id': 'i', 'path': 'resources/r'},
    {'tenant': 't', 'stack_name': 's', 'stack_id': 'i'},
    {'tenant': 't', 'stack_name': 's', 'stack_id': 5, 'path': ''},
    {'tenant': 't', 'stack_name': 'a/b', 'stack_id': 'i', 'path': ''},
    {'tenant': 't', 'stack_name': 's', 'stack_id': 'i', 'path': '', 'extra': 1},
    {'tenant': 't', 'stack_name': 's'},
    {'tenant': 't', 'stack_name': 's', 'stack_id': 'i', 'path': '/resources/r/events/e-1'},
]

ARNS = [
    'arn:openstack:heat::t:stacks/s/i',
    'ARN:openstack:heat::t:stacks/s/i',
    'arn:openstack:heat:RegionOne:t:stacks/s/i/resources/r',
    'arn:openstack:heat::t%2F1:stacks/n%C3%B1/i%20d/resources/r%201',
    'arn:openstack:heat::t:stacks/s/i:with:colons/x',
    'arn:openstack:heat::t:stacks/s/i/resources/r\nrest',
    'arn:openstack:heat::t:stacks/s',
    'arn:openstack:heat::t:stacks/s/',
    'arn:openstack:heat::t:stacks//i',
    'arn:openstack:heat::t:stack/s/i',
    'arn:openstack:nova::t:stacks/s/i',
    'arn:aws:heat::t:stacks/s/i',
    'arn:openstack:heat::t',
    'arn:openstack:heat:t:stacks/s/i',
    'arn:openstack:heat::t:stacks/a%2Fb/i',
    'arn:openstack:heat::t:stacks/s/i/resources/r%FF',
    'arn:openstack:heat::t:xstacks/s/i',
    'mystack',
    '8b6f1a36-2c1a-4b62-9e1f-3b5d6a7c8d9e',
    '',
    'arn:openstack:heat::t:stacks/s/i/',
    'arn:openstack:heat::t:stacks/s/i/resources/a/resources/b',
]


def capture_arns():
    fmt = []
    for ident in ARN_IDENTITIES:
        try:
            arn = identifier.HeatIdentifier(**ident).arn()
        except Exception:
            arn = None
        try:
            event_id = identifier.EventIdentifier(**ident).event_id
        except Exception:
            event_id = None
        fmt.append({'identity': ident, 'arn': arn, 'event_id': event_id})
    parse = []
    for arn in ARNS:
        case = {'arn': arn}
        try:
            case['identity'] = dict(identifier.HeatIdentifier.from_arn(arn))
        except ValueError as e:
            case['error'] = str(e)
        try:
            r = identifier.ResourceIdentifier.from_arn(arn)
            case['resource'] = {'stack': dict(r.stack()), 'resource_name': r.resource_name}
        except ValueError as e:
            case['resource_error'] = str(e)
        parse.append(case)
    dump('arn.json', {'format': fmt, 'parse': parse})
    return len(fmt) + len(parse)


# ---- parameters ------------------------------------------------------------------------------

PARAM_REQUESTS = [
    # (query string, form body, names to look up)
    ('StackName=q1&StackName=q2', 'StackName=f1', ['StackName', 'Other']),
    ('', 'StackName=f1&StackName=f2', ['StackName']),
    ('StackName=', 'StackName=f', ['StackName']),
    ('A=%FFx&B=%C3%A9', '', ['A', 'B']),
    ('B=%C3%A9&C=a+b%2Bc&D', 'E=%E2%82', ['B', 'C', 'D', 'E']),
    ('B=%C3%A9&C=a+b%2Bc&D', 'E=%E2%82%AC', ['B', 'C', 'D', 'E']),
    ('Action=ListStacks&ContentType=JSON', 'ContentType=XML', ['Action', 'ContentType']),
]

PAIR_LISTS = [
    [('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterValue', '1')],
    [('Parameters.member.2.ParameterKey', 'b'), ('Parameters.member.2.ParameterValue', '2'),
     ('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterValue', '1')],
    [('Parameters.member.10.ParameterKey', 'ten'), ('Parameters.member.10.ParameterValue', '10'),
     ('Parameters.member.9.ParameterKey', 'nine'), ('Parameters.member.9.ParameterValue', '9')],
    [('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterValue', '1'),
     ('Parameters.member.2.ParameterKey', 'b'), ('Parameters.member.2.ParameterValue', '2'),
     ('Parameters.member.3.ParameterKey', 'a'), ('Parameters.member.3.ParameterValue', '3')],
    [('Parameters.member.1.ParameterKey', 'only-key'), ('Parameters.member.2.ParameterValue', 'only-value')],
    [('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterKey', 'b'),
     ('Parameters.member.1.ParameterValue', 'v')],
    [('Parameters.member.007.ParameterKey', 'x'), ('Parameters.member.7.ParameterValue', 'y')],
    [('Parameters.member.x.ParameterKey', 'x'), ('Parameters.member.1.ParameterValue', 'y'),
     ('Parameters.member.1.ParameterKey', 'k'), ('Parameters.member.1', 'z'), ('parameters.member.1.ParameterKey', 'q'),
     ('Parameters.member.1.ParameterKey\nmore', 'nl')],
    [('Parameters.member.99999999999999999999999.ParameterKey', 'huge'),
     ('Parameters.member.99999999999999999999999.ParameterValue', 'h'),
     ('Parameters.member.0.ParameterKey', 'zero'), ('Parameters.member.0.ParameterValue', '0')],
    [('Parameters.member.1.ParameterKey', ''), ('Parameters.member.1.ParameterValue', '')],
    [],
]


def capture_params():
    lookups = []
    for query, form, names in PARAM_REQUESTS:
        req = webob.Request.blank('/?' + query if query else '/', method='POST', body=form.encode('ascii'),
                                  content_type='application/x-www-form-urlencoded')
        try:
            lookups.append({'query': query, 'form': form,
                            'values': {n: req.params.get(n) for n in names}})
        except UnicodeDecodeError as e:
            # webob decodes strictly: heat-api-cfn fails with a bare 500 (mod_heat: 400)
            lookups.append({'query': query, 'form': form, 'error': type(e).__name__})
    pairs = []
    for plist in PAIR_LISTS:
        md = webob.multidict.MultiDict(plist)
        res = api_utils.extract_param_pairs(md, prefix='Parameters', keyname='ParameterKey',
                                            valuename='ParameterValue')
        pairs.append({'pairs': plist, 'result': list(res.items())})
    dump('params.json', {'lookups': lookups, 'pairs': pairs})
    return len(lookups) + len(pairs)


# ---- map_remote_error ------------------------------------------------------------------------

def capture_remote():
    import inspect
    names = sorted(n for n, c in inspect.getmembers(heat_exc, inspect.isclass)
                   if issubclass(c, Exception) and c.__module__ == 'heat.common.exception')
    names += ['AttributeError', 'ValueError', 'KeyError', 'TypeError', 'RemoteError', 'MessagingTimeout',
              'StackExists_Remote', 'EntityNotFound_Remote', 'Stack', 'Exists', 'Request']
    out = {}
    for name in names:
        ex = type(name, (Exception,), {})()
        err = aws_exc.map_remote_error(ex)
        out[name] = {'code': err.title, 'status': err.code, 'class': type(err).__name__}
    dump('remote.json', out)
    return len(out)


# ---- the whole app -----------------------------------------------------------------------------

STATE = {'engine': {}, 'calls': [], 'deny': False}


class StubEngineClient(rpc_client.EngineClient):
    """heat-engine replaced: records the call, answers from STATE['engine'][method]."""

    def __init__(self):
        pass

    def call(self, ctxt, msg, version=None, timeout=None):
        method, kwargs = msg
        STATE['calls'].append([method, copy.deepcopy(kwargs), version or '1.0'])
        answer = STATE['engine'].get(method)
        if isinstance(answer, dict) and '__raise__' in answer:
            failure, exc = answer['__raise__']
            raise exc
        return copy.deepcopy(answer)

    cast = call


class StubEnforcer(object):
    def __init__(self, *args, **kwargs):
        pass

    def enforce(self, context, action, *args, **kwargs):
        if STATE['deny']:
            raise heat_exc.Forbidden()
        return True


rpc_client.EngineClient = StubEngineClient
policy.Enforcer = StubEnforcer

from heat.api.cfn import v1 as cfn_v1  # noqa: E402  (after the stubs)

APP = cfn_v1.API({})


def engine_failure(exc):
    """An engine exception as it travels (the failure JSON) and as oslo rebuilds it."""
    try:
        raise exc
    except Exception:
        failure = rpc_common.serialize_remote_exception(sys.exc_info())
    return failure, rpc_common.deserialize_remote_exception(failure, ['heat.common.exception'])


def raising(exc):
    failure, rebuilt = engine_failure(exc)
    return {'__raise__': (failure, rebuilt)}


TENANT = 'a3f0e1c2b4d54f0e9a1b2c3d4e5f6a7b'
SID = '8b6f1a36-2c1a-4b62-9e1f-3b5d6a7c8d9e'


def ident(name='teststack', sid=SID, path=''):
    return {'tenant': TENANT, 'stack_name': name, 'stack_id': sid, 'path': path}


ARN = identifier.HeatIdentifier(**ident()).arn()

LIST_STACKS = [
    {'creation_time': '2024-05-01T10:00:00Z', 'deletion_time': None, 'description': 'A test stack',
     'notification_topics': [], 'stack_action': 'CREATE', 'stack_identity': ident(), 'stack_name': 'teststack',
     'stack_owner': 'admin', 'stack_status': 'COMPLETE', 'stack_status_reason': 'Stack CREATE completed successfully',
     'stack_user_project_id': 'u', 'tags': None, 'updated_time': None, 'parent': None},
    {'creation_time': '2024-05-02T10:00:00Z', 'deletion_time': '2024-05-03T10:00:00Z', 'description': '',
     'stack_action': 'UPDATE', 'stack_identity': ident('other', 'id-2'), 'stack_name': 'other',
     'stack_status': 'IN_PROGRESS', 'stack_status_reason': 'caf\u00e9 & <x>', 'updated_time': '2024-05-02T11:00:00Z'},
]

SHOW_STACK = [{
    'capabilities': [], 'creation_time': '2024-05-01T10:00:00Z', 'deletion_time': None,
    'description': 'A test stack', 'disable_rollback': True, 'notification_topics': [],
    'outputs': [
        {'description': 'URL for the site', 'output_key': 'WebsiteURL', 'output_value': 'http://10.0.0.5/'},
        {'description': 'nested', 'output_key': 'Map', 'output_value': {'a:b': {'c:d': 1, 'e': [{'f': 2}]},
                                                                         'x': None}, 'output_error': 'ignored'},
        {'description': 'No description given', 'output_key': 'List', 'output_value': [1, 'two', 3.5]},
    ],
    'parameters': {'AWS::Region': 'ap-southeast-1', 'AWS::StackId': ARN, 'AWS::StackName': 'teststack',
                   'KeyName': 'mykey'},
    'parent': None, 'stack_action': 'CREATE', 'stack_identity': ident(), 'stack_name': 'teststack',
    'stack_owner': 'admin', 'stack_status': 'COMPLETE', 'stack_status_reason': 'Stack CREATE completed successfully',
    'stack_user_project_id': 'u', 'tags': None, 'template_description': 'A test stack', 'timeout_mins': 60,
    'updated_time': None,
}]

SHOW_STACK_UPDATED = copy.deepcopy(SHOW_STACK)
SHOW_STACK_UPDATED[0].update({'updated_time': '2024-05-01T11:00:00Z', 'timeout_mins': None,
                              'disable_rollback': False, 'stack_action': 'UPDATE'})
del SHOW_STACK_UPDATED[0]['outputs']


def event(uuid, props=True, name='WebServer'):
    e = {'event_identity': ident(path='/resources/%s/events/%s' % (name, uuid)), 'event_time': '2024-05-01T10:00:05Z',
         'id': uuid, 'logical_resource_id': name, 'physical_resource_id': None, 'resource_action': 'CREATE',
         'resource_name': name, 'resource_status': 'IN_PROGRESS', 'resource_status_reason': 'state changed',
         'resource_type': 'AWS::EC2::Instance', 'stack_identity': ident(), 'stack_name': 'teststack',
         'root_stack_id': SID}
    if props is True:
        e['resource_properties'] = {'ImageId': 'F17', 'n': None, 'caf\u00e9': [1, 2.5]}
    elif props is not False:
        e['resource_properties'] = props
    return e


RESOURCE = {
    'attributes': {}, 'creation_time': '2024-05-01T10:00:30Z', 'description': '', 'links': [],
    'logical_resource_id': 'WebServer', 'metadata': {'AWS::CloudFormation::Init': {'config': {'files': {
        '/tmp/x': {'content': 'a <b> & "c" caf\u00e9'}}}}},
    'parent_resource': None, 'physical_resource_id': 'c1f2e3d4-0000-1111-2222-333344445555',
    'required_by': [], 'resource_action': 'CREATE', 'resource_identity': ident(path='/resources/WebServer'),
    'resource_name': 'WebServer', 'resource_status': 'COMPLETE', 'resource_status_reason': 'state changed',
    'resource_type': 'AWS::EC2::Instance', 'stack_identity': ident(), 'stack_name': 'teststack',
    'updated_time': '2024-05-01T10:01:00Z',
}
RESOURCE_NO_MD = dict(RESOURCE, metadata={}, resource_name='Handle', resource_status='FAILED',
                      resource_action='UPDATE', physical_resource_id='')

VALIDATE = {
    'Description': 'test',
    'Parameters': {
        'KeyName': {'Type': 'String', 'Description': 'Name of keypair', 'NoEcho': 'false', 'Label': 'KeyName'},
        'Flavor': {'Type': 'String', 'Default': 'm1.small', 'Description': 'flavor', 'NoEcho': 'true',
                   'Label': 'Flavor'},
        'Bare': {'Type': 'Number'},
    },
    'Environment': {'resource_registry': {'resources': {}}, 'parameters': {}, 'parameter_defaults': {},
                    'event_sinks': []},
}

TEMPLATE = '{"HeatTemplateFormatVersion": "2012-12-12", "Resources": {}}'
YAML_TEMPLATE = 'heat_template_version: 2013-05-23\nparameters:\n  p: {type: string, default: yes}\nresources: {}\n'
STORED_TEMPLATE = {'HeatTemplateFormatVersion': '2012-12-12', 'Description': 'caf\u00e9 <x>',
                   'Resources': {'R': {'Type': 'OS::Heat::None', 'Properties': {'n': 1.5}}}}

def not_found():
    return heat_exc.EntityNotFound(entity='Stack', name='nope')


ENGINE_MESSAGE = object()  # mod_heat_from: the detail is str() of the engine exception of the case


def pairs(*kv):
    return list(kv)


def xml_error(cls, detail=None):
    """The XML document and status line of an AWS error, for the mod_heat expectations."""
    e = cls(detail=detail)
    return {'status': '%d %s' % (e.code, e.title), 'content_type': 'application/xml; charset=UTF-8',
            'body': e.body.decode('utf-8') if isinstance(e.body, bytes) else e.body}


def strip_none_times(answer):
    a = dict(answer)
    for key in ('LastUpdatedTime', 'DeletionTime', 'TimeoutInMinutes'):
        a['body'] = a['body'].replace('<%s>None</%s>' % (key, key), '')
    return a


# (name, method, query pairs, form pairs, engine answers, options)
CASES = []


def case(name, query, form=(), engine=None, method='POST', path='/', deny=False, body=None,
         content_type=None, mod_heat=None, mod_heat_from=None):
    CASES.append({'name': name, 'method': method, 'path': path, 'query': list(query), 'form': list(form),
                  'engine': engine or {}, 'deny': deny, 'body': body, 'content_type': content_type,
                  'mod_heat': mod_heat, 'mod_heat_from': mod_heat_from})


def both(name, query, *args, **kwargs):
    """The case in XML and with ContentType=JSON."""
    case(name, query, *args, **kwargs)
    mh = kwargs.pop('mod_heat', None)
    mhf = kwargs.pop('mod_heat_from', None)
    if mh == 'strip_none_times':
        mh = None
    case(name + '_json', list(query) + [('ContentType', 'JSON')], *args, mod_heat=mh, mod_heat_from=mhf, **kwargs)


A = ('Action', None)


def act(name):
    return ('Action', name)


both('list_stacks', [act('ListStacks')], engine={'list_stacks': LIST_STACKS}, mod_heat='strip_none_times')
both('list_stacks_empty', [act('ListStacks')], engine={'list_stacks': []})
both('list_stacks_engine_error', [act('ListStacks')],
     engine={'list_stacks': raising(heat_exc.Forbidden())})
case('list_stacks_denied', [act('ListStacks')], deny=True)
case('list_stacks_denied_json', [act('ListStacks'), ('ContentType', 'JSON')], deny=True)
case('list_stacks_get', [act('ListStacks')], method='GET', engine={'list_stacks': []})
case('list_stacks_form', [], [act('ListStacks')], engine={'list_stacks': []})
case('content_type_lowercase', [act('ListStacks'), ('ContentType', 'json')], engine={'list_stacks': []})
case('content_type_form', [act('ListStacks')], [('ContentType', 'JSON')], engine={'list_stacks': []})

both('describe_stacks_all', [act('DescribeStacks')], engine={'show_stack': SHOW_STACK})
both('describe_stacks_name', [act('DescribeStacks'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'show_stack': SHOW_STACK_UPDATED}, mod_heat='strip_none_times')
both('describe_stacks_arn', [act('DescribeStacks'), ('StackName', ARN)], engine={'show_stack': SHOW_STACK})
both('describe_stacks_unknown', [act('DescribeStacks'), ('StackName', 'nope')],
     engine={'identify_stack': raising(not_found())})
case('describe_stacks_empty_name', [act('DescribeStacks'), ('StackName', '')],
     engine={'identify_stack': raising(not_found())})
case('describe_stacks_query_wins', [act('DescribeStacks'), ('StackName', ARN)], [('StackName', 'other')],
     engine={'show_stack': SHOW_STACK})

both('create_stack', [act('CreateStack'), ('StackName', 'teststack'), ('TemplateBody', TEMPLATE),
                      ('TimeoutInMinutes', '30'), ('DisableRollback', 'true'),
                      ('Parameters.member.2.ParameterKey', 'b'), ('Parameters.member.2.ParameterValue', '2'),
                      ('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterValue', 'caf\u00e9')],
     engine={'create_stack': ident()})
case('create_stack_yaml_form', [act('CreateStack')], [('StackName', 'y'), ('TemplateBody', YAML_TEMPLATE),
                                                      ('OnFailure', 'DO_NOTHING')],
     engine={'create_stack': ident('y')})
case('create_stack_on_failure_rollback', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE),
                                          ('OnFailure', 'DELETE'), ('TimeoutInMinutes', 'abc')],
     engine={'create_stack': ident('y')})
case('create_stack_on_failure_other', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE),
                                       ('OnFailure', 'BOGUS')], engine={'create_stack': ident('y')})
both('create_stack_combination', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE),
                                  ('OnFailure', 'DELETE'), ('DisableRollback', 'false')])
both('create_stack_no_template', [act('CreateStack'), ('StackName', 'y')])
both('create_stack_bad_template', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', '[1, 2]')])
case('create_stack_no_version', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', '{"Resources": {}}')])
case('create_stack_yaml_error', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', 'a: [b')])
case('create_stack_empty_template', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', '')])
both('create_stack_exists', [act('CreateStack'), ('StackName', 'teststack'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': raising(heat_exc.StackExists(stack_name='teststack'))})
case('create_stack_validation_failed', [act('CreateStack'), ('StackName', 'v'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': raising(heat_exc.StackValidationFailed(
         error='Property error', path=['resources', 'R', 'properties'], message='Unknown Property x'))})
case('create_stack_not_identity', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': {'Error': 'odd'}})
both('create_stack_missing_name', [act('CreateStack'), ('TemplateBody', TEMPLATE)],
     mod_heat_from=('MissingParameter', 'StackName'))
case('create_stack_builtin_error', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': raising(ValueError('bad value'))})
case('create_stack_action_in_progress', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': raising(heat_exc.ActionInProgress(stack_name='y', action='CREATE'))})
case('create_stack_unknown_exception', [act('CreateStack'), ('StackName', 'y'), ('TemplateBody', TEMPLATE)],
     engine={'create_stack': raising(heat_exc.StackResourceLimitExceeded())})

both('update_stack', [act('UpdateStack'), ('StackName', 'teststack'), ('TemplateBody', TEMPLATE),
                      ('Parameters.member.1.ParameterKey', 'a'), ('Parameters.member.1.ParameterValue', '1')],
     engine={'identify_stack': ident(), 'update_stack': ident()})
case('update_stack_arn', [act('UpdateStack'), ('StackName', ARN), ('TemplateBody', TEMPLATE),
                          ('OnFailure', 'ROLLBACK')], engine={'update_stack': ident()})
case('update_stack_unknown', [act('UpdateStack'), ('StackName', 'nope'), ('TemplateBody', TEMPLATE)],
     engine={'identify_stack': raising(not_found())})

both('delete_stack', [act('DeleteStack'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'delete_stack': None})
case('delete_stack_arn', [act('DeleteStack'), ('StackName', ARN)], engine={'delete_stack': None})
case('delete_stack_error_result', [act('DeleteStack'), ('StackName', ARN)], engine={'delete_stack': {'Error': 'x'}})
both('delete_stack_unknown', [act('DeleteStack'), ('StackName', 'nope')],
     engine={'identify_stack': raising(not_found())})
both('delete_stack_missing_name', [act('DeleteStack')], mod_heat_from=('MissingParameter', 'StackName'))

both('cancel_update', [act('CancelUpdateStack'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'stack_cancel_update': None})
case('cancel_update_not_updating', [act('CancelUpdateStack'), ('StackName', ARN)],
     engine={'stack_cancel_update': raising(heat_exc.NotSupported(feature='Cancel'))})
case('cancel_update_missing_name', [act('CancelUpdateStack')], mod_heat_from=('MissingParameter', 'StackName'))
case('cancel_update_unknown', [act('CancelUpdateStack'), ('StackName', 'nope')],
     engine={'identify_stack': raising(not_found())},
     mod_heat_from=('InvalidParameterValue', ENGINE_MESSAGE))

both('events', [act('DescribeStackEvents'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'list_events': [event('e-1'), event('e-2', name='Other')]})
case('events_all', [act('DescribeStackEvents')], engine={'list_events': []})
case('events_empty_name', [act('DescribeStackEvents'), ('StackName', '')], engine={'list_events': []})
both('events_without_properties', [act('DescribeStackEvents'), ('StackName', ARN)],
     engine={'list_events': [event('e-1', props=False)]}, mod_heat='events_null_props')

both('validate', [act('ValidateTemplate'), ('TemplateBody', TEMPLATE)], engine={'validate_template': VALIDATE})
both('validate_error', [act('ValidateTemplate'), ('TemplateBody', YAML_TEMPLATE)],
     engine={'validate_template': {'Error': 'Property error: a <b>'}})
both('validate_no_template', [act('ValidateTemplate')])
case('validate_bad_template', [act('ValidateTemplate'), ('TemplateBody', 'just text')])

both('get_template', [act('GetTemplate'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'get_template': STORED_TEMPLATE})
case('get_template_missing_name', [act('GetTemplate')], mod_heat_from=('MissingParameter', 'StackName'))

both('estimate', [act('EstimateTemplateCost'), ('TemplateBody', TEMPLATE)])

both('describe_resource', [act('DescribeStackResource'), ('StackName', 'teststack'),
                           ('LogicalResourceId', 'WebServer')],
     engine={'identify_stack': ident(), 'describe_stack_resource': RESOURCE})
case('describe_resource_no_logical', [act('DescribeStackResource'), ('StackName', ARN)],
     engine={'describe_stack_resource': RESOURCE_NO_MD})
case('describe_resource_not_found', [act('DescribeStackResource'), ('StackName', ARN), ('LogicalResourceId', 'x')],
     engine={'describe_stack_resource': raising(heat_exc.ResourceNotFound(resource_name='x', stack_name='teststack'))})
case('describe_resource_missing_name', [act('DescribeStackResource')],
     mod_heat_from=('MissingParameter', 'StackName'))

both('describe_resources', [act('DescribeStackResources'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'describe_stack_resources': [RESOURCE, RESOURCE_NO_MD]})
case('describe_resources_physical', [act('DescribeStackResources'), ('PhysicalResourceId', 'c1f2'),
                                     ('LogicalResourceId', 'WebServer')],
     engine={'find_physical_resource': ident(), 'describe_stack_resources': [RESOURCE]})
both('describe_resources_both', [act('DescribeStackResources'), ('StackName', 'teststack'),
                                 ('PhysicalResourceId', 'c1f2')])
case('describe_resources_neither', [act('DescribeStackResources')],
     engine={'find_physical_resource': raising(heat_exc.EntityNotFound(entity='Resource', name='None'))})
case('describe_resources_empty_name_and_physical', [act('DescribeStackResources'), ('StackName', ''),
                                                    ('PhysicalResourceId', 'c1f2')],
     engine={'identify_stack': raising(not_found())})

both('list_resources', [act('ListStackResources'), ('StackName', 'teststack')],
     engine={'identify_stack': ident(), 'list_stack_resources': [RESOURCE, RESOURCE_NO_MD]})
case('list_resources_missing_name', [act('ListStackResources')], mod_heat_from=('MissingParameter', 'StackName'))

both('invalid_action', [act('DescribeStackSummary')])
case('no_action', [])
case('legacy_stacks', [], method='GET', path='/stacks')

WAIT_ARN = identifier.ResourceIdentifier(**ident(path='')).arn() + '/resources/WaitHandle'
both('waitcondition', [], method='PUT', path='/waitcondition/' + WAIT_ARN,
     body='{"Status": "SUCCESS", "Reason": "ok", "UniqueId": "1", "Data": "caf\u00e9"}',
     content_type='application/json',
     engine={'resource_signal': {'1': 'caf\u00e9', 'k': [1, None]}})
case('waitcondition_unknown', [], method='PUT', path='/waitcondition/' + WAIT_ARN,
     body='{"Status": "SUCCESS"}', content_type='application/json',
     engine={'resource_signal': raising(not_found())})
both('signal', [], method='POST', path='/signal/' + WAIT_ARN, body='{"a": 1}', content_type='application/json',
     engine={'resource_signal': None})
case('signal_no_body', [], method='POST', path='/signal/' + WAIT_ARN, engine={'resource_signal': None})
case('signal_nested', [], method='POST', path='/signal/' + ARN + '/resources/a/resources/b',
     engine={'resource_signal': None})


def run(c):
    STATE['engine'] = c['engine']
    STATE['calls'] = []
    STATE['deny'] = c['deny']
    url = c['path']
    if c['query']:
        url += '?' + urllib.parse.urlencode(c['query'])
    kwargs = {'method': c['method']}
    if c['form']:
        kwargs['body'] = urllib.parse.urlencode(c['form']).encode('ascii')
        kwargs['content_type'] = 'application/x-www-form-urlencoded'
    elif c['body'] is not None:
        kwargs['body'] = c['body'].encode('utf-8')
        kwargs['content_type'] = c['content_type']
    req = webob.Request.blank(url, **kwargs)
    req.environ['webob.adhoc_attrs'] = {'context': object()}
    try:
        resp = req.get_response(APP)
        answer = {'status': resp.status, 'content_type': resp.headers.get('Content-Type'),
                  'body': resp.body.decode('utf-8')}
    except Exception as e:
        answer = {'crash': '%s: %s' % (type(e).__name__, e)}
    return answer, STATE['calls']


def capture_actions():
    out = []
    for c in CASES:
        answer, calls = run(c)
        engine = {}
        for method, value in c['engine'].items():
            if isinstance(value, dict) and '__raise__' in value:
                engine[method] = {'failure': value['__raise__'][0]}
            else:
                engine[method] = {'result': value}
        entry = {'name': c['name'], 'method': c['method'], 'path': c['path'], 'query': c['query'],
                 'form': c['form'], 'query_string': urllib.parse.urlencode(c['query']),
                 'form_string': urllib.parse.urlencode(c['form']), 'body': c['body'], 'content_type': c['content_type'], 'deny': c['deny'],
                 'engine': engine, 'calls': calls, 'python': answer}
        mh = c['mod_heat']
        if mh == 'strip_none_times':
            entry['mod_heat'] = strip_none_times(answer)
        elif mh == 'events_null_props':
            # what heat-api-cfn writes when resource_properties is present and None
            patched = dict(c, engine={'list_events': [dict(e, resource_properties=None)
                                                      for e in c['engine']['list_events']]})
            entry['mod_heat'] = run(patched)[0]
        elif c['mod_heat_from']:
            code, detail = c['mod_heat_from']
            if detail is ENGINE_MESSAGE:
                detail = str([v['__raise__'][1] for v in c['engine'].values() if '__raise__' in v][0])
            cls = {'MissingParameter': aws_exc.HeatMissingParameterError,
                   'InvalidParameterValue': aws_exc.HeatInvalidParameterValueError}[code]
            json_mode = ('ContentType', 'JSON') in c['query']
            if json_mode:
                entry['mod_heat'] = {'status': '200 OK', 'content_type': 'application/json',
                                     'body': json.dumps(detail)}
            else:
                entry['mod_heat'] = xml_error(cls, detail)
        out.append(entry)
    dump('actions.json', out)
    return len(out)


if __name__ == '__main__':
    counts = [capture_serializer(), capture_arns(), capture_params(), capture_remote(), capture_actions()]
    print('serializer %d, arn %d, params %d, remote %d, actions %d' % tuple(counts))
