/* heat_cfn_remote.c: engine exceptions as AWS errors (see heat_cfn_remote.h). */
#include "heat_cfn_remote.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_fault.h"
#include "heat_result.h"

/* map_remote_error's inval_param_errors, in its order */
static const char *const invalid_parameter[] = {
    "AttributeError", "ValueError", "InvalidTenant", "EntityNotFound", "ResourceActionNotSupported",
    "ResourceNotFound", "ResourceNotAvailable", "StackValidationFailed", "InvalidSchemaError",
    "InvalidTemplateReference", "InvalidTemplateVersion", "InvalidTemplateSection", "UnknownUserParameter",
    "UserParameterMissing", "MissingCredentialError", "ResourcePropertyConflict", "PropertyUnspecifiedError",
    "NotSupported", "InvalidBreakPointHook", "PhysicalResourceIDAmbiguity", NULL,
};

const char *heat_cfn_remote_code(const char *cls)
{
    const char *const *c;
    apr_size_t len = strlen(cls);
    char name[256];

    if (len >= 7 && strcmp(cls + len - 7, "_Remote") == 0)
        len -= 7;
    if (len >= sizeof(name))
        return "InternalFailure";
    memcpy(name, cls, len);
    name[len] = '\0';
    for (c = invalid_parameter; *c; c++)
        if (strcmp(name, *c) == 0)
            return "InvalidParameterValue";
    if (strcmp(name, "Forbidden") == 0 || strcmp(name, "NotAuthorized") == 0)
        return "AccessDenied";
    /* upstream tests these two against a plain string, not a tuple: a substring match, so
     * "Stack" or "Request" map here too (no heat exception is named so; kept as heat does) */
    if (strstr("StackExists", name))
        return "AlreadyExists";
    if (strcmp(name, "ActionInProgress") == 0)
        return "ActionInProgress";
    if (strstr("RequestLimitExceeded", name))
        return "RequestLimitExceeded";
    return "InternalFailure";
}

/* heat-api-cfn's answers where heat-engine cannot be asked or does not answer */
static const struct {
    const char *type;
    const char *code;
} engine_codes[] = {
    {"MessagingTimeout", "InternalFailure"},
    {"MessagingUnavailable", "ServiceUnavailable"},
    {"HTTPServiceUnavailable", "ServiceUnavailable"},
};

const char *heat_cfn_engine_code(const char *type)
{
    size_t i;
    for (i = 0; type && i < sizeof(engine_codes) / sizeof(engine_codes[0]); i++)
        if (strcmp(engine_codes[i].type, type) == 0)
            return engine_codes[i].code;
    return "InternalFailure";
}

void heat_cfn_from_remote(apr_pool_t *p, heat_release_t release, const heat_rpc_failure_t *failure, int debug,
                          const char **code, const char **detail)
{
    heat_result_t rebuilt;
    const char *message = failure->message ? failure->message : "";

    /* which class oslo.messaging rebuilds, and whether it is heat's (safe) */
    heat_result_from_remote_in(p, release, failure->cls, failure->module, message, failure->args,
                               failure->kwargs, failure->traceback, 0, &rebuilt);
    *detail = NULL;
    if (strcmp(rebuilt.type, "RemoteError") == 0) {
        *code = heat_cfn_remote_code("RemoteError");
        return;
    }
    *code = heat_cfn_remote_code(failure->cls);
    if (!failure->module || strcmp(failure->module, "heat.common.exception") != 0)
        return; /* builtins are not safe: no detail */
    /* str() of the rebuilt exception is oslo's: the engine's message, "\n", the traceback */
    if (debug)
        *detail = apr_pstrcat(p, message, "\n", failure->traceback ? failure->traceback : "", NULL);
    else
        *detail = apr_pstrndup(p, message, strcspn(message, "\n"));
}
