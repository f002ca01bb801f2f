/* heat_cors.h: oslo.middleware 5.0.0's cors filter, the second step of every heat-api and
 * heat-api-cfn pipeline (after healthcheck), configured from heat.conf's [cors] and the
 * deprecated [cors.<name>] subsections, with heat's defaults for the header and method lists.
 *
 * [cors] is read through the option table's SETTING rows into heat_cors_group_t; at the end of
 * heat_settings_load, heat_cors_settings_finish turns it and the subsections into the origin
 * table. At request time heat_cors_apply decorates an answer the way CORS.process_response
 * does: the preflight rules for OPTIONS, the simple-request headers for every other method. */
#ifndef HEAT_CORS_H
#define HEAT_CORS_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "heat_conf.h"
#include "heat_settings_types.h"

/* heat_cors_group_t and heat_cors_conf_t are heat.conf settings: heat_settings_types.h, where
 * the option table (heat_conf.c) names their fields. */

/* Builds cc->origins from cc->group and every [cors.<name>] section of c, whose options
 * default to [cors]'s values. NULL, or why a subsection's value is refused (heat-api refuses
 * to start then too). Allocates from p. */
const char *heat_cors_settings_finish(heat_cors_conf_t *cc, apr_pool_t *p, const heat_conf_t *c);

/* The request headers the filter reads; NULL when absent. */
typedef struct {
    int is_options;               /* the request method is OPTIONS */
    const char *origin;           /* Origin */
    const char *request_method;   /* Access-Control-Request-Method */
    const char *request_headers;  /* Access-Control-Request-Headers */
} heat_cors_request_t;

/* Sets, in headers (the answer's headers, Vary included as they are), the Access-Control-*
 * headers and Vary that oslo's filter sets for req. An answer that already carries
 * Access-Control-Allow-Origin is left alone. cc NULL or without origins: nothing.
 * (The preflight's empty 200 for a non-2xx answer is the router's OPTIONS rule, which runs
 * before this.) */
void heat_cors_apply(apr_pool_t *p, const heat_cors_conf_t *cc, const heat_cors_request_t *req,
                     apr_table_t *headers);

#endif
