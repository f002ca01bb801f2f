/* heat_result.h: the one result type of a request. Every step of the request path (front
 * doors, authentication, policy, handlers, engine calls) answers with a heat_result_t, and the
 * router writes it to the client (doc/architecture.md, "Calls and results").
 *
 * A success carries its rendered answer (content_type, body, location). An error carries what
 * went wrong (status, type, message, traceback) and is rendered by heat_result_render in the
 * format the API and the request choose: Heat's JSON fault, webob's page, AWS XML or AWS
 * JSON. */
#ifndef HEAT_RESULT_H
#define HEAT_RESULT_H

#include <apr_pools.h>
#include <jansson.h>

#include "heat_release.h"

/* The first four fields are an error's and come first, so {status, type, message} initializes
 * one. */
typedef struct {
    int status;
    const char *type;         /* error: Heat's error.type (the exception class), or the AWS Code */
    const char *message;      /* error: error.message (NULL: left out, an "unsafe" exception), or
                                 the AWS detail (NULL: the explanation alone) */
    const char *traceback;    /* error: the fault's traceback (NULL: null) */
    const char *status_line;  /* NULL: the standard reason phrase; AWS errors: "400 InvalidAction" */
    const char *content_type; /* NULL: no Content-Type (204, the OPTIONS rule) */
    const char *body;         /* NULL or "": none */
    const char *location;     /* 201 and 302 */
    const char *allow;        /* 405 and OPTIONS */
    const char *www_authenticate;
} heat_result_t;

/* How an error is written. */
typedef enum {
    HEAT_RESULT_FAULT,    /* heat-api's FaultWrapper: {"code", "title", "explanation", "error"} */
    HEAT_RESULT_WEBOB,    /* webob's page for the status (HTML, JSON or text by Accept; message:
                             the detail) */
    HEAT_RESULT_AWS_XML,  /* heat-api-cfn: <ErrorResponse>, status and status line of the AWS Code */
    HEAT_RESULT_AWS_JSON, /* heat-api-cfn with ContentType=JSON, an error an action returns: 200
                             and str(exception) as a JSON string */
} heat_result_format_t;

/* Sets the error fields (status, type, message; traceback NULL) and clears the rendered ones. */
void heat_result_error(heat_result_t *res, int status, const char *type, const char *message);

/* Writes the error in res in format fmt: fills content_type, body and (AWS) status and
 * status_line. accept: the request's Accept header (WEBOB only; NULL: none). An AWS Code that
 * heat does not know is written as InternalFailure. Returns res->status. */
int heat_result_render(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept);

/* heat_result_error + heat_result_render. */
int heat_result_fail(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept,
                     int status, const char *type, const char *message);

/* An engine exception as heat-api 19.0.0 rebuilds it (oslo deserialize_remote_exception) and
 * FaultWrapper renders it: heat.common.exception classes keep their type and message (the
 * rebuilt message of StackValidationFailed has heat's doubled separators), those that cannot
 * be rebuilt and every other module become RemoteError without message, builtins keep their
 * class name without message (TypeError is heat's generic 400). The traceback is sent only
 * with [DEFAULT] debug = true. args/kwargs: the failure's (JSON array/object, may be NULL). */
void heat_result_from_remote(apr_pool_t *p, const char *cls, const char *module, const char *message,
                            const json_t *args, const json_t *kwargs, const char *traceback,
                            int debug, heat_result_t *out);

/* The same for the configured release: 19.0.0 as above; 24.0.0 also knows the classes it
 * added (heat_fault_status_in). 19.0.0 rebuilds a class only 24.0.0 has (an engine upgraded
 * first) as RemoteError. */
void heat_result_from_remote_in(apr_pool_t *p, heat_release_t release, const char *cls, const char *module,
                                const char *message, const json_t *args, const json_t *kwargs,
                                const char *traceback, int debug, heat_result_t *out);

#endif
