/* heat_settings.h: the heat.conf values the request path reads, as typed fields, loaded once
 * from the parsed heat.conf (heat_conf_t) at startup and read-only afterwards, so children
 * and threads share one copy without locks. A call (heat_call_t) points to its server's.
 *
 * The types are in heat_settings_types.h. The loader is driven by the option table in
 * heat_conf.c: a row that ends in SETTING(field) or SETTING_OR_NULL(field) fills that field.
 * So a new option the request path needs is one row in that table plus its field (doc/
 * architecture.md, "Add a heat.conf option"). The few values that are not one option's value
 * are computed in heat_settings_derive, after the rows are applied. */
#ifndef HEAT_SETTINGS_H
#define HEAT_SETTINGS_H

#include <apr_pools.h>

#include "heat_conf.h"
#include "heat_settings_types.h"

/* Fills *st from c (after heat_conf_finalize): the table's rows, then heat_settings_derive,
 * then heat_cors_settings_finish (whose error it returns: a [cors.<name>] value refused).
 * Strings and lists stay owned by c. Returns NULL, or an error (from p) when a row of the
 * option table names a field whose size does not fit its option type (a programming error,
 * caught by the unit tests). */
const char *heat_settings_load(heat_settings_t *st, apr_pool_t *p, const heat_conf_t *c);

/* The values no single row gives (called by heat_settings_load; exposed for the tests):
 *  - noauth / standalone: [paste_deploy] flavor is exactly "noauth" / "standalone";
 *    keystone.standalone follows standalone;
 *  - heat's get_client_option('keystone', name): password.ca_file, cert_file, key_file and
 *    insecure are [clients_keystone]'s when that option has a value (not None; "" counts as
 *    a value), else [clients]' (the clients fields);
 *  - keystone.http_connect_timeout: 0 when unset (None), meaning mod_heat's own connect and
 *    total timeouts rather than "no time at all". */
void heat_settings_derive(heat_settings_t *st, const heat_conf_t *c);

/* NULL when heat-api has the pipeline of [paste_deploy] flavor and mod_heat implements it (the
 * default, standalone, noauth); else why the start is refused: heat-api refuses a flavor
 * whose pipeline heat-api-<flavor> is not in its api-paste.ini with "Unable to load
 * heat-api-<flavor> from configuration file <api_paste_config>.", and mod_heat does not run
 * the custombackend pipeline (an engine call per request) it does not implement. serves_cfn:
 * whether the CFN API is configured (SetHandler heat-api-cfn): heat-api-cfn has no noauth
 * pipeline, so it refuses that flavor where heat-api runs it. */
const char *heat_settings_flavor_error(apr_pool_t *p, const heat_settings_t *st, const heat_conf_t *c,
                                       int serves_cfn);

#endif
