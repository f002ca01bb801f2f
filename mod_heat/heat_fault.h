/* heat_fault.h: Heat's two error formats. The native API's JSON fault body (FaultWrapper,
 * native-api.md §8.1) and the CFN API's AWS XML error document (cfn-api.md §7). One table per
 * format maps a name to status, title and explanation; later the engine's exception classes
 * map into these same tables. */
#ifndef HEAT_FAULT_H
#define HEAT_FAULT_H

#include <apr_pools.h>

/* {"code", "title", "explanation", "error": {"type", "traceback", "message"}}.
 * message NULL leaves "message" out (an "unsafe" exception); traceback NULL gives null. */
char *heat_fault_json(apr_pool_t *p, int status, const char *type, const char *message,
                      const char *traceback);

/* An AWS error of cfn-api.md §7.2 by its class-like code ("InvalidAction",
 * "InvalidParameterValue", "APINotImplemented", ...). */
typedef struct {
    const char *code;        /* AWS Code, also the status line's reason phrase */
    int status;
    const char *type;        /* "Sender" or "Server" */
    const char *explanation;
} heat_cfn_error_t;

const heat_cfn_error_t *heat_cfn_error(const char *code);

/* <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>; Message is the
 * explanation, or "explanation:detail" when there is a detail. */
char *heat_fault_cfn_xml(apr_pool_t *p, const heat_cfn_error_t *err, const char *detail);

/* XML text escaping as ElementTree writes text nodes (&, <, >). */
const char *heat_xml_escape(apr_pool_t *p, const char *text);

#endif
