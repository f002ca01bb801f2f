"""Behaviour of mod_heat that deliberately differs from the Python services (doc/differences.md) or that
the Python services cannot show without Keystone and heat-engine: HEAD works wherever GET does,
405 carries Allow, no CFN identity from client headers, request ids, `_method` not honoured, no
secrets in the log.
"""

import json
import re

import pytest

from heat_client import request
from heat_env import REQUEST_ID_RE, SECRET_TOKEN

# every native route has a handler now: a request refused before any RPC (noauth: admin)
BAD_PARAM_NATIVE = ('GET', '/v1/t/stacks?limit=abc')
UNSIGNED_CFN = ('GET', '/v1/?Action=EstimateTemplateCost')


def assert_request_id(resp):
    rid = resp.request_id
    assert rid is not None, 'no x-openstack-request-id:\n' + resp.dump()
    assert REQUEST_ID_RE.match(rid), 'bad request id %r' % rid


# -- HEAD works wherever GET does (same status and headers, no body) ------------------------------

HEAD_PATHS = {
    'api': ['/', '/versions', '/v2', '/nope', '/v1/t/nope', '/v1/t/stacks/', BAD_PARAM_NATIVE[1],
            '/v1/t/resource_types?with_description=maybe', '/v1/t/stacks/s/i/events?limit=x'],
    'cfn': ['/', '/versions', '/nope', '/v1/nope', UNSIGNED_CFN[1]],
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


# -- CFN without identity --------------------------------------------------------------------------

@pytest.mark.parametrize('path', ['/v1/?Action=ListStacks', '/v1/?Action=DescribeStacks&StackName=x'])
def test_cfn_standalone_unsigned_has_no_identity(path, httpd_opts):
    """The standalone flavor lets an unsigned request with X-Auth-User reach the router (as
    heat-api-cfn does), but mod_heat builds no identity from the client's own headers: an Action
    is refused (heat-api-cfn would run it as whoever X-User-Id / X-Roles claim to be)."""
    resp = request(httpd_opts.ports['cfn'], 'GET', path,
                   headers=[('X-Auth-User', 'someone'), ('X-Roles', 'admin'), ('X-User-Id', 'u'),
                            ('X-Project-Id', 'p')])
    assert (resp.status, resp.reason) == (403, 'AccessDenied'), resp.dump()
    assert resp.header('content-type') == 'application/xml; charset=UTF-8'
    assert b'<Code>AccessDenied</Code>' in resp.body
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


# -- `_method` is never honoured (doc/differences.md) ---------------------------------------------------

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
