/* heat_fault.h: Heat's two error formats, written by heat_result_render (heat_result.h). The native API's JSON fault body (FaultWrapper,
 * heat/api/middleware/fault.py) and the CFN API's AWS XML error document
 * (heat/api/aws/exception.py). One table per
 * format maps a name to status, title and explanation; later the engine's exception classes
 * map into these same tables. */
#ifndef HEAT_FAULT_H
#define HEAT_FAULT_H

#include <apr_pools.h>
#include <jansson.h>

#include "heat_release.h"


/* {"code", "title", "explanation", "error": {"type", "traceback", "message"}}.
 * message NULL leaves "message" out (an "unsafe" exception); traceback NULL gives null. */
char *heat_fault_json(apr_pool_t *p, int status, const char *type, const char *message,
                      const char *traceback);

/* The status heat-api's FaultWrapper gives an exception class of heat.common.exception or a
 * Python builtin; 500 for every class it does not map. */
int heat_fault_status_of(const char *cls);

/* The same for a release: 24.0.0's FaultWrapper also maps CircularDependencyException
 * (a class 24.0.0 added) to 400. */
int heat_fault_status_in(const char *cls, heat_release_t release);

/* Whether heat.common.exception of the release has the class, for the classes one release
 * added (every other class counts as known). oslo rebuilds an unknown class as RemoteError. */
int heat_fault_class_known(const char *cls, heat_release_t release);

/* An AWS error of heat/api/aws/exception.py by its class-like code ("InvalidAction",
 * "InvalidParameterValue", "APINotImplemented", ...). */
typedef struct {
    const char *code;        /* AWS Code, also the status line's reason phrase */
    int status;
    const char *type;        /* "Sender" or "Server" */
    const char *explanation;
} heat_cfn_error_t;

const heat_cfn_error_t *heat_cfn_error(const char *code);

/* <ErrorResponse><Error><Type/><Code/><Message/></Error></ErrorResponse>; Message is the
 * explanation, or "explanation:detail" when there is a detail, written as lxml writes text
 * (heat_cfn_xml_text: non-ASCII as &#N;). */
char *heat_fault_cfn_xml(apr_pool_t *p, const heat_cfn_error_t *err, const char *detail);
/* Its status line: heat's AWS errors use the AWS code as the reason phrase ("400 InvalidAction";
 * ActionInProgress is heat's HeatActionInProgressError, whose code is InvalidAction). */
const char *heat_fault_cfn_status_line(apr_pool_t *p, const heat_cfn_error_t *err);
#define HEAT_CFN_XML_TYPE "application/xml; charset=UTF-8"


#endif
