"""Behaviour of mod_heat that deliberately differs from the Python services (DECISIONS.md) or that
the Python services cannot show without Keystone and heat-engine: HEAD works wherever GET does,
405 carries Allow, the 501 placeholder of routes whose handler is not written yet, CFN
InvalidAction / unknown paths, request ids, `_method` not honoured, no secrets in the log.
"""

import json
import re

import pytest

from heat_client import request
from heat_env import REQUEST_ID_RE, SECRET_TOKEN

# Routes whose handlers come last in the plan; change these when they are implemented.
# every native route has a handler now: a request refused before any RPC (noauth: admin)
BAD_PARAM_NATIVE = ('GET', '/v1/t/stacks?limit=abc')
UNIMPLEMENTED_CFN = ('GET', '/v1/?Action=EstimateTemplateCost')

INVALID_ACTION = (b'<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code>'
                  b'<Message>The action or operation requested is invalid</Message></Error></ErrorResponse>')


def assert_request_id(resp):
    rid = resp.request_id
    assert rid is not None, 'no x-openstack-request-id:\n' + resp.dump()
    assert REQUEST_ID_RE.match(rid), 'bad request id %r' % rid


# -- HEAD works wherever GET does (same status and headers, no body) ------------------------------

HEAD_PATHS = {
    'api': ['/', '/versions', '/v2', '/nope', '/v1/t/nope', '/v1/t/stacks/', BAD_PARAM_NATIVE[1],
            '/v1/t/resource_types?with_description=maybe', '/v1/t/stacks/s/i/events?limit=x'],
    'cfn': ['/', '/versions', '/nope', '/v1/nope', UNIMPLEMENTED_CFN[1]],
}


@pytest.mark.parametrize('api,path', [(a, p) for a, ps in HEAD_PATHS.items() for p in ps])
@pytest.mark.parametrize('accept', [None, 'application/json'])
def test_head_like_get(api, path, accept, httpd_main):
    port = httpd_main.ports[api]
    headers = [('Accept', accept)] if accept else []
    get = request(port, 'GET', path, headers=headers)
    head = request(port, 'HEAD', path, headers=headers)
    assert (head.status, head.reason) == (get.status, get.reason), head.dump() + '\n---\n' + get.dump()
    assert head.body == b''
    for name in ('content-type', 'allow', 'location', 'www-authenticate'):
        assert head.header(name) == get.header(name), name
    assert (head.request_id is None) == (get.request_id is None)
    if head.header('content-length') is not None:
        assert int(head.header('content-length')) == len(get.body)
    # the router must not answer HEAD with heat's 405 (upstream does)
    assert head.status != 405 or get.status == 405


def test_head_on_post_only_route(httpd_main):
    """HEAD is GET without a body: where GET is a 405, so is HEAD, with the same Allow."""
    port = httpd_main.ports['api']
    get = request(port, 'GET', '/v1/t/validate')
    head = request(port, 'HEAD', '/v1/t/validate')
    assert get.status == 405 and head.status == 405
    assert head.body == b''
    assert head.header('allow') == get.header('allow') == 'POST'


# -- 405 carries Allow: the methods OPTIONS lists for the same template ---------------------------

ALLOW_CASES = [('DELETE', '/v1/t/stacks'), ('PUT', '/v1/t/stacks/a/b/template'),
               ('POST', '/v1/t/build_info'), ('POST', '/v1/t/stacks/foo/environment'),
               ('PATCH', '/v1/t/software_deployments/d'),
               ('GET', '/v1/t/stacks/a/b/snapshots/s/restore'), ('DELETE', '/v1/t/stacks/a/b/actions')]


@pytest.mark.python_reference
@pytest.mark.parametrize('method,path', ALLOW_CASES)
def test_405_allow_header(method, path, httpd_main, reference):
    resp = request(httpd_main.ports['api'], method, path)
    assert resp.status == 405, resp.dump()
    options = reference.get('plain-api').request('OPTIONS', path)
    assert options.status == 204, options.dump()
    assert resp.header('allow') == options.header('allow'), resp.dump()
    assert_request_id(resp)


# -- 501 placeholder (CFN: the Actions are not written yet) ----------------------------------------------------------------------------

def test_cfn_501_placeholder(httpd_main):
    method, path = UNIMPLEMENTED_CFN
    resp = request(httpd_main.ports['cfn'], method, path)
    assert resp.status == 501, resp.dump()
    assert resp.header('content-type') == 'application/xml; charset=UTF-8'
    assert_request_id(resp)
    assert re.fullmatch(rb'<ErrorResponse><Error><Type>Server</Type><Code>APINotImplemented</Code>'
                        rb'<Message>[^<]+</Message></Error></ErrorResponse>', resp.body), resp.body


# -- CFN router without authentication ------------------------------------------------------------

@pytest.mark.parametrize('method,path,body', [
    ('GET', '/v1/', None), ('GET', '/v1/?Action=Nope', None), ('GET', '/v1/?Action=liststacks', None),
    ('GET', '/v1/?Action=Nope&ContentType=JSON', None), ('POST', '/v1/', b'Action=Nope'),
    ('GET', '/v1/stacks', None),
])
def test_cfn_invalid_action(method, path, body, httpd_main):
    headers = [('Content-Type', 'application/x-www-form-urlencoded')] if body else []
    resp = request(httpd_main.ports['cfn'], method, path, headers=headers, body=body)
    assert (resp.status, resp.reason) == (400, 'InvalidAction'), resp.dump()
    assert resp.header('content-type') == 'application/xml; charset=UTF-8'
    assert resp.body == INVALID_ACTION
    assert_request_id(resp)


@pytest.mark.parametrize('path', ['/v1/nope', '/v1/waitcondition', '/v1/signal', '/v1'])
def test_cfn_unknown_path(path, httpd_main):
    resp = request(httpd_main.ports['cfn'], 'GET', path)
    assert (resp.status, resp.reason) == (404, 'Not Found'), resp.dump()
    assert resp.header('content-type') == 'text/plain; charset=UTF-8'
    assert resp.body == b'404 Not Found\n\nThe resource could not be found.\n\n   '
    assert_request_id(resp)


# -- request ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize('api', ['api', 'cfn'])
@pytest.mark.parametrize('path', ['/', '/nope'])
def test_inbound_request_id_not_echoed(api, path, httpd_main):
    inbound = 'req-11111111-2222-4333-8444-555555555555'
    resp = request(httpd_main.ports[api], 'GET', path, headers=[('X-OpenStack-Request-ID', inbound)])
    assert_request_id(resp)
    assert resp.request_id != inbound
    assert len([k for k, _ in resp.headers if k.lower() == 'x-openstack-request-id']) == 1


def test_request_ids_unique(httpd_main):
    ids = []
    for i in range(20):
        for api in ('api', 'cfn'):
            resp = request(httpd_main.ports[api], 'GET', '/' if i % 2 else '/nope')
            assert_request_id(resp)
            ids.append(resp.request_id)
    assert len(set(ids)) == len(ids), ids


@pytest.mark.parametrize('api', ['api', 'cfn'])
def test_no_request_id_on_healthcheck(api, httpd_main):
    for method in ('GET', 'HEAD', 'POST'):
        resp = request(httpd_main.ports[api], method, '/healthcheck')
        assert resp.request_id is None, resp.dump()


# -- `_method` is never honoured (DECISIONS.md) ---------------------------------------------------

@pytest.mark.parametrize('query', ['_method=DELETE', '_method=PUT', '_method=delete'])
def test_method_override_ignored(query, httpd_main):
    port = httpd_main.ports['api']
    # resource_types has GET only: an honoured override would turn these into 405s (the bad
    # parameter gets a 400 before any RPC)
    plain = request(port, 'GET', '/v1/t/resource_types?with_description=maybe')
    override = request(port, 'GET', '/v1/t/resource_types?with_description=maybe&' + query)
    assert override.status == plain.status, override.dump()
    assert override.header('allow') == plain.header('allow')
    # validate is POST only; a form body is no JSON body, so it is refused before any RPC
    form = request(port, 'POST', '/v1/t/validate',
                   headers=[('Content-Type', 'application/x-www-form-urlencoded')], body=query.encode())
    assert form.status != 405, form.dump()


# -- secrets stay out of the log (LogLevel heat:debug) -------------------------------------------

@pytest.mark.parametrize('api', ['api', 'cfn'])
def test_token_not_logged(api, httpd_main):
    """The autouse error-log check fails the test if the token or a planted password shows up."""
    for path in ('/', '/nope', '/v1/t/nope', '/v1/', '/healthcheck', BAD_PARAM_NATIVE[1]):
        request(httpd_main.ports[api], 'GET', path,
                headers=[('X-Auth-Token', SECRET_TOKEN), ('X-Subject-Token', SECRET_TOKEN)])
    with open(httpd_main.log.path, errors='replace') as f:
        assert SECRET_TOKEN not in f.read()
