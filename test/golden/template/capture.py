#!/usr/bin/python3
"""capture.py: golden results of heat-api's request-body, template and environment handling, for
test/unit/test_template.c.

Reads cases.json (a list of cases) and writes expected.json ({name: result}) by running the real
heat 19.0.0 code (Debian 12): heat.common.wsgi.JSONRequestDeserializer, template_format,
environment_format, heat.api.openstack.v1.stacks InstantiationData and StackController.prepare_args,
called in the order the controller methods call them, with the errors turned into the fault
FaultWrapper would answer (Resource's TypeError rule included).

Case kinds:
  body      {method, content_type, aws_content_type, content_length, body (text) | body_hex, max}
            -> {"none": true} | {"body": <decoded>} | {"fault": {...}}
  parse     {text | hex (bytes), max}          template_format.parse -> {"template": ...} | {"exc": [type, str]}
  env       {text}                              environment_format.parse -> {"env": ...} | {"exc": [type, str]}
  inst      {action, body (JSON text), fetch: {hex} | {error}, max}
            -> {"rpc": <the RPC call's args>, "no_change": bool (update_patch)} | {"fault": {...}}
A fault is {"code": int, "type": str, "message": str (only when heat-api shows one)}.
A result heat-engine could not get as standard JSON (NaN, Infinity, integers beyond 64 bits) is
{"unsupported": true}: mod_heat refuses those (heat_body.h, heat_yaml.h).

Run from the repository root:  /usr/bin/python3 test/golden/template/capture.py
"""
import json
import os
import sys

import webob
import webob.exc
from oslo_config import cfg
from oslo_log import log as logging
from oslo_serialization import jsonutils

import heat.common.config  # noqa: registers max_template_size, max_json_body_size
from heat.api.middleware.fault import FaultWrapper
from heat.api.openstack.v1 import stacks
from heat.common import environment_format
from heat.common import exception
from heat.common import template_format
from heat.common import urlfetch
from heat.common import wsgi

HERE = os.path.dirname(os.path.abspath(__file__))
GENERIC_400 = ('The server could not comply with the request since it is either malformed or '
               'otherwise incorrect.')
INT64 = (-2**63, 2**63 - 1)


def representable(v):
    if isinstance(v, float):
        return v == v and v not in (float('inf'), float('-inf'))
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return True
    if isinstance(v, int):
        return INT64[0] <= v <= INT64[1]
    if isinstance(v, dict):
        return all(representable(k) and representable(x) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return all(representable(x) for x in v)
    return True


def fault(ex):
    """The fault body's essentials, as Resource + FaultWrapper produce them."""
    if isinstance(ex, TypeError):
        ex = webob.exc.HTTPBadRequest(GENERIC_400)
    if isinstance(ex, webob.exc.HTTPError):
        ex = exception.HTTPExceptionDisguise(ex)
    try:
        raise ex
    except Exception as e:
        err = FaultWrapper(None)._error(e)
    out = {'code': err['code'], 'type': err['error']['type']}
    if 'message' in err['error']:
        out['message'] = err['error']['message']
    return out


def wire(value):
    """What travels to heat-engine (oslo.messaging: to_primitive, then jsonutils.dumps). None when
    that fails (heat-api answers an error) or gives non-standard JSON: mod_heat refuses those."""
    prim = jsonutils.to_primitive(value, convert_instances=True)
    if not representable(prim):
        return None
    try:
        return json.loads(jsonutils.dumps(prim))
    except (TypeError, ValueError):
        return None


class FakeFetch:
    def __init__(self):
        self.case = None
        self.real = urlfetch.get

    def __call__(self, url, allowed_schemes=('http', 'https')):
        if not isinstance(url, str) or 'fetch' not in self.case:
            return self.real(url)
        f = self.case['fetch']
        if 'error' in f:
            raise urlfetch.URLFetchError(f['error'])
        return bytes.fromhex(f['hex'])


FETCH = FakeFetch()
urlfetch.get = FETCH


def run_inst(case):
    action = case['action']
    body = json.loads(case['body'])
    patch = action in ('update_patch', 'preview_update_patch')
    data = stacks.InstantiationData(body, patch=patch)
    ctrl = object.__new__(stacks.StackController)
    out = {}
    if action in ('create', 'preview'):
        args = ctrl.prepare_args(data)
        rpc = dict(stack_name=data.stack_name(), template=data.template(), params=data.environment(),
                   files=data.files(), environment_files=data.environment_files(),
                   files_container=data.files_container(), args=args)
        if action == 'create':
            rpc.update(owner_id=None, nested_depth=0, user_creds_id=None, stack_user_project_id=None,
                       parent_resource_name=None, template_id=None)
        else:
            rpc = dict(stack_name=rpc['stack_name'], template=rpc['template'], params=rpc['params'],
                       files=rpc['files'], environment_files=rpc['environment_files'],
                       files_container=rpc['files_container'], args=rpc['args'])
    elif action in ('update', 'update_patch', 'preview_update', 'preview_update_patch'):
        if action == 'update_patch':
            out['no_change'] = bool(data.no_change())
        args = ctrl.prepare_args(data, is_update=True)
        rpc = dict(stack_identity=None, template=data.template(), params=data.environment(),
                   files=data.files(), environment_files=data.environment_files(),
                   files_container=data.files_container(), args=args)
        if action in ('update', 'update_patch'):
            rpc['template_id'] = None
    elif action == 'validate':
        rpc = dict(template=data.template(), params=data.environment(), files=data.files(),
                   show_nested=False, environment_files=data.environment_files(),
                   files_container=data.files_container(), ignorable_errors=None)
    else:
        raise SystemExit('unknown action %s' % action)
    w = wire(rpc)
    if w is None:
        return {'unsupported': True}
    out['rpc'] = w
    return out


def run_body(case):
    cfg.CONF.set_override('max_json_body_size', case.get('max', 1048576))
    path = '/v1/t/stacks'
    if case.get('aws_content_type') is not None:
        path += '?ContentType=' + case['aws_content_type']
    body = bytes.fromhex(case['body_hex']) if 'body_hex' in case else case.get('body', '').encode('utf-8')
    req = webob.Request.blank(path, method=case.get('method', 'POST'))
    req.body = body
    if case.get('content_type') is not None:
        req.environ['CONTENT_TYPE'] = case['content_type']
    else:
        req.environ.pop('CONTENT_TYPE', None)
    cl = case.get('content_length', len(body))
    if cl is None:
        req.environ.pop('CONTENT_LENGTH', None)
    else:
        req.environ['CONTENT_LENGTH'] = str(cl)
    try:
        res = wsgi.JSONRequestDeserializer().default(req)
    except Exception as ex:
        return {'fault': fault(ex)}
    if 'body' not in res:
        return {'none': True}
    w = wire(res['body'])
    return {'unsupported': True} if w is None else {'body': w}


def main():
    with open(os.path.join(HERE, 'cases.json'), encoding='utf-8') as f:
        cases = json.load(f)
    expected = {}
    for case in cases:
        name = case['name']
        assert name not in expected, name
        FETCH.case = case
        cfg.CONF.set_override('max_template_size', case.get('max', 524288))
        kind = case['kind']
        try:
            if kind == 'inst':
                result = run_inst(case)
            elif kind == 'body':
                result = run_body(case)
            elif kind == 'parse':
                data = bytes.fromhex(case['hex']) if 'hex' in case else case['text']
                w = wire(template_format.parse(data))
                result = {'unsupported': True} if w is None else {'template': w}
            elif kind == 'env':
                w = wire(environment_format.parse(case['text']))
                result = {'unsupported': True} if w is None else {'env': w}
            else:
                raise SystemExit('unknown kind %s' % kind)
        except Exception as ex:
            if kind in ('parse', 'env'):
                result = {'exc': [type(ex).__name__, str(ex)]}
            else:
                result = {'fault': fault(ex)}
        expected[name] = result
    with open(os.path.join(HERE, 'expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write('\n')
    kinds = {}
    for case in cases:
        r = expected[case['name']]
        k = case['kind'] + ':' + next(iter(r))
        kinds[k] = kinds.get(k, 0) + 1
    print('%d cases: %s' % (len(cases), ', '.join('%s %d' % kv for kv in sorted(kinds.items()))))


if __name__ == '__main__':
    logging.register_options(cfg.CONF)  # [DEFAULT] debug, read by FaultWrapper
    cfg.CONF([], project='heat', default_config_files=[])
    main()
