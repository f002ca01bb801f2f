/* heat_settings.h: the heat.conf values the request path reads, as typed fields, loaded once
 * from the parsed heat.conf (heat_conf_t) at startup and read-only afterwards, so children
 * and threads share one copy without locks. A call (heat_call_t) points to its server's.
 *
 * The loader is driven by the option table in heat_conf.c: a row that ends in SETTING(field)
 * or SETTING_OR_NULL(field) fills that field, with the C type its option type gives:
 *
 *     BOOL              int              (0 or 1)
 *     INT, PORT         apr_int64_t      (0 when oslo's value is None)
 *     FLOAT             double
 *     STR, IP           const char *     (SETTING_OR_NULL: "" is stored as NULL)
 *     LIST, MULTI       const apr_array_header_t *   (never NULL)
 *
 * So a new option the request path needs is one row in that table plus its field here
 * (doc/architecture.md, "Add a heat.conf option"). Fields computed from others
 * (noauth, standalone) are derived in heat_settings_load after the table is applied. */
#ifndef HEAT_SETTINGS_H
#define HEAT_SETTINGS_H

#include <apr_pools.h>
#include <apr_tables.h>

#include "heat_conf.h"
#include "heat_cors.h"
#include "heat_front.h"
#include "heat_profiler.h"

typedef struct {
    int debug;                        /* [DEFAULT] debug: tracebacks in fault bodies */
    int proxy_headers;                /* [oslo_middleware] enable_proxy_headers_parsing */
    const char *api_root;             /* [heat_api] heat_api_root (Debian), NULL if unset */
    const char *healthcheck_path;     /* [healthcheck] path */
    heat_healthcheck_conf_t healthcheck; /* the rest of [healthcheck] */
    apr_int64_t max_template_size;    /* [DEFAULT] max_template_size */
    apr_int64_t max_json_body_size;   /* [DEFAULT] max_json_body_size */
    apr_int64_t rpc_response_timeout; /* [DEFAULT] rpc_response_timeout, seconds (for messages) */
    const char *revision;             /* [revision] heat_revision */
    const char *clients_keystone_uri; /* [clients_keystone] auth_uri, NULL if unset */
    const char *paste_flavor;         /* [paste_deploy] flavor, NULL if unset */
    heat_cors_conf_t cors;            /* [cors] and [cors.<name>] (heat_cors.h) */
    heat_profiler_conf_t profiler;    /* [profiler] enabled, hmac_keys */
    /* Derived from paste_flavor: heat-api's flavors are the default (Keystone tokens), noauth
     * (heat's test pipeline: any request is the admin of project "admin", or X-Auth-User /
     * X-Auth-Project) and standalone (authpassword). */
    int noauth;
    int standalone;
} heat_settings_t;

/* Fills *st from c (after heat_conf_finalize); strings and lists stay owned by c. Returns
 * NULL, or an error (from p) when a row of the option table names a field whose size does not
 * fit its option type (a programming error, caught by the unit tests). */
const char *heat_settings_load(heat_settings_t *st, apr_pool_t *p, const heat_conf_t *c);

#endif
