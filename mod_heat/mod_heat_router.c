/* mod_heat_router.c: the handler of both APIs. It runs the steps of heat's paste pipelines
 * in their order (healthcheck, cors' OPTIONS rule, request_id, http_proxy_to_wsgi, version
 * negotiation, router), builds one heat_response_t and writes it. Authentication, context
 * and the RPC-backed handlers come in later; their routes answer 501 until then. */
#include "mod_heat.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_script.h>

#include "heat_fault.h"
#include "heat_webob.h"

typedef enum { HEAT_API_NATIVE, HEAT_API_CFN } heat_api_t;

/* What one request has learnt on its way through the pipeline. */
typedef struct {
    request_rec *r;
    const heat_server_conf_t *sc;
    heat_api_t api;
    const char *request_id;
    const char *accept;      /* raw Accept header, NULL if absent */
    const char *scheme;      /* after proxy headers */
    const char *host;        /* Host header after proxy headers, NULL if absent */
    const char *script_name; /* mount point (+ X-Forwarded-Prefix) + "/v1" once negotiated */
    const char *path_info;   /* below script_name */
} heat_request_state_t;

typedef struct {
    int status;
    const char *status_line;  /* only when the reason phrase is not the standard one */
    const char *content_type; /* NULL: no Content-Type (204, the OPTIONS rule) */
    const char *body;         /* "" or NULL: none */
    const char *allow;
    int with_request_id;      /* healthcheck answers come before request_id in the pipeline */
} heat_response_t;

static void respond_webob(heat_request_state_t *st, heat_response_t *resp, int status)
{
    heat_webob_body_t b = heat_webob_body(st->r->pool, status, st->accept, NULL, NULL, NULL);
    resp->status = status;
    resp->content_type = b.content_type;
    resp->body = b.body;
}

static void respond_fault(heat_request_state_t *st, heat_response_t *resp, int status,
                          const char *type, const char *message)
{
    resp->status = status;
    resp->content_type = "application/json";
    resp->body = heat_fault_json(st->r->pool, status, type, message, NULL);
}

static void respond_cfn_error(heat_request_state_t *st, heat_response_t *resp, const char *code,
                              const char *detail)
{
    const heat_cfn_error_t *err = heat_cfn_error(code);
    resp->status = err->status;
    /* heat's AWS errors use the AWS code as the reason phrase: "400 InvalidAction" */
    resp->status_line = apr_psprintf(st->r->pool, "%d %s", err->status, err->code);
    resp->content_type = "application/xml; charset=UTF-8";
    resp->body = heat_fault_cfn_xml(st->r->pool, err, detail);
}

static const char *application_url(heat_request_state_t *st)
{
    request_rec *r = st->r;
    return apr_pstrcat(r->pool,
                       heat_front_host_url(r->pool, st->scheme, st->host, r->server->server_hostname,
                                           ap_get_server_port(r)),
                       heat_front_quote_path(r->pool, st->script_name), NULL);
}

/* The last value of a key in an application/x-www-form-urlencoded string, NULL if absent. */
static const char *urlencoded_last(apr_pool_t *p, const char *text, const char *key)
{
    char *copy, *pair, *state = NULL;
    const char *found = NULL;

    if (!text)
        return NULL;
    copy = apr_pstrdup(p, text);
    for (pair = apr_strtok(copy, "&", &state); pair; pair = apr_strtok(NULL, "&", &state)) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq = '\0';
        ap_unescape_urlencoded(pair);
        if (strcmp(pair, key) == 0) {
            char *value = eq ? eq + 1 : "";
            ap_unescape_urlencoded(value);
            found = value;
        }
    }
    return found;
}

/* The CFN Action: from the query string, else from a form body (webob req.params). */
static const char *cfn_action(heat_request_state_t *st)
{
    request_rec *r = st->r;
    const char *action = urlencoded_last(r->pool, r->args, "Action");
    apr_array_header_t *pairs = NULL;
    int i;

    if (action)
        return action;
    if (ap_parse_form_data(r, NULL, &pairs, -1, HEAT_MAX_FORM_BYTES) != OK || !pairs)
        return NULL;
    for (i = 0; i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        if (strcmp(pair->name, "Action") == 0) {
            apr_off_t len;
            apr_size_t size;
            char *buf;
            apr_brigade_length(pair->value, 1, &len);
            size = (apr_size_t)len;
            buf = apr_palloc(r->pool, size + 1);
            apr_brigade_flatten(pair->value, buf, &size);
            buf[size] = '\0';
            action = buf;
        }
    }
    return action;
}

static void route_native(heat_request_state_t *st, heat_response_t *resp)
{
    heat_route_match_t m;

    heat_routes_match(st->sc->native_routes, st->r->pool, st->r->method, st->path_info, &m);
    switch (m.result) {
    case HEAT_ROUTE_NOT_FOUND:
        respond_webob(st, resp, HTTP_NOT_FOUND);
        break;
    case HEAT_ROUTE_OPTIONS:
        resp->status = HTTP_NO_CONTENT;
        resp->allow = m.allowed;
        break;
    case HEAT_ROUTE_REJECT:
        /* heat-api drops the Allow header here; mod_heat keeps it (DECISIONS.md) */
        respond_fault(st, resp, HTTP_METHOD_NOT_ALLOWED, "HTTPMethodNotAllowed",
                      heat_webob_explanation(HTTP_METHOD_NOT_ALLOWED));
        resp->allow = m.allowed;
        break;
    case HEAT_ROUTE_MATCHED:
        respond_fault(st, resp, HTTP_NOT_IMPLEMENTED, "HTTPNotImplemented",
                      apr_psprintf(st->r->pool, "mod_heat does not implement %s.%s yet.",
                                   m.route->group, m.route->action));
        break;
    }
}

static void route_cfn(heat_request_state_t *st, heat_response_t *resp)
{
    heat_route_match_t m;

    heat_routes_cfn_match(st->sc->cfn_routes, st->r->pool, st->r->method, st->path_info,
                          cfn_action(st), &m);
    if (m.result != HEAT_ROUTE_MATCHED) {
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    }
    if (strcmp(m.route->action, "InvalidAction") == 0)
        respond_cfn_error(st, resp, "InvalidAction", NULL);
    else
        respond_cfn_error(st, resp, "APINotImplemented",
                          apr_psprintf(st->r->pool, "mod_heat does not implement %s yet.",
                                       m.route->action));
}

static void run_pipeline(heat_request_state_t *st, heat_response_t *resp)
{
    request_rec *r = st->r;
    const heat_settings_t *set = &st->sc->settings;
    const char *global_id, *mount = st->script_name;
    heat_negotiation_t neg;

    /* request_id: a new id always; a well-formed inbound one becomes the global id */
    st->request_id = heat_front_request_id(r->pool);
    resp->with_request_id = 1;
    apr_table_setn(r->notes, "heat-request-id", st->request_id);
    global_id = apr_table_get(r->headers_in, "X-OpenStack-Request-ID");
    if (global_id && heat_front_valid_request_id(global_id))
        apr_table_setn(r->notes, "heat-global-request-id", global_id);

    /* http_proxy_to_wsgi */
    st->scheme = ap_http_scheme(r);
    st->host = apr_table_get(r->headers_in, "Host");
    if (set->proxy_headers) {
        heat_proxy_view_t view = {st->scheme, st->host, r->useragent_ip, ""};
        heat_front_proxy_headers(r->pool, apr_table_get(r->headers_in, "Forwarded"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Proto"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Host"),
                                 apr_table_get(r->headers_in, "X-Forwarded-For"),
                                 apr_table_get(r->headers_in, "X-Forwarded-Prefix"), &view);
        st->scheme = view.scheme;
        st->host = view.host;
        st->script_name = apr_pstrcat(r->pool, view.script_prefix, mount, NULL);
    }

    heat_front_negotiate(r->pool, st->path_info, st->accept, &neg);
    switch (neg.result) {
    case HEAT_NEG_BAD_REQUEST:
        respond_webob(st, resp, HTTP_BAD_REQUEST);
        return;
    case HEAT_NEG_NOT_FOUND:
        respond_webob(st, resp, HTTP_NOT_FOUND);
        return;
    case HEAT_NEG_VERSIONS:
        resp->status = HTTP_MULTIPLE_CHOICES;
        resp->content_type = "application/json";
        resp->body = heat_front_versions_body(r->pool, application_url(st));
        return;
    case HEAT_NEG_ROUTE:
        break;
    }
    st->script_name = apr_pstrcat(r->pool, st->script_name, neg.script_name_suffix, NULL);
    st->path_info = neg.path_info;
    if (st->api == HEAT_API_NATIVE)
        route_native(st, resp);
    else
        route_cfn(st, resp);
}

/* cors: an OPTIONS request whose answer is not 2xx gets an empty 200 instead, without
 * Content-Type or request id (oslo_middleware.cors does this even when cors is off). */
static void apply_cors_options_rule(request_rec *r, heat_response_t *resp)
{
    if (r->method_number == M_OPTIONS && (resp->status < 200 || resp->status > 299)) {
        resp->status = HTTP_OK;
        resp->status_line = NULL;
        resp->content_type = NULL;
        resp->body = NULL;
        resp->allow = NULL;
        resp->with_request_id = 0;
    }
}

static int send_response(heat_request_state_t *st, heat_response_t *resp)
{
    request_rec *r = st->r;

    r->status = resp->status;
    if (resp->status_line)
        r->status_line = resp->status_line;
    if (resp->content_type)
        ap_set_content_type(r, resp->content_type);
    if (resp->allow)
        apr_table_setn(r->headers_out, "Allow", resp->allow);
    if (resp->with_request_id)
        apr_table_setn(r->headers_out, "x-openstack-request-id", st->request_id);
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, "HEAT0100: %s %s %s -> %d",
                  st->request_id ? st->request_id : "-", r->method, r->uri, resp->status);
    if (resp->body && *resp->body) {
        apr_size_t len = strlen(resp->body);
        ap_set_content_length(r, (apr_off_t)len);
        if (!r->header_only)
            ap_rwrite(resp->body, (int)len, r);
    }
    else if (resp->status != HTTP_NO_CONTENT && resp->status != HTTP_NOT_MODIFIED)
        ap_set_content_length(r, 0);
    return OK;
}

int heat_handler(request_rec *r)
{
    heat_request_state_t st;
    heat_response_t resp;
    const heat_dir_conf_t *dc;
    size_t mount_len;

    if (!r->handler)
        return DECLINED;
    memset(&st, 0, sizeof(st));
    memset(&resp, 0, sizeof(resp));
    if (strcmp(r->handler, HEAT_HANDLER_NATIVE) == 0)
        st.api = HEAT_API_NATIVE;
    else if (strcmp(r->handler, HEAT_HANDLER_CFN) == 0)
        st.api = HEAT_API_CFN;
    else
        return DECLINED;

    st.r = r;
    st.sc = ap_get_module_config(r->server->module_config, &heat_module);
    if (!st.sc->conf) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, "HEAT0101: %s is set but this server has no "
                      "heat.conf: " HEAT_DEFAULT_CONFIG_FILE " is absent; set HeatConfigFile",
                      r->handler);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    st.accept = apr_table_get(r->headers_in, "Accept");

    /* The <Location> path is SCRIPT_NAME; what follows it is PATH_INFO. */
    dc = ap_get_module_config(r->per_dir_config, &heat_module);
    mount_len = (dc && dc->mount) ? strlen(dc->mount) : 0;
    if (mount_len && strncmp(r->uri, dc->mount, mount_len) == 0 &&
        (r->uri[mount_len] == '/' || r->uri[mount_len] == '\0')) {
        st.script_name = dc->mount;
        st.path_info = r->uri + mount_len;
    }
    else {
        st.script_name = "";
        st.path_info = r->uri;
    }

    /* healthcheck comes first in both pipelines: no request id, no cors rule */
    if (strcmp(r->uri, st.sc->settings.healthcheck_path) == 0) {
        heat_simple_response_t hc;
        heat_front_healthcheck(r->pool, &st.sc->settings.healthcheck, r->method, st.accept,
                               ap_get_server_port(r), &hc);
        resp.status = hc.status;
        resp.content_type = hc.content_type;
        resp.body = hc.body;
        return send_response(&st, &resp);
    }

    run_pipeline(&st, &resp);
    apply_cors_options_rule(r, &resp);
    return send_response(&st, &resp);
}
