"""The front doors of both APIs, compared with the Python services byte for byte (modulo the port):
versions document, version negotiation (path and Accept header), webob 404 bodies by Accept,
the router's 405 / OPTIONS / 404 answers inside /v1 (heat-api, noauth flavor), the cors OPTIONS
quirk, /healthcheck, Host handling and proxy headers (enable_proxy_headers_parsing off and on).

Compared (heat_client.differences): status and reason, Content-Type, Allow, Location, and the other
Heat-relevant headers, presence and format of x-openstack-request-id, the set of header names, body.

Variants: "plain" = default heat.conf (mod_heat: httpd_main; Python: plain-api with flavor noauth,
plain-cfn default flavor); "opts" = enable_proxy_headers_parsing, a disable_by_file healthcheck
backend and Debian's heat_api_root (mod_heat: httpd_opts; Python: opts-api default flavor, opts-cfn
standalone flavor).
"""

import os
from dataclasses import dataclass

import pytest

from heat_client import assert_same

pytestmark = pytest.mark.python_reference

VND = 'application/vnd.openstack.orchestration-'


@dataclass
class Case:
    api: str                 # 'api' (heat-api) or 'cfn' (heat-api-cfn)
    variant: str             # 'plain' or 'opts'
    method: str
    path: str
    headers: tuple = ()
    body: bytes = None
    host: str = 'default'
    version: str = 'HTTP/1.1'
    ignore: tuple = ()       # headers not compared (documented differences, tested elsewhere)

    @property
    def id(self):
        h = ''.join(' [%s: %s]' % hv for hv in self.headers)
        extra = '' if self.host == 'default' else ' [Host %s]' % self.host
        extra += '' if self.version == 'HTTP/1.1' else ' ' + self.version
        extra += '' if self.body is None else ' body=%s' % self.body.decode()
        return '%s-%s %s %s%s%s' % (self.api, self.variant, self.method, self.path, h, extra)


def A(value):
    return ('Accept', value)


ACCEPTS_404 = [(), (A('*/*'),), (A('application/json'),), (A('text/html'),), (A('text/plain'),),
               (A('application/json;q=0.5, text/html'),), (A('application/json, */*'),),
               (A('application/xml'),), (A('text/html;q=0.1, application/json'),)]
ACCEPTS_HC = [(), (A('*/*'),), (A('application/json'),), (A('text/html'),), (A('text/plain'),),
              (A('application/json;q=0.5, text/html'),), (A('application/json, text/html'),)]


def native_plain():
    c = []
    P = lambda m, p, *h, **kw: c.append(Case('api', 'plain', m, p, tuple(h), **kw))   # noqa: E731
    # versions document: /, /versions, /versions/anything, other versions; any method
    for m in ('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD'):
        P(m, '/')
    for p in ('/versions', '/versions/', '/versions/x', '/v2', '/v2/', '/v1.1', '/v2.0/foo', '/v3/t/stacks',
              '/v0', '/?x=1', '/versions?y=2', '/%76ersions'):
        P('GET', p)
    P('POST', '/versions')
    P('DELETE', '/v2')
    P('FOO', '/')
    P('GET', '/', A('application/json'))
    P('GET', '/', A('text/html'))
    # /v1 prefix handling: v1, v1.0, v1foo (regex anchored at the start only), uppercase V1
    for p in ('/v1', '/v1/', '/v1.0', '/v1.0/', '/v1foo', '/v1foo/t/nope', '/V1/t/stacks', '/v01/t/nope'):
        P('GET', p)
    # Accept-header version negotiation
    P('GET', '/nope', A(VND + 'v1.0'))
    P('GET', '/nope', A(VND + 'v1'))
    P('GET', '/t/nope', A(VND + 'v1.0'))
    P('DELETE', '/t/stacks', A(VND + 'v1.0'), ignore=('allow',))
    P('OPTIONS', '/t/stacks', A(VND + 'v1.0'))
    P('GET', '/nope', A(VND + 'v2.0'))
    P('GET', '/nope', A(VND + 'v1.1'))
    P('GET', '/nope', A(VND + 'foo'))
    P('GET', '/nope', A(VND + 'v2.0, application/json'))
    P('GET', '/nope', A('application/json, ' + VND + 'v2.0'))
    P('GET', '/', A(VND + 'v2.0'))
    P('GET', '/nope', A(VND + 'v2.0;q=0.9'))
    P('GET', '/nope', A(VND + 'v1.0;q=0.9'))
    P('GET', '/nope', A(VND + 'V1.0'))
    P('GET', '/nope', A(VND.upper() + 'v2.0'))
    # unversioned paths: webob 404, body format by Accept
    for h in ACCEPTS_404:
        P('GET', '/nope', *h)
    P('POST', '/nope', A('application/json'))
    P('DELETE', '/nope')
    P('GET', '/nope/deeper/path?q=1', A('application/json'))
    P('GET', '/nope%2Fx')
    P('GET', '/stacks')
    # inside /v1: no route
    for h in ((), (A('application/json'),), (A('*/*'),)):
        P('GET', '/v1/t/nope', *h)
        P('GET', '/v1/t/stacks/', *h)
    for p in ('/v1/t', '/v1/t/', '/v1/t/stacks/a/b/', '/v1/t/stacks/a/b/c/d/e/f/g/h', '/v1/t/no%2Fpe',
              '/v1/t/build_info/', '/v1//stacks'):
        P('GET', p)
    # 405 on known templates (mod_heat adds Allow: doc/differences.md, checked in test_mod_heat_only.py)
    for m, p in (('DELETE', '/v1/t/stacks'), ('PUT', '/v1/t/stacks'), ('PATCH', '/v1/t/stacks'),
                 ('POST', '/v1/t/build_info'), ('DELETE', '/v1/t/software_configs'),
                 ('POST', '/v1/t/stacks/foo/environment'), ('PUT', '/v1/t/validate'),
                 ('GET', '/v1/t/validate'), ('POST', '/v1/t/stacks/a/b/resources/r/events/e'),
                 ('DELETE', '/v1/t/stacks/detail/x/outputs')):
        P(m, p, ignore=('allow',))
    P('DELETE', '/v1/t/stacks', A('application/json'), ignore=('allow',))
    # unknown methods on known templates: not in heat's reject list
    P('FOO', '/v1/t/stacks')
    P('PROPFIND', '/v1/t/stacks')
    # TRACE is an ordinary method to heat-api (Apache's core answers it itself unless told not to)
    P('TRACE', '/')
    P('TRACE', '/v1/t/stacks', ('X-Auth-Token', 'not-a-real-token'))
    P('TRACE', '/nope')
    # percent-encoded and doubled characters: heat-api matches the decoded path, slashes unmerged
    P('DELETE', '/v1/t/sta%63ks', ignore=('allow',))
    P('DELETE', '/v%31/t/stacks', ignore=('allow',))
    P('OPTIONS', '/v1/t/sta%63ks')
    P('GET', '/v1/a%2Fb/stacks')
    P('GET', '/v1/t/%C3%A9/x')
    P('DELETE', '/v1//t/stacks')
    P('DELETE', '/v1/t//stacks')
    P('OPTIONS', '/v1/t//stacks')
    P('GET', '//')
    P('GET', '//versions')
    # OPTIONS: 204 + Allow on known templates; anything non-2xx becomes an empty 200 (cors quirk)
    for p in ('/v1/t/stacks', '/v1/t/stacks/a/b', '/v1/t/stacks/a', '/v1/t/stacks/a/b/resources/r/events/e',
              '/v1/t/build_info', '/v1/t/stacks/detail', '/v1/t/stacks/a/b/snapshots/s/restore',
              '/v1/t/software_deployments/metadata/srv', '/v1/t/stacks/a/resources',
              '/nope', '/v2', '/', '/versions', '/v1/t/nope', '/v1/t/services', '/v1/t/stacks/', '/v1/'):
        P('OPTIONS', p)
    P('OPTIONS', '/nope', A('application/json'))
    # services: no reject and no options routes, so other methods are 404
    for m in ('POST', 'PUT', 'DELETE', 'PATCH'):
        P(m, '/v1/t/services')
    # healthcheck (before request_id: no request id)
    for h in ACCEPTS_HC:
        P('GET', '/healthcheck', *h)
    for m in ('POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'):
        P(m, '/healthcheck')
    P('HEAD', '/healthcheck', A('application/json'))
    P('POST', '/healthcheck', A('application/json'))
    for p in ('/healthcheck/', '/healthcheck?detailed=1', '/healthcheckx', '/v1/healthcheck', '/HealthCheck'):
        P('GET', p)
    # Host handling (href = scheme://Host + script name)
    for host in ('heat.example.com', 'heat.example.com:80', 'heat.example.com:8004', '[::1]:8004',
                 'HEAT.Example.COM:8004'):
        P('GET', '/', host=host)
    P('GET', '/', host=None, version='HTTP/1.0')
    # proxy headers are ignored while enable_proxy_headers_parsing is off
    P('GET', '/', ('X-Forwarded-Proto', 'https'), ('X-Forwarded-Host', 'heat.example.com'))
    P('GET', '/', ('Forwarded', 'proto=https;host=heat.example.com'))
    P('GET', '/', ('X-Forwarded-Prefix', '/heat'))
    # inbound request ids are not echoed (format only is compared; see also test_mod_heat_only.py)
    P('GET', '/', ('X-OpenStack-Request-ID', 'req-11111111-2222-4333-8444-555555555555'))
    return c


PROXY_CASES = [
    (('Forwarded', 'proto=https;host=heat.example.com'),),
    (('Forwarded', 'for=192.0.2.1;proto=https;host=heat.example.com:443, for=192.0.2.2;host=other.example.com'),),
    (('Forwarded', 'for=192.0.2.1'),),
    (('Forwarded', 'Proto=https;Host=Heat.Example.com:8443'),),
    (('Forwarded', 'proto=http;host=heat.example.com:80'),),
    (('Forwarded', 'host="heat.example.com"'),),
    (('X-Forwarded-Proto', 'https'),),
    (('X-Forwarded-Host', 'heat.example.com:8443'),),
    (('X-Forwarded-Proto', 'https'), ('X-Forwarded-Host', 'heat.example.com:443')),
    (('X-Forwarded-Proto', 'https'), ('X-Forwarded-Host', 'heat.example.com:80')),
    (('X-Forwarded-Prefix', '/heat'),),
    (('X-Forwarded-Prefix', '/a b/c'),),
    (('X-Forwarded-Prefix', 'heat/'),),
    (('X-Forwarded-Proto', 'https'), ('X-Forwarded-Host', 'h.example.com'), ('X-Forwarded-Prefix', '/orch')),
    (('Forwarded', 'proto=https;host=heat.example.com'), ('X-Forwarded-Host', 'ignored.example.com')),
    (('Forwarded', 'proto=https'), ('X-Forwarded-Prefix', '/p')),
    (('X-Forwarded-For', '192.0.2.9'),),
]


def native_opts():
    c = []
    P = lambda m, p, *h, **kw: c.append(Case('api', 'opts', m, p, tuple(h), **kw))   # noqa: E731
    for h in PROXY_CASES:
        P('GET', '/', *h)
    P('GET', '/versions', ('X-Forwarded-Host', 'heat.example.com'))
    P('POST', '/v2', ('X-Forwarded-Proto', 'https'))
    P('GET', '/nope', ('X-Forwarded-Host', 'heat.example.com'), A('application/json'))
    P('GET', '/nope', ('X-Forwarded-Host', 'heat.example.com'), A('text/html'))
    P('GET', '/')                                       # heat_api_root is set: no effect here
    P('GET', '/', host='heat.example.com:8004')
    for h in ACCEPTS_HC[:4]:
        P('GET', '/healthcheck', *h)                    # disable_by_file backend, file absent
    P('HEAD', '/healthcheck')
    P('GET', '/healthcheck', ('X-Forwarded-Proto', 'https'))
    return c


def cfn_plain():
    c = []
    P = lambda m, p, *h, **kw: c.append(Case('cfn', 'plain', m, p, tuple(h), **kw))   # noqa: E731
    for m in ('GET', 'POST', 'PUT', 'DELETE', 'HEAD'):
        P(m, '/')
    for p in ('/versions', '/versions/x', '/v2', '/v1.1', '/v2/foo', '/%76ersions', '/?Action=ListStacks'):
        P('GET', p)
    P('POST', '/versions')
    P('GET', '/', A('application/json'))
    P('GET', '/nope', A(VND + 'v2.0'))
    P('GET', '/nope', A(VND + 'v1.1'))
    for h in ACCEPTS_404:
        P('GET', '/nope', *h)
    P('POST', '/nope', A('application/json'))
    P('GET', '/stacks')
    for p in ('/nope', '/', '/v2', '/versions'):
        P('OPTIONS', p)
    P('TRACE', '/')
    for h in ACCEPTS_HC:
        P('GET', '/healthcheck', *h)
    for m in ('POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'):
        P(m, '/healthcheck')
    P('GET', '/healthcheck/')
    # ec2authtoken comes before the router: an unsigned request is refused whatever its path,
    # a signature without an access key too; X-Auth-User sends it on to authtoken (no token: 401)
    for p in ('/v1/', '/v1/?Action=ListStacks', '/v1/?Action=Nope', '/v1/nope', '/v1/stacks'):
        P('GET', p)
    P('POST', '/v1/', ('Content-Type', 'application/x-www-form-urlencoded'), body=b'Action=ListStacks')
    P('PUT', '/v1/waitcondition/arn%3Aopenstack%3Aheat%3A%3At%3Astacks%2Fs%2Fi%2Fresources%2Fw')
    P('GET', '/v1/?Action=ListStacks&ContentType=JSON')
    P('GET', '/v1/?Action=ListStacks&Signature=abc')
    P('GET', '/v1/?Action=ListStacks&X-Amz-Signature=abc')
    P('GET', '/v1/?Action=ListStacks', ('Authorization', 'AWS4-HMAC-SHA256 SignedHeaders=host, Signature=abc'))
    P('GET', '/v1/?Action=ListStacks', ('X-Auth-User', 'someone'))
    P('GET', '/v1/nope', ('X-Auth-User', 'someone'))
    for host in ('cfn.example.com', 'cfn.example.com:80', 'cfn.example.com:8000', '[::1]:8000'):
        P('GET', '/', host=host)
    P('GET', '/', host=None, version='HTTP/1.0')
    P('GET', '/', ('X-Forwarded-Proto', 'https'), ('X-Forwarded-Host', 'cfn.example.com'))
    return c


def cfn_opts():
    c = []
    P = lambda m, p, *h, **kw: c.append(Case('cfn', 'opts', m, p, tuple(h), **kw))   # noqa: E731
    for h in PROXY_CASES:
        P('GET', '/', *h)
    P('GET', '/versions', ('X-Forwarded-Host', 'cfn.example.com'))
    for h in ACCEPTS_HC[:4]:
        P('GET', '/healthcheck', *h)
    P('HEAD', '/healthcheck')
    # The CFN router without Keystone: the standalone flavor (ec2authtoken, no authtoken) lets a
    # request with X-Auth-User and no signature through to the router.
    U = ('X-Auth-User', 'someone')
    for p in ('/v1/', '/v1/?Action=Nope', '/v1/?Action=liststacks', '/v1/?Action=', '/v1/?ContentType=JSON',
              '/v1/?Action=Nope&ContentType=JSON', '/v1/stacks', '/v1/stacks/x', '/v1/stacks/detail',
              '/v1/nope', '/v1/?Action=Nope&Action=Worse', '/v1', '/v1.0/?Action=Nope'):
        P('GET', p, U)
    P('POST', '/v1/', U, ('Content-Type', 'application/x-www-form-urlencoded'), body=b'Action=Nope')
    P('POST', '/v1/', U, ('Content-Type', 'application/x-www-form-urlencoded'), body=b'Foo=bar')
    P('GET', '/v1/', U, A('application/json'))
    # a vnd Accept header without a usable version: the unmodified path goes on to the router
    P('GET', '/nope', U, A(VND + 'foo'))
    P('GET', '/', U, A(VND + 'foo'))
    P('GET', '/nope', U, A(VND + 'v1.0'))
    P('GET', '/?Action=Nope', U, A(VND + 'v1.0'))
    P('OPTIONS', '/v1/', U)
    P('DELETE', '/v1/nope', U)
    return c


CASES = native_plain() + native_opts() + cfn_plain() + cfn_opts()


def _servers(case, request):
    ours = request.getfixturevalue('httpd_main' if case.variant == 'plain' else 'httpd_opts')
    ref = request.getfixturevalue('reference').get('%s-%s' % (case.variant, case.api))
    return ours.ports[case.api], ref


@pytest.mark.parametrize('case', CASES, ids=[c.id for c in CASES])
def test_same_as_python(case, request):
    from heat_client import request as http
    port, ref = _servers(case, request)
    theirs = ref.request(case.method, case.path, headers=case.headers, body=case.body,
                         host=case.host, version=case.version)
    ours = http(port, case.method, case.path, headers=case.headers, body=case.body,
                host=case.host, version=case.version)
    assert_same(ours, theirs, ignore_headers=case.ignore)


HC_DISABLED = [('GET', ()), ('GET', (A('application/json'),)), ('GET', (A('text/html'),)),
               ('GET', (A('*/*'),)), ('HEAD', ()), ('POST', ()), ('OPTIONS', ())]


@pytest.mark.parametrize('api', ['api', 'cfn'])
def test_healthcheck_disabled_by_file(api, httpd_opts, reference, hc_disable_file):
    """[healthcheck] backends = disable_by_file: while the file exists the answer is 503."""
    from heat_client import request as http
    ref = reference.get('opts-%s' % api)
    with open(hc_disable_file, 'w') as f:
        f.write('maintenance\n')
    os.chmod(hc_disable_file, 0o644)
    try:
        for method, headers in HC_DISABLED:
            theirs = ref.request(method, '/healthcheck', headers=headers)
            ours = http(httpd_opts.ports[api], method, '/healthcheck', headers=headers)
            assert theirs.status == 503 or method == 'HEAD', theirs.dump()
            assert_same(ours, theirs)
    finally:
        os.unlink(hc_disable_file)
    # and back to healthy once it is gone
    theirs = ref.request('GET', '/healthcheck')
    ours = http(httpd_opts.ports[api], 'GET', '/healthcheck')
    assert theirs.status == 200
    assert_same(ours, theirs)
