"""heat.conf handling: httpd refuses a config that oslo.config would refuse (apache2 -t and the
start both fail, naming file, line, section and option), accepts what oslo accepts, and
HeatConfigDir / HeatOption override values in the documented order (observable through
enable_proxy_headers_parsing in the versions document).

Every "oslo refuses / accepts" premise is checked against oslo.config itself (oslo_oracle.py,
with heat-api's option definitions), so these tests never ask mod_heat to be stricter or
looser than heat-api.
"""

import os
import re
import subprocess

import pytest

from heat_client import request
from heat_env import HERE, PYTHON3
from heat_httpd import base_heat_conf

ORACLE = os.path.join(HERE, 'oslo_oracle.py')


def oslo(conf_path, section, option, config_dir=None):
    """(accepted, output) of oslo.config for one option of conf_path."""
    args = [PYTHON3, ORACLE, conf_path] + (['--config-dir', config_dir] if config_dir else []) + [section, option]
    p = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return p.returncode == 0, p.stdout.decode('utf-8', 'replace').strip()


def names_place(out, path, line):
    """The message names path and line, as "<path>:<line>" or Apache's "line <n> of <path>"."""
    return (re.search(r'%s:%d\b' % (re.escape(path), line), out) is not None
            or re.search(r'line %d of %s' % (line, re.escape(path)), out) is not None)


def assert_refused(server, expect):
    """apache2 -t and a real start both fail, and each output matches every regex in expect."""
    rc, out = server.config_test()
    assert rc != 0, 'apache2 -t accepted the config:\n' + out
    for pattern in expect:
        assert re.search(pattern, out), 'apache2 -t output lacks %r:\n%s' % (pattern, out)
    rc, out = server.start_fails()
    assert rc is not None, 'httpd started with the bad config'
    assert rc != 0
    for pattern in expect:
        assert re.search(pattern, out), 'startup output lacks %r:\n%s' % (pattern, out)
    return out


BAD_VALUES = [
    ('DEFAULT', 'debug', 'maybe'),
    ('DEFAULT', 'debug', 'true # no inline comments in oslo'),
    ('oslo_middleware', 'enable_proxy_headers_parsing', '2'),
    ('DEFAULT', 'rpc_response_timeout', 'abc'),
    ('DEFAULT', 'max_template_size', '12k'),
    ('DEFAULT', 'max_json_body_size', '1.5'),
    ('oslo_messaging_rabbit', 'rabbit_transient_queues_ttl', '0'),   # IntOpt min=1
]


@pytest.mark.parametrize('section,option,value', BAD_VALUES,
                         ids=['%s.%s=%s' % (s, o, v.split()[0]) for s, o, v in BAD_VALUES])
def test_bad_value_in_file(section, option, value, httpd_factory):
    conf = base_heat_conf({section: [(option, value)]})
    server = httpd_factory('cfg-bad-%s-%s' % (option, re.sub(r'\W', '', value)[:8]), heat_conf=conf)
    line = server.heat_conf_lines[(section, option)]
    ok, why = oslo(server.heat_conf_path, section, option)
    assert not ok, 'premise: oslo.config accepts %s = %r: %s' % (option, value, why)
    out = assert_refused(server, [re.escape('[%s] %s' % (section, option))])
    assert names_place(out, server.heat_conf_path, line), 'file:line %s:%d not named:\n%s' % (
        server.heat_conf_path, line, out)


def test_missing_config_file(httpd_factory):
    server = httpd_factory('cfg-missing-file', heat_conf=None,
                           heat_conf_directive='HeatConfigFile "/nonexistent/heat/heat.conf"')
    ok, why = oslo('/nonexistent/heat/heat.conf', 'DEFAULT', 'debug')
    assert not ok, why
    assert_refused(server, [re.escape('/nonexistent/heat/heat.conf')])


def test_missing_config_dir(httpd_factory):
    server = httpd_factory('cfg-missing-dir', heat_conf=base_heat_conf())
    server.heat_conf_directive = 'HeatConfigFile "%s"\nHeatConfigDir "/nonexistent/heat.conf.d"' % server.heat_conf_path
    server.write_conf()
    ok, why = oslo(server.heat_conf_path, 'DEFAULT', 'debug', config_dir='/nonexistent/heat.conf.d')
    assert not ok, why
    assert_refused(server, [re.escape('/nonexistent/heat.conf.d')])


def test_bad_value_in_config_dir(httpd_factory):
    server = httpd_factory('cfg-bad-in-dir', heat_conf=base_heat_conf())
    confd = os.path.join(server.root, 'conf', 'heat.conf.d')
    os.makedirs(confd)
    bad = os.path.join(confd, '20-bad.conf')
    with open(os.path.join(confd, '10-good.conf'), 'w') as f:
        f.write('[DEFAULT]\ndebug = false\n')
    with open(bad, 'w') as f:
        f.write('# a comment\n[DEFAULT]\n\nrpc_response_timeout = soon\n')
    server.heat_conf_directive = 'HeatConfigFile "%s"\nHeatConfigDir "%s"' % (server.heat_conf_path, confd)
    server.write_conf()
    ok, why = oslo(server.heat_conf_path, 'DEFAULT', 'rpc_response_timeout', config_dir=confd)
    assert not ok, why
    out = assert_refused(server, [re.escape('[DEFAULT] rpc_response_timeout')])
    assert names_place(out, bad, 4), out


@pytest.mark.parametrize('section,option,value', [('DEFAULT', 'debug', 'maybe'),
                                                  ('DEFAULT', 'rpc_response_timeout', 'abc')])
def test_bad_heat_option(section, option, value, httpd_factory):
    server = httpd_factory('cfg-bad-option-%s' % option, heat_conf=base_heat_conf(),
                           test_conf='HeatOption %s %s %s' % (section, option, value))
    line = 1   # conf/test.conf holds only this directive
    out = assert_refused(server, [re.escape('[%s] %s' % (section, option))])
    assert names_place(out, server.test_conf_path, line), out


@pytest.mark.parametrize('args', ['DEFAULT debug', 'DEFAULT', 'DEFAULT debug true extra'])
def test_heat_option_arity(args, httpd_factory):
    server = httpd_factory('cfg-option-arity', heat_conf=base_heat_conf(), test_conf='HeatOption ' + args)
    rc, out = server.config_test()
    assert rc != 0, out
    assert 'HeatOption' in out


GOOD_TEXT = """\
# oslo.config accepts all of this (checked by the oracle below)
[DEFAULT]
debug = On
max_template_size = -5
rpc_response_timeout =  030
transport_url = rabbit://heat:SECRET-rabbit-pw-7f3a@127.0.0.1:1/heat
no_such_option = whatever

[no_such_section]
a = b

[oslo_middleware]
enable_proxy_headers_parsing: TRUE

[healthcheck]
backends =
"""
GOOD_VALUES = [('DEFAULT', 'debug', 'True'), ('DEFAULT', 'max_template_size', '-5'),
               ('DEFAULT', 'rpc_response_timeout', '30'),
               ('oslo_middleware', 'enable_proxy_headers_parsing', 'True'), ('healthcheck', 'backends', '[]')]


def test_good_config_accepted(httpd_factory):
    server = httpd_factory('cfg-good', heat_conf=GOOD_TEXT)
    for section, option, shown in GOOD_VALUES:
        ok, why = oslo(server.heat_conf_path, section, option)
        assert ok and why == 'OK ' + shown, 'premise: oslo says %s for %s.%s' % (why, section, option)
    rc, out = server.config_test()
    assert rc == 0, out
    server.start()
    # `enable_proxy_headers_parsing: TRUE` (colon syntax, any case) took effect
    resp = request(server.ports['api'], 'GET', '/', headers=[('X-Forwarded-Host', 'proxy.example.com')])
    assert b'"http://proxy.example.com/v1/"' in resp.body, resp.dump()
    server.stop()


# -- HeatConfigDir and HeatOption: who wins -------------------------------------------------------

PROXIED = b'"href": "http://proxy.example.com/v1/"'


def proxy_honoured(server, api='api'):
    resp = request(server.ports[api], 'GET', '/', headers=[('X-Forwarded-Host', 'proxy.example.com')])
    assert resp.status == 300, resp.dump()
    return PROXIED in resp.body


def with_dir(httpd_factory, name, files, options=(), vhost_options=None, base=False):
    conf = base_heat_conf({'oslo_middleware': [('enable_proxy_headers_parsing', 'true' if base else 'false')]})
    server = httpd_factory(name, heat_conf=conf)
    confd = os.path.join(server.root, 'conf', 'heat.conf.d')
    os.makedirs(confd)
    for fname, value in files:
        with open(os.path.join(confd, fname), 'w') as f:
            f.write('[oslo_middleware]\nenable_proxy_headers_parsing = %s\n' % value)
    directive = 'HeatConfigFile "%s"' % server.heat_conf_path
    if files:
        directive += '\nHeatConfigDir "%s"' % confd
    for value in options:
        directive += '\nHeatOption oslo_middleware enable_proxy_headers_parsing %s' % value
    server.heat_conf_directive = directive
    if vhost_options:
        server.vhost_extra = {api: '    HeatOption oslo_middleware enable_proxy_headers_parsing %s\n' % v
                              for api, v in vhost_options.items()}
    server.write_conf()
    ok, why = oslo(server.heat_conf_path, 'oslo_middleware', 'enable_proxy_headers_parsing',
                   config_dir=confd if files else None)
    assert ok, why
    return server.start(), why


ORDER_CASES = [
    ('file-only', [], [], False),
    ('dir-sets', [('50-proxy.conf', 'true')], [], True),
    ('dir-later-wins', [('10-a.conf', 'true'), ('20-b.conf', 'false')], [], False),
    ('dir-sorted-by-name', [('20-b.conf', 'true'), ('10-a.conf', 'false')], [], True),
    ('dir-only-dot-conf', [('50-proxy.conf.disabled', 'true'), ('50-proxy', 'true')], [], False),
    ('option-sets', [], ['true'], True),
    ('option-beats-dir', [('50-proxy.conf', 'true')], ['false'], False),
    ('last-option-wins', [], ['true', 'false'], False),
]


@pytest.mark.parametrize('name,files,options,expected', ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_config_dir_and_options(name, files, options, expected, httpd_factory):
    server, oslo_says = with_dir(httpd_factory, 'cfg-order-' + name, files, options)
    if not options:   # without directives the oracle knows the answer too
        assert oslo_says == 'OK %r' % expected
    assert proxy_honoured(server, 'api') is expected
    assert proxy_honoured(server, 'cfn') is expected
    server.stop()


def test_heat_option_in_vhost(httpd_factory):
    """A HeatOption inside one VirtualHost applies to that vhost only."""
    server, _ = with_dir(httpd_factory, 'cfg-vhost-option', [], [], vhost_options={'api': 'true'})
    assert proxy_honoured(server, 'api') is True
    assert proxy_honoured(server, 'cfn') is False
    server.stop()


def test_loglevel_heat_debug(httpd_factory):
    """`LogLevel heat:debug` is accepted (the module declares APLOG_USE_MODULE(heat)) and the
    module logs something at debug level for a request."""
    server = httpd_factory('cfg-loglevel', heat_conf=base_heat_conf(), loglevel='warn heat:debug').start()
    request(server.ports['api'], 'GET', '/nope')
    server.stop()
    with open(server.log.path, errors='replace') as f:
        assert re.search(r'\[heat:debug\]', f.read()), 'no [heat:debug] line in the error log'
