/* heat_http.h: the core's outbound HTTP client (libcurl), in the spirit of mod_md's md_http:
 * a transport-neutral request and response, both living in an APR pool, with explicit
 * connect and total timeouts, a response-size cap enforced while reading, TLS settings and
 * easy handles reused within a process.
 *
 * Life cycle (the glue calls these):
 *   post_config  heat_http_global_init(pconf)   curl_global_init once, before any child
 *                                                 starts (curl_global_cleanup on pconf)
 *   child_init   heat_http_create(&http, pchild) a per-process stack of idle easy handles
 *                                                 under a thread mutex; its cleanup on pchild
 *                                                 frees them
 *   requests     heat_http_perform(http, r->pool, &req, &resp), from any thread
 *
 * Logging: one debug line per exchange (method, URL without user info or query, status,
 * size, time). Header values and bodies are never logged, so tokens (X-Auth-Token,
 * X-Subject-Token, X-Service-Token) and passwords in request bodies stay out of the logs. */
#ifndef HEAT_HTTP_H
#define HEAT_HTTP_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

typedef struct heat_http_t heat_http_t;

/* Default timeouts when an option is 0. */
#define HEAT_HTTP_DEFAULT_CONNECT_TIMEOUT apr_time_from_sec(10)
#define HEAT_HTTP_DEFAULT_TIMEOUT apr_time_from_sec(30)

typedef struct {
    apr_interval_time_t connect_timeout; /* 0: HEAT_HTTP_DEFAULT_CONNECT_TIMEOUT */
    apr_interval_time_t timeout;         /* whole exchange; 0: HEAT_HTTP_DEFAULT_TIMEOUT */
    apr_size_t max_response_size;        /* body bytes (after content decoding); 0: no cap */
    int max_redirects;                   /* 0: redirects are returned, not followed */
    const char *cafile;                  /* NULL: the system CA bundle */
    const char *certfile;                /* client certificate (PEM), NULL: none */
    const char *keyfile;                 /* its key (PEM), NULL: in certfile or none */
    int insecure;                        /* 1: no peer/host verification */
    const char *accept_encoding;         /* e.g. "gzip, deflate": ask for and decode; NULL: none */
    const char *user_agent;              /* NULL: "mod_heat/<version>" */
} heat_http_options_t;

typedef struct {
    const char *method;          /* "GET", "POST", ... */
    const char *url;             /* http:// or https:// only; other schemes fail with APR_EINVAL */
    apr_table_t *headers;        /* may be NULL; values must not contain CR or LF */
    const char *body;            /* may be NULL */
    apr_size_t body_len;
    const heat_http_options_t *options; /* may be NULL: defaults */
} heat_http_request_t;

typedef struct {
    int status;                  /* HTTP status of the last response, 0 if none was received */
    apr_table_t *headers;        /* of the last response (after redirects) */
    char *body;                  /* NUL-terminated (the NUL is not counted in body_len) */
    apr_size_t body_len;
    int connected;               /* a connection was established (retry decisions) */
    int tls_failed;              /* the TLS handshake or the certificate check failed */
    const char *error;           /* libcurl's message when heat_http_perform failed */
} heat_http_response_t;

/* Once per configuration cycle in the parent (post_config): curl_global_init, undone by a
 * cleanup on pconf. Safe to call more than once per cycle. */
apr_status_t heat_http_global_init(apr_pool_t *pconf);

/* The per-process client: idle easy handles on a stack (at most HEAT_HTTP_MAX_IDLE kept),
 * guarded by a thread mutex, freed by a cleanup on p. */
#define HEAT_HTTP_MAX_IDLE 16
apr_status_t heat_http_create(heat_http_t **http, apr_pool_t *p);

/* Performs one exchange; *resp is allocated in p (even on failure, with error set).
 * Returns:
 *   APR_SUCCESS        a response was received (any status: check resp->status)
 *   APR_ECONNREFUSED   no connection: refused, unreachable, name not resolved
 *   APR_TIMEUP         a timeout expired (resp->connected tells connect from total)
 *   APR_ENOSPC         the body exceeded options->max_response_size (reading stopped)
 *   APR_EINVAL         malformed URL, a scheme other than http/https, or a bad header
 *   APR_EGENERAL       anything else (TLS failure, protocol error, too many redirects) */
apr_status_t heat_http_perform(heat_http_t *http, apr_pool_t *p, const heat_http_request_t *req,
                               heat_http_response_t **resp);

/* The URL as it may be logged: user info and query string removed. */
const char *heat_http_url_for_log(apr_pool_t *p, const char *url);

#endif
