/* heat_cfn.c: heat-api-cfn's controllers (heat/api/cfn/v1/stacks.py and signal.py of 19.0.0,
 * heat/api/aws/exception.py): the policy check, the 13 stack actions, the wait-condition and
 * signal routes. The answers are built by heat_cfn_views.c and written by heat_cfn_format.c.
 *
 * heat-api-cfn has two ways to fail, and clients see the difference with ContentType=JSON:
 * errors it raises (policy, InvalidAction, DisableRollback with OnFailure) are always XML with
 * their status; errors its actions return become "200 + a JSON string" in JSON mode
 * (heat's JSON serializer stringifies the exception; kept for compatibility,
 * doc/differences.md).
 *
 * Where heat-api-cfn lets an exception escape to the WSGI server (a bare 500), mod_heat answers
 * the AWS error the client's mistake deserves (doc/differences.md "Do better"); each place says so. */
#include "heat_cfn.h"
#include "heat_authorize.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_cfn_arn.h"
#include "heat_cfn_format.h"
#include "heat_cfn_params.h"
#include "heat_cfn_remote.h"
#include "heat_cfn_views.h"
#include "heat_identifier.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_log.h"
#include "heat_template.h"
#include "heat_urlfetch.h"

#define JSON_TYPE "application/json"

/* One request on its way through an action (heat_cfn.h). */
typedef heat_cfn_t cfn_t;

/* req.params.get(name). heat_cfn_dispatch has refused bytes that are not UTF-8 (webob decodes
 * strictly); heat_py_utf8_replace only guards jansson, which takes nothing else. */
static const char *param(cfn_t *c, const char *name)
{
    const char *v = heat_cfn_param(c->call->params, c->call->n_query_params, name);
    return v ? heat_py_utf8_replace(c->p, v) : NULL;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* An error heat-api-cfn raises: the XML document with the status, whatever ContentType says. */
static void raise_error(cfn_t *c, const char *code, const char *detail)
{
    heat_result_fail(c->p, c->reply, HEAT_RESULT_AWS_XML, NULL, 0, code, detail);
}

/* An error an action returns: XML as raised, but with ContentType=JSON heat's JSON serializer
 * writes str(exception) (the detail, else the explanation) as a JSON string with 200. */
static void return_error(cfn_t *c, const char *code, const char *detail)
{
    heat_result_fail(c->p, c->reply, c->json ? HEAT_RESULT_AWS_JSON : HEAT_RESULT_AWS_XML, NULL, 0, code, detail);
}

/* A document in the requested format; XML that lxml could not write becomes InternalFailure
 * (heat-api-cfn: a bare 500). */
static void reply_document(cfn_t *c, json_t *doc)
{
    memset(c->reply, 0, sizeof(*c->reply));
    if (c->json) {
        c->reply->status = 200;
        c->reply->content_type = JSON_TYPE;
        c->reply->body = heat_json_dump(c->p, doc, 0);
    }
    else {
        const char *error = NULL;
        char *xml = heat_cfn_xml(c->p, doc, &error);
        if (!xml) {
            heat_log(HEAT_LOG_INFO, "%s: the answer cannot be written as XML: %s",
                     c->call->ctx && c->call->ctx->request_id ? c->call->ctx->request_id : "-", error);
            raise_error(c, "InternalFailure", apr_pstrcat(c->p, "The answer cannot be written as XML (", error,
                                                          ").", NULL));
            return;
        }
        c->reply->status = 200;
        c->reply->content_type = HEAT_CFN_XML_TYPE;
        c->reply->body = xml;
    }
}

/* api_utils.format_response(action, result): {"<A>Response": {"<A>Result": result}}. Steals
 * result, as heat_api_reply_json steals its body (common/heat_json.h's ownership rule). */
static void reply_result(cfn_t *c, const char *action, json_t *result)
{
    json_t *doc = heat_json_own(c->p, json_object()), *inner = json_object();
    json_object_set_new(inner, apr_pstrcat(c->p, action, "Result", NULL), result);
    json_object_set_new(doc, apr_pstrcat(c->p, action, "Response", NULL), inner);
    reply_document(c, doc);
}

/* A view that failed where heat's Python would have raised: InternalFailure. result is
 * borrowed (the views' results are pool-owned). */
static void reply_view(cfn_t *c, const char *action, json_t *result, const char *const *error)
{
    /* error is read here, after the view ran (argument evaluation order is unspecified) */
    if (!result) {
        raise_error(c, "InternalFailure", *error);
        return;
    }
    reply_result(c, action, json_incref(result));
}

/* ---- engine calls ---------------------------------------------------------------------- */

/* heat_api_engine, the engine call of both APIs. NULL with the error answered (returned) on
 * failure: an exception the engine raised as map_remote_error maps it, the engine-error
 * table's errors by their Heat type (heat_cfn_engine_code). args is stolen. */
static json_t *rpc(cfn_t *c, const char *method, json_t *args, const char *version)
{
    const heat_rpc_failure_t *remote;
    heat_result_t err;
    const char *code, *detail;
    json_t *result = heat_api_engine(c->call, c->call->ctx, method, args, version, &err, &remote);

    if (result)
        return result;
    if (remote)
        heat_cfn_from_remote(c->p, c->call->settings->release, remote, c->call->settings->debug, &code, &detail);
    else {
        code = heat_cfn_engine_code(err.type);
        detail = err.message;
    }
    return_error(c, code, detail);
    return NULL;
}

/* _get_identity: an ARN is used as it is (no tenant check, as in heat), anything else is
 * looked up with identify_stack. */
static json_t *stack_identity(cfn_t *c, const char *name)
{
    const char *error;
    json_t *identity = heat_identifier_from_arn(c->p, name, &error);
    if (identity)
        return identity;
    return rpc(c, "identify_stack", json_pack("{s:s}", "stack_name", name), "1.0");
}

/* A StackName heat-api-cfn reads with req.params['StackName']: when it is missing heat fails
 * with a KeyError (InternalFailure, or a bare 500 in CancelUpdateStack); mod_heat answers
 * MissingParameter with the parameter's name, as heat's get_param_value does. */
static const char *required_stack_name(cfn_t *c)
{
    const char *name = param(c, "StackName");
    if (!name)
        return_error(c, "MissingParameter", "StackName");
    return name;
}

/* ---- templates ---------------------------------------------------------------------------- */

/* _get_template + template_format.parse: TemplateBody first, then TemplateUrl (mod_heat also
 * takes AWS's spelling TemplateURL). NULL with the error answered. */
static json_t *request_template(cfn_t *c)
{
    const char *body = param(c, "TemplateBody"), *url = NULL;
    apr_int64_t limit = c->call->settings->max_template_size;
    apr_size_t max = limit > 0 ? (apr_size_t)limit : HEAT_MAX_TEMPLATE_SIZE_DEFAULT;
    heat_pyexc_t exc = {NULL, NULL};
    json_t *tpl;

    if (!body) {
        url = param(c, "TemplateUrl");
        if (!url)
            url = param(c, "TemplateURL");
    }
    if (!body && !url) {
        return_error(c, "MissingParameter", "TemplateBody or TemplateUrl were not given.");
        return NULL;
    }
    if (body)
        tpl = heat_template_parse(c->p, body, strlen(body), max, &exc);
    else {
        const char *data = NULL, *reason = NULL;
        apr_size_t len = 0;

        if (!heat_urlfetch_template(c->call->http, c->p, url, max, &data, &len, &reason)) {
            /* _get_template raises this one (XML even with ContentType=JSON) */
            raise_error(c, "InvalidParameterValue", apr_psprintf(c->p, HEAT_URLFETCH_CFN_FMT, reason));
            return NULL;
        }
        tpl = heat_template_parse_bytes(c->p, data, len, max, &exc);
    }
    if (tpl)
        return tpl;
    if (exc.type && strcmp(exc.type, "RequestLimitExceeded") == 0)
        /* heat-api-cfn: escapes as a bare 500 */
        return_error(c, "RequestLimitExceeded", exc.message);
    else
        /* ValueError in heat; the other parse exceptions (a bare 500 there) alike */
        return_error(c, "InvalidParameterValue", "The Template must be a JSON or YAML document.");
    return NULL;
}

/* ---- the actions --------------------------------------------------------------------------- */

void heat_cfn_list_stacks(cfn_t *c)
{
    const char *error = NULL;
    json_t *stacks = rpc(c, "list_stacks",
                         json_pack("{s:n, s:n, s:n, s:n, s:n, s:b, s:b, s:b, s:n, s:n, s:n, s:n}", "limit",
                                   "sort_keys", "marker", "sort_dir", "filters", "show_deleted", 0, "show_nested",
                                   0, "show_hidden", 0, "tags", "tags_any", "not_tags", "not_tags_any"),
                         "1.33");
    if (stacks)
        reply_view(c, "ListStacks", heat_cfn_view_list_stacks(c->p, stacks, !c->json, &error), &error);
}

void heat_cfn_describe_stacks(cfn_t *c)
{
    const char *name = param(c, "StackName"), *error = NULL;
    json_t *identity = name ? stack_identity(c, name) : json_null(), *stacks;

    if (!identity)
        return;
    stacks = rpc(c, "show_stack", json_pack("{s:O, s:b}", "stack_identity", identity, "resolve_outputs", 1), "1.20");
    if (stacks)
        reply_view(c, "DescribeStacks", heat_cfn_view_describe_stacks(c->p, stacks, !c->json, &error), &error);
}

/* create_or_update */
static void create_or_update(cfn_t *c, int update)
{
    const char *action = update ? "UpdateStack" : "CreateStack", *v, *name;
    json_t *params, *args, *tpl, *result, *identity = NULL;
    heat_inst_t inst;

    params = heat_cfn_param_pairs(c->p, c->call->params, "Parameters", "ParameterKey", "ParameterValue");
    /* extract_args */
    if (param(c, "DisableRollback") && param(c, "OnFailure")) {
        raise_error(c, "InvalidParameterCombination", "DisableRollback and OnFailure may not be used together");
        return;
    }
    args = heat_json_own(c->p, json_object());
    if ((v = param(c, "TimeoutInMinutes")))
        json_object_set_new(args, "timeout_mins", json_string(v));
    if ((v = param(c, "DisableRollback")))
        json_object_set_new(args, "disable_rollback", json_string(v));
    if ((v = param(c, "OnFailure"))) {
        if (strcmp(v, "DO_NOTHING") == 0)
            json_object_set_new(args, "disable_rollback", json_string("true"));
        else if (strcmp(v, "ROLLBACK") == 0 || strcmp(v, "DELETE") == 0)
            json_object_set_new(args, "disable_rollback", json_string("false"));
    }

    if (!(tpl = request_template(c)))
        return;
    if (!(name = required_stack_name(c)))
        return;

    memset(&inst, 0, sizeof(inst));
    inst.template = tpl;
    inst.params = params;
    inst.files = heat_json_own(c->p, json_object());
    inst.args = args;
    if (update) {
        if (!(identity = stack_identity(c, name)))
            return;
        result = rpc(c, "update_stack", json_incref(heat_inst_update_stack_args(c->p, &inst, identity, 0)), "1.36");
    }
    else {
        inst.stack_name = heat_json_own(c->p, json_string(name));
        result = rpc(c, "create_stack", json_incref(heat_inst_create_stack_args(c->p, &inst)), "1.36");
    }
    if (result)
        reply_result(c, action, json_incref(heat_cfn_view_stack_id(c->p, result)));
}

void heat_cfn_create_stack(cfn_t *c)
{
    create_or_update(c, 0);
}

void heat_cfn_update_stack(cfn_t *c)
{
    create_or_update(c, 1);
}

void heat_cfn_delete_stack(cfn_t *c)
{
    const char *name = required_stack_name(c);
    json_t *identity, *res, *error;

    if (!name || !(identity = stack_identity(c, name)))
        return;
    res = rpc(c, "delete_stack", json_pack("{s:O}", "stack_identity", identity), "1.0");
    if (!res)
        return;
    if (json_is_null(res)) {
        reply_result(c, "DeleteStack", json_string(""));
        return;
    }
    /* format_response('DeleteStack', res['Error']) */
    error = json_object_get(res, "Error");
    if (!error) {
        raise_error(c, "InternalFailure", "delete_stack returned an unexpected result");
        return;
    }
    reply_result(c, "DeleteStack", json_incref(error));
}

void heat_cfn_cancel_update_stack(cfn_t *c)
{
    /* heat looks the stack up outside its error mapping (a bare 500 for a missing or unknown
     * StackName); mod_heat answers the mapped error */
    const char *name = required_stack_name(c);
    json_t *identity;

    if (!name || !(identity = stack_identity(c, name)))
        return;
    if (rpc(c, "stack_cancel_update",
            json_pack("{s:O, s:b}", "stack_identity", identity, "cancel_with_rollback", 1), "1.14"))
        reply_result(c, "CancelUpdateStack", json_object());
}

void heat_cfn_describe_stack_events(cfn_t *c)
{
    const char *name = param(c, "StackName"), *error = NULL;
    json_t *identity, *events;

    /* identity = stack_name and self._get_identity(...): "" stays "" and None stays None */
    if (!name)
        identity = json_null();
    else if (!*name)
        identity = heat_json_own(c->p, json_string(""));
    else if (!(identity = stack_identity(c, name)))
        return;
    events = rpc(c, "list_events",
                 json_pack("{s:O, s:n, s:n, s:n, s:n, s:n, s:n}", "stack_identity", identity, "filters", "limit",
                           "marker", "sort_keys", "sort_dir", "nested_depth"),
                 "1.31");
    if (events)
        reply_view(c, "DescribeStackEvents", heat_cfn_view_events(c->p, events, &error), &error);
}

void heat_cfn_validate_template(cfn_t *c)
{
    json_t *tpl = request_template(c), *res;
    const char *error = NULL;
    heat_inst_t inst;

    if (!tpl)
        return;
    memset(&inst, 0, sizeof(inst));
    inst.template = tpl;
    res = rpc(c, "validate_template", json_incref(heat_inst_validate_template_args(c->p, &inst, 0, NULL)), "1.36");
    if (res)
        reply_view(c, "ValidateTemplate", heat_cfn_view_validate(c->p, res, &error), &error);
}

void heat_cfn_get_template(cfn_t *c)
{
    const char *name = required_stack_name(c);
    json_t *identity, *tpl, *result;

    if (!name || !(identity = stack_identity(c, name)))
        return;
    if (!(tpl = rpc(c, "get_template", json_pack("{s:O}", "stack_identity", identity), "1.0")))
        return;
    result = json_object();
    json_object_set(result, "TemplateBody", tpl);
    reply_result(c, "GetTemplate", result);
}

void heat_cfn_estimate_template_cost(cfn_t *c)
{
    reply_result(c, "EstimateTemplateCost",
                 json_pack("{s:s}", "Url", "http://en.wikipedia.org/wiki/Gratis"));
}

void heat_cfn_describe_stack_resource(cfn_t *c)
{
    const char *name = required_stack_name(c), *logical, *error = NULL;
    json_t *identity, *res;

    if (!name || !(identity = stack_identity(c, name)))
        return;
    logical = param(c, "LogicalResourceId");
    res = rpc(c, "describe_stack_resource",
              json_pack("{s:O, s:s?, s:b}", "stack_identity", identity, "resource_name", logical, "with_attr", 0),
              "1.2");
    if (res)
        reply_view(c, "DescribeStackResource", heat_cfn_view_resource_detail(c->p, res, &error), &error);
}

void heat_cfn_describe_stack_resources(cfn_t *c)
{
    const char *name = param(c, "StackName"), *physical = param(c, "PhysicalResourceId"), *error = NULL;
    json_t *identity, *res;

    if (name && *name && physical && *physical) {
        return_error(c, "InvalidParameterCombination", "Use `StackName` or `PhysicalResourceId` but not both");
        return;
    }
    if (name)
        identity = stack_identity(c, name);
    else
        identity = rpc(c, "find_physical_resource", json_pack("{s:s?}", "physical_resource_id", physical), "1.0");
    if (!identity)
        return;
    res = rpc(c, "describe_stack_resources",
              json_pack("{s:O, s:s?}", "stack_identity", identity, "resource_name", param(c, "LogicalResourceId")),
              "1.0");
    if (res)
        reply_view(c, "DescribeStackResources", heat_cfn_view_resources(c->p, res, &error), &error);
}

void heat_cfn_list_stack_resources(cfn_t *c)
{
    const char *name = required_stack_name(c), *error = NULL;
    json_t *identity, *res;

    if (!name || !(identity = stack_identity(c, name)))
        return;
    res = rpc(c, "list_stack_resources",
              json_pack("{s:O, s:i, s:b, s:n}", "stack_identity", identity, "nested_depth", 0, "with_detail", 0,
                        "filters"),
              "1.25");
    if (res)
        reply_view(c, "ListStackResources", heat_cfn_view_resource_summaries(c->p, res, &error), &error);
}

/* ---- wait conditions and signals (signal.py) ------------------------------------------------- */

/* resource_signal for the resource an ARN names; sync: the wait condition's call. */
static void signal_resource(cfn_t *c, int sync)
{
    const char *arn = c->call->vars ? apr_table_get(c->call->vars, "arn") : NULL, *resource_name, *error = "";
    json_t *stack, *body = NULL, *md, *doc;
    heat_body_request_t req;
    heat_error_t berr;
    heat_body_status_t bs;
    apr_int64_t limit;

    /* ResourceIdentifier.from_arn: heat lets its ValueError escape (a bare 500) */
    stack = arn ? heat_cfn_resource_arn_parse(c->p, heat_py_utf8_replace(c->p, arn), &resource_name, &error) : NULL;
    if (!stack) {
        return_error(c, "InvalidParameterValue", error);
        return;
    }
    /* JSONRequestDeserializer */
    memset(&req, 0, sizeof(req));
    req.method = c->call->method;
    req.content_type = c->call->content_type;
    req.content_length = c->call->content_length;
    req.body = c->call->body;
    req.len = c->call->body_len;
    limit = c->call->settings->max_json_body_size;
    bs = heat_body_decode(c->p, &req, limit > 0 ? (apr_size_t)limit : 1048576,
                          &body, &berr);
    if (bs == HEAT_BODY_ERROR) {
        return_error(c, strcmp(berr.type, "RequestLimitExceeded") == 0 ? "RequestLimitExceeded"
                                                                        : "InvalidParameterValue",
                     berr.message);
        return;
    }
    if (bs == HEAT_BODY_NONE && sync) {
        /* update_waitcondition requires a body: heat fails with a TypeError (a bare 500) */
        return_error(c, "MissingParameter", "The wait condition signal needs a JSON body.");
        return;
    }
    md = rpc(c, "resource_signal",
             json_pack("{s:O, s:s, s:O, s:b}", "stack_identity", stack, "resource_name", resource_name, "details",
                       body ? body : json_null(), "sync_call", sync),
             "1.3");
    if (!md)
        return;
    if (!sync) {
        /* signal() returns None: XML writes nothing (webob's default type), JSON "null" */
        memset(c->reply, 0, sizeof(*c->reply));
        c->reply->status = 200;
        c->reply->content_type = c->json ? JSON_TYPE : "text/html; charset=UTF-8";
        c->reply->body = c->json ? "null" : "";
        return;
    }
    /* {'resource': name, 'metadata': md}: the XML keeps only the first key */
    doc = heat_json_own(c->p, json_pack("{s:s, s:O}", "resource", resource_name, "metadata", md));
    reply_document(c, doc);
}

void heat_cfn_update_waitcondition(cfn_t *c)
{
    signal_resource(c, 1);
}

void heat_cfn_signal(cfn_t *c)
{
    signal_resource(c, 0);
}

void heat_cfn_invalid_action(cfn_t *c)
{
    raise_error(c, "InvalidAction", NULL);
}

/* ---- dispatch ------------------------------------------------------------------------------ */

void heat_cfn_dispatch(heat_call_t *call, heat_result_t *reply)
{
    const heat_route_t *route = call->route;
    heat_cfn_handler_fn *handler = (heat_cfn_handler_fn *)route->handler;
    cfn_t c;
    const char *ct;
    size_t i;

    memset(&c, 0, sizeof(c));
    c.call = call;
    c.reply = reply;
    c.p = call->p;
    /* webob decodes the parameters strictly (UnicodeDecodeError, a bare 500 in heat) */
    for (i = 0; call->params && i < (size_t)call->params->nelts; i++) {
        const heat_param_t *pair = &APR_ARRAY_IDX(call->params, i, heat_param_t);
        if (heat_py_utf8_replace(c.p, pair->name) != pair->name || heat_py_utf8_replace(c.p, pair->value) != pair->value) {
            raise_error(&c, "InvalidParameterValue", "The request's parameters are not UTF-8 text.");
            return;
        }
    }
    ct = param(&c, "ContentType");
    c.json = ct && strcmp(ct, "JSON") == 0;

    if (!handler) {
        /* a row mod_heat does not implement */
        raise_error(&c, "APINotImplemented", NULL);
        return;
    }
    if (route->mode == HEAT_ROUTE_POLICY_ENFORCED) {
        /* _enforce: authorize("cloudformation:<Action>", {}) before anything else */
        heat_result_t denial;
        if (!call->policy || !call->ctx) {
            raise_error(&c, "InternalFailure", apr_pstrcat(c.p, "Error authorizing action ", route->action, NULL));
            return;
        }
        if (!heat_policy_cfn_authorize(call->policy, c.p, call->ctx, route->action, &denial)) {
            raise_error(&c, denial.type, denial.message);
            return;
        }
    }
    handler(&c);
}
