/* heat_api.c: the native API's dispatcher (heat's util.py decorators) and the helpers its
 * handlers share: query parsing, replies, the engine call of both APIs with its error table,
 * param_utils, stack identities and URLs. */
#include "heat_api.h"
#include "heat_authorize.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"
#include "heat_log.h"
#include "heat_util.h"
#include "heat_urlfetch.h"
#include "heat_webob.h"

/* ---- query strings ---------------------------------------------------------------------- */

const char *heat_api_param(const heat_call_t *call, const char *name)
{
    int i;
    for (i = call->params->nelts - 1; i >= 0; i--) {
        const heat_param_t *pair = &APR_ARRAY_IDX(call->params, i, heat_param_t);
        if (strcmp(pair->name, name) == 0)
            return pair->value;
    }
    return NULL;
}

apr_array_header_t *heat_api_params_all(const heat_call_t *call, const char *name)
{
    apr_array_header_t *out = apr_array_make(call->p, 2, sizeof(const char *));
    int i;
    for (i = 0; i < call->params->nelts; i++) {
        const heat_param_t *pair = &APR_ARRAY_IDX(call->params, i, heat_param_t);
        if (strcmp(pair->name, name) == 0)
            APR_ARRAY_PUSH(out, const char *) = pair->value;
    }
    return out;
}

json_t *heat_api_allowed_param(const heat_call_t *call, const char *name, heat_param_type_t type)
{
    apr_array_header_t *all;
    json_t *list;
    int i;

    if (type == HEAT_PARAM_SINGLE) {
        const char *v = heat_api_param(call, name);
        return (v && *v) ? json_string(v) : NULL;
    }
    all = heat_api_params_all(call, name);
    if (all->nelts == 0)
        return NULL;
    if (type == HEAT_PARAM_MIXED && all->nelts == 1) {
        const char *v = APR_ARRAY_IDX(all, 0, const char *);
        return *v ? json_string(v) : NULL;
    }
    list = json_array();
    for (i = 0; i < all->nelts; i++)
        json_array_append_new(list, json_string(APR_ARRAY_IDX(all, i, const char *)));
    return list;
}

/* ---- replies ---------------------------------------------------------------------------- */

void heat_api_reply_json(heat_call_t *call, heat_result_t *reply, int status, json_t *body)
{
    memset(reply, 0, sizeof(*reply));
    reply->status = status;
    reply->content_type = "application/json";
    reply->body = heat_json_dump(call->p, heat_json_own(call->p, body), 0);
}

void heat_api_reply_fault(heat_call_t *call, heat_result_t *reply, const heat_result_t *fault)
{
    heat_result_error(reply, fault->status, fault->type, fault->message);
    reply->traceback = fault->traceback;
    heat_result_render(call->p, reply, HEAT_RESULT_FAULT, NULL);
}

/* The adapter of template/'s errors, which that layer keeps in its own heat_error_t. */
void heat_api_reply_error(heat_call_t *call, heat_result_t *reply, const heat_error_t *err)
{
    heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, err->status, err->type, err->message);
}

/* webob's exception class name for a status, as FaultWrapper reports it in error.type. */
static const char *webob_class(int status)
{
    switch (status) {
    case 400: return "HTTPBadRequest";
    case 403: return "HTTPForbidden";
    case 404: return "HTTPNotFound";
    case 405: return "HTTPMethodNotAllowed";
    case 409: return "HTTPConflict";
    case 413: return "HTTPRequestEntityTooLarge";
    case 503: return "HTTPServiceUnavailable";
    default: return "HTTPInternalServerError";
    }
}

void heat_api_reply_http_error(heat_call_t *call, heat_result_t *reply, int status, const char *message)
{
    heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, status, webob_class(status),
                     message ? message : heat_webob_explanation(status));
}

void heat_api_reply_heat_error(heat_call_t *call, heat_result_t *reply, const char *cls,
                               const char *message)
{
    heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, heat_fault_status_in(cls, call->settings->release),
                     cls, message);
}

void heat_api_reply_accepted(heat_call_t *call, heat_result_t *reply)
{
    heat_result_error(reply, 202, NULL, NULL);
    heat_result_render(call->p, reply, HEAT_RESULT_WEBOB, call->accept);
}

void heat_api_reply_found(heat_call_t *call, heat_result_t *reply, const char *location)
{
    heat_webob_body_t b = heat_webob_redirect_body(call->p, 302, call->accept, location);
    memset(reply, 0, sizeof(*reply));
    reply->status = 302;
    reply->content_type = b.content_type;
    reply->body = b.body;
    reply->location = location;
}

void heat_api_reply_no_content(heat_result_t *reply)
{
    memset(reply, 0, sizeof(*reply));
    reply->status = 204;
}

/* ---- the body ---------------------------------------------------------------------------- */

heat_body_status_t heat_api_body(heat_call_t *call, heat_result_t *reply, json_t **body)
{
    if (!call->body_decoded) {
        heat_body_request_t req;
        memset(&req, 0, sizeof(req));
        req.method = call->method;
        req.content_type = call->content_type;
        req.content_length = call->content_length;
        req.body = call->body;
        req.len = call->body_len;
        call->json_body = NULL;
        call->body_status = heat_body_decode(call->p, &req, (apr_size_t)call->settings->max_json_body_size,
                                             &call->json_body, &call->body_error);
        call->body_decoded = 1;
    }
    *body = call->body_status == HEAT_BODY_OK ? call->json_body : NULL;
    if (call->body_status == HEAT_BODY_ERROR)
        heat_api_reply_error(call, reply, &call->body_error);
    return call->body_status;
}

json_t *heat_api_required_body(heat_call_t *call, heat_result_t *reply)
{
    json_t *body = NULL;

    switch (heat_api_body(call, reply, &body)) {
    case HEAT_BODY_OK:
        return body;
    case HEAT_BODY_ERROR: /* the fault is in reply */
        return NULL;
    case HEAT_BODY_NONE:
    default:
        heat_api_reply_http_error(call, reply, 400, HEAT_BAD_REQUEST_TEXT);
        return NULL;
    }
}

/* ---- RPC --------------------------------------------------------------------------------- */

/* The engine-error table: what heat-api answers when heat-engine cannot be asked or does not
 * answer (heat-api-cfn maps the type to its AWS code: heat_cfn_engine_code). An exception the
 * engine raised is mapped by heat_result_from_remote instead. The messages say what happened
 * where heat has only a bare MessagingTimeout (doc/differences.md). */
static const struct {
    heat_rpc_outcome_t outcome;
    int status;
    const char *type;
    const char *message; /* NULL: says which method timed out after how long (engine_error) */
} engine_errors[] = {
    {HEAT_RPC_TIMEOUT, 500, "MessagingTimeout", NULL},
    /* overload: no pooled connection free in time (heat_rpc.h, HEAT_RPC_POOL_WAIT); heat-api
     * would queue the request instead. A prompt 503 the client may retry, never a reset. */
    {HEAT_RPC_BUSY, 503, "HTTPServiceUnavailable",
     "heat-engine is busy: every connection to the message broker in this process stayed taken "
     "(rpc_conn_pool_size). Try again later."},
    /* last: the default */
    {HEAT_RPC_UNREACHABLE, 503, "MessagingUnavailable",
     "The message broker cannot be reached; heat-engine was not asked."},
};
#define NO_TRANSPORT_MESSAGE "mod_heat has no message transport: [DEFAULT] transport_url is not usable."

static void engine_error(heat_call_t *call, heat_rpc_outcome_t outcome, const char *method, heat_result_t *err)
{
    size_t i;
    for (i = 0; i < sizeof(engine_errors) / sizeof(engine_errors[0]) - 1; i++)
        if (engine_errors[i].outcome == outcome)
            break;
    heat_result_error(err, engine_errors[i].status, engine_errors[i].type, engine_errors[i].message);
    if (!err->message)
        err->message = apr_psprintf(call->p, "heat-engine did not answer %s in time (%" APR_INT64_T_FMT " s).",
                                    method, call->settings->rpc_response_timeout);
}

json_t *heat_api_engine(heat_call_t *call, const heat_context_t *ctx, const char *method, json_t *args,
                        const char *version, heat_result_t *err, const heat_rpc_failure_t **remote)
{
    heat_rpc_reply_t r;
    const char *rid = ctx && ctx->request_id ? ctx->request_id : "-";

    memset(&r, 0, sizeof(r));
    *remote = NULL;
    if (!args)
        args = json_object();
    if (call->engine)
        call->engine(call->engine_baton, call->p, method, args, version, &r);
    else if (!call->rpc || !ctx) {
        json_decref(args);
        heat_result_error(err, 503, "HTTPServiceUnavailable", NO_TRANSPORT_MESSAGE);
        return NULL;
    }
    else {
        json_t *cd = heat_context_to_dict(ctx, call->p);
        /* osprofiler's trace is per request, so the admin context of a call carries it too */
        if (!ctx->trace_info && call->ctx && call->ctx->trace_info)
            json_object_set_new(cd, "trace_info", json_deep_copy(call->ctx->trace_info));
        heat_rpc_call(call->rpc, call->p, cd, method, args, version, 0, &r);
    }

    switch (r.outcome) {
    case HEAT_RPC_OK:
        return r.result ? r.result : heat_json_own(call->p, json_null());
    case HEAT_RPC_REMOTE_FAILURE:
        heat_log(HEAT_LOG_INFO, "%s %s: engine raised %s.%s", rid, method, r.failure.module, r.failure.cls);
        heat_result_from_remote_in(call->p, call->settings->release, r.failure.cls, r.failure.module,
                                   r.failure.message, r.failure.args, r.failure.kwargs, r.failure.traceback,
                                   call->settings->debug, err);
        *remote = apr_pmemdup(call->p, &r.failure, sizeof(r.failure));
        return NULL;
    case HEAT_RPC_TIMEOUT:
        /* the RPC layer has logged the method at error level; this ties it to the request */
        heat_log(HEAT_LOG_DEBUG, "%s %s: no reply from heat-engine in time (%s)", rid, method,
                 r.error ? r.error : "timeout");
        engine_error(call, HEAT_RPC_TIMEOUT, method, err);
        return NULL;
    case HEAT_RPC_BUSY:
        heat_log(HEAT_LOG_DEBUG, "%s %s: %s", rid, method, r.error ? r.error : "busy");
        engine_error(call, HEAT_RPC_BUSY, method, err);
        return NULL;
    case HEAT_RPC_UNREACHABLE:
    default:
        heat_log(HEAT_LOG_DEBUG, "%s %s: message broker unreachable (%s)", rid, method, r.error ? r.error : "");
        engine_error(call, HEAT_RPC_UNREACHABLE, method, err);
        return NULL;
    }
}

static json_t *api_rpc(heat_call_t *call, heat_result_t *reply, const heat_context_t *ctx,
                       const char *method, json_t *args, const char *version, int *timed_out)
{
    const heat_rpc_failure_t *remote;
    heat_result_t err;
    json_t *result = heat_api_engine(call, ctx, method, args, version, &err, &remote);

    if (result)
        return result;
    if (timed_out && !remote && strcmp(err.type, "MessagingTimeout") == 0) {
        *timed_out = 1; /* the caller answers */
        return NULL;
    }
    heat_api_reply_fault(call, reply, &err);
    return NULL;
}

json_t *heat_api_rpc(heat_call_t *call, heat_result_t *reply, const heat_context_t *ctx,
                     const char *method, json_t *args, const char *version)
{
    return api_rpc(call, reply, ctx, method, args, version, NULL);
}

json_t *heat_api_rpc_timeout(heat_call_t *call, heat_result_t *reply, const heat_context_t *ctx,
                             const char *method, json_t *args, const char *version, int *timed_out)
{
    *timed_out = 0;
    return api_rpc(call, reply, ctx, method, args, version, timed_out);
}

/* ---- param_utils --------------------------------------------------------------------------- */

int heat_api_extract_bool(heat_call_t *call, heat_result_t *reply, const char *name,
                          const char *value, int *out)
{
    if (value && strcasecmp(value, "true") == 0) {
        *out = 1;
        return 1;
    }
    if (value && strcasecmp(value, "false") == 0) {
        *out = 0;
        return 1;
    }
    heat_api_reply_http_error(call, reply, 400,
                              apr_psprintf(call->p, "Unrecognized value \"%s\" for \"%s\", acceptable "
                                                    "values are: true, false.", value ? value : "None", name));
    return 0;
}

/* oslo's strutils.is_int_like: str(int(v)) == v, so only canonical decimals ("7", "-3"). */
static int is_int_like(const char *v)
{
    const char *c = v;
    if (*c == '-')
        c++;
    if (!apr_isdigit(*c) || (*c == '0' && (c[1] || c != v)))
        return 0;
    for (; *c; c++)
        if (!apr_isdigit(*c))
            return 0;
    return 1;
}

int heat_api_extract_int(heat_call_t *call, heat_result_t *reply, const char *name,
                         const char *value, json_int_t *out)
{
    long long v;

    if (!is_int_like(value) || strlen(value) > 18) {
        heat_api_reply_http_error(call, reply, 400,
                                  apr_psprintf(call->p, "Only integer is acceptable by '%s'.", name));
        return 0;
    }
    v = strtoll(value, NULL, 10);
    if (v < 0) {
        heat_api_reply_http_error(call, reply, 400,
                                  apr_psprintf(call->p, "Value '%s' is invalid for '%s' which only accepts "
                                                        "non-negative integer.", value, name));
        return 0;
    }
    *out = (json_int_t)v;
    return 1;
}

int heat_api_extract_tags(heat_call_t *call, heat_result_t *reply, const char *value, json_t **out)
{
    json_t *tags = heat_json_own(call->p, json_array());
    const char *c = value;

    for (;;) {
        apr_size_t len = strcspn(c, ",");
        const char *tag = apr_pstrmemdup(call->p, c, len);
        if (strlen(tag) > 80) { /* characters in Python; bytes are an upper bound for ASCII */
            heat_api_reply_http_error(call, reply, 400,
                                      apr_psprintf(call->p, "Invalid tag, \"%s\" is longer than 80 characters",
                                                   tag));
            return 0;
        }
        json_array_append_new(tags, json_string(tag));
        if (!c[len])
            break;
        c += len + 1;
    }
    *out = json_incref(tags);
    return 1;
}

/* ---- identities and URLs ------------------------------------------------------------------ */

json_t *heat_api_identity(heat_call_t *call)
{
    /* registered_identified_stack: the tenant is the context's, not the path's */
    return json_pack("{s:s?, s:s, s:s, s:s}", "tenant", call->ctx->project_id, "stack_name",
                     apr_table_get(call->vars, "stack_name"), "stack_id", apr_table_get(call->vars, "stack_id"),
                     "path", "");
}

const char *heat_api_stack_url(heat_call_t *call, const json_t *identity)
{
    const char *tenant = json_string_value(json_object_get(identity, "tenant"));
    const char *name = json_string_value(json_object_get(identity, "stack_name"));
    const char *id = json_string_value(json_object_get(identity, "stack_id"));
    const char *path = json_string_value(json_object_get(identity, "path"));

    if (!tenant || !name || !id)
        return NULL;
    return apr_pstrcat(call->p, call->url_base, "/", heat_query_quote(call->p, tenant, ""), "/stacks/",
                       heat_query_quote(call->p, name, ""), "/", heat_query_quote(call->p, id, ""),
                       heat_query_quote(call->p, path ? path : "", "/"), NULL);
}

/* ---- dispatch ------------------------------------------------------------------------------- */

static void reply_denial(heat_call_t *call, heat_result_t *reply, const heat_result_t *d)
{
    heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, d->status, d->type, d->message);
}

void heat_api_dispatch(heat_call_t *call, heat_result_t *reply)
{
    const heat_route_t *route = call->route;
    heat_handler_fn *handler = (heat_handler_fn *)route->handler;
    const char *tenant = apr_table_get(call->vars, "tenant_id");
    heat_result_t denial;

    json_t *body;

    /* wsgi.Resource decodes the body before the controller's decorators run */
    if (heat_api_body(call, reply, &body) == HEAT_BODY_ERROR)
        return;
    /* an enforced row without its rule is unfinished: refused like a missing handler */
    if (!handler || (route->mode == HEAT_ROUTE_POLICY_ENFORCED && !route->policy)) {
        heat_result_fail(call->p, reply, HEAT_RESULT_FAULT, NULL, 501, "HTTPNotImplemented",
                         apr_psprintf(call->p, "mod_heat does not implement %s.%s yet.", route->group,
                                      route->action));
        return;
    }
    switch (route->mode) {
    case HEAT_ROUTE_POLICY_ENFORCED: {
        /* registered_policy_enforce / registered_identified_stack */
        const char *colon = strchr(route->policy, ':');
        const char *scope = colon ? apr_pstrmemdup(call->p, route->policy, (apr_size_t)(colon - route->policy))
                                  : route->policy;
        if (!heat_policy_native_authorize(call->policy, call->p, call->ctx, scope, colon ? colon + 1 : "", tenant,
                                          &denial)) {
            reply_denial(call, reply, &denial);
            return;
        }
        break;
    }
    case HEAT_ROUTE_POLICY_TENANT:
        /* update_patch: the tenant only; the handler picks the rule once the body is parsed */
        if (!heat_policy_native_tenant_check(call->ctx, tenant, &denial)) {
            reply_denial(call, reply, &denial);
            return;
        }
        break;
    case HEAT_ROUTE_POLICY_BODY: /* actions: the handler checks actions:<key of the body> */
    case HEAT_ROUTE_POLICY_NONE:
    default:
        break;
    }
    handler(call, reply);
}

int heat_api_fetch_template(void *baton, apr_pool_t *p, const char *url, const char **data, apr_size_t *len,
                            const char **reason)
{
    heat_call_t *call = baton;

    return heat_urlfetch_template(call->http, p, url, (apr_size_t)call->settings->max_template_size, data, len,
                                  reason);
}

const char *heat_api_parent_path(apr_pool_t *p, const char *path)
{
    char *copy = apr_pstrdup(p, path), *c;
    int i;

    while (*copy == '/')
        copy++;
    for (i = 0; i < 2; i++) {
        c = strrchr(copy, '/');
        if (!c) {
            *copy = '\0';
            break;
        }
        *c = '\0';
    }
    return copy;
}

const char *heat_api_slash(apr_pool_t *p, const char *path)
{
    return *path ? apr_pstrcat(p, "/", path, NULL) : "";
}

json_t *heat_api_link(heat_call_t *call, const json_t *identity, const char *path, const char *rel)
{
    json_t *id = json_pack("{s:O?, s:O?, s:O?, s:s}", "tenant", json_object_get(identity, "tenant"),
                           "stack_name", json_object_get(identity, "stack_name"), "stack_id",
                           json_object_get(identity, "stack_id"), "path", path);
    const char *url = id ? heat_api_stack_url(call, id) : NULL;
    json_decref(id);
    return json_pack("{s:s?, s:s}", "href", url, "rel", rel);
}

int heat_api_resource_state(heat_call_t *call, json_t *out, const char *key, json_t *value,
                            const json_t *action)
{
    if (strcmp(key, "resource_status") == 0 && json_is_string(action) && json_is_string(value)) {
        json_object_set_new(out, key, json_string(apr_pstrcat(call->p, json_string_value(action), "_",
                                                              json_string_value(value), NULL)));
        return 1;
    }
    if (strcmp(key, "resource_name") == 0) {
        json_object_set(out, "logical_resource_id", value);
        json_object_set(out, key, value);
        return 1;
    }
    return 0;
}
