/* heat_webob.h: the bodies WebOb 1.8 writes for HTTP statuses that Heat *returns* rather
 * than raises (404 for unrouted paths, 302 lookups, 202 accepted, 503 Keystone down, ...),
 * and WebOb's Accept negotiation, which picks their format. */
#ifndef HEAT_WEBOB_H
#define HEAT_WEBOB_H

#include <apr_pools.h>

/* WebOb's Accept.acceptable_offers(): the offers acceptable under the Accept header value
 * (NULL = no header), best first (higher q, then the order of offers). Returns the best offer
 * or NULL when none is acceptable. An Accept value that does not parse makes every offer
 * acceptable, as WebOb's AcceptInvalidHeader does. */
const char *heat_webob_best_offer(apr_pool_t *p, const char *accept, const char *const *offers,
                                  int n_offers);

typedef struct {
    const char *content_type; /* "text/html; charset=UTF-8", "application/json" or "text/plain; charset=UTF-8" */
    const char *body;
} heat_webob_body_t;

/* The body of webob.exc.<status> with an optional detail and comment, in the format the Accept
 * header chooses: HTML for text/html (and so for "*" "/" "*"), JSON when application/json is
 * preferred, plain text otherwise (no Accept header). explanation NULL = the status' own. */
heat_webob_body_t heat_webob_body(apr_pool_t *p, int status, const char *accept,
                                  const char *explanation, const char *detail,
                                  const char *comment);

/* The body of a webob redirect (_HTTPMove: 302 Found, 300...) to location, whose template
 * differs from the others: "<explanation> <a href="URL">URL</a>;\nyou should be
 * redirected automatically.\n<detail>\n<comment>". */
heat_webob_body_t heat_webob_redirect_body(apr_pool_t *p, int status, const char *accept,
                                           const char *location);

/* The title ("Not Found") and default explanation WebOb gives a status; NULL if unknown. */
const char *heat_webob_title(int status);
const char *heat_webob_explanation(int status);

#endif
