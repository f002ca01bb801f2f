#!/usr/bin/python3
"""capture.py: records what the real Routes 2.5.1 mapper of heat 19.0.0 does for a long list
of (method, path[, Action]) probes, as golden files for test/unit/test_routes.c.

Run with the Debian python (the pyenv `python3` lacks heat):
    /usr/bin/python3 test/golden/routes/capture.py test/golden/routes

It builds heat.api.openstack.v1.API and heat.api.cfn.v1.API exactly as heat-api does
(oslo.config with no files, a fake:// oslo.messaging transport so the controllers' RPC
clients can be created; nothing is sent) and asks their mappers, through
Mapper.routematch(environ=...), which route answers each probe. The RoutesMiddleware
`_method` override is deliberately not involved (mod_heat does not support it).

Each probe is also run through a *model* of mod_heat: the same mappers, changed only where
doc/differences.md (and this task's brief) says mod_heat differs:
  head-as-get    HEAD is matched as GET (heat answers every HEAD with 405)
  exact-method   method conditions are exact (Routes tests `method in "GET,POST,..."`, a
                 substring test when heat's connect() passes the methods as one string)
  newline        a path is matched as plain bytes: Python's `$` also matches before a final
                 "\\n" and `.` (arn:.*) stops at "\\n"; mod_heat does neither
  legacy-stacks  CFN: the legacy mapper.resource("stack", "stacks") routes all answer
                 InvalidAction (doc/differences.md; heat runs create/update/delete there)
A line whose two results differ carries those reasons; the script refuses to write a
difference it cannot explain by one of them.

Output, one probe per line, tab-separated:
    method  path  action  expect  routes  note
path: %-encoded bytes (every byte <= 0x20, >= 0x7f and "%"); action (CFN only): "-" when
there is no Action parameter, else "A:" + the %-encoded value; expect: what mod_heat must
answer; routes: what Routes answers ("=" when the same); note: "" or "DIFF reason,...".
A result is one of
    NOT_FOUND
    REJECT <allowed>            (heat's 405 route, allowed methods in registration order)
    OPTIONS <allowed>
    MATCHED <group> <action> [name=value ...]   (route variables sorted by name, %-encoded)
CFN actions are given under mod_heat's names: the "/" routes by their AWS Action name
(heat's `_actions` table), the Action-less "/" route (heat's `index`, which raises
InvalidAction) as InvalidAction.
"""

import io
import logging
import os
import re
import sys
import urllib.parse
import warnings

warnings.simplefilter('ignore')
logging.disable(logging.CRITICAL)

from oslo_config import cfg  # noqa: E402

from heat.common import config  # noqa: E402,F401  (registers heat's options)
from heat.common import messaging  # noqa: E402

cfg.CONF([], project='heat', default_config_files=[], default_config_dirs=[])
messaging.setup('fake://')

from heat.api.cfn import v1 as cfn_v1  # noqa: E402
from heat.api.openstack import v1 as native_v1  # noqa: E402

SIX = ['HEAD', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE']
STANDARD = SIX + ['OPTIONS']

NATIVE_GROUPS = {
    'StackController': 'stacks',
    'ResourceController': 'resources',
    'EventController': 'events',
    'ActionController': 'actions',
    'BuildInfoController': 'build_info',
    'SoftwareConfigController': 'software_configs',
    'SoftwareDeploymentController': 'software_deployments',
    'ServiceController': 'services',
}
CFN_GROUPS = {'StackController': 'cfn', 'SignalController': 'signal'}
CFN_ACTIONS = cfn_v1.API._actions


def enc(s):
    """%-encodes a WSGI (latin-1) string byte by byte."""
    out = []
    for ch in s:
        b = ord(ch)
        if b <= 0x20 or b >= 0x7f or ch == '%':
            out.append('%%%02X' % b)
        else:
            out.append(ch)
    return ''.join(out)


def wsgi(s):
    """A probe written as UTF-8 text becomes a WSGI PATH_INFO: its bytes as latin-1."""
    return s.encode('utf-8').decode('latin-1')


def build(api_class, model):
    api = api_class(cfg.CONF)
    mapper = api.map
    mapper.create_regs([])
    if model:
        for r in mapper.matchlist:
            meth = (r.conditions or {}).get('method')
            if isinstance(meth, str):
                r.conditions['method'] = meth.split(',')
            # whole-string, byte-transparent matching
            assert r.regexp.endswith('$')
            r.regmatch = re.compile(r.regexp[:-1] + r'\Z', re.DOTALL)
        mapper._master_regexp = None
    return mapper


def route_match(mapper, method, path, action):
    environ = {
        'REQUEST_METHOD': method,
        'PATH_INFO': path,
        'SCRIPT_NAME': '',
        'QUERY_STRING': '',
        'SERVER_NAME': 'localhost',
        'SERVER_PORT': '80',
        'SERVER_PROTOCOL': 'HTTP/1.1',
        'wsgi.url_scheme': 'http',
        'wsgi.input': io.BytesIO(b''),
    }
    if action is not None:
        environ['QUERY_STRING'] = urllib.parse.urlencode({'Action': action})
    res = mapper.routematch(environ=environ)
    if not res:
        return None, None
    return res


def fmt(match, route, groups, cfn, model):
    """Formats a Routes answer; returns (text, is_legacy_cfn_route)."""
    if route is None:
        return 'NOT_FOUND', False
    ctrl = type(match['controller'].controller).__name__
    action = match['action']
    skip = {'controller', 'action', 'allowed_methods'}
    params = ' '.join('%s=%s' % (k, enc(v)) for k, v in sorted(match.items())
                      if k not in skip)
    if ctrl == 'DefaultMethodController':
        return '%s %s' % (action.upper(), match['allowed_methods']), False
    group = groups[ctrl]
    legacy = False
    if cfn and group == 'cfn':
        if route.routepath == '/':
            action = CFN_ACTIONS.get(action, 'InvalidAction')
        else:
            legacy = True
            if model:
                action = 'InvalidAction'
    text = 'MATCHED %s %s' % (group, action)
    if params:
        text += ' ' + params
    return text, legacy


def probe_line(real, model, groups, cfn, method, path, action=None):
    r_text, r_legacy = fmt(*route_match(real, method, path, action), groups, cfn, False)
    m_method = 'GET' if method == 'HEAD' else method
    e_text, e_legacy = fmt(*route_match(model, m_method, path, action), groups, cfn, True)
    note = ''
    if r_text != e_text:
        reasons = []
        if method == 'HEAD':
            reasons.append('head-as-get')
        if method not in STANDARD:
            reasons.append('exact-method')
        if '\n' in path:
            reasons.append('newline')
        if r_legacy or e_legacy:
            reasons.append('legacy-stacks')
        if not reasons:
            raise SystemExit('unexplained difference: %s %r %r: routes %s, model %s'
                             % (method, path, action, r_text, e_text))
        note = 'DIFF ' + ','.join(reasons)
    act = '' if not cfn else ('-' if action is None else 'A:' + enc(action))
    return '\t'.join([method, enc(path), act or '-', e_text,
                      '=' if r_text == e_text else r_text, note])


HEADER = """\
# {name}: golden route matches for test/unit/test_routes.c. Generated by capture.py from the
# real Routes 2.5.1 mapper of heat 19.0.0 ({api}); do not edit, re-run capture.py.
# Fields (tab-separated): method, path (%-encoded), action ("-" none, "A:" + %-encoded
# Action), expected mod_heat result, Routes' result ("=" same), note ("DIFF <reasons>").
"""

# --- native probes -------------------------------------------------------------------------

T = '/t'
S = '/t/stacks/s/i'
NATIVE_PATHS = [
    # every template of the table, with sample values
    T + '/validate',
    T + '/resource_types',
    T + '/resource_types/OS::Nova::Server',
    T + '/resource_types/OS::Nova::Server/template',
    T + '/template_versions',
    T + '/template_versions/heat_template_version.2021-04-16/functions',
    T + '/stacks',
    T + '/stacks/preview',
    T + '/stacks/detail',
    T + '/stacks/s',
    T + '/stacks/arn:openstack:heat::t:stacks/s/i',
    T + '/stacks/s/resources',
    T + '/stacks/s/events',
    T + '/stacks/s/template',
    T + '/stacks/s/actions',
    T + '/stacks/s/environment',
    T + '/stacks/s/files',
    S,
    S + '/template',
    S + '/environment',
    S + '/files',
    S + '/preview',
    S + '/abandon',
    S + '/export',
    S + '/snapshots',
    S + '/snapshots/snap1',
    S + '/snapshots/snap1/restore',
    S + '/outputs',
    S + '/outputs/out1',
    S + '/resources',
    S + '/resources/r1',
    S + '/resources/r1/metadata',
    S + '/resources/r1/signal',
    S + '/events',
    S + '/resources/r1/events',
    S + '/resources/r1/events/e1',
    S + '/actions',
    T + '/build_info',
    T + '/software_configs',
    T + '/software_configs/c1',
    T + '/software_deployments',
    T + '/software_deployments/metadata/srv1',
    T + '/software_deployments/d1',
    T + '/services',
]

# precedence quirks of heat's route order (first match wins) and other interesting overlaps
NATIVE_QUIRKS = [
    T + '/stacks/detail', T + '/stacks/preview', T + '/stacks/new',
    T + '/stacks/s/outputs', T + '/stacks/s/snapshots', T + '/stacks/s/export',
    T + '/stacks/s/abandon', T + '/stacks/s/preview', T + '/stacks/s/resources',
    T + '/stacks/s/environment', T + '/stacks/s/files', T + '/stacks/s/template',
    T + '/stacks/s/events', T + '/stacks/s/actions',
    T + '/software_deployments/metadata', T + '/software_configs/metadata',
    T + '/stacks/detail/i', T + '/stacks/preview/i', T + '/stacks/detail/resources',
    T + '/stacks/s/i/resources/r1/events/e1/x',
    # arn stack names: anything after "arn:", slashes included
    T + '/stacks/arn:', T + '/stacks/arn:x', T + '/stacks/arn:x/',
    T + '/stacks/arn:x//y', T + '/stacks/arn:/resources', T + '/stacks/arn:x/resources',
    T + '/stacks/arn:x/i', T + '/stacks/arn:x/i/resources',
    T + '/stacks/ARN:x/y', T + '/stacks/xarn:x/y', T + '/stacks/arn/x', T + '/stacks/arn',
    T + '/stacks/arn:openstack:heat::t:stacks/s/i/resources/r1',
    # the tenant segment is any segment
    '/validate/stacks', '/stacks/stacks', '/stacks/stacks/s/i', '/arn:/stacks/s',
    '/t:x/stacks', '/%s/stacks' % ('a' * 300),
    # odd bytes in variables: spaces, dots, "%", backslash, UTF-8, Latin-1, control characters
    T + '/stacks/my stack', T + '/stacks/my.stack/i.d', T + '/stacks/100%/i',
    T + '/stacks/a\\b/i\\', wsgi(T + '/stacks/st\u00e4ck/\u00efd'),
    T + '/stacks/\xff\xfe/i', T + '/stacks/a\tb/i', T + '/stacks/a\nb/i',
    T + '/stacks/s/resources/r1/events/e1', S + '/resources/r%2F1',
    T + '/stacks/s\n', T + '/stacks\n', S + '\n', T + '/stacks/arn:x\ny', T + '/stacks/arn:x\n',
    T + '/stacks/s/resources\n',
]

# near-misses: derived from every template path below
NEAR_MISS_FIXED = [
    '', '/', '//', '/t', '/t/', 't/stacks', '//stacks', '/t//stacks', '/t/stacks//i',
    '/t/stacks/s//i', '//t/stacks', '/t/stacks/s/i//resources', '/t/Stacks', '/t/STACKS',
    '/t/stacks.json', '/t/stacks/s/i.json', '/t/stacks/s/i/resources.json', '/v1/t/stacks',
    '/t/stacks/s/i/resources/', '/t/stacks/s/i/outputs/', '/t/stacks/s/i/snapshots/x/y',
    '/t/software_configs/', '/t/software_configs/c1/x', '/t/services/', '/t/services/x',
    '/t/build_info/', '/t/resource_types/', '/t/resource_types/x/template/',
    '/t/template_versions/v/functions/x', '/t/template_versions/functions',
]

NATIVE_METHODS = STANDARD + ['FOO', 'get', 'Get', 'ET', 'T', 'GET,POST', 'OPT', 'T,P',
                             'PROPFIND', 'TRACE', 'CONNECT', 'COPY', 'PATCHX', 'PATC', 'ETE']
NEAR_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']


def native_probes():
    seen = set()
    out = []

    def add(method, path):
        if (method, path) not in seen:
            seen.add((method, path))
            out.append((method, path))

    for path in NATIVE_PATHS + NATIVE_QUIRKS:
        for method in NATIVE_METHODS:
            add(method, path)
    for path in NATIVE_PATHS:
        variants = [path + '/', path + '/x', path + '//', path + '/x/y',
                    path.replace('/t/', '//', 1), path.replace('/t/', '/t//', 1),
                    path.rsplit('/', 1)[0] + '//' + path.rsplit('/', 1)[1]]
        if path.count('/') > 2:
            variants.append(path.rsplit('/', 1)[0])
            parts = path.split('/')
            variants.append('/'.join(parts[:2] + parts[3:]))  # a middle segment dropped
        for v in variants:
            for method in NEAR_METHODS:
                add(method, v)
    for path in NEAR_MISS_FIXED:
        for method in NEAR_METHODS + ['FOO']:
            add(method, path)
    return out


# --- CFN probes ----------------------------------------------------------------------------

CFN_LEGACY = [
    '/stacks', '/stacks.json', '/stacks.', '/stacks.a.b', '/stacks/detail', '/stacks/detail.xml',
    '/stacks/new', '/stacks/new.json', '/stacks/x', '/stacks/x.json', '/stacks/x/edit',
    '/stacks/x/edit.json', '/stacks/x/edit.', '/stacks/x\\', '/stacks/x\\/edit', '/stacks/a.b\\',
    '/stacks/detail.x\\', '/stacks/a\\.b', '/stacks/x/y', '/stacks/', '/stacks//edit',
    '/stacks/x/edit/', '/Stacks', '/stacksx', '/stacks/arn:x/y', '/stacks/detail.json/x',
    '/stacks.json/x', '/stacks/x/new', '/stacks/x.json/edit',
]
CFN_SIGNAL = [
    '/waitcondition/', '/waitcondition/arn:openstack:heat::t:stacks/s/i/resources/wh',
    '/waitcondition/x', '/waitcondition//x', '/waitcondition/x/', '/waitcondition',
    '/waitconditionx', '/Waitcondition/x', '/waitcondition/a b%\\', '/waitcondition/x\ny',
    '/signal/', '/signal/arn:openstack:heat::t:stacks/s/i/resources/r', '/signal/x/y/z',
    '/signal', '/signal//', '/signals/x', '/v1/signal/x', '/signal/x\n',
]
CFN_OTHER = ['', '/', '//', '/v1', '/v1/', '/x', '/?Action=ListStacks', '/ ', '/\n']
CFN_METHODS = STANDARD + ['FOO', 'get', 'UT', 'OST']
CFN_ACTION_VALUES = [None, ''] + list(CFN_ACTIONS.values()) + [
    'liststacks', 'LISTSTACKS', 'ListStacks ', ' ListStacks', 'InvalidAction', 'list',
    'index', 'Foo', 'ListStack', 'DescribeStack', 'ListStacks\n']


def cfn_probes():
    out = []
    for method in CFN_METHODS:
        for action in CFN_ACTION_VALUES:
            out.append((method, '/', action))
        for path in CFN_OTHER + CFN_LEGACY + CFN_SIGNAL:
            out.append((method, path, None))
        for path in ['', '//', '/x', '/stacks', '/stacks/x', '/waitcondition/x', '/signal/x']:
            out.append((method, path, 'ListStacks'))
    return out


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))

    real = build(native_v1.API, False)
    model = build(native_v1.API, True)
    lines = [probe_line(real, model, NATIVE_GROUPS, False, m, p) for m, p in native_probes()]
    with open(os.path.join(outdir, 'native.txt'), 'w', encoding='ascii') as f:
        f.write(HEADER.format(name='native.txt', api='heat.api.openstack.v1.API'))
        f.write('\n'.join(lines) + '\n')
    ndiff = sum(1 for ln in lines if '\tDIFF ' in ln)
    print('native.txt: %d probes, %d marked DIFF' % (len(lines), ndiff))

    real = build(cfn_v1.API, False)
    model = build(cfn_v1.API, True)
    lines = [probe_line(real, model, CFN_GROUPS, True, m, p, a) for m, p, a in cfn_probes()]
    with open(os.path.join(outdir, 'cfn.txt'), 'w', encoding='ascii') as f:
        f.write(HEADER.format(name='cfn.txt', api='heat.api.cfn.v1.API'))
        f.write('\n'.join(lines) + '\n')
    ndiff = sum(1 for ln in lines if '\tDIFF ' in ln)
    print('cfn.txt: %d probes, %d marked DIFF' % (len(lines), ndiff))


if __name__ == '__main__':
    main()
