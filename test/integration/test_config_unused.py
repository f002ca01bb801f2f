"""heat.conf options mod_heat reads but does not act on: one startup warning (HEAT1000) each
when set to a value other than the default, logged once per start (not by every child); and a
[paste_deploy] flavor heat-api has no pipeline for (or custombackend, which mod_heat does not
implement) refuses the start, as heat-api refuses it.
"""

import re
import time

from heat_client import request
from heat_httpd import base_heat_conf
from test_config import assert_refused

WORKERS_LINE = re.compile(r'HEAT1000: heat\.conf: \[heat_api\] workers is set \(.*heat\.conf:\d+\) but '
                          r'mod_heat does not use it: use the Apache directive StartServers instead')


def count_lines(server, pattern, start_pos=0):
    return sum(1 for line in server.log.lines_since(start_pos) if pattern.search(line))


def test_workers_warned_once(httpd_factory):
    conf = base_heat_conf({'heat_api': [('workers', '8')]})
    # two children, each running child_init: neither may repeat the warning
    server = httpd_factory('cfg-unused-workers', heat_conf=conf, test_conf='StartServers 2\n')
    server.log.expect(WORKERS_LINE.pattern)
    start_pos = server.log.size()
    server.start()
    deadline = time.time() + 30
    while count_lines(server, WORKERS_LINE, start_pos) == 0 and time.time() < deadline:
        time.sleep(0.2)
    assert count_lines(server, WORKERS_LINE, start_pos) == 1, '\n'.join(server.log.lines_since(start_pos))
    # the children serve requests; the warning is the parent's, at startup only
    for _ in range(6):
        assert request(server.ports['api'], 'GET', '/').status == 300
    assert count_lines(server, WORKERS_LINE, start_pos) == 1, '\n'.join(server.log.lines_since(start_pos))
    # used options and values equal to the default are not warned about
    assert count_lines(server, re.compile(r'HEAT1000: '), start_pos) == 1


def test_default_values_not_warned(httpd_factory):
    conf = base_heat_conf({'heat_api': [('workers', '0'), ('bind_port', '8004')],
                           'eventlet_opts': [('wsgi_keep_alive', 'yes')]})
    server = httpd_factory('cfg-unused-defaults', heat_conf=conf)
    start_pos = server.log.size()
    server.start()     # any HEAT1000 line would be an unexpected warning at startup
    assert request(server.ports['api'], 'GET', '/').status == 300
    assert count_lines(server, re.compile(r'HEAT1000: '), start_pos) == 0


def test_unknown_flavor_refused(httpd_factory):
    conf = base_heat_conf({'paste_deploy': [('flavor', 'keystone'),
                                            ('api_paste_config', '/etc/heat/api-paste.ini')]})
    server = httpd_factory('cfg-flavor-keystone', heat_conf=conf)
    assert_refused(server, [r'HEAT1002: mod_heat: \[paste_deploy\] flavor = keystone: Unable to load '
                            r'heat-api-keystone from configuration file /etc/heat/api-paste\.ini\.'])


def test_custombackend_refused(httpd_factory):
    conf = base_heat_conf({'paste_deploy': [('flavor', 'custombackend')]})
    server = httpd_factory('cfg-flavor-custombackend', heat_conf=conf)
    assert_refused(server, [r'HEAT1002: .*heat-api-custombackend pipeline .* not implemented by mod_heat'])


def test_noauth_refused_where_cfn_is_served(httpd_factory):
    """heat-api has a heat-api-noauth pipeline, heat-api-cfn none: with both APIs configured the
    start is refused with heat-api-cfn's words; the native API alone runs noauth."""
    conf = base_heat_conf({'paste_deploy': [('flavor', 'noauth'),
                                            ('api_paste_config', '/etc/heat/api-paste.ini')]})
    server = httpd_factory('cfg-flavor-noauth-cfn', heat_conf=conf)
    assert_refused(server, [r'HEAT1002: mod_heat: \[paste_deploy\] flavor = noauth: Unable to load '
                            r'heat-api-cfn-noauth from configuration file /etc/heat/api-paste\.ini\.'])
    server = httpd_factory('cfg-flavor-noauth-native', apis=('api',), heat_conf=conf)
    server.log.expect(r'HEAT1000: heat\.conf: \[paste_deploy\] api_paste_config is set')
    server.start()
    assert request(server.ports['api'], 'GET', '/').status == 300


def test_noauth_in_the_native_vhost_only(httpd_factory):
    """The flavor is per server: noauth set in the heat-api vhost alone, the CFN vhost keeping the
    default pipeline, starts (as heat-api noauth beside a default heat-api-cfn does)."""
    server = httpd_factory('cfg-flavor-noauth-vhost', heat_conf=base_heat_conf(),
                           vhost_extra={'api': '    HeatOption paste_deploy flavor noauth\n'}).start()
    assert request(server.ports['api'], 'GET', '/v1/').status != 401    # no authentication here
    assert request(server.ports['cfn'], 'GET', '/').status == 300
