/* heat_urlfetch.h: heat.common.urlfetch.get for template_url (native API) and TemplateUrl
 * (CFN): http/https only, a GET without any auth header, the body capped at
 * max_template_size while it is read. Unlike heat 19.0.0 (no timeout at all) the fetch has
 * a connect and a total timeout (doc/differences.md: the fetch is an SSRF vector from the API host).
 *
 * Every failure is heat's URLFetchError (a subclass of IOError) with one of its messages:
 *   "Invalid URL scheme <scheme>"                       scheme other than http/https
 *   "Template exceeds maximum allowed size (<N> bytes)" body larger than max_template_size
 *   "Failed to retrieve template from <url>"            connection error, timeout, HTTP
 *                                                       status >= 400, bad URL, too many
 *                                                       redirects, TLS failure
 * The callers wrap the message as heat's API code does:
 *   native: 400 HTTPBadRequest, HEAT_URLFETCH_NATIVE_FMT  ("Could not retrieve template: %s")
 *   cfn:    InvalidParameterValue,  HEAT_URLFETCH_CFN_FMT ("Failed to fetch template: %s") */
#ifndef HEAT_URLFETCH_H
#define HEAT_URLFETCH_H

#include <apr_pools.h>
#include <apr_time.h>

#include "heat_http.h"

#define HEAT_URLFETCH_ERROR_CLASS "URLFetchError"
#define HEAT_URLFETCH_NATIVE_FMT "Could not retrieve template: %s"
#define HEAT_URLFETCH_CFN_FMT "Failed to fetch template: %s"

#define HEAT_URLFETCH_DEFAULT_CONNECT_TIMEOUT apr_time_from_sec(10)
#define HEAT_URLFETCH_DEFAULT_TIMEOUT apr_time_from_sec(60)
/* requests' default redirect limit */
#define HEAT_URLFETCH_MAX_REDIRECTS 30

typedef struct {
    apr_size_t max_template_size;        /* [DEFAULT] max_template_size (heat default 524288) */
    apr_interval_time_t connect_timeout; /* 0: HEAT_URLFETCH_DEFAULT_CONNECT_TIMEOUT */
    apr_interval_time_t timeout;         /* whole fetch; 0: HEAT_URLFETCH_DEFAULT_TIMEOUT */
} heat_urlfetch_options_t;

/* The scheme Python's urllib.parse.urlparse finds in url (lowercased, "" if none). */
const char *heat_urlfetch_scheme(apr_pool_t *p, const char *url);

/* Fetches url. On success returns APR_SUCCESS with *data (NUL-terminated, in p) and *len.
 * On failure returns an error status and sets *error to the URLFetchError message (in p). */
apr_status_t heat_urlfetch_get(heat_http_t *http, apr_pool_t *p, const char *url,
                               const heat_urlfetch_options_t *options, const char **data,
                               apr_size_t *len, const char **error);

/* template_url / TemplateURL for both APIs: heat_urlfetch_get with max_template_size and the
 * default timeouts. Returns 1 with *data and *len, or 0 with *error; http NULL (no client in
 * this process) is an error too. */
int heat_urlfetch_template(heat_http_t *http, apr_pool_t *p, const char *url, apr_size_t max_template_size,
                           const char **data, apr_size_t *len, const char **error);

#endif
