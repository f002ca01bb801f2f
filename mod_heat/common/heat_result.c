/* heat_result.c: the one writer of error results (see heat_result.h). */
#include "heat_result.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_fault.h"
#include "heat_json.h"
#include "heat_webob.h"

void heat_result_error(heat_result_t *res, int status, const char *type, const char *message)
{
    memset(res, 0, sizeof(*res));
    res->status = status;
    res->type = type;
    res->message = message;
}

int heat_result_render(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept)
{
    const heat_cfn_error_t *err;
    heat_webob_body_t b;

    res->location = NULL;
    switch (fmt) {
    case HEAT_RESULT_WEBOB:
        b = heat_webob_body(p, res->status, accept, NULL, res->message, NULL);
        res->content_type = b.content_type;
        res->body = b.body;
        break;
    case HEAT_RESULT_AWS_XML:
    case HEAT_RESULT_AWS_JSON:
        err = res->type ? heat_cfn_error(res->type) : NULL;
        if (!err)
            err = heat_cfn_error("InternalFailure");
        if (fmt == HEAT_RESULT_AWS_JSON) {
            /* heat's JSON serializer writes str(exception): the detail, else the explanation */
            res->status = 200;
            res->status_line = NULL;
            res->content_type = "application/json";
            res->body = heat_json_dump(p, heat_json_own(p, json_string(res->message ? res->message
                                                                                    : err->explanation)), 0);
            break;
        }
        res->status = err->status;
        res->status_line = heat_fault_cfn_status_line(p, err);
        res->content_type = HEAT_CFN_XML_TYPE;
        res->body = heat_fault_cfn_xml(p, err, res->message);
        break;
    case HEAT_RESULT_FAULT:
    default:
        res->content_type = "application/json";
        res->body = heat_fault_json(p, res->status, res->type, res->message, res->traceback);
        break;
    }
    return res->status;
}

int heat_result_fail(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept,
                     int status, const char *type, const char *message)
{
    heat_result_error(res, status, type, message);
    return heat_result_render(p, res, fmt, accept);
}

/* ---- engine exceptions ------------------------------------------------------------------ */

/* The constructors of heat.common.exception that are not HeatException's (**kwargs only):
 * their parameters in order, how many are required, and whether they take *args / **kwargs. */
static const struct {
    const char *cls;
    const char *params[4];
    int nrequired;
    int varargs;
    int varkw;
} constructors[] = {
    {"AuthorizationFailure", {"failure_reason"}, 0, 0, 0},
    {"EntityNotFound", {"entity", "name"}, 0, 0, 1},
    {"Error", {"msg"}, 1, 0, 0},
    {"Forbidden", {"action"}, 0, 0, 0},
    {"HTTPExceptionDisguise", {"exception"}, 1, 0, 0},
    {"HeatExceptionWithPath", {"error", "path", "message"}, 0, 0, 0},
    {"ImmutableParameterModified", {NULL}, 0, 1, 1},
    {"NotAuthorized", {"action"}, 0, 0, 0},
    {"NotFound", {"msg_fmt"}, 0, 0, 0},
    {"PropertyUnspecifiedError", {NULL}, 0, 1, 1},
    {"ResourceFailure", {"exception_or_error", "resource", "action"}, 2, 0, 0},
    {"ResourceInError", {"status_reason"}, 0, 0, 1},
    {"ResourceNotFound", {"entity", "name"}, 0, 0, 1},
    {"ResourcePropertyConflict", {NULL}, 0, 1, 1},
    {"ResourceUnknownStatus", {"result", "status_reason"}, 0, 0, 1},
    {"SnapshotNotFound", {"entity", "name"}, 0, 0, 1},
    {"StackValidationFailed", {"error", "path", "message", "resource"}, 0, 0, 0},
    {"UpdateInProgress", {"resource_name"}, 0, 0, 0},
    {"UpdateReplace", {"resource_name"}, 0, 0, 0},
};

/* Whether cls(*args, **kwargs) binds, as Python would bind it. */
static int rebuild_fits(const char *cls, const json_t *args, const json_t *kwargs)
{
    size_t nargs = args ? json_array_size(args) : 0, i, nparams = 0, k;
    const char *key;
    json_t *value;

    for (i = 0; i < sizeof(constructors) / sizeof(constructors[0]); i++)
        if (strcmp(constructors[i].cls, cls) == 0)
            break;
    if (i == sizeof(constructors) / sizeof(constructors[0]))
        return nargs == 0; /* HeatException.__init__(self, **kwargs) */
    while (nparams < 4 && constructors[i].params[nparams])
        nparams++;
    if (nargs > nparams && !constructors[i].varargs)
        return 0;
    if (kwargs) {
        json_object_foreach((json_t *)kwargs, key, value) {
            for (k = 0; k < nparams; k++)
                if (strcmp(constructors[i].params[k], key) == 0)
                    break;
            if (k < nparams && k < nargs)
                return 0; /* got multiple values for the argument */
            if (k == nparams && !constructors[i].varkw)
                return 0; /* unexpected keyword argument */
        }
    }
    for (k = nargs; k < (size_t)constructors[i].nrequired; k++)
        if (!kwargs || !json_object_get(kwargs, constructors[i].params[k]))
            return 0; /* missing required argument */
    return 1;
}

static const char *kwarg_str(const json_t *kwargs, const char *key)
{
    const json_t *v = kwargs ? json_object_get(kwargs, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : "";
}

void heat_result_from_remote(apr_pool_t *p, const char *cls, const char *module, const char *message,
                            const json_t *args, const json_t *kwargs, const char *traceback,
                            int debug, heat_result_t *out)
{
    heat_result_error(out, 500, NULL, NULL);
    out->traceback = (debug && traceback && *traceback) ? traceback : NULL;
    out->message = NULL;
    if (module && strcmp(module, "heat.common.exception") == 0) {
        /* oslo rebuilds cls(*args, **kwargs); when the arguments do not fit the class'
         * constructor that is a TypeError, which oslo turns into RemoteError */
        if (!rebuild_fits(cls, args, kwargs)) {
            out->status = 500;
            out->type = "RemoteError";
            return;
        }
        out->status = heat_fault_status_of(cls);
        out->type = cls;
        if (strcmp(cls, "StackValidationFailed") == 0 || strcmp(cls, "HeatExceptionWithPath") == 0) {
            /* the kwargs already hold "error: " and "path: "; rebuilding adds ": " again */
            const char *e = kwarg_str(kwargs, "error"), *path = kwarg_str(kwargs, "path");
            out->message = apr_pstrcat(p, e, *e ? ": " : "", path, *path ? ": " : "",
                                       kwarg_str(kwargs, "message"), NULL);
        }
        else
            out->message = message ? message : "";
        return;
    }
    if (module && strcmp(module, "builtins") == 0) {
        if (strcmp(cls, "TypeError") == 0) {
            /* heat's wsgi.Resource turns any TypeError into its generic 400 */
            out->status = 400;
            out->type = "HTTPBadRequest";
            out->message = heat_webob_explanation(400);
            return;
        }
        out->status = heat_fault_status_of(cls);
        out->type = cls;
        return;
    }
    out->status = 500;
    out->type = "RemoteError";
}

void heat_result_from_remote_in(apr_pool_t *p, heat_release_t release, const char *cls, const char *module,
                                const char *message, const json_t *args, const json_t *kwargs,
                                const char *traceback, int debug, heat_result_t *out)
{
    heat_result_from_remote(p, cls, module, message, args, kwargs, traceback, debug, out);
    if (!module || strcmp(module, "heat.common.exception") || !out->type || strcmp(out->type, cls))
        return;
    if (!heat_fault_class_known(cls, release)) {
        out->status = 500;
        out->type = "RemoteError";
        out->message = NULL;
        return;
    }
    out->status = heat_fault_status_in(cls, release);
}
