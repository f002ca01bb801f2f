/* heat_routes.h: the row type of heat-api's and heat-api-cfn's route tables and their matcher
 * (Routes 2.5.1 semantics, as heat's connect() helper builds the native table). The tables
 * themselves live beside their handlers: native/heat_native_routes.c, cfn/heat_cfn_routes.c.
 *
 * Tables are compiled once (check_config) into a heat_routes_t owned by a pool; matching is
 * read-only and thread-safe. Paths given to the matcher are what Routes sees: PATH_INFO after
 * version negotiation (for the native API "/{tenant}/stacks/..." without "/v1"), already
 * percent-decoded. */
#ifndef HEAT_ROUTES_H
#define HEAT_ROUTES_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    HEAT_ROUTE_MATCHED,    /* a real route: m->route and m->params are set */
    HEAT_ROUTE_OPTIONS,    /* OPTIONS on a known template: 204 + Allow: m->allowed */
    HEAT_ROUTE_REJECT,     /* method not defined for a known template: 405 (m->allowed) */
    HEAT_ROUTE_NOT_FOUND   /* no template matches: 404 */
} heat_route_result_t;

/* A route's handler, stored without its type: common/ knows neither the native nor the CFN
 * handler signature. Each API casts its handlers to this in its table (HEAT_NATIVE_FN,
 * HEAT_CFN_FN) and back in its dispatcher: C guarantees that a function pointer converted to
 * another function pointer type and back is unchanged, and void (*)(void) is the type gcc's
 * -Wcast-function-type accepts for that. */
typedef void heat_route_fn(void);

/* When the API checks the policy of a routed request (doc/architecture.md "Routes and handlers"). */
typedef enum {
    HEAT_ROUTE_POLICY_NONE,     /* no check at the API (CFN signal routes, InvalidAction) */
    HEAT_ROUTE_POLICY_ENFORCED, /* the row's rule, before the handler (native: tenant check first) */
    HEAT_ROUTE_POLICY_TENANT,   /* only the tenant check before the handler, which then picks the
                                   rule from the body (update_patch: update_no_change or update_patch) */
    HEAT_ROUTE_POLICY_BODY      /* nothing before the handler: it picks and checks the rule from the
                                   body, after the body's own errors (actions: actions:<key>) */
} heat_route_policy_t;

/* heat_route_t.flags. */
#define HEAT_ROUTE_CONNECT 1 /* registered through heat's connect(): gets reject + options routes */
#define HEAT_ROUTE_ACTION 2  /* CFN "/": the Action parameter must equal route.action */

/* One row of a route table. The tables live beside their handlers (native/heat_native_routes.c,
 * cfn/heat_cfn_routes.c); the matcher takes them as data. */
typedef struct heat_route_t {
    const char *method;   /* "GET", "POST", ... (the lookup routes list several: "GET,POST,...");
                             "*" = any method (CFN "/") */
    const char *path;     /* the Routes template, e.g. "/{tenant_id}/stacks/{stack_name}/{stack_id}" */
    const char *group;    /* controller: "stacks", "resources", "events", "actions", "build_info",
                             "software_configs", "software_deployments", "services", "cfn", "signal" */
    const char *action;   /* controller action, e.g. "show", "lookup", "index"; CFN: the AWS Action name
                             ("DescribeStacks") or "update_waitcondition" / "signal" */
    const char *policy;   /* the oslo.policy rule heat's controller checks, NULL if none */
    heat_route_policy_t mode; /* when and how `policy` is checked */
    heat_route_fn *handler;   /* the API's handler, cast; NULL: mod_heat does not implement the route */
    const char *pattern;  /* template compiled instead of path (CFN legacy), NULL: path */
    int flags;            /* HEAT_ROUTE_CONNECT, HEAT_ROUTE_ACTION */
} heat_route_t;

typedef struct {
    heat_route_result_t result;
    const heat_route_t *route;   /* MATCHED */
    apr_table_t *params;         /* route variables (tenant_id, stack_name, path, arn, ...) of the
                                    matched template, also for OPTIONS / REJECT; never NULL (empty
                                    for NOT_FOUND) */
    const char *allowed;         /* OPTIONS / REJECT: allowed methods in registration order, "GET,POST" */
} heat_route_match_t;

typedef struct heat_routes_t heat_routes_t;

/* Compiles a table of n rows, in order; after each run of HEAT_ROUTE_CONNECT rows of one group,
 * the reject (405) and options routes heat's connect() appends. The rows must outlive the
 * routes (static tables). Error string or NULL. The native table is heat_native_routes_create
 * (heat_handlers.h), the CFN one heat_cfn_routes_create (heat_cfn.h). */
const char *heat_routes_create(apr_pool_t *p, const heat_route_t *rows, int n, heat_routes_t **routes);

/* Matches method + path. HEAD is matched as GET (doc/differences.md: HEAD works wherever GET does;
 * the glue sends no body). Methods compare exactly (Routes tests a substring of heat's joined
 * "GET,POST,..." string, so "ET" would list stacks); a method other than the six and OPTIONS
 * matches no route at all, reject routes included: NOT_FOUND. No `_method` override. The
 * strings in m point into the table or into p. */
void heat_routes_match(const heat_routes_t *routes, apr_pool_t *p, const char *method,
                       const char *path, heat_route_match_t *m);

/* CFN: path after "/v1"; action = the Action parameter (NULL when absent). "/" with a known
 * Action (exact, case-sensitive) matches that action, any method; "/" with none or an unknown
 * one, and the legacy /stacks resource routes, match route "InvalidAction" (group "cfn");
 * PUT /waitcondition/{arn} and POST /signal/{arn} (group "signal"; arn may contain "/" and be
 * empty; other methods there are NOT_FOUND, as in Routes); anything else NOT_FOUND. HEAD is
 * matched as GET here too (it only matters on the legacy routes). Never REJECT or OPTIONS. */
void heat_routes_cfn_match(const heat_routes_t *routes, apr_pool_t *p, const char *method,
                           const char *path, const char *action, heat_route_match_t *m);

/* Iteration over the real routes, for tests and the startup debug dump. */
int heat_routes_count(const heat_routes_t *routes);
const heat_route_t *heat_routes_get(const heat_routes_t *routes, int i);

#endif
