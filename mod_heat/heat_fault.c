/* heat_fault.c: Heat's JSON fault body and AWS XML error document (see heat_fault.h). */
#include "heat_fault.h"

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

const char *heat_xml_escape(apr_pool_t *p, const char *text)
{
    const char *c;
    char *out, *o;
    size_t extra = 0;

    for (c = text; *c; c++)
        extra += (*c == '&') ? 4 : (*c == '<' || *c == '>') ? 3 : 0;
    if (!extra)
        return text;
    o = out = apr_palloc(p, strlen(text) + extra + 1);
    for (c = text; *c; c++) {
        if (*c == '&') { memcpy(o, "&amp;", 5); o += 5; }
        else if (*c == '<') { memcpy(o, "&lt;", 4); o += 4; }
        else if (*c == '>') { memcpy(o, "&gt;", 4); o += 4; }
        else *o++ = *c;
    }
    *o = '\0';
    return out;
}

char *heat_fault_cfn_xml(apr_pool_t *p, const heat_cfn_error_t *err, const char *detail)
{
    /* ActionInProgress is heat's HeatActionInProgressError, whose AWS Code is InvalidAction. */
    const char *code = strcmp(err->code, "ActionInProgress") == 0 ? "InvalidAction" : err->code;
    const char *message = detail ? apr_pstrcat(p, err->explanation, ":", detail, NULL) : err->explanation;

    return apr_pstrcat(p, "<ErrorResponse><Error><Type>", err->type, "</Type><Code>", code,
                       "</Code><Message>", heat_xml_escape(p, message),
                       "</Message></Error></ErrorResponse>", NULL);
}
