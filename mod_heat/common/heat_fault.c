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

/* heat.common.exception classes 24.0.0 added, with their FaultWrapper status there. */
static const struct {
    const char *cls;
    int status;
} added_in_24[] = {
    {"CircularDependencyException", 400},
};

int heat_fault_class_known(const char *cls, heat_release_t release)
{
    size_t i;
    if (release == HEAT_RELEASE_24)
        return 1;
    for (i = 0; i < sizeof(added_in_24) / sizeof(added_in_24[0]); i++)
        if (strcmp(added_in_24[i].cls, cls) == 0)
            return 0;
    return 1;
}

int heat_fault_status_in(const char *cls, heat_release_t release)
{
    size_t i;
    if (release == HEAT_RELEASE_24)
        for (i = 0; i < sizeof(added_in_24) / sizeof(added_in_24[0]); i++)
            if (strcmp(added_in_24[i].cls, cls) == 0)
                return added_in_24[i].status;
    return heat_fault_status_of(cls);
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
