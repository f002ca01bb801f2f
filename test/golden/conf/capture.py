#!/usr/bin/python3
"""capture.py: computes the expected output of the heat.conf golden cases with the real
oslo.config, registering the same option definitions heat-api does (heat, keystonemiddleware,
keystoneauth's password plugin, oslo.messaging, oslo.middleware, oslo.policy, osprofiler,
oslo.log) and heat's default overrides.

Run it with Debian's interpreter, which has the OpenStack libraries:

    /usr/bin/python3 test/golden/conf/capture.py            # every case below this folder
    /usr/bin/python3 test/golden/conf/capture.py CASE...    # some cases
    /usr/bin/python3 test/golden/conf/capture.py --c-table  # the option table for heat_conf.c
                                                            # (keeping its SETTING(...) and
                                                            # disposition columns)

A case is a folder with `heat.conf`, optionally `conf.d/` (read like --config-dir, after the
file) and optionally `options` (one "section name" per line; default: every option of
TABLE). It writes `expected`: one line per option,

    [section] name set|default <value as JSON>

or, when oslo.config refuses the configuration (a parse error, or any option of TABLE whose
value does not convert), the single line `error: <exception class>: <message>`. The value of
[DEFAULT] host when defaulted is the machine's hostname and is written as "<hostname>".
An error case may also hold `c_error`, written by hand: text mod_heat's own message must
contain, with <case> standing for the case folder (test/unit/test_conf.c compares both).
"""
import contextlib
import importlib
import io
import json
import os
import re
import socket
import sys

from oslo_config import cfg

# Every option mod_heat reads, in the order of the table in mod_heat/common/heat_conf.c.
TABLE = [
    ('DEFAULT', [
        'debug', 'host', 'transport_url', 'control_exchange', 'rpc_response_timeout',
        'rpc_ping_enabled', 'rpc_conn_pool_size', 'conn_pool_min_size', 'conn_pool_ttl',
        'max_template_size', 'max_json_body_size', 'client_retry_limit',
        'heat_metadata_server_url', 'heat_waitcondition_server_url',
        'region_name_for_services', 'enable_stack_adopt', 'enable_stack_abandon',
        'deferred_auth_method', 'max_resources_per_stack', 'max_stacks_per_tenant',
        'hidden_stack_tags', 'heat_stack_user_role', 'log_file', 'log_dir', 'use_syslog']),
    ('heat_api', [
        'bind_host', 'bind_port', 'backlog', 'cert_file', 'key_file', 'workers',
        'max_header_line', 'tcp_keepidle', 'heat_api_root']),
    ('heat_api_cfn', [
        'bind_host', 'bind_port', 'backlog', 'cert_file', 'key_file', 'workers',
        'max_header_line', 'tcp_keepidle']),
    ('eventlet_opts', ['wsgi_keep_alive', 'client_socket_timeout']),
    ('paste_deploy', ['flavor', 'api_paste_config']),
    ('revision', ['heat_revision']),
    ('noauth', ['token_response']),
    ('clients', ['endpoint_type', 'ca_file', 'cert_file', 'key_file', 'insecure']),
    ('clients_keystone', [
        'auth_uri', 'endpoint_type', 'ca_file', 'cert_file', 'key_file', 'insecure']),
    ('keystone_authtoken', [
        'www_authenticate_uri', 'auth_uri', 'auth_version', 'interface',
        'delay_auth_decision', 'http_connect_timeout', 'http_request_max_retries', 'cache',
        'certfile', 'keyfile', 'cafile', 'insecure', 'region_name', 'memcached_servers',
        'token_cache_time', 'memcache_security_strategy', 'memcache_secret_key',
        'memcache_pool_dead_retry', 'memcache_pool_maxsize', 'memcache_pool_socket_timeout',
        'memcache_pool_unused_timeout', 'memcache_pool_conn_get_timeout',
        'memcache_use_advanced_pool', 'include_service_catalog', 'enforce_token_bind',
        'service_token_roles', 'service_token_roles_required', 'service_type',
        'auth_type', 'auth_section',
        # keystoneauth's password plugin (registered when auth_type = password is loaded)
        'auth_url', 'system_scope', 'domain_id', 'domain_name', 'project_id',
        'project_name', 'project_domain_id', 'project_domain_name', 'trust_id',
        'default_domain_id', 'default_domain_name', 'user_id', 'username',
        'user_domain_id', 'user_domain_name', 'password']),
    ('ec2authtoken', [
        'auth_uri', 'multi_cloud', 'allowed_auth_uris', 'cert_file', 'key_file', 'ca_file',
        'insecure']),
    ('auth_password', ['multi_cloud', 'allowed_auth_uris']),
    ('oslo_policy', [
        'enforce_scope', 'enforce_new_defaults', 'policy_file', 'policy_default_rule',
        'policy_dirs']),
    ('oslo_middleware', ['enable_proxy_headers_parsing']),
    ('cors', [
        'allowed_origin', 'allow_credentials', 'expose_headers', 'max_age', 'allow_methods',
        'allow_headers']),
    ('healthcheck', [
        'path', 'detailed', 'backends', 'disable_by_file_path', 'disable_by_file_paths']),
    ('profiler', ['enabled', 'hmac_keys']),
    ('oslo_messaging_rabbit', [
        'amqp_durable_queues', 'amqp_auto_delete', 'ssl', 'ssl_version', 'ssl_key_file',
        'ssl_cert_file', 'ssl_ca_file', 'ssl_enforce_hostname_verification',
        'ssl_enforce_fips_mode', 'heartbeat_in_pthread', 'kombu_reconnect_delay',
        'kombu_compression', 'kombu_missing_consumer_retry_timeout',
        'kombu_failover_strategy', 'rabbit_login_method', 'rabbit_retry_interval',
        'rabbit_retry_backoff', 'rabbit_interval_max', 'rabbit_ha_queues',
        'rabbit_quorum_queue', 'rabbit_quorum_delivery_limit',
        'rabbit_quroum_max_memory_length', 'rabbit_quroum_max_memory_bytes',
        'rabbit_transient_queues_ttl', 'rabbit_qos_prefetch_count',
        'heartbeat_timeout_threshold', 'heartbeat_rate', 'direct_mandatory_flag',
        'enable_cancel_on_failover']),
]

# Where heat-api gets its option definitions from (the oslo.config.opts entry points).
OPT_MODULES = [
    'heat.api.aws.ec2token', 'heat.common.config', 'heat.common.wsgi',
    'keystonemiddleware.auth_token._opts', 'oslo_messaging.opts', 'oslo_middleware.opts',
    'oslo_policy.opts', 'osprofiler.opts',
]


def build_conf():
    """A ConfigOpts holding every option heat-api registers for the groups of TABLE."""
    from keystoneauth1 import loading
    from oslo_log import log

    conf = cfg.ConfigOpts()
    for mod in OPT_MODULES:
        for group, opts in importlib.import_module(mod).list_opts():
            name = getattr(group, 'name', group)
            name = None if name == 'DEFAULT' else name
            for opt in opts:
                try:
                    conf.register_opt(opt, group=name)
                except cfg.DuplicateOptError:
                    pass  # osprofiler's options come from heat and osprofiler alike
    log.register_options(conf)
    # keystonemiddleware registers these only when it loads the plugin, after the files
    # were parsed, so oslo's required-option check at parse time never sees them.
    plugin_opts = loading.get_auth_plugin_conf_options('password')
    for opt in plugin_opts:
        opt.required = False
    conf.register_opts(plugin_opts, group='keystone_authtoken')
    # heat/common/messaging.py: oslo_messaging.set_transport_defaults('heat')
    conf.set_default('control_exchange', 'heat')
    # heat/common/config.py set_config_defaults()
    conf.set_default('allow_headers', [
        'X-Auth-Token', 'X-Identity-Status', 'X-Roles', 'X-Service-Catalog', 'X-User-Id',
        'X-Tenant-Id', 'X-OpenStack-Request-ID'], group='cors')
    conf.set_default('expose_headers', [
        'X-Auth-Token', 'X-Subject-Token', 'X-Service-Token', 'X-OpenStack-Request-ID'],
        group='cors')
    conf.set_default('allow_methods', ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'], group='cors')
    conf.set_default('policy_file', 'policy.yaml', group='oslo_policy')
    return conf


def table_options():
    for section, names in TABLE:
        for name in names:
            yield section, name


def opt_info(conf, section, name):
    group = None if section == 'DEFAULT' else section
    return conf._get_opt_info(name, group)


def value_of(conf, section, name):
    group = None if section == 'DEFAULT' else section
    value = conf[name] if group is None else conf[group][name]
    loc = conf.get_location(name, group)
    origin = 'set' if loc and loc.location.is_user_controlled else 'default'
    return value, origin


def render(section, name, value, origin):
    if section == 'DEFAULT' and name == 'host' and origin == 'default' \
            and value == socket.gethostname():
        text = '"<hostname>"'
    else:
        text = json.dumps(value, ensure_ascii=False)
    return '[%s] %s %s %s' % (section, name, origin, text)


def capture(case):
    conf = build_conf()
    args = ['--config-file', os.path.join(case, 'heat.conf')]
    if os.path.isdir(os.path.join(case, 'conf.d')):
        args += ['--config-dir', os.path.join(case, 'conf.d')]
    wanted = list(table_options())
    opt_file = os.path.join(case, 'options')
    if os.path.exists(opt_file):
        with open(opt_file) as f:
            wanted = [tuple(line.split()) for line in f if line.strip()]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            conf(args=args, project=None, default_config_files=[], default_config_dirs=[],
                 use_env=False)
        # Every option of the table is checked, as heat_conf_finalize does.
        values = {key: value_of(conf, *key) for key in table_options()}
        lines = []
        for key in wanted:
            value, origin = values[key] if key in values else value_of(conf, *key)
            lines.append(render(key[0], key[1], value, origin))
    except (cfg.Error, ValueError, RecursionError, SystemExit, OSError) as e:
        # SystemExit: argparse refusing a CLI option's value ([DEFAULT] debug) from a file
        msg = stderr.getvalue().strip() if isinstance(e, SystemExit) else str(e)
        msg = msg.replace(os.path.abspath(case), '<case>')
        lines = ['error: %s: %s' % (type(e).__name__, msg)]
    with open(os.path.join(case, 'expected'), 'w') as f:
        f.write('\n'.join(lines) + '\n')


C_TYPES = {'StrOpt': 'STR', 'Opt': 'STR', 'BoolOpt': 'BOOL', 'IntOpt': 'INT',
           'FloatOpt': 'FLOAT', 'ListOpt': 'LIST', 'MultiStrOpt': 'MULTI', 'PortOpt': 'PORT',
           'IPOpt': 'IP'}
# Values never echoed in error messages: oslo's secret options, plus anything that looks like
# a password or key material (hmac_keys signs osprofiler traces).
SECRET_WORDS = ('password', 'secret', 'transport_url', 'hmac_keys')


def c_string(s):
    return '"%s"' % s.replace('\\', '\\\\').replace('"', '\\"')


# A row's SETTING(field) / SETTING_OR_NULL(field): which heat_settings_t field the option fills
# is mod_heat's choice, not oslo's, so --c-table takes it from the table as it is.
# mod_heat's own columns at the end of a row: the field it fills and its disposition
SETTING_RE = re.compile(r'^\s*OPT\("([^"]+)", "([^"]+)",.*?, ((?:SETTING(?:_OR_NULL)?\([\w.]+\), )?'
                        r'(?:USED|ENGINE|REPLACED\("[^"]*"\)|NOT_APPLICABLE\("(?:[^"\\]|\\.)*"\)))\),$', re.M)


def current_settings():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..',
                        'mod_heat', 'common', 'heat_conf.c')
    with open(path, encoding='utf-8') as f:
        return {(m.group(1), m.group(2)): m.group(3) for m in SETTING_RE.finditer(f.read())}


def c_table():
    """Prints the option table of heat_conf.c from the real definitions."""
    conf = build_conf()
    settings = current_settings()
    for section, name in table_options():
        info = opt_info(conf, section, name)
        opt = info['opt']
        default = info.get('default', opt.default)
        kind = C_TYPES[type(opt).__name__]
        fields = ['%s, %s, %s' % (c_string(section), c_string(name), kind)]
        if default is None or (section == 'DEFAULT' and name == 'host'):
            fields.append('NULL')
        elif isinstance(default, bool):
            fields.append(c_string(str(default).lower()))
        elif isinstance(default, list):
            assert kind in ('LIST', 'MULTI') and all(',' not in v for v in default)
            assert kind == 'LIST' or len(default) <= 1
            fields.append(c_string(','.join(default)) if default or kind == 'LIST' else 'NULL')
        else:
            fields.append(c_string(str(default)))
        extra = []
        lo, hi = getattr(opt.type, 'min', None), getattr(opt.type, 'max', None)
        if lo is not None:
            extra.append('.min = %r, .has_min = 1' % lo)
        if hi is not None:
            extra.append('.max = %r, .has_max = 1' % hi)
        choices = getattr(opt.type, 'choices', None)
        if choices:
            extra.append('.choices = (const char *const[]){%s, NULL}'
                         % ', '.join(c_string(c) for c in choices))
            if opt.type.ignore_case:
                extra.append('.ignore_case = 1')
        deps = []
        for d in opt.deprecated_opts:
            if (d.group or section, d.name or opt.dest) == (section, name):
                continue
            deps.append(c_string('%s.%s' % (d.group or section, d.name or opt.dest)))
        if deps:
            extra.append('.deprecated = {%s}' % ', '.join(deps))
        if opt.secret or any(w in name for w in SECRET_WORDS):
            extra.append('.secret = 1')
        if section == 'DEFAULT' and name == 'host':
            extra.append('.hostname = 1')
        if (section, name) in settings:
            extra.append(settings[(section, name)])
        assert name == opt.dest, (section, name)
        print('    OPT(%s),' % ', '.join(fields + extra))
    # Sections whose every registered option is in the table (keystone_authtoken is not:
    # each keystoneauth plugin registers its own options there).
    complete = []
    for section, names in TABLE:
        if section in ('DEFAULT', 'keystone_authtoken'):
            continue
        registered = {conf._get_opt_info(n, section)['opt'].dest
                      for n in conf._groups[section]._opts}
        if registered <= set(names):
            complete.append(c_string(section))
    print('complete_sections: {%s, NULL}' % ', '.join(complete))


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    if argv[1:] == ['--c-table']:
        c_table()
        return 0
    cases = argv[1:] or sorted(
        os.path.join(here, d) for d in os.listdir(here)
        if os.path.isfile(os.path.join(here, d, 'heat.conf')))
    for case in cases:
        capture(case)
        print('captured', os.path.relpath(case, here))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
