/* heat_body.h: request bodies as heat-api decodes them (heat/common/wsgi.py
 * JSONRequestDeserializer), with Python's json module
 * (json.loads: its acceptance rules, last-wins duplicate keys and its exact error texts, e.g.
 * "Expecting ',' delimiter: line 1 column 10 (char 9)").
 *
 * Deliberate differences, where heat-api would pass a value on that jansson (and standard JSON)
 * cannot carry, or would crash later: NaN, Infinity, -Infinity and numbers that overflow to
 * infinity (1e400), integers beyond 64 bits, \ud800-style unpaired surrogate escapes and
 * nesting deeper than HEAT_YAML_MAX_DEPTH are refused with a 400 that says so (heat-api passes
 * the first three to heat-engine as non-standard JSON, and dies with a 500 RecursionError on very
 * deep nesting). */
#ifndef HEAT_BODY_H
#define HEAT_BODY_H

#include <apr_pools.h>
#include <jansson.h>

#include "heat_json.h"

/* An error as heat-api's FaultWrapper reports it: the HTTP status, the
 * fault's error.type (the Python class name: "HTTPBadRequest", "RequestLimitExceeded",
 * "ValueError", "AttributeError", ...) and error.message, NULL when heat-api leaves it out (an
 * "unsafe" exception such as ValueError). */
typedef struct {
    int status;
    const char *type;
    const char *message;
} heat_error_t;

/* webob's generic 400 text: Resource turns any TypeError into HTTPBadRequest with it. */
#define HEAT_BAD_REQUEST_TEXT \
    "The server could not comply with the request since it is either malformed or otherwise incorrect."

void heat_error_set(heat_error_t *err, int status, const char *type, const char *message);

/* ---- Python's json.loads ---- */

typedef enum {
    HEAT_PYJSON_OK = 0,
    HEAT_PYJSON_ERROR,      /* Python raises ValueError (JSONDecodeError); message = str(exc) */
    HEAT_PYJSON_UNSUPPORTED, /* Python accepts it, mod_heat cannot carry it; message says why */
    HEAT_PYJSON_TOO_MANY     /* over the node budget; message: "more than <n> values" (or, when
                                the request had spent some, "too many values (at most <n> ...)") */
} heat_pyjson_status_t;

/* json.loads(s) for a Python str s given as UTF-8 text (len bytes; it may hold NULs). Returns the
 * value, owned by p (json_incref to keep it longer), or NULL with *status and *message (pool
 * strings). Error positions count characters, as Python's do. */
json_t *heat_pyjson_loads(apr_pool_t *p, const char *text, size_t len, heat_pyjson_status_t *status,
                          const char **message);

/* The same, each value drawn from nodes (heat_json.h; NULL: not counted). A text that fails
 * spends nothing. */
json_t *heat_pyjson_loads_nodes(apr_pool_t *p, const char *text, size_t len, heat_nodes_t *nodes,
                                heat_pyjson_status_t *status, const char **message);

/* ---- JSONRequestDeserializer ---- */

typedef struct {
    const char *method;           /* "GET", "POST", ... */
    const char *content_type;     /* the Content-Type header as received, NULL if absent */
    const char *aws_content_type; /* GET only: the ContentType query parameter (its last value),
                                     NULL if absent; heat honours it over the header */
    apr_off_t content_length;     /* Content-Length, -1 if absent (a chunked body counts as none) */
    const char *body;
    apr_size_t len;
} heat_body_request_t;

/* has_body(): Content-Length > 0, and the media type (the header's text before ';', compared
 * as is: case and spaces matter) is absent, starts with "text/plain", or is "application/json"
 * or "JSON", and the body's first byte is '{'. */
int heat_body_is_json(const heat_body_request_t *req);

typedef enum {
    HEAT_BODY_NONE = 0, /* no body to decode: the action runs without one */
    HEAT_BODY_OK,       /* *body is the decoded object (owned by p) */
    HEAT_BODY_ERROR     /* err is the fault to answer */
} heat_body_status_t;

/* JSONRequestDeserializer.default(): decides whether there is a body, checks its size against
 * max_json_body_size (400 RequestLimitExceeded "Request limit exceeded: JSON body size (<n>
 * bytes) exceeds maximum allowed size (<max> bytes)."), decodes the bytes as UTF-8 and parses
 * them (400 HTTPBadRequest with Python's codec or json error text). It starts the request's node
 * budget on p (heat_json.h) and the body draws from it: a body with more values is 400
 * RequestLimitExceeded "Request limit exceeded: the JSON body has more than <n> values." (a
 * deliberate difference: heat-api accepts it at Python's memory cost). */
heat_body_status_t heat_body_decode(apr_pool_t *p, const heat_body_request_t *req, apr_size_t max_json_body_size,
                                    json_t **body, heat_error_t *err);

#endif
