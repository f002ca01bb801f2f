"""TLS from mod_heat to Keystone and to RabbitMQ, with a CA the test makes (heat_tls.make_pki).

The stack's Keystone and RabbitMQ speak plain TCP and are left alone: TLS terminators started
here sit in front of them on kernel-chosen loopback ports (an Apache with mod_ssl + mod_proxy for
Keystone, stunnel4 for RabbitMQ). Each case is a mod_heat of its own (the stack's heat.conf plus
HeatOption lines), asked with a fresh Keystone token so that no cached validation hides the
Keystone call.

Keystone ([keystone_authtoken] like keystoneauth's session: verify = False if insecure, else
cafile, else the system store; [ec2authtoken] like heat's EC2Token: verify = ca_file if set,
else not insecure):
    right CA             native GET /v1/<project>/stacks 200, CFN signed ListStacks 200
    unrelated CA         keystonemiddleware's 503 (JSON) / AWS ServiceUnavailable (XML), and the
                         error log says the certificate could not be verified
    no CA                the system store does not know our CA: the same refusal
    insecure             answers 200 despite the unrelated CA ([ec2authtoken]: only without ca_file)
RabbitMQ ([oslo_messaging_rabbit] ssl, as oslo.messaging's kombu driver: the broker's certificate
is verified against ssl_ca_file, else the system store; no "insecure" option exists):
    right CA             200, the RPC went through TLS to the real heat-engine
    unrelated CA / none  503 MessagingUnavailable at once, the error log names the certificate
    hostname check       ssl_enforce_hostname_verification: localhost (a DNS name of the
                         certificate) passes; 127.0.0.1 (its IP address) is refused by librabbitmq
"""

import json
import os
import re
import time

import pytest

from heat_client import request
from heat_env import gen_dir
from heat_stack import stack_server
import heat_tls
from test_cfn_auth import aws_code, signed

pytestmark = pytest.mark.real_stack

KS_503 = {'message': 'The server is currently unavailable. Please try again at a later time.<br /><br />\n'
                     'The Keystone service is temporarily unavailable.\n\n',
          'code': '503 Service Unavailable', 'title': 'Service Unavailable'}
CFN_503 = (b'<ErrorResponse><Error><Type>Server</Type><Code>ServiceUnavailable</Code><Message>'
           b'Service temporarily unavailable:The Keystone service is temporarily unavailable.'
           b'</Message></Error></ErrorResponse>')
# curl's words (CURLE_PEER_FAILED_VERIFICATION) for a chain that does not end in a trusted CA
CURL_UNVERIFIED = r'SSL certificate problem: unable to get local issuer certificate'


@pytest.fixture(scope='module')
def pki():
    return heat_tls.make_pki(os.path.join(gen_dir('tls'), 'pki'))


@pytest.fixture(scope='module')
def keystone_tls(pki, real_stack):
    proxy = heat_tls.TlsProxy(gen_dir('tls-keystone-proxy'), pki, real_stack.facts['keystone']['port'])
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope='module')
def rabbit_tls(pki, real_stack):
    tunnel = heat_tls.Stunnel(gen_dir('tls-rabbit-stunnel'), pki, real_stack.facts['rabbitmq']['port'])
    tunnel.start()
    yield tunnel
    tunnel.stop()


def tls_server(httpd_factory, real_stack, name, options, apis=('api', 'cfn')):
    return stack_server(httpd_factory, real_stack, name, apis=apis,
                        test_conf='\n'.join('HeatOption %s' % o for o in options))


def keystone_options(proxy, authtoken=(), ec2=(), clients=None):
    """The stack's heat.conf with every Keystone URL mod_heat uses on the TLS proxy. heat's
    authurl step discovers [clients_keystone] auth_uri with that section's ca_file / insecure
    (clients: default the same as authtoken's)."""
    if clients is None:
        clients = [o.replace('cafile', 'ca_file') for o in authtoken]
    return ['keystone_authtoken www_authenticate_uri %s/v3' % proxy.url,
            'keystone_authtoken auth_url %s' % proxy.url,
            'ec2authtoken auth_uri %s/v3' % proxy.url,
            'clients_keystone auth_uri %s' % proxy.url] + \
        ['keystone_authtoken %s' % o for o in authtoken] + ['ec2authtoken %s' % o for o in ec2] + \
        ['clients_keystone %s' % o for o in clients]


def list_stacks(server, stack):
    token, project = stack.issue_token('admin')
    t0 = time.time()
    resp = request(server.ports['api'], 'GET', '/v1/%s/stacks' % project,
                   headers=[('Accept', 'application/json'), ('X-Auth-Token', token)], timeout=60)
    return resp, time.time() - t0


def list_stacks_cfn(server, stack):
    u = stack.facts['users']['demo']
    return signed(server.ports['cfn'], (u['ec2_access'], u['ec2_secret']))


def assert_ok(resp):
    assert resp.status == 200, resp.dump()
    assert 'stacks' in json.loads(resp.body), resp.dump()


def assert_cfn_ok(resp):
    assert resp.status == 200, resp.dump()
    assert b'<ListStacksResponse' in resp.body, resp.dump()


def assert_ks_refused(resp):
    assert resp.status == 503, resp.dump()
    assert resp.header('content-type') == 'application/json', resp.dump()
    assert json.loads(resp.body) == KS_503, resp.dump()


def assert_cfn_refused(resp):
    assert (resp.status, resp.reason, aws_code(resp)) == (503, 'ServiceUnavailable', 'ServiceUnavailable'), \
        resp.dump()
    assert resp.body == CFN_503, resp.dump()


def log_has(server, pattern):
    import re
    rx = re.compile(pattern)
    return [l for l in server.log.lines_since(0) if rx.search(l)]


# -- Keystone -------------------------------------------------------------------------------------

def test_keystone_right_ca(httpd_factory, real_stack, keystone_tls, pki):
    srv = tls_server(httpd_factory, real_stack, 'tls-ks-right',
                     keystone_options(keystone_tls, ['cafile ' + pki['ca']], ['ca_file ' + pki['ca']]))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)
    assert_cfn_ok(list_stacks_cfn(srv, real_stack))


def expect_unverified(srv, proxy):
    port = r'127\.0\.0\.1:%d' % proxy.port
    srv.log.expect(r'Keystone request \w+ https://%s\S* failed: .*%s' % (port, CURL_UNVERIFIED))
    srv.log.expect(r'Failed to discover available identity versions when contacting https://%s' % port)
    srv.log.expect(r'Could not find versioned identity endpoints when attempting to authenticate')
    srv.log.expect(r'HEAT0304: Unable to validate token: Keystone unavailable')
    # the failed service authentication opens the back-off window
    srv.log.expect(r'HEAT0960: service authentication failed')
    # the certificate error itself, or (authtoken's CA is wrong too) no service token to post with
    srv.log.expect(r'HEAT0321: EC2 signature of \w+ not checked: POST https://%s/v3/ec2tokens: '
                   r'(.*%s|no service token to call ec2tokens with)' % (port, CURL_UNVERIFIED))


@pytest.mark.parametrize('cafile', ['other_ca', None])
def test_keystone_unverified(httpd_factory, real_stack, keystone_tls, pki, cafile):
    """An unrelated CA, or none (the system store): keystonemiddleware's 503, heat-api-cfn's
    ServiceUnavailable, and the reason in the error log."""
    authtoken, ec2 = ([], []) if cafile is None else (['cafile ' + pki[cafile]], ['ca_file ' + pki[cafile]])
    srv = tls_server(httpd_factory, real_stack, 'tls-ks-%s' % (cafile or 'system'),
                     keystone_options(keystone_tls, authtoken, ec2, clients=['ca_file ' + pki['ca']]))
    expect_unverified(srv, keystone_tls)
    resp, took = list_stacks(srv, real_stack)
    assert_ks_refused(resp)
    assert took < 15, 'the 503 took %.1f s' % took
    assert log_has(srv, CURL_UNVERIFIED), 'no line names the certificate problem'
    assert_cfn_refused(list_stacks_cfn(srv, real_stack))
    assert srv.running, 'httpd died'


def test_keystone_insecure(httpd_factory, real_stack, keystone_tls, pki):
    """[keystone_authtoken] insecure beats cafile (keystoneauth: verify = False if insecure);
    [ec2authtoken] insecure applies only without ca_file (heat: verify = ca_file or not insecure)."""
    srv = tls_server(httpd_factory, real_stack, 'tls-ks-insecure',
                     keystone_options(keystone_tls, ['cafile ' + pki['other_ca'], 'insecure true'],
                                      ['insecure true']))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)
    assert_cfn_ok(list_stacks_cfn(srv, real_stack))


def test_authurl_unverified(httpd_factory, real_stack, keystone_tls, pki):
    """heat-api's authurl step discovers [clients_keystone] auth_uri before keystonemiddleware
    runs; keystoneauth raises SSLError, which heat-api's FaultWrapper answers 500 with that type
    (asked of keystoneauth itself here)."""
    from keystoneauth1 import discover, session
    try:
        discover.Discover(session=session.Session(verify=pki['other_ca']), url=keystone_tls.url)
        raised = None
    except Exception as e:
        raised = type(e).__name__
    assert raised == 'SSLError'
    srv = tls_server(httpd_factory, real_stack, 'tls-authurl-other',
                     keystone_options(keystone_tls, ['cafile ' + pki['ca']], clients=['ca_file ' + pki['other_ca']]),
                     apis=('api',))
    port = r'127\.0\.0\.1:%d' % keystone_tls.port
    srv.log.expect(r'Keystone request GET https://%s failed: %s' % (port, CURL_UNVERIFIED))
    srv.log.expect(r'HEAT0307: authurl: version discovery on \[clients_keystone\] auth_uri failed \(SSLError\)')
    resp, _ = list_stacks(srv, real_stack)
    assert resp.status == 500, resp.dump()
    body = json.loads(resp.body)
    assert body['error'] == {'type': raised, 'traceback': None}, body
    assert srv.running, 'httpd died'


def test_ec2_ca_file_beats_insecure(httpd_factory, real_stack, keystone_tls, pki):
    srv = tls_server(httpd_factory, real_stack, 'tls-ec2-cafile-insecure',
                     keystone_options(keystone_tls, ['cafile ' + pki['ca']],
                                      ['ca_file ' + pki['other_ca'], 'insecure true']), apis=('cfn',))
    expect_unverified(srv, keystone_tls)
    assert_cfn_refused(list_stacks_cfn(srv, real_stack))


# -- RabbitMQ -------------------------------------------------------------------------------------

def rabbit_options(tunnel, stack, *ssl, host='127.0.0.1'):
    r = stack.facts['rabbitmq']
    return ['DEFAULT transport_url rabbit://%s:%s@%s:%d/%s' % (r['user'], r['password'], host, tunnel.port,
                                                               r['vhost']),
            'oslo_messaging_rabbit ssl true'] + ['oslo_messaging_rabbit %s' % o for o in ssl]


def test_rabbit_right_ca(httpd_factory, real_stack, rabbit_tls, pki):
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-right',
                     rabbit_options(rabbit_tls, real_stack, 'ssl_ca_file ' + pki['ca']), apis=('api',))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)


def test_rabbit_hostname_verified(httpd_factory, real_stack, rabbit_tls, pki):
    """ssl_enforce_hostname_verification: the certificate's DNS name localhost matches (and
    "localhost" is then not replaced by 127.0.0.1)."""
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-hostname',
                     rabbit_options(rabbit_tls, real_stack, 'ssl_ca_file ' + pki['ca'],
                                    'ssl_enforce_hostname_verification true', host='localhost'), apis=('api',))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)


def test_rabbit_hostname_ip_address(httpd_factory, real_stack, rabbit_tls, pki):
    """ssl_enforce_hostname_verification with the broker given by IP address: the certificate's
    IP address matches, as with Python's ssl (OpenSSL checks it; librabbitmq's own check knew
    DNS names only)."""
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-hostname-ip',
                     rabbit_options(rabbit_tls, real_stack, 'ssl_ca_file ' + pki['ca'],
                                    'ssl_enforce_hostname_verification true'), apis=('api',))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)


@pytest.fixture(scope='module')
def rabbit_tls_named(pki, real_stack):
    """A TLS tunnel to the broker whose certificate (of the right CA) names another host."""
    tunnel = heat_tls.Stunnel(gen_dir('tls-rabbit-stunnel-named'), pki, real_stack.facts['rabbitmq']['port'],
                              cert='named_cert', key='named_key')
    tunnel.start()
    yield tunnel
    tunnel.stop()


@pytest.mark.parametrize('host', ['127.0.0.1', 'localhost'])
def test_rabbit_hostname_mismatch(httpd_factory, real_stack, rabbit_tls_named, pki, host):
    """The right CA but a certificate for another name: refused when the host is checked (503 at
    once, the reason in the log), accepted when it is not (oslo.messaging's default)."""
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-mismatch-' + host,
                     rabbit_options(rabbit_tls_named, real_stack, 'ssl_ca_file ' + pki['ca'],
                                    'ssl_enforce_hostname_verification true', host=host), apis=('api',))
    srv.log.expect(r'AMQP server %s:%d unreachable: connect: ' % (re.escape(host), rabbit_tls_named.port))
    srv.log.expect(r'RPC call list_stacks: no AMQP server reachable for rabbit://heat:\*\*\*@')
    resp, _ = list_stacks(srv, real_stack)
    assert resp.status == 503, resp.dump()
    assert json.loads(resp.body)['error']['type'] == 'MessagingUnavailable', resp.dump()
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-unchecked-' + host,
                     rabbit_options(rabbit_tls_named, real_stack, 'ssl_ca_file ' + pki['ca'], host=host),
                     apis=('api',))
    resp, _ = list_stacks(srv, real_stack)
    assert_ok(resp)


@pytest.mark.parametrize('cafile', ['other_ca', None])
def test_rabbit_unverified(httpd_factory, real_stack, rabbit_tls, pki, cafile):
    ssl = [] if cafile is None else ['ssl_ca_file ' + pki[cafile]]
    srv = tls_server(httpd_factory, real_stack, 'tls-amqp-%s' % (cafile or 'system'),
                     rabbit_options(rabbit_tls, real_stack, *ssl), apis=('api',))
    srv.log.expect(r'AMQP server 127\.0\.0\.1:%d unreachable: ' % rabbit_tls.port)
    srv.log.expect(r'RPC call list_stacks: no AMQP server reachable for rabbit://heat:\*\*\*@')
    resp, took = list_stacks(srv, real_stack)
    assert resp.status == 503, resp.dump()
    body = json.loads(resp.body)
    assert body['error']['type'] == 'MessagingUnavailable', body
    assert took < 5, 'the 503 took %.1f s' % took
    lines = log_has(srv, r'AMQP server 127\.0\.0\.1:%d unreachable: ' % rabbit_tls.port)
    # librabbitmq's words for a failed certificate check
    assert lines and all(l.endswith('connect: SSL peer cert verification failed') for l in lines), lines
    assert srv.running, 'httpd died'
