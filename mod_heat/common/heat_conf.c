/* heat_conf.c: heat.conf reader with oslo.config's semantics (oslo.config 9.0.0 as in
 * Debian 12: oslo_config/iniparser.py, cfg.py ConfigParser/_Namespace/_substitute, types.py).
 *
 * Values are kept per file as the parser saw them; heat_conf_finalize then picks the winning
 * value of every known option the way _Namespace._get_file_value does (newest file first,
 * current name before deprecated names, every occurrence for multi options), substitutes
 * $vars and converts it with the option's type. Unknown keys are kept for heat_conf_raw and
 * never type-checked, as oslo ignores options nobody registered.
 *
 * Deviations from Python, all on inputs no working heat.conf contains: integers must fit in
 * 64 bits (Python's are unbounded); digits, letters and case folding are ASCII-only (Python
 * also accepts e.g. Arabic-Indic digits in int() and lower-cases non-ASCII section names);
 * a NUL byte or invalid UTF-8 is an error naming the line (Python reads NULs and crashes on
 * bad UTF-8); "section must be started" is reported at the key's line, not at the line that
 * ended the value; an endless $reference loop is an error instead of Python's
 * RecursionError. And one on purpose: oslo substitutes registered options only, and heat
 * registers many options mod_heat does not read, so a $reference to a key outside the table
 * takes that key's text from the files (except in sections the table covers completely,
 * and deprecated names) instead of failing to start where heat-api would not. */
#include "heat_conf.h"
#include "heat_log.h"
#include "heat_pycompat.h"
#include "heat_settings_types.h"

#include <apr_escape.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_network_io.h>
#include <apr_strings.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------- */
/* The option table                                                                      */

#define OPT_DEP_MAX 3

typedef struct {
    const char *section;
    const char *name;
    heat_opt_type_t type;
    const char *def; /* oslo's default written as in a file; NULL = None */
    double min, max;
    unsigned has_min : 1, has_max : 1;
    unsigned secret : 1;      /* never echo the value */
    unsigned hostname : 1;    /* default = socket.gethostname() */
    unsigned ignore_case : 1; /* choices compare case-insensitively */
    const char *const *choices;
    const char *deprecated[OPT_DEP_MAX]; /* oslo deprecated_opts as "section.name" */
    /* The heat_settings_t field heat_settings_load fills from this option (SETTING below). */
    unsigned has_field : 1, empty_null : 1;
    apr_size_t field, field_size;
    /* What mod_heat does with it (USED, ENGINE, REPLACED, NOT_APPLICABLE below): the startup
     * warnings (heat_conf_unused) and the README's option list come from here. */
    heat_opt_use_t use;
    const char *instead; /* REPLACED: the Apache directive; NOT_APPLICABLE: why */
} heat_opt_def_t;

/* The default goes into the variadic part so that a row without extras still expands to
 * designated initializers only (no -Wmissing-field-initializers). */
#define OPT(sec, nm, ty, ...) {.section = sec, .name = nm, .type = HEAT_OPT_##ty, .def = __VA_ARGS__}
/* The option fills heat_settings_t's field f (heat_settings_types.h gives the C type per option type);
 * the size is kept so that heat_settings_load refuses a field of the wrong type's size.
 * SETTING_OR_NULL: an empty string is stored as NULL (unset, for URLs and names). */
#define SETTING(f) .has_field = 1, .field = offsetof(heat_settings_t, f), \
                   .field_size = sizeof(((heat_settings_t *)0)->f)
#define SETTING_OR_NULL(f) SETTING(f), .empty_null = 1
/* Every row ends with its disposition. USED: mod_heat acts on the option. ENGINE: heat-engine's
 * option that heat-api reads but does not act on either (no warning). REPLACED(d): an Apache
 * directive does its job; NOT_APPLICABLE(why): nothing in mod_heat does it. A REPLACED or
 * NOT_APPLICABLE option set to a value other than its default is warned about at startup. */
#define USED .use = HEAT_OPT_USED
#define ENGINE .use = HEAT_OPT_ENGINE
#define REPLACED(d) .use = HEAT_OPT_REPLACED, .instead = d
#define NOT_APPLICABLE(why) .use = HEAT_OPT_NOT_APPLICABLE, .instead = why

/* Every option heat-api, heat-api-cfn, keystonemiddleware and oslo.messaging read in the API
 * tier. Generated from the real definitions on Debian 12 with
 * `test/golden/conf/capture.py --c-table` (heat 19.0.0 with heat's own default overrides:
 * control_exchange = heat, the cors lists, policy_file = policy.yaml; keystonemiddleware
 * 10.1.0 plus keystoneauth's password plugin; oslo.messaging 14.0.3); the "defaults" golden
 * case checks it against them. [keystone_authtoken] auth_uri is a separate (deprecated)
 * option and also the deprecated name of www_authenticate_uri, as in keystonemiddleware.
 * [oslo_messaging_rabbit] is complete because transport_url query keys must name one of
 * its options. */
static const heat_opt_def_t opt_table[] = {
    OPT("DEFAULT", "debug", BOOL, "false", SETTING(debug), USED),
    OPT("DEFAULT", "host", STR, NULL, .hostname = 1, ENGINE),
    OPT("DEFAULT", "transport_url", STR, "rabbit://", .secret = 1, USED),
    OPT("DEFAULT", "control_exchange", STR, "heat", USED),
    OPT("DEFAULT", "rpc_response_timeout", INT, "60", SETTING(rpc_response_timeout), USED),
    OPT("DEFAULT", "rpc_ping_enabled", BOOL, "false", ENGINE),
    OPT("DEFAULT", "rpc_conn_pool_size", INT, "30", .min = 1, .has_min = 1, USED),
    OPT("DEFAULT", "conn_pool_min_size", INT, "2", NOT_APPLICABLE("mod_heat opens RPC connections on demand, up to rpc_conn_pool_size per child")),
    OPT("DEFAULT", "conn_pool_ttl", INT, "1200", USED),
    OPT("DEFAULT", "max_template_size", INT, "524288", SETTING(max_template_size), USED),
    OPT("DEFAULT", "max_json_body_size", INT, "1048576", SETTING(max_json_body_size), USED),
    OPT("DEFAULT", "client_retry_limit", INT, "2", ENGINE),
    OPT("DEFAULT", "heat_metadata_server_url", STR, NULL, ENGINE),
    OPT("DEFAULT", "heat_waitcondition_server_url", STR, NULL, ENGINE),
    OPT("DEFAULT", "region_name_for_services", STR, NULL, ENGINE),
    OPT("DEFAULT", "enable_stack_adopt", BOOL, "false", ENGINE),
    OPT("DEFAULT", "enable_stack_abandon", BOOL, "false", ENGINE),
    OPT("DEFAULT", "deferred_auth_method", STR, "trusts", .choices = (const char *const[]){"password", "trusts", NULL}, ENGINE),
    OPT("DEFAULT", "max_resources_per_stack", INT, "1000", ENGINE),
    OPT("DEFAULT", "max_stacks_per_tenant", INT, "512", ENGINE),
    OPT("DEFAULT", "hidden_stack_tags", LIST, "data-processing-cluster", ENGINE),
    OPT("DEFAULT", "heat_stack_user_role", STR, "heat_stack_user", ENGINE),
    OPT("DEFAULT", "log_file", STR, NULL, .deprecated = {"DEFAULT.logfile"}, REPLACED("ErrorLog")),
    OPT("DEFAULT", "log_dir", STR, NULL, .deprecated = {"DEFAULT.logdir"}, REPLACED("ErrorLog")),
    OPT("DEFAULT", "use_syslog", BOOL, "false", REPLACED("ErrorLog")),
    OPT("heat_api", "bind_host", IP, "0.0.0.0", .deprecated = {"DEFAULT.bind_host"}, REPLACED("Listen")),
    OPT("heat_api", "bind_port", PORT, "8004", .min = 0, .has_min = 1, .max = 65535, .has_max = 1, .deprecated = {"DEFAULT.bind_port"}, REPLACED("Listen")),
    OPT("heat_api", "backlog", INT, "4096", .deprecated = {"DEFAULT.backlog"}, REPLACED("ListenBacklog")),
    OPT("heat_api", "cert_file", STR, NULL, .deprecated = {"DEFAULT.cert_file"}, REPLACED("SSLCertificateFile")),
    OPT("heat_api", "key_file", STR, NULL, .deprecated = {"DEFAULT.key_file"}, REPLACED("SSLCertificateKeyFile")),
    OPT("heat_api", "workers", INT, "0", .min = 0, .has_min = 1, .deprecated = {"DEFAULT.workers"}, REPLACED("StartServers")),
    OPT("heat_api", "max_header_line", INT, "16384", REPLACED("LimitRequestFieldSize")),
    OPT("heat_api", "tcp_keepidle", INT, "600", REPLACED("KeepAliveTimeout")),
    OPT("heat_api", "heat_api_root", STR, NULL, SETTING_OR_NULL(api_root), USED),
    OPT("heat_api_cfn", "bind_host", IP, "0.0.0.0", .deprecated = {"DEFAULT.bind_host"}, REPLACED("Listen")),
    OPT("heat_api_cfn", "bind_port", PORT, "8000", .min = 0, .has_min = 1, .max = 65535, .has_max = 1, .deprecated = {"DEFAULT.bind_port"}, REPLACED("Listen")),
    OPT("heat_api_cfn", "backlog", INT, "4096", .deprecated = {"DEFAULT.backlog"}, REPLACED("ListenBacklog")),
    OPT("heat_api_cfn", "cert_file", STR, NULL, .deprecated = {"DEFAULT.cert_file"}, REPLACED("SSLCertificateFile")),
    OPT("heat_api_cfn", "key_file", STR, NULL, .deprecated = {"DEFAULT.key_file"}, REPLACED("SSLCertificateKeyFile")),
    OPT("heat_api_cfn", "workers", INT, "1", .min = 0, .has_min = 1, .deprecated = {"DEFAULT.workers"}, REPLACED("StartServers")),
    OPT("heat_api_cfn", "max_header_line", INT, "16384", REPLACED("LimitRequestFieldSize")),
    OPT("heat_api_cfn", "tcp_keepidle", INT, "600", REPLACED("KeepAliveTimeout")),
    OPT("eventlet_opts", "wsgi_keep_alive", BOOL, "true", REPLACED("KeepAlive")),
    OPT("eventlet_opts", "client_socket_timeout", INT, "900", REPLACED("Timeout")),
    OPT("paste_deploy", "flavor", STR, NULL, SETTING_OR_NULL(paste_flavor), USED),
    OPT("paste_deploy", "api_paste_config", STR, "api-paste.ini", NOT_APPLICABLE("mod_heat's pipelines are built in; api-paste.ini is not read")),
    OPT("revision", "heat_revision", STR, "unknown", SETTING(revision), USED),
    OPT("noauth", "token_response", STR, "", NOT_APPLICABLE("the noauth flavor's token is built in")),
    OPT("clients", "endpoint_type", STR, "publicURL", ENGINE),
    OPT("clients", "ca_file", STR, NULL, SETTING_OR_NULL(clients.ca_file), USED),
    OPT("clients", "cert_file", STR, NULL, SETTING_OR_NULL(clients.cert_file), USED),
    OPT("clients", "key_file", STR, NULL, SETTING_OR_NULL(clients.key_file), USED),
    OPT("clients", "insecure", BOOL, "false", SETTING(clients.insecure), USED),
    OPT("clients_keystone", "auth_uri", STR, "", SETTING_OR_NULL(clients_keystone_uri), USED),
    OPT("clients_keystone", "endpoint_type", STR, NULL, ENGINE),
    OPT("clients_keystone", "ca_file", STR, NULL, SETTING_OR_NULL(password.ca_file), USED),
    OPT("clients_keystone", "cert_file", STR, NULL, SETTING_OR_NULL(password.cert_file), USED),
    OPT("clients_keystone", "key_file", STR, NULL, SETTING_OR_NULL(password.key_file), USED),
    OPT("clients_keystone", "insecure", BOOL, NULL, SETTING(password.insecure), USED),
    OPT("keystone_authtoken", "www_authenticate_uri", STR, NULL, .deprecated = {"keystone_authtoken.auth_uri"}, SETTING_OR_NULL(keystone.www_authenticate_uri), USED),
    OPT("keystone_authtoken", "auth_uri", STR, NULL, SETTING_OR_NULL(keystone.auth_uri), USED),
    OPT("keystone_authtoken", "auth_version", STR, NULL, NOT_APPLICABLE("mod_heat speaks Identity v3 only")),
    OPT("keystone_authtoken", "interface", STR, "internal", SETTING_OR_NULL(keystone.interface), USED),
    OPT("keystone_authtoken", "delay_auth_decision", BOOL, "false", NOT_APPLICABLE("a request without a valid token is always refused")),
    OPT("keystone_authtoken", "http_connect_timeout", INT, NULL, SETTING(keystone.http_connect_timeout), USED),
    OPT("keystone_authtoken", "http_request_max_retries", INT, "3", SETTING(keystone.http_request_max_retries), USED),
    OPT("keystone_authtoken", "cache", STR, NULL, REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "certfile", STR, NULL, SETTING_OR_NULL(keystone.certfile), USED),
    OPT("keystone_authtoken", "keyfile", STR, NULL, SETTING_OR_NULL(keystone.keyfile), USED),
    OPT("keystone_authtoken", "cafile", STR, NULL, SETTING_OR_NULL(keystone.cafile), USED),
    OPT("keystone_authtoken", "insecure", BOOL, "false", SETTING(keystone.insecure), USED),
    OPT("keystone_authtoken", "region_name", STR, NULL, SETTING_OR_NULL(keystone.region_name), USED),
    OPT("keystone_authtoken", "memcached_servers", LIST, NULL, .deprecated = {"keystone_authtoken.memcache_servers"}, USED),
    OPT("keystone_authtoken", "token_cache_time", INT, "300", SETTING(keystone.token_cache_time), USED),
    OPT("keystone_authtoken", "memcache_security_strategy", STR, "None", .choices = (const char *const[]){"None", "MAC", "ENCRYPT", NULL}, .ignore_case = 1, SETTING_OR_NULL(keystone.memcache_security_strategy), USED),
    OPT("keystone_authtoken", "memcache_secret_key", STR, NULL, .secret = 1, SETTING_OR_NULL(keystone.memcache_secret_key), USED),
    OPT("keystone_authtoken", "memcache_pool_dead_retry", INT, "300", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "memcache_pool_maxsize", INT, "10", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "memcache_pool_socket_timeout", INT, "3", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "memcache_pool_unused_timeout", INT, "60", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "memcache_pool_conn_get_timeout", INT, "10", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "memcache_use_advanced_pool", BOOL, "true", REPLACED("HeatTokenCache")),
    OPT("keystone_authtoken", "include_service_catalog", BOOL, "true", SETTING(keystone.include_service_catalog), USED),
    OPT("keystone_authtoken", "enforce_token_bind", STR, "permissive", SETTING_OR_NULL(keystone.enforce_token_bind), USED),
    OPT("keystone_authtoken", "service_token_roles", LIST, "service", SETTING(keystone.service_token_roles), USED),
    OPT("keystone_authtoken", "service_token_roles_required", BOOL, "false", SETTING(keystone.service_token_roles_required), USED),
    OPT("keystone_authtoken", "service_type", STR, NULL, SETTING_OR_NULL(keystone.service_type), USED),
    OPT("keystone_authtoken", "auth_type", STR, NULL, .deprecated = {"keystone_authtoken.auth_plugin"}, USED),
    OPT("keystone_authtoken", "auth_section", STR, NULL, NOT_APPLICABLE("the password plugin's options are read from [keystone_authtoken] itself")),
    OPT("keystone_authtoken", "auth_url", STR, NULL, SETTING_OR_NULL(keystone.auth_url), USED),
    OPT("keystone_authtoken", "system_scope", STR, NULL, NOT_APPLICABLE("the service user's token is scoped to its project")),
    OPT("keystone_authtoken", "domain_id", STR, NULL, NOT_APPLICABLE("the service user's token is scoped to its project")),
    OPT("keystone_authtoken", "domain_name", STR, NULL, NOT_APPLICABLE("the service user's token is scoped to its project")),
    OPT("keystone_authtoken", "project_id", STR, NULL, .deprecated = {"keystone_authtoken.tenant-id", "keystone_authtoken.tenant_id"}, SETTING_OR_NULL(keystone.project_id), USED),
    OPT("keystone_authtoken", "project_name", STR, NULL, .deprecated = {"keystone_authtoken.tenant-name", "keystone_authtoken.tenant_name"}, SETTING_OR_NULL(keystone.project_name), USED),
    OPT("keystone_authtoken", "project_domain_id", STR, NULL, SETTING_OR_NULL(keystone.project_domain_id), USED),
    OPT("keystone_authtoken", "project_domain_name", STR, NULL, SETTING_OR_NULL(keystone.project_domain_name), USED),
    OPT("keystone_authtoken", "trust_id", STR, NULL, NOT_APPLICABLE("the service user's token is scoped to its project")),
    OPT("keystone_authtoken", "default_domain_id", STR, NULL, SETTING_OR_NULL(keystone.default_domain_id), USED),
    OPT("keystone_authtoken", "default_domain_name", STR, NULL, SETTING_OR_NULL(keystone.default_domain_name), USED),
    OPT("keystone_authtoken", "user_id", STR, NULL, SETTING_OR_NULL(keystone.user_id), USED),
    OPT("keystone_authtoken", "username", STR, NULL, .deprecated = {"keystone_authtoken.user-name", "keystone_authtoken.user_name"}, SETTING_OR_NULL(keystone.username), USED),
    OPT("keystone_authtoken", "user_domain_id", STR, NULL, SETTING_OR_NULL(keystone.user_domain_id), USED),
    OPT("keystone_authtoken", "user_domain_name", STR, NULL, SETTING_OR_NULL(keystone.user_domain_name), USED),
    OPT("keystone_authtoken", "password", STR, NULL, .secret = 1, SETTING_OR_NULL(keystone.password), USED),
    OPT("ec2authtoken", "auth_uri", STR, NULL, SETTING_OR_NULL(ec2.auth_uri), USED),
    OPT("ec2authtoken", "multi_cloud", BOOL, "false", SETTING(ec2.multi_cloud), USED),
    OPT("ec2authtoken", "allowed_auth_uris", LIST, "", SETTING(ec2.allowed_auth_uris), USED),
    OPT("ec2authtoken", "cert_file", STR, NULL, SETTING_OR_NULL(ec2.cert_file), USED),
    OPT("ec2authtoken", "key_file", STR, NULL, SETTING_OR_NULL(ec2.key_file), USED),
    OPT("ec2authtoken", "ca_file", STR, NULL, SETTING_OR_NULL(ec2.ca_file), USED),
    OPT("ec2authtoken", "insecure", BOOL, "false", SETTING(ec2.insecure), USED),
    OPT("auth_password", "multi_cloud", BOOL, "false", SETTING(password.multi_cloud), USED),
    OPT("auth_password", "allowed_auth_uris", LIST, "", SETTING(password.allowed_auth_uris), USED),
    OPT("oslo_policy", "enforce_scope", BOOL, "false", USED),
    OPT("oslo_policy", "enforce_new_defaults", BOOL, "false", USED),
    OPT("oslo_policy", "policy_file", STR, "policy.yaml", .deprecated = {"DEFAULT.policy_file"}, USED),
    OPT("oslo_policy", "policy_default_rule", STR, "default", .deprecated = {"DEFAULT.policy_default_rule"}, NOT_APPLICABLE("heat-api's policy enforcer uses its own default rule, '!'")),
    OPT("oslo_policy", "policy_dirs", MULTI, "policy.d", .deprecated = {"DEFAULT.policy_dirs"}, USED),
    OPT("oslo_middleware", "enable_proxy_headers_parsing", BOOL, "false", SETTING(proxy_headers), USED),
    OPT("cors", "allowed_origin", LIST, NULL, SETTING(cors.group.allowed_origin), USED),
    OPT("cors", "allow_credentials", BOOL, "true", SETTING(cors.group.allow_credentials), USED),
    OPT("cors", "expose_headers", LIST, "X-Auth-Token,X-Subject-Token,X-Service-Token,X-OpenStack-Request-ID", SETTING(cors.group.expose_headers), USED),
    OPT("cors", "max_age", INT, "3600", SETTING(cors.group.max_age), USED),
    OPT("cors", "allow_methods", LIST, "GET,PUT,POST,DELETE,PATCH", SETTING(cors.group.allow_methods), USED),
    OPT("cors", "allow_headers", LIST, "X-Auth-Token,X-Identity-Status,X-Roles,X-Service-Catalog,X-User-Id,X-Tenant-Id,X-OpenStack-Request-ID", SETTING(cors.group.allow_headers), USED),
    OPT("healthcheck", "path", STR, "/healthcheck", SETTING(healthcheck_path), USED),
    OPT("healthcheck", "detailed", BOOL, "false", SETTING(healthcheck.detailed), USED),
    OPT("healthcheck", "backends", LIST, "", SETTING(healthcheck.backends), USED),
    OPT("healthcheck", "disable_by_file_path", STR, NULL, SETTING(healthcheck.disable_by_file_path), USED),
    OPT("healthcheck", "disable_by_file_paths", LIST, "", SETTING(healthcheck.disable_by_file_paths), USED),
    OPT("profiler", "enabled", BOOL, "false", .deprecated = {"profiler.profiler_enabled"}, SETTING(profiler.enabled), USED),
    OPT("profiler", "hmac_keys", STR, "SECRET_KEY", .secret = 1, SETTING(profiler.hmac_keys), USED),
    OPT("oslo_messaging_rabbit", "amqp_durable_queues", BOOL, "false", USED),
    OPT("oslo_messaging_rabbit", "amqp_auto_delete", BOOL, "false", .deprecated = {"DEFAULT.amqp_auto_delete"}, USED),
    OPT("oslo_messaging_rabbit", "ssl", BOOL, "false", .deprecated = {"oslo_messaging_rabbit.rabbit_use_ssl"}, USED),
    OPT("oslo_messaging_rabbit", "ssl_version", STR, "", .deprecated = {"oslo_messaging_rabbit.kombu_ssl_version"}, USED),
    OPT("oslo_messaging_rabbit", "ssl_key_file", STR, "", .deprecated = {"oslo_messaging_rabbit.kombu_ssl_keyfile"}, USED),
    OPT("oslo_messaging_rabbit", "ssl_cert_file", STR, "", .deprecated = {"oslo_messaging_rabbit.kombu_ssl_certfile"}, USED),
    OPT("oslo_messaging_rabbit", "ssl_ca_file", STR, "", .deprecated = {"oslo_messaging_rabbit.kombu_ssl_ca_certs"}, USED),
    OPT("oslo_messaging_rabbit", "ssl_enforce_hostname_verification", BOOL, "false", USED),
    OPT("oslo_messaging_rabbit", "ssl_enforce_fips_mode", BOOL, "false", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "heartbeat_in_pthread", BOOL, "false", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "kombu_reconnect_delay", FLOAT, "1.0", .min = 0.0, .has_min = 1, .max = 4.5, .has_max = 1, .deprecated = {"DEFAULT.kombu_reconnect_delay"}, USED),
    OPT("oslo_messaging_rabbit", "kombu_compression", STR, NULL, USED),
    OPT("oslo_messaging_rabbit", "kombu_missing_consumer_retry_timeout", INT, "60", .deprecated = {"oslo_messaging_rabbit.kombu_reconnect_timeout"}, NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "kombu_failover_strategy", STR, "round-robin", .choices = (const char *const[]){"round-robin", "shuffle", NULL}, USED),
    OPT("oslo_messaging_rabbit", "rabbit_login_method", STR, "AMQPLAIN", .choices = (const char *const[]){"PLAIN", "AMQPLAIN", "EXTERNAL", "RABBIT-CR-DEMO", NULL}, .deprecated = {"DEFAULT.rabbit_login_method"}, USED),
    OPT("oslo_messaging_rabbit", "rabbit_retry_interval", INT, "1", USED),
    OPT("oslo_messaging_rabbit", "rabbit_retry_backoff", INT, "2", .deprecated = {"DEFAULT.rabbit_retry_backoff"}, USED),
    OPT("oslo_messaging_rabbit", "rabbit_interval_max", INT, "30", USED),
    OPT("oslo_messaging_rabbit", "rabbit_ha_queues", BOOL, "false", .deprecated = {"DEFAULT.rabbit_ha_queues"}, USED),
    OPT("oslo_messaging_rabbit", "rabbit_quorum_queue", BOOL, "false", USED),
    OPT("oslo_messaging_rabbit", "rabbit_quorum_delivery_limit", INT, "0", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "rabbit_quroum_max_memory_length", INT, "0", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "rabbit_quroum_max_memory_bytes", INT, "0", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "rabbit_transient_queues_ttl", INT, "1800", .min = 1, .has_min = 1, USED),
    OPT("oslo_messaging_rabbit", "rabbit_qos_prefetch_count", INT, "0", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "heartbeat_timeout_threshold", INT, "60", USED),
    OPT("oslo_messaging_rabbit", "heartbeat_rate", INT, "2", USED),
    OPT("oslo_messaging_rabbit", "direct_mandatory_flag", BOOL, "true", NOT_APPLICABLE("not implemented by mod_heat's AMQP client")),
    OPT("oslo_messaging_rabbit", "enable_cancel_on_failover", BOOL, "false", USED),
};
#define OPT_COUNT (sizeof(opt_table) / sizeof(opt_table[0]))

/* Sections whose every option heat-api registers is in the table (capture.py --c-table
 * lists them): a $reference into them never falls back to a key outside the table. */
static const char *const complete_sections[] = {
    "heat_api", "heat_api_cfn", "eventlet_opts", "paste_deploy", "revision", "noauth", "clients",
    "clients_keystone", "ec2authtoken", "auth_password", "cors", "healthcheck",
    "oslo_messaging_rabbit", NULL};

/* ------------------------------------------------------------------------------------- */
/* State                                                                                 */

/* One value as the parser produced it (stripped, quotes removed, continuation lines joined
 * with \n), with where it came from. */
typedef struct {
    const char *text;
    const char *where; /* file path, or an override's origin */
    int line;          /* 0 for an override */
    const char *section; /* normalised section and key as written, for messages */
    const char *key;
} conf_val_t;

/* One file (or the override layer): section -> key -> array of conf_val_t *. */
typedef struct {
    apr_hash_t *sections;
} conf_src_t;

/* The resolved value of one known option. */
typedef struct {
    int state;        /* OPT_UNRESOLVED, OPT_RESOLVING, OPT_RESOLVED */
    int set;          /* found in a file or an override */
    int is_null;      /* Python None */
    const conf_val_t *from; /* the value that won (first one for multi options) */
    const char *str;  /* STR and IP values */
    int b;
    apr_int64_t i;
    double d;
    apr_array_header_t *list; /* LIST and MULTI values (const char *) */
    const char *pystr;        /* str() of the typed value: what $name substitutes */
} opt_val_t;

enum { OPT_UNRESOLVED = 0, OPT_RESOLVING, OPT_RESOLVED };

struct heat_conf_t {
    apr_pool_t *pool;
    apr_array_header_t *files;   /* const char *: files read, in order */
    apr_array_header_t *sources; /* conf_src_t *, oldest first */
    conf_src_t *overrides;
    apr_hash_t *index;           /* section -> name -> const heat_opt_def_t * */
    opt_val_t *vals;             /* parallel to opt_table */
    apr_hash_t *raw;             /* section -> key -> interpolated text */
    apr_array_header_t *empty;   /* returned for None lists */
    const char *hostname;
    int finalized;
};

/* Bound on nested $references through keys mod_heat does not know (known options detect
 * loops exactly through their resolving state). */
#define RAW_DEPTH_MAX 64

/* ------------------------------------------------------------------------------------- */
/* Text helpers: Python's str.strip() family works on Unicode whitespace.               */

static int is_ascii_space(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20);
}

/* Length of the whitespace character (str.isspace) starting at s, 0 if none. The text is
 * valid UTF-8 by then. */
static apr_size_t ws_fwd(const char *s, apr_size_t n)
{
    const unsigned char *u = (const unsigned char *)s;

    if (n >= 1 && is_ascii_space(u[0]))
        return 1;
    if (n >= 2 && u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
        return 2;
    if (n >= 3) {
        if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) /* U+1680 */
            return 3;
        if (u[0] == 0xe2 && u[1] == 0x80 &&
            ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
            return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
        if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) /* U+205F */
            return 3;
        if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) /* U+3000 */
            return 3;
    }
    return 0;
}

/* Length of the whitespace character ending at s[n-1], 0 if none. */
static apr_size_t ws_back(const char *s, apr_size_t n)
{
    if (n >= 1 && is_ascii_space((unsigned char)s[n - 1]))
        return 1;
    if (n >= 2 && ws_fwd(s + n - 2, 2) == 2)
        return 2;
    if (n >= 3 && ws_fwd(s + n - 3, 3) == 3)
        return 3;
    return 0;
}

static void strip(const char **s, apr_size_t *n, int left, int right)
{
    apr_size_t k;

    if (left)
        while (*n > 0 && (k = ws_fwd(*s, *n)) > 0) {
            *s += k;
            *n -= k;
        }
    if (right)
        while (*n > 0 && (k = ws_back(*s, *n)) > 0)
            *n -= k;
}

/* oslo: "DEFAULT" stays, every other section name is lower-cased. */
static const char *norm_section(apr_pool_t *p, const char *s)
{
    char *r, *c;

    if (strcmp(s, "DEFAULT") == 0)
        return s;
    r = apr_pstrdup(p, s);
    for (c = r; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    return r;
}

/* ------------------------------------------------------------------------------------- */
/* Sources                                                                               */

static conf_src_t *src_new(apr_pool_t *p)
{
    conf_src_t *src = apr_pcalloc(p, sizeof(*src));
    src->sections = apr_hash_make(p);
    return src;
}

static void src_add(apr_pool_t *p, conf_src_t *src, const conf_val_t *v)
{
    apr_hash_t *keys = apr_hash_get(src->sections, v->section, APR_HASH_KEY_STRING);
    apr_array_header_t *vals;

    if (!keys) {
        keys = apr_hash_make(p);
        apr_hash_set(src->sections, v->section, APR_HASH_KEY_STRING, keys);
    }
    vals = apr_hash_get(keys, v->key, APR_HASH_KEY_STRING);
    if (!vals) {
        vals = apr_array_make(p, 1, sizeof(const conf_val_t *));
        apr_hash_set(keys, v->key, APR_HASH_KEY_STRING, vals);
    }
    APR_ARRAY_PUSH(vals, const conf_val_t *) = v;
}

static const apr_array_header_t *src_get(const conf_src_t *src, const char *section,
                                         const char *key)
{
    apr_hash_t *keys = apr_hash_get(src->sections, section, APR_HASH_KEY_STRING);
    return keys ? apr_hash_get(keys, key, APR_HASH_KEY_STRING) : NULL;
}

/* ------------------------------------------------------------------------------------- */
/* The INI parser (oslo_config/iniparser.py BaseParser.parse + cfg.ConfigParser)         */

typedef struct {
    heat_conf_t *conf;
    conf_src_t *src;
    const char *path;
    const char *section;
    const char *key; /* pending assignment, NULL if none */
    int key_line;
    apr_array_header_t *parts; /* its lines */
} parser_t;

static const char *parse_error(parser_t *ps, int line, const char *msg)
{
    return apr_psprintf(ps->conf->pool, "%s:%d: %s", ps->path, line, msg);
}

/* oslo joins the first value and the continuation lines with \n. */
static const char *flush(parser_t *ps)
{
    apr_pool_t *p = ps->conf->pool;
    conf_val_t *v;

    if (!ps->key)
        return NULL;
    if (!ps->section)
        return parse_error(ps, ps->key_line, "Section must be started before assignment");
    v = apr_pcalloc(p, sizeof(*v));
    v->text = apr_array_pstrcat(p, ps->parts, '\n');
    v->where = ps->path;
    v->line = ps->key_line;
    v->section = ps->section;
    v->key = ps->key;
    src_add(p, ps->src, v);
    ps->key = NULL;
    return NULL;
}

static const char *parse_line(parser_t *ps, int lineno, const char *line, apr_size_t n)
{
    apr_pool_t *p = ps->conf->pool;
    const char *err;

    strip(&line, &n, 0, 1);
    if (n == 0) /* a blank line ends a multi-line value */
        return flush(ps);
    if (line[0] == ' ' || line[0] == '\t') {
        if (!ps->key)
            return parse_error(ps, lineno, "Unexpected continuation line");
        strip(&line, &n, 1, 0);
        APR_ARRAY_PUSH(ps->parts, const char *) = apr_pstrmemdup(p, line, n);
        return NULL;
    }
    if ((err = flush(ps)) != NULL)
        return err;
    if (line[0] == '[') {
        if (line[n - 1] != ']')
            return parse_error(ps, lineno, "Invalid section (must end with ])");
        if (n <= 2)
            return parse_error(ps, lineno, "Empty section name");
        /* not stripped: "[ DEFAULT ]" is a section named " default " */
        ps->section = norm_section(p, apr_pstrmemdup(p, line + 1, n - 2));
        return NULL;
    }
    if (line[0] == '#' || line[0] == ';')
        return NULL;
    {
        const char *colon = memchr(line, ':', n), *equal = memchr(line, '=', n), *sep;
        const char *key = line, *val;
        apr_size_t klen, vlen;

        if (!colon && !equal)
            return parse_error(ps, lineno, "No ':' or '=' found in assignment");
        sep = (!colon || (equal && equal < colon)) ? equal : colon;
        klen = (apr_size_t)(sep - line);
        val = sep + 1;
        vlen = n - klen - 1;
        strip(&key, &klen, 1, 1);
        strip(&val, &vlen, 1, 1);
        /* one pair of matching quotes around the (first line of the) value goes */
        if (vlen > 0 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
            val++;
            vlen = vlen >= 2 ? vlen - 2 : 0;
        }
        if (klen == 0)
            return parse_error(ps, lineno, "Key cannot be empty");
        ps->key = apr_pstrmemdup(p, key, klen);
        ps->key_line = lineno;
        ps->parts = apr_array_make(p, 2, sizeof(const char *));
        APR_ARRAY_PUSH(ps->parts, const char *) = apr_pstrmemdup(p, val, vlen);
    }
    return NULL;
}

/* Python's text mode: lines end at \n, \r\n or a lone \r. */
static const char *parse_buffer(parser_t *ps, const char *buf, apr_size_t len)
{
    apr_size_t pos = 0;
    int lineno = 0;
    const char *err;

    while (pos < len) {
        apr_size_t start = pos, end;

        while (pos < len && buf[pos] != '\n' && buf[pos] != '\r')
            pos++;
        end = pos;
        if (pos < len)
            pos += (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n') ? 2 : 1;
        lineno++;
        if (memchr(buf + start, '\0', end - start))
            return parse_error(ps, lineno, "NUL byte in line");
        if (!heat_py_utf8_check(buf + start, end - start, NULL, NULL, NULL))
            return parse_error(ps, lineno, "line is not valid UTF-8");
        if ((err = parse_line(ps, lineno, buf + start, end - start)) != NULL)
            return err;
    }
    return flush(ps);
}

static const char *read_all(heat_conf_t *conf, const char *path, char **out, apr_size_t *outlen)
{
    apr_pool_t *p = conf->pool;
    apr_file_t *f;
    apr_finfo_t info;
    apr_status_t rv;
    apr_size_t cap = 8192, len = 0;
    char *buf, ebuf[256];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "%s: cannot open config file: %s", path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    if (apr_file_info_get(&info, APR_FINFO_TYPE | APR_FINFO_SIZE, f) == APR_SUCCESS) {
        if (info.filetype == APR_DIR) {
            apr_file_close(f);
            return apr_psprintf(p, "%s: cannot read config file: is a directory", path);
        }
        if (info.filetype == APR_REG && info.size > 0)
            cap = (apr_size_t)info.size + 1;
    }
    /* Read to EOF whatever the size said, growing the buffer: no line or file limit. */
    buf = apr_palloc(p, cap);
    for (;;) {
        apr_size_t n = cap - len;

        rv = apr_file_read(f, buf + len, &n);
        len += n;
        if (rv == APR_EOF)
            break;
        if (rv != APR_SUCCESS) {
            apr_file_close(f);
            return apr_psprintf(p, "%s: cannot read config file: %s", path,
                                apr_strerror(rv, ebuf, sizeof(ebuf)));
        }
        if (len == cap) {
            char *bigger = apr_palloc(p, cap * 2);
            memcpy(bigger, buf, len);
            buf = bigger;
            cap *= 2;
        }
    }
    apr_file_close(f);
    *out = buf;
    *outlen = len;
    return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* Life cycle                                                                            */

heat_conf_t *heat_conf_create(apr_pool_t *p)
{
    heat_conf_t *conf = apr_pcalloc(p, sizeof(*conf));
    char host[APRMAXHOSTLEN + 1];
    apr_size_t i;

    conf->pool = p;
    conf->files = apr_array_make(p, 4, sizeof(const char *));
    conf->sources = apr_array_make(p, 4, sizeof(conf_src_t *));
    conf->overrides = src_new(p);
    conf->index = apr_hash_make(p);
    conf->vals = apr_pcalloc(p, OPT_COUNT * sizeof(opt_val_t));
    conf->raw = apr_hash_make(p);
    conf->empty = apr_array_make(p, 1, sizeof(const char *));
    for (i = 0; i < OPT_COUNT; i++) {
        const heat_opt_def_t *d = &opt_table[i];
        apr_hash_t *names = apr_hash_get(conf->index, d->section, APR_HASH_KEY_STRING);

        if (!names) {
            names = apr_hash_make(p);
            apr_hash_set(conf->index, d->section, APR_HASH_KEY_STRING, names);
        }
        apr_hash_set(names, d->name, APR_HASH_KEY_STRING, d);
    }
    /* [DEFAULT] host defaults to socket.gethostname() */
    if (apr_gethostname(host, sizeof(host), p) == APR_SUCCESS)
        conf->hostname = apr_pstrdup(p, host);
    else
        conf->hostname = "localhost";
    return conf;
}

const char *heat_conf_read_file(heat_conf_t *conf, const char *path)
{
    parser_t ps;
    char *buf = NULL;
    apr_size_t len = 0;
    const char *err;

    if (conf->finalized)
        return apr_psprintf(conf->pool, "%s: configuration already finalized", path);
    if ((err = read_all(conf, path, &buf, &len)) != NULL)
        return err;
    memset(&ps, 0, sizeof(ps));
    ps.conf = conf;
    ps.src = src_new(conf->pool);
    ps.path = apr_pstrdup(conf->pool, path);
    if ((err = parse_buffer(&ps, buf, len)) != NULL)
        return err;
    /* a file that fails to parse contributes nothing, as in oslo */
    APR_ARRAY_PUSH(conf->sources, conf_src_t *) = ps.src;
    APR_ARRAY_PUSH(conf->files, const char *) = ps.path;
    return NULL;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* glob(dir/ *.conf): names not starting with a dot that end in ".conf", sorted by code
 * point (= byte order in UTF-8); directories match too, and then fail to read. */
const char *heat_conf_read_dir(heat_conf_t *conf, const char *dir)
{
    apr_pool_t *p = conf->pool;
    apr_dir_t *d;
    apr_finfo_t info;
    apr_status_t rv;
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(const char *));
    char ebuf[256];
    int i;

    if (conf->finalized)
        return apr_psprintf(p, "%s: configuration already finalized", dir);
    rv = apr_dir_open(&d, dir, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "%s: cannot read config directory: %s", dir,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    while ((rv = apr_dir_read(&info, APR_FINFO_NAME, d)) == APR_SUCCESS ||
           rv == APR_INCOMPLETE) {
        apr_size_t n = info.name ? strlen(info.name) : 0;

        if (n > 5 && info.name[0] != '.' && strcmp(info.name + n - 5, ".conf") == 0)
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, info.name);
    }
    apr_dir_close(d);
    if (!APR_STATUS_IS_ENOENT(rv))
        return apr_psprintf(p, "%s: cannot read config directory: %s", dir,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    for (i = 0; i < names->nelts; i++) {
        const char *path = apr_pstrcat(p, dir, "/", APR_ARRAY_IDX(names, i, const char *), NULL);
        const char *err = heat_conf_read_file(conf, path);
        if (err)
            return err;
    }
    return NULL;
}

const char *heat_conf_override(heat_conf_t *conf, const char *section, const char *name,
                               const char *value, const char *origin)
{
    apr_pool_t *p = conf->pool;
    conf_val_t *v;

    if (!origin)
        origin = "override";
    if (conf->finalized)
        return apr_psprintf(p, "%s: configuration already finalized", origin);
    if (!section || !*section || !name || !*name || !value)
        return apr_psprintf(p, "%s: section, option name and value are required", origin);
    v = apr_pcalloc(p, sizeof(*v));
    v->text = apr_pstrdup(p, value);
    v->where = apr_pstrdup(p, origin);
    v->line = 0;
    v->section = norm_section(p, section);
    v->key = apr_pstrdup(p, name);
    src_add(p, conf->overrides, v);
    return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* Python str() of typed values: what a $reference substitutes                           */

/* repr(str), appended to out. */
static void py_repr_str(apr_array_header_t *out, const char *s)
{
    const char *r;

    for (r = heat_py_repr(out->pool, s, strlen(s)); *r; r++)
        APR_ARRAY_PUSH(out, char) = *r;
}

static const char *py_list_str(apr_pool_t *p, const apr_array_header_t *list)
{
    apr_array_header_t *out = apr_array_make(p, 64, 1);
    int i;

    APR_ARRAY_PUSH(out, char) = '[';
    for (i = 0; i < list->nelts; i++) {
        if (i > 0) {
            APR_ARRAY_PUSH(out, char) = ',';
            APR_ARRAY_PUSH(out, char) = ' ';
        }
        py_repr_str(out, APR_ARRAY_IDX(list, i, const char *));
    }
    APR_ARRAY_PUSH(out, char) = ']';
    APR_ARRAY_PUSH(out, char) = '\0';
    return out->elts;
}

static const char *py_str(apr_pool_t *p, const heat_opt_def_t *d, const opt_val_t *v)
{
    if (v->is_null)
        return ""; /* oslo substitutes None as '' */
    switch (d->type) {
    case HEAT_OPT_BOOL:
        return v->b ? "True" : "False";
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT:
        return apr_psprintf(p, "%" APR_INT64_T_FMT, v->i);
    case HEAT_OPT_FLOAT:
        return heat_py_float(p, v->d);
    case HEAT_OPT_LIST:
    case HEAT_OPT_MULTI:
        return py_list_str(p, v->list);
    case HEAT_OPT_STR:
    case HEAT_OPT_IP:
    default:
        return v->str;
    }
}

/* ------------------------------------------------------------------------------------- */
/* Type conversion (oslo_config/types.py)                                                */

enum { NUM_OK = 0, NUM_NONE, NUM_INVALID, NUM_RANGE };

/* digit ("_"? digit)*: Python's int() and float() accept single underscores between digits.
 * Appends the digits to out; returns how many, or -1 for a misplaced underscore. */
static int digitpart(const char *s, apr_size_t n, apr_size_t *i, char *out, apr_size_t *o)
{
    int count = 0;

    while (*i < n) {
        if (s[*i] >= '0' && s[*i] <= '9') {
            out[(*o)++] = s[(*i)++];
            count++;
        } else if (s[*i] == '_' && count > 0) {
            if (*i + 1 >= n || s[*i + 1] < '0' || s[*i + 1] > '9')
                return -1;
            (*i)++;
        } else
            break;
    }
    return count;
}

/* int(text) in base 10, after Number's "empty or blank means None". */
static int py_int(apr_pool_t *p, const char *text, apr_int64_t *out)
{
    const char *s = text;
    apr_size_t n = strlen(text), i = 0, o = 0;
    char *clean, *end;

    strip(&s, &n, 1, 1);
    if (n == 0)
        return NUM_NONE;
    clean = apr_palloc(p, n + 1);
    if (s[0] == '+' || s[0] == '-')
        clean[o++] = s[i++];
    if (digitpart(s, n, &i, clean, &o) <= 0 || i != n)
        return NUM_INVALID;
    clean[o] = '\0';
    errno = 0;
    *out = apr_strtoi64(clean, &end, 10);
    if (errno == ERANGE)
        return NUM_RANGE;
    if (errno != 0 || *end != '\0')
        return NUM_INVALID;
    return NUM_OK;
}

/* float(text): decimal notation, inf/infinity/nan in any case, underscores between digits;
 * no hex floats (C's strtod would take them). */
static int py_float(apr_pool_t *p, const char *text, double *out)
{
    const char *s = text;
    apr_size_t n = strlen(text), i = 0, o = 0;
    char *clean, *end;
    int ip, fp = 0;

    strip(&s, &n, 1, 1);
    if (n == 0)
        return NUM_NONE;
    clean = apr_palloc(p, n + 1);
    if (s[0] == '+' || s[0] == '-')
        clean[o++] = s[i++];
    {
        apr_size_t rest = n - i;
        if ((rest == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
            (rest == 8 && strncasecmp(s + i, "infinity", 8) == 0) ||
            (rest == 3 && strncasecmp(s + i, "nan", 3) == 0)) {
            memcpy(clean + o, s + i, rest);
            o += rest;
            i = n;
            goto convert;
        }
    }
    if ((ip = digitpart(s, n, &i, clean, &o)) < 0)
        return NUM_INVALID;
    if (i < n && s[i] == '.') {
        clean[o++] = s[i++];
        if ((fp = digitpart(s, n, &i, clean, &o)) < 0)
            return NUM_INVALID;
    }
    if (ip == 0 && fp == 0)
        return NUM_INVALID;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        clean[o++] = s[i++];
        if (i < n && (s[i] == '+' || s[i] == '-'))
            clean[o++] = s[i++];
        if (digitpart(s, n, &i, clean, &o) <= 0)
            return NUM_INVALID;
    }
    if (i != n)
        return NUM_INVALID;
convert:
    clean[o] = '\0';
    /* httpd never calls setlocale, so strtod reads the C locale's '.'; overflow gives inf,
     * as float() does */
    *out = strtod(clean, &end);
    return *end == '\0' ? NUM_OK : NUM_INVALID;
}

/* List: strip, drop trailing commas, split on commas, strip each item. */
static apr_array_header_t *py_list(apr_pool_t *p, const char *text)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    const char *s = text;
    apr_size_t n = strlen(text);

    strip(&s, &n, 1, 1);
    while (n > 0 && s[n - 1] == ',')
        n--;
    if (n == 0)
        return list;
    for (;;) {
        const char *comma = memchr(s, ',', n);
        const char *item = s;
        apr_size_t len = comma ? (apr_size_t)(comma - s) : n;

        strip(&item, &len, 1, 1);
        APR_ARRAY_PUSH(list, const char *) = apr_pstrmemdup(p, item, len);
        if (!comma)
            break;
        n -= (apr_size_t)(comma - s) + 1;
        s = comma + 1;
    }
    return list;
}

static int ascii_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z')
            y = (char)(y - 'A' + 'a');
        if (x != y)
            return 0;
    }
    return *a == *b;
}

/* ' <value>' for messages, or nothing for a secret value. */
static const char *shown(apr_pool_t *p, int secret, const char *text)
{
    if (secret)
        return "";
    return apr_psprintf(p, " '%s'", apr_pescape_echo(p, text, 0));
}

static const char *range_check(apr_pool_t *p, const heat_opt_def_t *d, double v)
{
    if (d->has_min && v < d->min)
        return apr_psprintf(p, "should be greater than or equal to %g", d->min);
    if (d->has_max && v > d->max)
        return apr_psprintf(p, "should be less than or equal to %g", d->max);
    return NULL;
}

/* Converts one (substituted) text for a single-valued option; returns why it does not fit,
 * quoting the text unless it is secret. */
static const char *convert(apr_pool_t *p, const heat_opt_def_t *d, const char *text, int secret,
                           opt_val_t *v)
{
    const char *why;
    int rc;

    v->is_null = 0;
    switch (d->type) {
    case HEAT_OPT_BOOL: {
        static const char *const yes[] = {"true", "1", "on", "yes"};
        static const char *const no[] = {"false", "0", "off", "no"};
        apr_size_t k;

        for (k = 0; k < 4; k++) {
            if (ascii_ieq(text, yes[k])) {
                v->b = 1;
                return NULL;
            }
            if (ascii_ieq(text, no[k])) {
                v->b = 0;
                return NULL;
            }
        }
        return apr_psprintf(p, "invalid boolean value%s (accepted, in any case: "
                               "true/false, 1/0, on/off, yes/no)", shown(p, secret, text));
    }
    case HEAT_OPT_INT:
    case HEAT_OPT_PORT:
        rc = py_int(p, text, &v->i);
        if (rc == NUM_NONE) {
            v->is_null = 1; /* blank means None, and skips the range check */
            return NULL;
        }
        if (rc == NUM_INVALID)
            return apr_psprintf(p, "invalid %s value%s", d->type == HEAT_OPT_PORT ? "port"
                                : "integer", shown(p, secret, text));
        if (rc == NUM_RANGE)
            return apr_psprintf(p, "integer value%s does not fit in 64 bits", shown(p, secret, text));
        if ((why = range_check(p, d, (double)v->i)) != NULL)
            return apr_psprintf(p, "value%s out of range: %s", shown(p, secret, text), why);
        return NULL;
    case HEAT_OPT_FLOAT:
        rc = py_float(p, text, &v->d);
        if (rc == NUM_NONE) {
            v->is_null = 1;
            return NULL;
        }
        if (rc != NUM_OK)
            return apr_psprintf(p, "invalid floating point value%s", shown(p, secret, text));
        /* NaN compares false both ways and so passes, as in Python */
        if ((why = range_check(p, d, v->d)) != NULL)
            return apr_psprintf(p, "value%s out of range: %s", shown(p, secret, text), why);
        return NULL;
    case HEAT_OPT_LIST:
        v->list = py_list(p, text);
        return NULL;
    case HEAT_OPT_IP: {
        unsigned char addr[16];

        if (!*text)
            return "IP address cannot be an empty string";
        if (inet_pton(AF_INET, text, addr) != 1 && inet_pton(AF_INET6, text, addr) != 1)
            return apr_psprintf(p, "invalid IP address%s (not IPv4 or IPv6)", shown(p, secret, text));
        v->str = text;
        return NULL;
    }
    case HEAT_OPT_MULTI: /* converted item by item by the caller */
    case HEAT_OPT_STR:
    default:
        if (d->choices) {
            const char *const *c;

            for (c = d->choices; *c; c++)
                if (d->ignore_case ? ascii_ieq(text, *c) : strcmp(text, *c) == 0)
                    break;
            if (!*c) {
                const char *names = d->choices[0];
                for (c = d->choices + 1; *c; c++)
                    names = apr_pstrcat(p, names, ", ", *c, NULL);
                return apr_psprintf(p, "invalid value%s (valid values%s: %s)", shown(p, secret, text),
                                    d->ignore_case ? ", in any case" : "", names);
            }
        }
        v->str = text;
        return NULL;
    }
}

/* ------------------------------------------------------------------------------------- */
/* Picking values (cfg._Namespace._get_file_value) and substitution (cfg._substitute)    */

typedef struct {
    const char *section;
    const char *name;
} opt_name_t;

static const heat_opt_def_t *find_def(const heat_conf_t *conf, const char *section,
                                      const char *name)
{
    apr_hash_t *names;

    if (!section || !name)
        return NULL;
    names = apr_hash_get(conf->index, section, APR_HASH_KEY_STRING);
    return names ? apr_hash_get(names, name, APR_HASH_KEY_STRING) : NULL;
}

static int is_section(const char *name)
{
    apr_size_t i;

    for (i = 0; i < OPT_COUNT; i++)
        if (strcmp(opt_table[i].section, name) == 0)
            return 1;
    return 0;
}

/* Keys mod_heat does not know: judged by name whether their values may be echoed. */
static int secret_name(const char *key)
{
    static const char *const words[] = {"password", "secret", "token", "key", "connection",
                                        "url", "uri", NULL};
    const char *const *w;

    for (w = words; *w; w++)
        if (strstr(key, *w))
            return 1;
    return 0;
}

static const conf_val_t *last_of(const apr_array_header_t *a)
{
    return APR_ARRAY_IDX(a, a->nelts - 1, const conf_val_t *);
}

/* The values of option d: its overrides if any (they replace the files), else the newest
 * file holding the current or a deprecated name, checked in that order. A multi option
 * takes every occurrence instead, prepending each file's values as it goes from the newest
 * to the oldest file (so a file's deprecated names end up before its current name). */
static apr_array_header_t *pick(heat_conf_t *conf, const heat_opt_def_t *d)
{
    apr_pool_t *p = conf->pool;
    apr_array_header_t *out = apr_array_make(p, 1, sizeof(const conf_val_t *));
    const apr_array_header_t *a = src_get(conf->overrides, d->section, d->name);
    opt_name_t names[OPT_DEP_MAX + 1];
    int nn = 0, s, k;

    if (a) {
        if (d->type == HEAT_OPT_MULTI)
            apr_array_cat(out, a);
        else
            APR_ARRAY_PUSH(out, const conf_val_t *) = last_of(a);
        return out;
    }
    names[nn].section = d->section;
    names[nn++].name = d->name;
    for (k = 0; k < OPT_DEP_MAX && d->deprecated[k]; k++) {
        const char *dot = strchr(d->deprecated[k], '.');
        names[nn].section = apr_pstrmemdup(p, d->deprecated[k], (apr_size_t)(dot - d->deprecated[k]));
        names[nn++].name = dot + 1;
    }
    for (s = conf->sources->nelts - 1; s >= 0; s--) {
        const conf_src_t *src = APR_ARRAY_IDX(conf->sources, s, const conf_src_t *);

        for (k = 0; k < nn; k++) {
            if (!(a = src_get(src, names[k].section, names[k].name)))
                continue;
            if (d->type != HEAT_OPT_MULTI) {
                APR_ARRAY_PUSH(out, const conf_val_t *) = last_of(a);
                return out;
            }
            {
                apr_array_header_t *joined = apr_array_copy(p, a);
                apr_array_cat(joined, out);
                out = joined;
            }
        }
    }
    return out;
}

/* Whether [section] key is a deprecated name of a table option: then it is not an option
 * of that section for oslo, and a $reference must not find it there. */
static int deprecated_location(const char *section, const char *key)
{
    apr_size_t i, k, n = strlen(section);

    for (i = 0; i < OPT_COUNT; i++)
        for (k = 0; k < OPT_DEP_MAX && opt_table[i].deprecated[k]; k++) {
            const char *dep = opt_table[i].deprecated[k];
            if (strncmp(dep, section, n) == 0 && dep[n] == '.' && strcmp(dep + n + 1, key) == 0)
                return 1;
        }
    return 0;
}

/* The value a key has in the files or overrides, for keys outside the table. */
static const conf_val_t *raw_winner(const heat_conf_t *conf, const char *section, const char *key)
{
    const apr_array_header_t *a = src_get(conf->overrides, section, key);
    int s;

    if (a)
        return last_of(a);
    for (s = conf->sources->nelts - 1; s >= 0; s--)
        if ((a = src_get(APR_ARRAY_IDX(conf->sources, s, const conf_src_t *), section, key)))
            return last_of(a);
    return NULL;
}

/* "<file>:<line>: [section] name" naming a value (or "default of ..."). */
static const char *prefix_of(apr_pool_t *p, const heat_opt_def_t *d, const conf_val_t *v)
{
    const char *name;

    if (!v)
        return apr_psprintf(p, "default of [%s] %s", d->section, d->name);
    if (d && (strcmp(v->section, d->section) != 0 || strcmp(v->key, d->name) != 0))
        name = apr_psprintf(p, "[%s] %s (deprecated name of [%s] %s)", v->section, v->key,
                            d->section, d->name);
    else
        name = apr_psprintf(p, "[%s] %s", v->section, v->key);
    if (v->line > 0)
        return apr_psprintf(p, "%s:%d: %s", v->where, v->line, name);
    return apr_psprintf(p, "%s: %s", v->where, name);
}

typedef struct {
    heat_conf_t *conf;
    const char *group;  /* section of the value being substituted: where a bare $name looks first */
    const char *prefix; /* names that value in messages */
    int secret;         /* do not quote any part of it */
    int depth;          /* nesting through keys outside the table */
    int tainted;        /* out: a secret value was substituted into it */
} subst_t;

static const char *resolve(heat_conf_t *conf, const heat_opt_def_t *d);
static const char *subst(subst_t *c, const char *text, const char **out);

static const char *subst_error(subst_t *c, const char *ref, const char *why)
{
    /* a $ inside a password is text of the password: name neither it nor what follows */
    if (c->secret)
        return apr_psprintf(c->conf->pool, "%s: invalid value: a $ reference in it cannot be "
                            "resolved (write $$ for a literal $)", c->prefix);
    return apr_psprintf(c->conf->pool, "%s: cannot substitute %s: %s", c->prefix, ref, why);
}

static const char *ref_known(subst_t *c, const heat_opt_def_t *d, const char *ref,
                             const char **val)
{
    opt_val_t *v = &c->conf->vals[d - opt_table];
    const char *err;

    if (v->state == OPT_RESOLVING)
        return subst_error(c, ref, apr_psprintf(c->conf->pool, "[%s] %s refers back to itself",
                                                d->section, d->name));
    if ((err = resolve(c->conf, d)) != NULL)
        return err;
    c->tainted |= d->secret;
    *val = v->pystr;
    return NULL;
}

/* A key outside the table substitutes its text from the files, as if it were a string
 * option without default (oslo would need it registered; heat registers many options
 * mod_heat does not read). Not in a section the table knows completely, and not a
 * deprecated name: oslo has no such option there. */
static const conf_val_t *ref_raw_find(const heat_conf_t *conf, const char *section,
                                      const char *key)
{
    const char *const *c;

    for (c = complete_sections; *c; c++)
        if (strcmp(*c, section) == 0)
            return NULL;
    if (deprecated_location(section, key))
        return NULL;
    return raw_winner(conf, section, key);
}

static const char *ref_raw(subst_t *c, const conf_val_t *rv, const char *ref, const char **val)
{
    subst_t inner;
    const char *err;

    if (c->depth >= RAW_DEPTH_MAX)
        return subst_error(c, ref, "references nested too deeply (a loop?)");
    inner.conf = c->conf;
    inner.group = rv->section;
    inner.prefix = prefix_of(c->conf->pool, NULL, rv);
    inner.secret = c->secret || secret_name(rv->key);
    inner.depth = c->depth + 1;
    inner.tainted = 0;
    err = subst(&inner, rv->text, val);
    c->tainted |= inner.tainted || secret_name(rv->key);
    return err;
}

/* StrSubWrapper.__getitem__: "group.opt" names an option of that group; a bare name is
 * looked up in the value's own group, then in [DEFAULT] (and naming a group is an error). */
static const char *lookup_var(subst_t *c, const char *key, int braced, const char **val)
{
    apr_pool_t *p = c->conf->pool;
    const char *dot = strchr(key, '.');
    const char *ref = apr_psprintf(p, braced ? "${%s}" : "$%s", key);
    const heat_opt_def_t *d;
    const conf_val_t *rv;

    if (dot) {
        const char *grp = apr_pstrmemdup(p, key, (apr_size_t)(dot - key));

        /* DEFAULT is not a group for oslo: ${DEFAULT.x} fails, $x is the way */
        if (strcmp(grp, "DEFAULT") == 0)
            return subst_error(c, ref, "[DEFAULT] options are referenced without a section");
        if ((d = find_def(c->conf, grp, dot + 1)))
            return ref_known(c, d, ref, val);
        if ((rv = ref_raw_find(c->conf, grp, dot + 1)))
            return ref_raw(c, rv, ref, val);
        return subst_error(c, ref, apr_psprintf(p, "no option '%s' in [%s]", dot + 1, grp));
    }
    /* what the table knows first, then keys outside it (a guess at what heat registers) */
    if (strcmp(c->group, "DEFAULT") != 0 && (d = find_def(c->conf, c->group, key)))
        return ref_known(c, d, ref, val);
    if (is_section(key))
        return subst_error(c, ref, apr_psprintf(p, "[%s] is a section, not an option", key));
    if ((d = find_def(c->conf, "DEFAULT", key)))
        return ref_known(c, d, ref, val);
    if (strcmp(c->group, "DEFAULT") != 0 && (rv = ref_raw_find(c->conf, c->group, key)))
        return ref_raw(c, rv, ref, val);
    if ((rv = ref_raw_find(c->conf, "DEFAULT", key)))
        return ref_raw(c, rv, ref, val);
    if (strcmp(c->group, "DEFAULT") != 0)
        return subst_error(c, ref, apr_psprintf(p, "no option '%s' in [%s] or [DEFAULT]", key,
                                                c->group));
    return subst_error(c, ref, apr_psprintf(p, "no option '%s' in [DEFAULT]", key));
}

static int id_start(char ch)
{
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* oslo's Template.idpattern [_a-z][._a-z0-9]* with re.IGNORECASE: dots included, so "$a.b."
 * is the name "a.b.". */
static apr_size_t id_len(const char *s)
{
    apr_size_t n = 0;

    if (!id_start(s[0]))
        return 0;
    for (n = 1; s[n] == '.' || id_start(s[n]) || (s[n] >= '0' && s[n] <= '9'); n++)
        ;
    return n;
}

/* string.Template.safe_substitute after oslo's "\$" -> "$$": "$$" is "$", $name and
 * ${name} are looked up, any other "$" stays as it is. */
static const char *subst(subst_t *c, const char *text, const char **out)
{
    apr_pool_t *p = c->conf->pool;
    apr_array_header_t *buf;
    const char *s;

    if (!strchr(text, '$')) {
        *out = text;
        return NULL;
    }
    if (strstr(text, "\\$")) {
        apr_array_header_t *t = apr_array_make(p, (int)strlen(text) + 8, 1);
        for (s = text; *s; s++) {
            if (s[0] == '\\' && s[1] == '$') {
                APR_ARRAY_PUSH(t, char) = '$';
                s++;
            }
            APR_ARRAY_PUSH(t, char) = *s;
        }
        APR_ARRAY_PUSH(t, char) = '\0';
        text = t->elts;
    }
    buf = apr_array_make(p, (int)strlen(text) + 16, 1);
    for (s = text; *s;) {
        const char *key, *val = NULL, *err;
        apr_size_t n;
        int braced = 0;

        if (*s != '$') {
            APR_ARRAY_PUSH(buf, char) = *s++;
            continue;
        }
        if (s[1] == '$') {
            APR_ARRAY_PUSH(buf, char) = '$';
            s += 2;
            continue;
        }
        if ((n = id_len(s + 1)) > 0) {
            key = apr_pstrmemdup(p, s + 1, n);
            s += 1 + n;
        } else if (s[1] == '{' && (n = id_len(s + 2)) > 0 && s[2 + n] == '}') {
            key = apr_pstrmemdup(p, s + 2, n);
            braced = 1;
            s += 3 + n;
        } else {
            APR_ARRAY_PUSH(buf, char) = *s++;
            continue;
        }
        if ((err = lookup_var(c, key, braced, &val)) != NULL)
            return err;
        for (; *val; val++)
            APR_ARRAY_PUSH(buf, char) = *val;
    }
    APR_ARRAY_PUSH(buf, char) = '\0';
    *out = buf->elts;
    return NULL;
}

/* Picks, substitutes and converts one option (cfg.ConfigOpts._do_get). */
static const char *resolve(heat_conf_t *conf, const heat_opt_def_t *d)
{
    apr_pool_t *p = conf->pool;
    opt_val_t *v = &conf->vals[d - opt_table];
    apr_array_header_t *vals;
    subst_t c;
    const char *err = NULL, *text, *why;
    int k;

    if (v->state == OPT_RESOLVED)
        return NULL;
    v->state = OPT_RESOLVING;
    vals = pick(conf, d);
    c.conf = conf;
    c.group = d->section;
    c.secret = d->secret;
    c.depth = 0;
    c.tainted = 0;
    if (vals->nelts > 0) {
        v->set = 1;
        v->from = APR_ARRAY_IDX(vals, vals->nelts - 1, const conf_val_t *);
        for (k = 0; k < vals->nelts; k++) {
            const conf_val_t *cv = APR_ARRAY_IDX(vals, k, const conf_val_t *);
            if (strcmp(cv->section, d->section) != 0 || strcmp(cv->key, d->name) != 0) {
                heat_log(HEAT_LOG_WARNING, "HEAT0610: %s:%d: option [%s] %s is deprecated, use [%s] %s",
                         cv->where, cv->line, cv->section, cv->key, d->section, d->name);
                break;
            }
        }
    }
    if (d->type == HEAT_OPT_MULTI) {
        v->list = apr_array_make(p, vals->nelts + 1, sizeof(const char *));
        if (vals->nelts == 0 && !d->def)
            v->is_null = 1;
        else if (vals->nelts == 0) {
            c.prefix = prefix_of(p, d, NULL);
            if ((err = subst(&c, d->def, &text)) != NULL)
                goto fail;
            APR_ARRAY_PUSH(v->list, const char *) = text;
        }
        for (k = 0; k < vals->nelts; k++) {
            const conf_val_t *cv = APR_ARRAY_IDX(vals, k, const conf_val_t *);
            c.prefix = prefix_of(p, d, cv);
            if ((err = subst(&c, cv->text, &text)) != NULL)
                goto fail;
            APR_ARRAY_PUSH(v->list, const char *) = text;
        }
    } else {
        const conf_val_t *cv = vals->nelts ? v->from : NULL;
        const char *raw = cv ? cv->text : d->hostname ? conf->hostname : d->def;

        if (!raw)
            v->is_null = 1;
        else {
            c.prefix = prefix_of(p, d, cv);
            if ((err = subst(&c, raw, &text)) != NULL)
                goto fail;
            /* a value built from a secret one is not quoted either */
            if ((why = convert(p, d, text, d->secret || c.tainted, v)) != NULL) {
                err = apr_psprintf(p, "%s: %s", c.prefix, why);
                goto fail;
            }
        }
    }
    if (v->is_null)
        v->list = conf->empty;
    v->pystr = py_str(p, d, v);
    v->state = OPT_RESOLVED;
    return NULL;
fail:
    v->state = OPT_UNRESOLVED;
    return err;
}

static void raw_store(heat_conf_t *conf, const char *section, const char *key, const char *text)
{
    apr_hash_t *keys = apr_hash_get(conf->raw, section, APR_HASH_KEY_STRING);

    if (!keys) {
        keys = apr_hash_make(conf->pool);
        apr_hash_set(conf->raw, section, APR_HASH_KEY_STRING, keys);
    }
    apr_hash_set(keys, key, APR_HASH_KEY_STRING, text);
}

static int raw_done(const heat_conf_t *conf, const char *section, const char *key)
{
    apr_hash_t *keys = apr_hash_get(conf->raw, section, APR_HASH_KEY_STRING);
    return keys && apr_hash_get(keys, key, APR_HASH_KEY_STRING);
}

/* Every key of every file, substituted; a key outside the table whose $reference does not
 * resolve keeps its text (oslo would only fail if someone registered and read it). */
static void raw_finalize(heat_conf_t *conf, const conf_src_t *src)
{
    apr_pool_t *p = conf->pool;
    apr_hash_index_t *hs, *hk;

    for (hs = apr_hash_first(p, src->sections); hs; hs = apr_hash_next(hs)) {
        const void *section;
        void *keys;

        apr_hash_this(hs, &section, NULL, &keys);
        for (hk = apr_hash_first(p, keys); hk; hk = apr_hash_next(hk)) {
            const void *key;
            const conf_val_t *rv;
            const char *text, *err;
            subst_t c;

            apr_hash_this(hk, &key, NULL, NULL);
            if (raw_done(conf, section, key))
                continue;
            rv = raw_winner(conf, section, key);
            c.conf = conf;
            c.group = rv->section;
            c.prefix = prefix_of(p, NULL, rv);
            {
                const heat_opt_def_t *d = find_def(conf, rv->section, rv->key);
                c.secret = secret_name(rv->key) || (d && d->secret);
            }
            c.depth = 0;
            c.tainted = 0;
            if ((err = subst(&c, rv->text, &text)) != NULL) {
                heat_log(HEAT_LOG_WARNING, "HEAT0611: %s (kept as written)", err);
                text = rv->text;
            }
            raw_store(conf, section, key, text);
        }
    }
}

const char *heat_conf_finalize(heat_conf_t *conf)
{
    const char *err;
    apr_size_t i;
    int s;

    if (conf->finalized)
        return NULL;
    /* table order, so the first error reported does not depend on hashing */
    for (i = 0; i < OPT_COUNT; i++)
        if ((err = resolve(conf, &opt_table[i])) != NULL)
            return err;
    raw_finalize(conf, conf->overrides);
    for (s = conf->sources->nelts - 1; s >= 0; s--)
        raw_finalize(conf, APR_ARRAY_IDX(conf->sources, s, const conf_src_t *));
    conf->finalized = 1;
    return NULL;
}

/* ------------------------------------------------------------------------------------- */
/* Getters: no allocation, so threads may call them on the finalized object              */

#define ANY_TYPE ((heat_opt_type_t)-1)

static const opt_val_t *getter(const heat_conf_t *conf, const char *section, const char *name,
                               heat_opt_type_t t1, heat_opt_type_t t2, const char *fn,
                               const heat_opt_def_t **def)
{
    const heat_opt_def_t *d;

    if (!conf || !conf->finalized) {
        heat_log(HEAT_LOG_ERR, "HEAT0612: %s([%s] %s) called before heat_conf_finalize", fn,
                 section ? section : "(null)", name ? name : "(null)");
        return NULL;
    }
    if (!(d = find_def(conf, section, name))) {
        heat_log(HEAT_LOG_ERR, "HEAT0613: %s: unknown option [%s] %s", fn, section ? section : "(null)",
                 name ? name : "(null)");
        return NULL;
    }
    if (t1 != ANY_TYPE && d->type != t1 && d->type != t2) {
        heat_log(HEAT_LOG_ERR, "HEAT0614: %s: option [%s] %s has another type", fn, section, name);
        return NULL;
    }
    if (def)
        *def = d;
    return &conf->vals[d - opt_table];
}

const char *heat_conf_str(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, HEAT_OPT_STR, HEAT_OPT_IP, __func__, NULL);
    return v && !v->is_null ? v->str : NULL;
}

int heat_conf_bool(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, HEAT_OPT_BOOL, HEAT_OPT_BOOL, __func__, NULL);
    return v && !v->is_null ? v->b : 0;
}

apr_int64_t heat_conf_int(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, HEAT_OPT_INT, HEAT_OPT_PORT, __func__, NULL);
    return v && !v->is_null ? v->i : 0;
}

double heat_conf_float(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, HEAT_OPT_FLOAT, HEAT_OPT_FLOAT, __func__, NULL);
    return v && !v->is_null ? v->d : 0.0;
}

const apr_array_header_t *heat_conf_list(const heat_conf_t *conf, const char *section,
                                         const char *name)
{
    const opt_val_t *v = getter(conf, section, name, HEAT_OPT_LIST, HEAT_OPT_MULTI, __func__, NULL);
    if (v)
        return v->list;
    return conf ? conf->empty : NULL;
}

int heat_conf_is_set(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, ANY_TYPE, ANY_TYPE, __func__, NULL);
    return v ? v->set : 0;
}

int heat_conf_has_value(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, ANY_TYPE, ANY_TYPE, __func__, NULL);
    return v ? !v->is_null : 0;
}

const char *heat_conf_text(const heat_conf_t *conf, const char *section, const char *name)
{
    const opt_val_t *v = getter(conf, section, name, ANY_TYPE, ANY_TYPE, __func__, NULL);
    return v ? v->pystr : NULL;
}

const char *heat_conf_origin(const heat_conf_t *conf, const char *section, const char *name,
                             int *line)
{
    const opt_val_t *v = getter(conf, section, name, ANY_TYPE, ANY_TYPE, __func__, NULL);

    if (line)
        *line = v && v->from ? v->from->line : 0;
    return v && v->from ? v->from->where : NULL;
}

int heat_conf_option(apr_size_t i, const char **section, const char **name,
                     heat_opt_type_t *type)
{
    if (i >= OPT_COUNT)
        return 0;
    if (section)
        *section = opt_table[i].section;
    if (name)
        *name = opt_table[i].name;
    if (type)
        *type = opt_table[i].type;
    return 1;
}

int heat_conf_option_field(apr_size_t i, apr_size_t *offset, apr_size_t *size, int *empty_is_null)
{
    if (i >= OPT_COUNT || !opt_table[i].has_field)
        return 0;
    *offset = opt_table[i].field;
    *size = opt_table[i].field_size;
    *empty_is_null = opt_table[i].empty_null;
    return 1;
}

int heat_conf_option_use(apr_size_t i, heat_opt_use_t *use, const char **instead)
{
    if (i >= OPT_COUNT)
        return 0;
    *use = opt_table[i].use;
    *instead = opt_table[i].instead;
    return 1;
}

/* Whether v differs from the option's default, compared as oslo prints both (str()), so that
 * "8" and "08", or "True" and "yes", are the same value. */
static int differs_from_default(const heat_conf_t *conf, const heat_opt_def_t *d, const opt_val_t *v)
{
    opt_val_t dv;
    const char *raw = d->hostname ? conf->hostname : d->def;

    if (!v->set)
        return 0;
    memset(&dv, 0, sizeof(dv));
    if (d->type == HEAT_OPT_MULTI) {
        dv.list = apr_array_make(conf->pool, 1, sizeof(const char *));
        if (raw)
            APR_ARRAY_PUSH(dv.list, const char *) = raw;
        else
            dv.is_null = 1;
    } else if (!raw)
        dv.is_null = 1;
    else if (convert(conf->pool, d, raw, 1, &dv) != NULL)
        return 1;
    if (dv.is_null)
        dv.list = conf->empty;
    return strcmp(py_str(conf->pool, d, &dv), v->pystr) != 0;
}

const apr_array_header_t *heat_conf_unused(const heat_conf_t *conf, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    apr_size_t i;

    for (i = 0; conf && conf->finalized && i < OPT_COUNT; i++) {
        const heat_opt_def_t *d = &opt_table[i];
        const opt_val_t *v = &conf->vals[i];
        const char *where;

        if ((d->use != HEAT_OPT_REPLACED && d->use != HEAT_OPT_NOT_APPLICABLE) ||
            !differs_from_default(conf, d, v))
            continue;
        where = v->from->line ? apr_psprintf(p, "%s:%d", v->from->where, v->from->line) : v->from->where;
        APR_ARRAY_PUSH(out, const char *) =
            d->use == HEAT_OPT_REPLACED
                ? apr_psprintf(p, "[%s] %s is set (%s) but mod_heat does not use it: "
                               "use the Apache directive %s instead", d->section, d->name, where, d->instead)
                : apr_psprintf(p, "[%s] %s is set (%s) but has no effect in mod_heat: %s",
                               d->section, d->name, where, d->instead);
    }
    return out;
}

const char *heat_conf_raw(const heat_conf_t *conf, const char *section, const char *name)
{
    apr_hash_t *keys;

    if (!conf || !conf->finalized) {
        heat_log(HEAT_LOG_ERR, "HEAT0615: heat_conf_raw called before heat_conf_finalize");
        return NULL;
    }
    if (!section || !name)
        return NULL;
    keys = apr_hash_get(conf->raw, section, APR_HASH_KEY_STRING);
    return keys ? apr_hash_get(keys, name, APR_HASH_KEY_STRING) : NULL;
}

const apr_array_header_t *heat_conf_files(const heat_conf_t *conf)
{
    return conf->files;
}

/* ------------------------------------------------------------------------------------- */
/* Groups registered at run time ([cors.<name>]): listing and typing like a table option  */

apr_array_header_t *heat_conf_sections(const heat_conf_t *conf, apr_pool_t *p, const char *prefix)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    apr_size_t plen = strlen(prefix);
    apr_hash_index_t *hi;

    if (!conf || !conf->finalized)
        return out;
    for (hi = apr_hash_first(p, conf->raw); hi; hi = apr_hash_next(hi)) {
        const void *name;
        apr_hash_this(hi, &name, NULL, NULL);
        if (strncmp(name, prefix, plen) == 0)
            APR_ARRAY_PUSH(out, const char *) = name;
    }
    qsort(out->elts, (size_t)out->nelts, sizeof(const char *), cmp_names);
    return out;
}

const char *heat_conf_convert_as(const heat_conf_t *conf, apr_pool_t *p, const char *like_section,
                                 const char *name, const char *text, heat_conf_value_t *out)
{
    const heat_opt_def_t *d = find_def(conf, like_section, name);
    opt_val_t v;
    const char *why;

    memset(out, 0, sizeof(*out));
    if (!d || d->type == HEAT_OPT_MULTI)
        return apr_psprintf(p, "[%s] %s is not a single-valued option", like_section, name);
    memset(&v, 0, sizeof(v));
    if ((why = convert(p, d, text, d->secret, &v)) != NULL)
        return why;
    out->is_null = v.is_null;
    out->b = v.b;
    out->i = v.i;
    out->d = v.d;
    out->str = v.str;
    out->list = v.list;
    return NULL;
}
