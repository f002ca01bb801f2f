"""The heat 24.0.0 stack of test/stack/trixie.sh, which the differential suites run against with
HEAT_RELEASE=24: its services really run from the Debian 13 root, its engine is not the 19 one
(own database and RabbitMQ vhost, same Keystone), mod_heat on that stack's heat.conf reaches the
24 engine, `openstack` reaches that mod_heat although the shared catalog names :8004, and the
Python heat-api-cfn 24 behaves as its policy defaults say.
"""

import datetime
import json
import os
import uuid

import pytest
import requests
from keystoneclient.contrib.ec2.utils import Ec2Signer

import heat_stack
from heat_client import request

pytestmark = pytest.mark.real_stack

RUN = uuid.uuid4().hex[:6]
NONE = {'heat_template_version': '2018-08-31', 'resources': {'n': {'type': 'OS::Heat::None'}}}


@pytest.fixture(scope='module')
def stack19():
    """The 19 stack's facts and Python heat-api (the lease is shared with real_stack_24's)."""
    stack = heat_stack.make_real_stack('19')
    try:
        stack.up()
    except heat_stack.StackError as e:
        stack.down()
        pytest.fail(str(e), pytrace=False)
    yield stack
    stack.down()


def pid_of(name):
    with open(os.path.join(heat_stack.STATE, 'run', '%s.pid' % name)) as f:
        return int(f.read().strip())


def test_24_services_run_in_the_trixie_root(real_stack_24):
    facts = real_stack_24.facts
    assert facts['release'] == '24'
    assert facts['heat_version'].startswith('1:24.0.0'), facts['heat_version']
    assert facts['heat_conf'].startswith(facts['root'] + '/'), facts['heat_conf']
    root = os.path.realpath(facts['root'])
    for name in ('heat24-engine', 'heat24-api', 'heat24-api-cfn'):
        pid = pid_of(name)
        assert os.path.realpath('/proc/%d/root' % pid) == root, name
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            assert b'/etc/heat/heat.conf' in f.read(), name


def test_24_engine_apart_from_19(real_stack_24, stack19, stack_httpd_24):
    """A stack made through mod_heat on the 24 heat.conf is seen by the Python heat-api 24 (same
    engine and database) and not by the Python heat-api 19."""
    assert real_stack_24.facts['rabbitmq']['vhost'] != stack19.facts['rabbitmq']['vhost']
    assert real_stack_24.py_api_port != stack19.py_api_port
    name = 'rel24-' + RUN
    token, project = real_stack_24.token('demo')
    r = request(stack_httpd_24.ports['api'], 'POST', '/v1/%s/stacks' % project,
                headers=[('X-Auth-Token', token), ('Content-Type', 'application/json'),
                         ('Accept', 'application/json')],
                body=json.dumps({'stack_name': name, 'template': NONE, 'timeout_mins': 5}), timeout=60)
    assert r.status == 201, r.dump()
    try:
        stack = real_stack_24.wait_stack('demo', name, ('CREATE_COMPLETE',))
        assert stack['stack_name'] == name
        assert stack19.find_stack('demo', name) is None
        assert stack19.py('demo', 'GET', '/stacks/%s' % name).status_code == 404
    finally:
        real_stack_24.delete_stack('demo', name)


def test_openstack_cli_reaches_mod_heat_24(real_stack_24, stack_httpd_24):
    """The catalog names the 19 stack's mod_heat (:8004): the CLI is pointed at the 24 one."""
    assert real_stack_24.orchestration_url
    stack_httpd_24.access.mark()
    seen = []
    real_stack_24.openstack('demo', 'stack', 'list', '-f', 'json')
    _, project = real_stack_24.token('demo')
    want = lambda lines: any(m == 'GET' and p.startswith('/v1/%s/stacks' % project) and s == 200
                             for m, p, s in lines)
    lines = stack_httpd_24.access.wait_for(seen, want)
    assert want(lines), lines


def cfn_describe_stacks(port, cred):
    """A SignatureVersion 2 signed DescribeStacks to a CFN API on port."""
    params = {'Action': 'DescribeStacks', 'AWSAccessKeyId': cred['ec2_access'],
              'SignatureMethod': 'HmacSHA256', 'SignatureVersion': '2', 'Version': '2010-05-15',
              'Timestamp': datetime.datetime.utcnow().strftime('%Y-%m-%dT%H:%M:%SZ')}
    host = '127.0.0.1:%d' % port
    params['Signature'] = Ec2Signer(cred['ec2_secret']).generate(
        {'host': host, 'verb': 'GET', 'path': '/v1/', 'params': params})
    return requests.get('http://%s/v1/' % host, params=params, timeout=60)


def test_python_cfn_24_policy_defaults(real_stack_24):
    """heat-api-cfn 24 checks its policies with no target: under trixie's oslo.policy defaults
    (enforce_new_defaults) a signed DescribeStacks is refused after the signature is accepted."""
    facts = real_stack_24.facts
    r = cfn_describe_stacks(facts['python_api']['cfn_port'], facts['users']['demo'])
    if facts['oslo_policy']['enforce_new_defaults'] is False:
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 403, r.text
        assert '<Code>AccessDenied</Code>' in r.text, r.text


@pytest.mark.parametrize('new_defaults,scope', [('false', 'false'), ('false', 'true'), ('true', 'false')])
def test_python_24_policy_variants(real_stack_24, new_defaults, scope):
    """Python24Api: heat-api-cfn 24 and heat-api 24 with other [oslo_policy] settings beside the
    shared ones. Without enforce_new_defaults the deprecated rules (deny_stack_user) let the CFN
    request through; with it, the empty target refuses it whatever enforce_scope says."""
    settings = {'oslo_policy': {'enforce_new_defaults': new_defaults, 'enforce_scope': scope}}
    tag = 'nd%s-sc%s' % (new_defaults, scope)
    cfn = heat_stack.Python24Api(real_stack_24, 'cfn-' + tag, 'heat-api-cfn', settings).start()
    api = heat_stack.Python24Api(real_stack_24, 'api-' + tag, 'heat-api', settings).start()
    try:
        r = cfn_describe_stacks(cfn.port, real_stack_24.facts['users']['demo'])
        if new_defaults == 'false':
            assert r.status_code == 200, r.text
            assert '<DescribeStacksResult>' in r.text, r.text
        else:
            assert r.status_code == 403 and '<Code>AccessDenied</Code>' in r.text, r.text
        token, project = real_stack_24.token('demo')
        r = requests.get(api.url(project) + '/stacks', headers={'X-Auth-Token': token}, timeout=60)
        assert r.status_code == 200, r.text
    finally:
        cfn.stop()
        api.stop()
