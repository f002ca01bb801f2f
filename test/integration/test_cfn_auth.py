"""heat-api-cfn's authentication (heat's ec2authtoken filter, then authtoken and context):
the same requests, signed with the stack's real EC2 credentials, to mod_heat (127.0.0.1:8000,
the real stack's heat.conf) and to the Python heat-api-cfn 19.0.0 (127.0.0.1:18000, same
heat.conf, same Keystone; it reaches /v3/ec2tokens through the stack's ec2 shim, which adds the
service token that this Keystone requires and heat 19.0.0 does not send).

Each side gets a request signed for its own Host (127.0.0.1:<its port>). Compared: status,
reason phrase, Content-Type, request id, body (AWS XML errors are byte-identical).

Until the CFN actions land (heat_cfn.c, another branch), a request that passes authentication
is answered APINotImplemented by mod_heat; such cases check that authentication succeeded from
mod_heat's debug log (HEAT0328: the context's user and project) and that it is not an auth
error. CFN_ACTIONS_LANDED switches them to the full comparison with Python (200, same
StackSummaries) once the actions are merged.
"""

import base64
import datetime
import hashlib
import hmac
import json
import re
import urllib.parse

import pytest

from heat_client import request
from heat_stack import assert_same as _assert_same

pytestmark = [pytest.mark.real_stack, pytest.mark.python_reference]

# Set to True when heat_cfn.c implements ListStacks / DescribeStacks (see the module docstring).
CFN_ACTIONS_LANDED = True


def assert_same(mh, py):
    """heat_stack.assert_same, with heat-api-cfn's text "None" for unset times taken out of its
    XML: mod_heat leaves those elements out (doc/differences.md)."""
    for none in (b'<LastUpdatedTime>None</LastUpdatedTime>', b'<DeletionTime>None</DeletionTime>'):
        py.body = py.body.replace(none, b'')
    _assert_same(mh, py)

AUTH_ERRORS = {'IncompleteSignature', 'MissingAuthenticationToken', 'InvalidClientTokenId',
               'SignatureDoesNotMatch', 'AccessDenied', 'Unauthorized', 'ServiceUnavailable'}


class Sides:
    def __init__(self, stack, httpd):
        self.stack = stack
        self.httpd = httpd
        self.ports = {'mh': httpd.ports['cfn'], 'py': stack.facts['python_api']['cfn_port']}
        self.users = stack.facts['users']

    def cred(self, user):
        u = self.users[user]
        return u['ec2_access'], u['ec2_secret']


@pytest.fixture(scope='module')
def sides(real_stack, stack_httpd):
    return Sides(real_stack, stack_httpd)


# -- signing ------------------------------------------------------------------------------------

def now_ts(delta_minutes=0):
    t = datetime.datetime.utcnow() + datetime.timedelta(minutes=delta_minutes)
    return t.strftime('%Y-%m-%dT%H:%M:%SZ')


def sign_v2(secret, verb, host, path, params):
    """keystoneclient's Ec2Signer, SignatureVersion 2 (HmacSHA256)."""
    from keystoneclient.contrib.ec2.utils import Ec2Signer
    return Ec2Signer(secret).generate({'host': host, 'verb': verb, 'path': path, 'params': dict(params)})


def v2_params(access, secret, verb, host, path, extra, timestamp=None):
    params = dict(extra, AWSAccessKeyId=access, SignatureMethod='HmacSHA256', SignatureVersion='2',
                  Version='2010-05-15', Timestamp=timestamp or now_ts())
    params['Signature'] = sign_v2(secret, verb, host, path, params)
    return params


def send_v2(sides, side, extra, user='demo', verb='GET', path='/v1/', access=None, secret=None,
            timestamp=None, tamper=None, signed_host=None, headers=()):
    """A SigV2 request to one side, signed for its Host; form-encoded body for POST."""
    port = sides.ports[side]
    host = '127.0.0.1:%d' % port
    a, s = sides.cred(user)
    params = v2_params(access or a, secret or s, verb, signed_host or host, path, extra, timestamp)
    if tamper:
        tamper(params)
    qs = urllib.parse.urlencode(params)
    if verb == 'POST':
        return request(port, 'POST', path, headers=[('Content-Type', 'application/x-www-form-urlencoded')]
                       + list(headers), body=qs, timeout=120)
    return request(port, verb, path + '?' + qs, headers=list(headers), timeout=120)


def send_v4(sides, side, extra, user='demo', verb='POST', where='header'):
    """A SigV4 request made by botocore (the AWS SDK), as aws-cli would send it."""
    botocore = pytest.importorskip('botocore')
    from botocore.auth import SigV4Auth, SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    port = sides.ports[side]
    a, s = sides.cred(user)
    creds = Credentials(a, s)
    params = dict(extra, Version='2010-05-15')
    url = 'http://127.0.0.1:%d/v1/' % port
    if verb == 'POST':
        req = AWSRequest(method='POST', url=url, data=urllib.parse.urlencode(params),
                         headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
    else:
        req = AWSRequest(method='GET', url=url + '?' + urllib.parse.urlencode(params))
    (SigV4Auth if where == 'header' else SigV4QueryAuth)(creds, 'cloudformation', 'RegionOne').add_auth(req)
    prepared = req.prepare()
    split = urllib.parse.urlsplit(prepared.url)
    target = split.path + ('?' + split.query if split.query else '')
    hdrs = [(k, v) for k, v in prepared.headers.items() if k.lower() not in ('host', 'content-length')]
    body = prepared.body
    if isinstance(body, str):
        body = body.encode()
    assert botocore
    return request(port, verb, target, headers=hdrs, body=body if verb == 'POST' else None, timeout=120)


def both(fn, *args, **kw):
    return fn(*args, side='mh', **kw), fn(*args, side='py', **kw)


def call(fn, sides, *args, **kw):
    return fn(sides, 'mh', *args, **kw), fn(sides, 'py', *args, **kw)


# -- outcome checks -----------------------------------------------------------------------------

def aws_code(resp):
    m = re.search(rb'<Code>([^<]*)</Code>', resp.body)
    return m.group(1).decode() if m else None


def context_line(httpd, request_id):
    """mod_heat's HEAT0328 debug line of one request (the context built after ec2authtoken)."""
    for line in httpd.log.lines_since(0):
        if 'HEAT0328: %s:' % request_id in line:
            return line
    return None


def assert_authenticated(sides, mh, py, user='demo'):
    """The request passed ec2authtoken + authtoken + context on both sides."""
    assert py.status == 200, py.dump()
    if CFN_ACTIONS_LANDED:
        assert_same(mh, py)
        return
    # Before the CFN actions land: mod_heat's router answers APINotImplemented, which it only
    # reaches with a context; the context is the credential owner's.
    assert (mh.status, mh.reason) == (501, 'APINotImplemented'), mh.dump()
    assert aws_code(mh) == 'APINotImplemented'
    line = context_line(sides.httpd, mh.request_id)
    assert line, 'no HEAT0328 line for %s' % mh.request_id
    u = sides.users[user]
    assert 'context user %s, project %s' % (u['user_id'], u['project_id']) in line, line
    assert 'auth_url http://127.0.0.1:15000/v3' in line, line


def assert_same_error(mh, py, code):
    assert aws_code(py) == code, py.dump()
    assert_same(mh, py)


# -- signed requests that pass --------------------------------------------------------------------

def test_sigv2_get(sides):
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'})
    assert_authenticated(sides, mh, py)


def test_sigv2_post_form(sides):
    mh, py = call(send_v2, sides, {'Action': 'DescribeStacks'}, verb='POST')
    assert_authenticated(sides, mh, py)


def test_sigv2_admin(sides):
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, user='admin')
    assert_authenticated(sides, mh, py, user='admin')


def test_sigv2_signed_with_x_auth_user_too(sides):
    """A signature wins over the X-Auth-User escape hatch (the token is not even looked at)."""
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, headers=[('X-Auth-User', 'x'),
                                                                       ('X-Auth-Token', 'garbage')])
    assert_authenticated(sides, mh, py)


def test_sigv4_header_post(sides):
    mh, py = call(send_v4, sides, {'Action': 'ListStacks'})
    assert_authenticated(sides, mh, py)


def test_sigv4_header_get(sides):
    mh, py = call(send_v4, sides, {'Action': 'ListStacks'}, verb='GET')
    assert_authenticated(sides, mh, py)


def test_sigv4_query_presigned(sides):
    """Presigned (query) SigV4: heat hands X-Amz-Signature to Keystone among the params, so
    Keystone's canonical query differs from the client's and both services deny it."""
    mh, py = call(send_v4, sides, {'Action': 'ListStacks'}, verb='GET', where='query')
    assert_same_error(mh, py, 'AccessDenied')


# -- refused ------------------------------------------------------------------------------------

def test_wrong_signature(sides):
    def tamper(p):
        p['Signature'] = base64.b64encode(hmac.new(b'wrong', b'x', hashlib.sha256).digest()).decode()
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, tamper=tamper)
    assert_same_error(mh, py, 'AccessDenied')


def test_signed_for_another_host(sides):
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, signed_host='cfn.example.com')
    assert_same_error(mh, py, 'AccessDenied')


def test_param_changed_after_signing(sides):
    def tamper(p):
        p['Action'] = 'DescribeStacks'
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, tamper=tamper)
    assert_same_error(mh, py, 'AccessDenied')


def test_unknown_access_key(sides):
    """Keystone 22 answers 404 "Could not find credential" (its "EC2 access key not found." needs
    a credential of another type), which heat maps to AccessDenied, not InvalidClientTokenId."""
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, access='0123456789abcdef0123456789abcdef')
    assert_same_error(mh, py, 'AccessDenied')


def test_expired_timestamp(sides):
    mh, py = call(send_v2, sides, {'Action': 'ListStacks'}, timestamp=now_ts(-60))
    assert_same_error(mh, py, 'AccessDenied')


def test_no_signature(sides):
    for path in ('/v1/?Action=ListStacks', '/v1/?Action=Nope', '/v1/'):
        mh = request(sides.ports['mh'], 'GET', path)
        py = request(sides.ports['py'], 'GET', path)
        assert_same_error(mh, py, 'IncompleteSignature')
        assert (mh.status, mh.reason) == (400, 'IncompleteSignature')


def test_no_signature_with_access_key(sides):
    a, _ = sides.cred('demo')
    path = '/v1/?Action=ListStacks&AWSAccessKeyId=' + a
    assert_same_error(request(sides.ports['mh'], 'GET', path), request(sides.ports['py'], 'GET', path),
                      'IncompleteSignature')


def test_signature_without_key(sides):
    for path in ('/v1/?Action=ListStacks&Signature=abc', '/v1/?Action=ListStacks&Signature=abc&AWSAccessKeyId='):
        mh = request(sides.ports['mh'], 'GET', path)
        py = request(sides.ports['py'], 'GET', path)
        assert_same_error(mh, py, 'MissingAuthenticationToken')
        assert (mh.status, mh.reason) == (403, 'MissingAuthenticationToken')


def test_v4_header_without_credential(sides):
    hdr = [('Authorization', 'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc')]
    mh = request(sides.ports['mh'], 'GET', '/v1/?Action=ListStacks', headers=hdr)
    py = request(sides.ports['py'], 'GET', '/v1/?Action=ListStacks', headers=hdr)
    assert_same_error(mh, py, 'MissingAuthenticationToken')


# -- the X-Auth-User escape hatch and tokens -----------------------------------------------------

def test_x_auth_user_with_token(sides):
    token, _ = sides.stack.token('demo')
    hdrs = [('X-Auth-User', 'demo'), ('X-Auth-Token', token)]
    mh = request(sides.ports['mh'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    py = request(sides.ports['py'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    assert py.status == 200, py.dump()
    if CFN_ACTIONS_LANDED:
        assert_same(mh, py)
    else:
        assert (mh.status, mh.reason) == (501, 'APINotImplemented'), mh.dump()


def test_token_without_x_auth_user(sides):
    """A Keystone token alone is no AWS signature."""
    token, _ = sides.stack.token('demo')
    hdrs = [('X-Auth-Token', token)]
    mh = request(sides.ports['mh'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    py = request(sides.ports['py'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    assert_same_error(mh, py, 'IncompleteSignature')


@pytest.mark.parametrize('kind', ['ec2_access_key', 'garbage', 'none'])
def test_x_auth_user_with_wrong_kind_of_token(sides, kind):
    """X-Auth-User with something that is not a Keystone token: authtoken's 401 (JSON, not AWS)."""
    hdrs = [('X-Auth-User', 'demo')]
    if kind == 'ec2_access_key':
        hdrs.append(('X-Auth-Token', sides.cred('demo')[0]))
    elif kind == 'garbage':
        hdrs.append(('X-Auth-Token', 'gAAAAA-not-a-token'))
    mh = request(sides.ports['mh'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    py = request(sides.ports['py'], 'GET', '/v1/?Action=ListStacks', headers=hdrs)
    assert py.status == 401, py.dump()
    assert_same(mh, py)


# -- secrets ------------------------------------------------------------------------------------

def test_no_secrets_in_log(sides):
    """Neither EC2 secrets, nor signatures, nor the tokens ec2tokens issues reach the error log."""
    a, s = sides.cred('demo')
    params = {}

    def keep(p):
        params.update(p)
    send_v2(sides, 'mh', {'Action': 'ListStacks'}, tamper=keep)
    text = '\n'.join(sides.httpd.log.lines_since(0))
    assert s not in text
    assert params['Signature'] not in text
    assert 'HEAT0323' in text and a in text     # the access key is an identifier: logged
    assert not re.search(r'gAAAAA[A-Za-z0-9_-]{20,}', text)   # no Fernet token


# -- aws-cli, a real client -----------------------------------------------------------------------

def test_awscli_list_stacks(sides, tmp_path):
    import shutil
    import subprocess
    aws = shutil.which('aws', path='/usr/bin:/bin')
    if not aws:
        pytest.skip('aws-cli is not installed (apt-get install awscli)')
    a, s = sides.cred('demo')
    env = {'PATH': '/usr/bin:/bin', 'HOME': str(tmp_path), 'AWS_ACCESS_KEY_ID': a, 'AWS_SECRET_ACCESS_KEY': s,
           'AWS_DEFAULT_REGION': 'RegionOne', 'AWS_EC2_METADATA_DISABLED': 'true', 'LC_ALL': 'C.UTF-8'}
    out = {}
    for side in ('mh', 'py'):
        p = subprocess.run([aws, 'cloudformation', 'list-stacks', '--output', 'json', '--endpoint-url',
                            'http://127.0.0.1:%d/v1/' % sides.ports[side]],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=120)
        out[side] = (p.returncode, p.stdout.decode(), p.stderr.decode())
    assert out['py'][0] == 0, out['py']
    if CFN_ACTIONS_LANDED:
        assert out['mh'][0] == 0, out['mh']
        assert json.loads(out['mh'][1]) == json.loads(out['py'][1])
    else:
        # authenticated: the placeholder, not an authentication error
        assert out['mh'][0] != 0 and 'APINotImplemented' in out['mh'][2], out['mh']
        assert not any(code in out['mh'][2] for code in AUTH_ERRORS), out['mh']


# -- [ec2authtoken] settings and Keystone outages (mod_heat only, servers of their own) -----------

def ec2_server(httpd_factory, real_stack, name, *options):
    from heat_stack import stack_server
    return stack_server(httpd_factory, real_stack, name, apis=('cfn',),
                        test_conf='\n'.join('HeatOption %s' % o for o in options))


def signed(port, user_cred, extra=None, verb='GET'):
    access, secret = user_cred
    host = '127.0.0.1:%d' % port
    params = v2_params(access, secret, verb, host, '/v1/', extra or {'Action': 'ListStacks'})
    return request(port, verb, '/v1/?' + urllib.parse.urlencode(params), timeout=120)


def test_multi_cloud_tries_each_uri(httpd_factory, real_stack, sides):
    """multi_cloud: the allowed URIs in order; a refusal (here Keystone's HTML 404 for a wrong
    path, which heat-api-cfn would crash on) moves on to the next, the first success wins and
    becomes the context's auth_url."""
    srv = ec2_server(httpd_factory, real_stack, 'ec2-multi', 'ec2authtoken multi_cloud true',
                     'ec2authtoken allowed_auth_uris http://127.0.0.1:15000/nope,http://127.0.0.1:15000/v3/')
    srv.log.expect(r'POST http://127\.0\.0\.1:15000/nope/ec2tokens: .*is not JSON; taken as a refusal')
    resp = signed(srv.ports['cfn'], sides.cred('demo'))
    assert resp.reason not in AUTH_ERRORS, resp.dump()
    line = None
    for l in srv.log.lines_since(0):
        if 'HEAT0328: %s:' % resp.request_id in l:
            line = l
    assert line and 'auth_url http://127.0.0.1:15000/v3/' in line, line
    assert any('HEAT0322' in l and '/nope/ec2tokens' in l for l in srv.log.lines_since(0))


def test_multi_cloud_without_uris_denies_everything(httpd_factory, real_stack, sides):
    srv = ec2_server(httpd_factory, real_stack, 'ec2-multi-empty', 'ec2authtoken multi_cloud true')
    for resp in (signed(srv.ports['cfn'], sides.cred('demo')),
                 request(srv.ports['cfn'], 'GET', '/v1/?Action=ListStacks')):
        assert (resp.status, resp.reason, aws_code(resp)) == (403, 'AccessDenied', 'AccessDenied'), resp.dump()


def test_keystone_unreachable(httpd_factory, real_stack, sides):
    """No answer from /v3/ec2tokens: an AWS ServiceUnavailable 503 (heat-api-cfn 19.0.0 lets the
    connection error escape: a bare 500 from the WSGI server). Unsigned requests are still
    IncompleteSignature: the credentials are read before Keystone is needed."""
    from heat_env import free_port
    srv = ec2_server(httpd_factory, real_stack, 'ec2-down',
                     'ec2authtoken auth_uri http://127.0.0.1:%d/v3' % free_port())
    srv.log.expect(r'HEAT0321')
    srv.log.expect(r'Keystone request POST http://127\.0\.0\.1:\d+/v3/ec2tokens failed')
    resp = signed(srv.ports['cfn'], sides.cred('demo'))
    assert (resp.status, resp.reason) == (503, 'ServiceUnavailable'), resp.dump()
    assert resp.header('content-type') == 'application/xml; charset=UTF-8'
    assert resp.body == (b'<ErrorResponse><Error><Type>Server</Type><Code>ServiceUnavailable</Code><Message>'
                         b'Service temporarily unavailable:The Keystone service is temporarily unavailable.'
                         b'</Message></Error></ErrorResponse>')
    resp = request(srv.ports['cfn'], 'GET', '/v1/?Action=ListStacks')
    assert (resp.status, resp.reason) == (400, 'IncompleteSignature'), resp.dump()


def test_standalone_flavor(httpd_factory, real_stack, sides):
    """[paste_deploy] flavor = standalone: ec2authtoken without authtoken. The context has the
    project and roles ec2token hands on and the credential's owner as Keystone's ec2tokens answer
    names it (heat-api-cfn would take X-User-Id from the client; mod_heat does not)."""
    srv = ec2_server(httpd_factory, real_stack, 'ec2-standalone', 'paste_deploy flavor standalone')
    resp = signed(srv.ports['cfn'], sides.cred('demo'))
    assert resp.reason not in AUTH_ERRORS, resp.dump()
    lines = [l for l in srv.log.lines_since(0) if 'HEAT0328: %s:' % resp.request_id in l]
    u = sides.users['demo']
    assert lines and 'context user %s, project %s' % (u['user_id'], u['project_id']) in lines[0], lines
    assert not any('HEAT0303' in l for l in srv.log.lines_since(0))   # no authtoken step


# -- a pre-signed wait-condition URL made by heat-engine (signal_responder.py) -----------------------

WAIT_TEMPLATE = {'heat_template_version': '2018-08-31',
                 'resources': {'wh': {'type': 'AWS::CloudFormation::WaitConditionHandle'}},
                 'outputs': {'url': {'value': {'get_resource': 'wh'}}}}


def test_engine_signed_waitcondition_url(sides):
    """heat-engine signs the handle's URL (SigV2, PUT, the stack domain user's EC2 keypair, the
    ARN percent-encoded in the path, host 127.0.0.1:8000 = mod_heat). mod_heat checks it as
    received; the Python service is sent the same request with the same Host header."""
    import uuid
    stack = sides.stack
    name = 'ec2-wait-' + uuid.uuid4().hex[:6]
    sid = stack.create_stack('demo', name, WAIT_TEMPLATE)
    try:
        r = stack.py('demo', 'GET', '/stacks/%s/%s/outputs/url' % (name, sid))
        assert r.status_code == 200, r.text
        url = r.json()['output']['output_value']
        split = urllib.parse.urlsplit(url)
        assert split.netloc == '127.0.0.1:%d' % sides.ports['mh'], url
        target = split.path + '?' + split.query
        assert '%3A' in split.path      # the ARN is percent-encoded: the signature covers it decoded
        body = json.dumps({'Status': 'SUCCESS', 'Reason': 'ec2 test', 'UniqueId': '1', 'Data': 'd'})
        hdrs = [('Content-Type', 'application/json')]
        py = request(sides.ports['py'], 'PUT', target, headers=hdrs, body=body, host=split.netloc, timeout=120)
        mh = request(sides.ports['mh'], 'PUT', target, headers=hdrs, body=body, timeout=120)
        assert (py.status, py.body) == (200, b'<resource>wh</resource>'), py.dump()
        if CFN_ACTIONS_LANDED:
            assert_same(mh, py)
        else:
            assert (mh.status, mh.reason) == (501, 'APINotImplemented'), mh.dump()
        line = context_line(sides.httpd, mh.request_id)
        # the stack domain user: not demo, in a project of its own
        assert line and 'auth_url http://127.0.0.1:15000/v3' in line, line
        assert 'context user %s,' % sides.users['demo']['user_id'] not in line, line
        # the same URL with the path changed after signing is refused
        bad = request(sides.ports['mh'], 'PUT', target.replace('/resources/wh', '/resources/wx'),
                      headers=hdrs, body=body, timeout=120)
        assert (bad.status, bad.reason) == (403, 'AccessDenied'), bad.dump()
    finally:
        stack.delete_stack('demo', name)


def test_behind_a_proxy(httpd_factory, real_stack, sides):
    """[oslo_middleware] enable_proxy_headers_parsing: the client signed the proxy's host, which
    arrives as X-Forwarded-Host; req.host (SigV2) and the Host header (SigV4's canonical
    headers) are the forwarded host, as after heat's http_proxy_to_wsgi."""
    pytest.importorskip('botocore')
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    srv = ec2_server(httpd_factory, real_stack, 'ec2-proxy', 'oslo_middleware enable_proxy_headers_parsing true')
    port = srv.ports['cfn']
    access, secret = sides.cred('demo')
    fwd = [('X-Forwarded-Host', 'cfn.example.com'), ('X-Forwarded-Proto', 'https')]
    # SigV2, signed for the public host
    params = v2_params(access, secret, 'GET', 'cfn.example.com', '/v1/', {'Action': 'ListStacks'})
    v2 = request(port, 'GET', '/v1/?' + urllib.parse.urlencode(params), headers=fwd)
    # SigV4 by botocore for https://cfn.example.com/v1/
    req = AWSRequest(method='POST', url='https://cfn.example.com/v1/', data='Action=ListStacks&Version=2010-05-15',
                     headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
    SigV4Auth(Credentials(access, secret), 'cloudformation', 'RegionOne').add_auth(req)
    p = req.prepare()
    hdrs = [(k, v) for k, v in p.headers.items() if k.lower() not in ('host', 'content-length')] + fwd
    v4 = request(port, 'POST', '/v1/', headers=hdrs, body=p.body)
    for resp in (v2, v4):
        assert resp.reason not in AUTH_ERRORS, resp.dump()
        assert context_line(srv, resp.request_id), resp.dump()
    # without the forwarded host the same SigV2 request no longer matches
    bad = request(port, 'GET', '/v1/?' + urllib.parse.urlencode(params))
    assert (bad.status, bad.reason) == (403, 'AccessDenied'), bad.dump()
