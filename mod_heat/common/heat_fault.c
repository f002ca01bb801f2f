/* heat_fault.c: Heat's JSON fault body and AWS XML error document (see heat_fault.h). */
#include "heat_fault.h"

#include "heat_cfn_format.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#include "heat_json.h"
#include "heat_webob.h"

char *heat_fault_json(apr_pool_t *p, int status, const char *type, const char *message,
                      const char *traceback)
{
    json_t *fault = heat_json_own(p, json_object());
    json_t *error = json_object();
    const char *title = heat_webob_title(status);
    const char *explanation = heat_webob_explanation(status);

    json_object_set_new(fault, "code", json_integer(status));
    json_object_set_new(fault, "title", json_string(title ? title : "Unknown"));
    json_object_set_new(fault, "explanation", json_string(explanation ? explanation : ""));
    json_object_set_new(error, "type", json_string(type));
    json_object_set_new(error, "traceback", traceback ? json_string(traceback) : json_null());
    if (message)
        json_object_set_new(error, "message", json_string(message));
    json_object_set_new(fault, "error", error);
    return heat_json_dump(p, fault, 0);
}

/* FaultWrapper.error_map resolved through heat.common.exception's class tree: every class
 * that does not resolve to 500 (test/golden/fault/status.json is the full list). */
static const struct {
    const char *cls;
    int status;
} native_status[] = {
    {"ActionInProgress", 409}, {"DownloadLimitExceeded", 400}, {"EntityNotFound", 404},
    {"Forbidden", 403}, {"ImmutableParameterModified", 400}, {"IncompatibleObjectVersion", 400},
    {"Invalid", 400}, {"InvalidBreakPointHook", 400}, {"InvalidSchemaError", 400},
    {"InvalidTemplateReference", 400}, {"InvalidTemplateSection", 400},
    {"InvalidTemplateVersion", 400}, {"InvalidTenant", 403}, {"MissingCredentialError", 400},
    {"NotAuthorized", 403}, {"NotFound", 404}, {"NotSupported", 400}, {"ObjectActionError", 400},
    {"ObjectFieldInvalid", 400}, {"OrphanedObjectError", 400},
    {"PhysicalResourceIDAmbiguity", 400}, {"PhysicalResourceNameAmbiguity", 400},
    {"PropertyUnspecifiedError", 400}, {"ReadOnlyFieldError", 400}, {"RequestLimitExceeded", 400},
    {"ResourceActionNotSupported", 400}, {"ResourceNotAvailable", 404}, {"ResourceNotFound", 404},
    {"ResourcePropertyConflict", 400}, {"ResourceTypeUnavailable", 400}, {"SnapshotNotFound", 404},
    {"StackExists", 409}, {"StackValidationFailed", 400}, {"UnknownUserParameter", 400},
    {"UnsupportedObjectError", 400}, {"UserParameterMissing", 400},
    /* builtins */
    {"ValueError", 400}, {"AttributeError", 400},
};

int heat_fault_status_of(const char *cls)
{
    size_t i;
    for (i = 0; i < sizeof(native_status) / sizeof(native_status[0]); i++)
        if (strcmp(native_status[i].cls, cls) == 0)
            return native_status[i].status;
    return 500;
}

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

void heat_fault_from_remote(apr_pool_t *p, const char *cls, const char *module, const char *message,
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

/* heat/api/aws/exception.py, in its order. */
static const heat_cfn_error_t cfn_errors[] = {
    {"IncompleteSignature", 400, "Sender", "The request signature does not conform to AWS standards"},
    {"InternalFailure", 500, "Server", "The request processing has failed due to an internal error"},
    {"InvalidAction", 400, "Sender", "The action or operation requested is invalid"},
    {"InvalidClientTokenId", 403, "Sender", "The certificate or AWS Key ID provided does not exist"},
    {"InvalidParameterCombination", 400, "Sender", "Incompatible parameters were used together"},
    {"InvalidParameterValue", 400, "Sender", "A bad or out-of-range value was supplied"},
    {"InvalidQueryParameter", 400, "Sender", "AWS query string is malformed, does not adhere to AWS spec"},
    {"MalformedQueryString", 404, "Sender", "The query string is malformed"},
    {"MissingAction", 400, "Sender", "The request is missing an action or operation parameter"},
    {"MissingAuthenticationToken", 403, "Sender", "Does not contain a valid AWS Access Key or certificate"},
    {"MissingParameter", 400, "Sender", "A mandatory input parameter is missing"},
    {"OptInRequired", 403, "Sender", "The AWS Access Key ID needs a subscription for the service"},
    {"RequestExpired", 400, "Sender", "Request expired or more than 15mins in the future"},
    {"ServiceUnavailable", 503, "Server", "Service temporarily unavailable"},
    {"Throttling", 400, "Sender", "Request was denied due to request throttling"},
    {"AlreadyExists", 400, "Sender", "Resource with the name requested already exists"},
    {"AccessDenied", 403, "Sender", "User is not authorized to perform action"},
    {"SignatureDoesNotMatch", 403, "Sender", "The request signature we calculated does not match "
                                              "the signature you provided"},
    /* mod_heat answers 501 (not heat's 500) while an action's handler is not written yet. */
    {"APINotImplemented", 501, "Server", "The requested action is not yet implemented"},
    {"ActionInProgress", 400, "Sender", "Cannot perform action on stack while other actions are in progress"},
    {"RequestLimitExceeded", 400, "Sender", "Payload exceeds maximum allowed size"},
};

const heat_cfn_error_t *heat_cfn_error(const char *code)
{
    size_t i;
    for (i = 0; i < sizeof(cfn_errors) / sizeof(cfn_errors[0]); i++)
        if (strcmp(cfn_errors[i].code, code) == 0)
            return &cfn_errors[i];
    return NULL;
}

static const char *cfn_code(const heat_cfn_error_t *err)
{
    /* ActionInProgress is heat's HeatActionInProgressError, whose AWS Code is InvalidAction. */
    return strcmp(err->code, "ActionInProgress") == 0 ? "InvalidAction" : err->code;
}

const char *heat_fault_cfn_status_line(apr_pool_t *p, const heat_cfn_error_t *err)
{
    return apr_psprintf(p, "%d %s", err->status, cfn_code(err));
}

char *heat_fault_cfn_xml(apr_pool_t *p, const heat_cfn_error_t *err, const char *detail)
{
    const char *code = cfn_code(err);
    const char *message = detail ? apr_pstrcat(p, err->explanation, ":", detail, NULL) : err->explanation;
    const char *why, *text = heat_cfn_xml_text(p, message, &why);

    /* a detail XML cannot carry (where lxml would raise): the explanation alone */
    if (!text)
        text = heat_cfn_xml_text(p, err->explanation, &why);
    return apr_pstrcat(p, "<ErrorResponse><Error><Type>", err->type, "</Type><Code>", code,
                       "</Code><Message>", text,
                       "</Message></Error></ErrorResponse>", NULL);
}
