/* heat_api.h: what a native API handler gets and gives. The glue (mod_heat_router.c) turns an
 * authenticated request into a heat_call_t, the handlers (heat_handlers.h) answer with a
 * heat_result_t; they never see httpd. Handlers follow the controllers in heat/api/openstack/v1/ of 19.0.0:
 * the same query parsing, the same RPC calls with the same arguments, the same views. */
#ifndef HEAT_API_H
#define HEAT_API_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "heat_body.h"
#include "heat_context.h"
#include "heat_fault.h"
#include "heat_http.h"
#include "heat_policy.h"
#include "heat_query.h"
#include "heat_result.h"
#include "heat_routes.h"
#include "heat_rpc.h"
#include "heat_settings.h"

/* An engine call made another way than heat_rpc_call (the unit tests' stub engine): takes over
 * args and fills reply as heat_rpc_call would. */
typedef void heat_engine_fn(void *baton, apr_pool_t *p, const char *method, json_t *args, const char *version,
                            heat_rpc_reply_t *reply);

typedef struct {
    apr_pool_t *p;
    const char *method;             /* the real method (HEAD is routed as GET) */
    const heat_route_t *route;
    apr_table_t *vars;              /* route variables */
    apr_array_header_t *params;     /* heat_param_t: the query string (CFN: then the form body) */
    int n_query_params;             /* how many of params come from the query string */
    const char *accept;             /* for webob bodies (202, 302) */
    const char *body;               /* the request body, NULL when there is none */
    apr_size_t body_len;
    const char *content_type;
    apr_off_t content_length;       /* the Content-Length header, -1 if absent */

    heat_context_t *ctx;
    const heat_policy_t *policy;
    heat_rpc_pool_t *rpc;           /* NULL: no transport configured */
    heat_engine_fn *engine;         /* NULL: heat_rpc_call on rpc (the CFN controllers' unit tests set a stub) */
    void *engine_baton;
    heat_http_t *http;              /* template_url fetches */

    const char *url_base;           /* stack URLs: [heat_api] heat_api_root, else application URL */
    const char *path_url;           /* application URL + quoted PATH_INFO (next links) */
    const heat_settings_t *settings; /* the server's heat.conf settings (debug, size limits...) */

    /* The decoded body, once per request (heat_api_body). */
    int body_decoded;
    heat_body_status_t body_status;
    json_t *json_body;
    heat_error_t body_error;
} heat_call_t;


typedef void heat_handler_fn(heat_call_t *call, heat_result_t *reply);

/* Runs the matched row (call->route, a row of heat_native_routes.c): decodes the body, makes the
 * row's policy check (heat's decorators: tenant check and policy, by the row's mode), then runs
 * the row's handler; a row without a handler answers 501. */
void heat_api_dispatch(heat_call_t *call, heat_result_t *reply);

/* ---- helpers shared by the handlers (heat_api.c) ------------------------------------------ */

/* The last value of name (webob MultiDict.get), NULL if absent. */
const char *heat_api_param(const heat_call_t *call, const char *name);
/* All values of name, in order. */
apr_array_header_t *heat_api_params_all(const heat_call_t *call, const char *name);
/* util.get_allowed_params for one key: single = the last value, multi = all values (a list),
 * mixed = one value as itself or several as a list; a falsy result ("" or no value) is NULL.
 * A new reference. */
typedef enum { HEAT_PARAM_SINGLE, HEAT_PARAM_MULTI, HEAT_PARAM_MIXED } heat_param_type_t;
json_t *heat_api_allowed_param(const heat_call_t *call, const char *name, heat_param_type_t type);

/* Replies: each fills the whole result. heat_api_reply_json steals body (common/heat_json.h's
 * ownership rule: a reply takes over what it is given). */
void heat_api_reply_json(heat_call_t *call, heat_result_t *reply, int status, json_t *body);
/* The error fields of fault (status, type, message, traceback) written as heat-api's fault. */
void heat_api_reply_fault(heat_call_t *call, heat_result_t *reply, const heat_result_t *fault);
/* An error of the body/template layer (heat_error_t, kept apart so that template/ depends on
 * nothing of the request path) as a fault. */
void heat_api_reply_error(heat_call_t *call, heat_result_t *reply, const heat_error_t *err);
/* A webob HTTP error raised by a controller: a fault with type HTTP<Name> and the message. */
void heat_api_reply_http_error(heat_call_t *call, heat_result_t *reply, int status, const char *message);
/* A heat exception raised in the API (type = class name, status from FaultWrapper's table). */
void heat_api_reply_heat_error(heat_call_t *call, heat_result_t *reply, const char *cls,
                               const char *message);
/* 202 Accepted / 302 Found with webob's body. */
void heat_api_reply_accepted(heat_call_t *call, heat_result_t *reply);
void heat_api_reply_found(heat_call_t *call, heat_result_t *reply, const char *location);
void heat_api_reply_no_content(heat_result_t *reply);

/* The request body as heat's JSONRequestDeserializer decodes it: HEAT_BODY_NONE, HEAT_BODY_OK
 * (*body set, owned by the pool) or HEAT_BODY_ERROR (the fault is in reply). Decoded once;
 * the dispatcher does it before heat's decorators, as wsgi.Resource does. */
heat_body_status_t heat_api_body(heat_call_t *call, heat_result_t *reply, json_t **body);
/* The body of an action that requires one: without it heat's action lacks its `body` argument,
 * a TypeError, which wsgi.Resource answers with its generic 400. NULL with the reply filled. */
json_t *heat_api_required_body(heat_call_t *call, heat_result_t *reply);

/* The one engine call of both APIs: call->engine (the unit tests' stub) if set, else
 * heat_rpc_call on call->rpc. Returns the result (pool-owned; JSON null for None), or NULL
 * with heat-api's error in *err (status, Heat type, message, traceback: the engine-error table
 * in heat_api.c, or heat_result_from_remote for an exception the engine raised, then also in
 * *remote). args is stolen (NULL: {}). version NULL: "1.0". Each API writes *err its way. */
json_t *heat_api_engine(heat_call_t *call, const heat_context_t *ctx, const char *method, json_t *args,
                        const char *version, heat_result_t *err, const heat_rpc_failure_t **remote);

/* heat_api_engine for a native handler: on failure fills reply with heat-api's fault and
 * returns NULL. */
json_t *heat_api_rpc(heat_call_t *call, heat_result_t *reply, const heat_context_t *ctx,
                     const char *method, json_t *args, const char *version);
/* The same, but when heat-engine does not answer in time, sets *timed_out and leaves reply
 * for the caller (services.index answers 503 "All heat engines are down."). */
json_t *heat_api_rpc_timeout(heat_call_t *call, heat_result_t *reply, const heat_context_t *ctx,
                             const char *method, json_t *args, const char *version, int *timed_out);

/* param_utils: extract_bool / extract_int / extract_tags with heat's 400 messages; return 0
 * and fill reply when the value is refused. */
int heat_api_extract_bool(heat_call_t *call, heat_result_t *reply, const char *name,
                          const char *value, int *out);
int heat_api_extract_int(heat_call_t *call, heat_result_t *reply, const char *name,
                         const char *value, json_int_t *out);
int heat_api_extract_tags(heat_call_t *call, heat_result_t *reply, const char *value, json_t **out);

/* The stack identity a route names: {"tenant": ctx project, "stack_name", "stack_id", "path": ""}. */
json_t *heat_api_identity(heat_call_t *call);
/* util.make_url: <url_base>/<tenant>/stacks/<name>/<id><path>, each part quoted. NULL when
 * the identity is not a stack identity. */
const char *heat_api_stack_url(heat_call_t *call, const json_t *identity);

/* heat_inst_conf_t's fetch for template_url (baton: the call): heat's urlfetch, http and https
 * only, with timeouts and the size cap applied while reading. */
int heat_api_fetch_template(void *baton, apr_pool_t *p, const char *url, const char **data, apr_size_t *len,
                            const char **reason);

/* An identifier path less its last two components, without a leading slash
 * (ResourceIdentifier.stack(), EventIdentifier.resource()): "/resources/r/events/e" gives
 * "resources/r", "/resources/r" gives "". heat_api_slash puts back the leading "/" (not on ""). */
const char *heat_api_parent_path(apr_pool_t *p, const char *path);
const char *heat_api_slash(apr_pool_t *p, const char *path);

/* util.make_link: {"href": the URL of identity's stack (tenant, stack_name, stack_id) at path,
 * "rel": rel}. A new reference. */
json_t *heat_api_link(heat_call_t *call, const json_t *identity, const char *path, const char *rel);

/* What format_event and format_resource share: resource_status joined with resource_action
 * ("CREATE_COMPLETE", hiding the engine's split), resource_name also as logical_resource_id.
 * 1 if key was one of those and is written to out, 0 to let the caller handle it. */
int heat_api_resource_state(heat_call_t *call, json_t *out, const char *key, json_t *value,
                            const json_t *action);

#endif
