/* heat_http.c: libcurl behind heat_http.h. One easy handle serves one exchange at a time;
 * handles are kept on a small per-process stack so that their connection caches (keep-alive
 * to Keystone, TLS sessions, DNS) survive between requests. */
#include "heat_http.h"

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heat_log.h"
#include "heat_version.h"

struct heat_http_t {
    apr_pool_t *pool;
    apr_thread_mutex_t *lock; /* guards idle/n_idle */
    CURL *idle[HEAT_HTTP_MAX_IDLE];
    int n_idle;
};

/* ---- global init ---------------------------------------------------------------------- */

static int curl_initialised;

static apr_status_t http_global_cleanup(void *unused)
{
    (void)unused;
    if (curl_initialised) {
        curl_global_cleanup();
        curl_initialised = 0;
    }
    return APR_SUCCESS;
}

apr_status_t heat_http_global_init(apr_pool_t *pconf)
{
    if (curl_initialised)
        return APR_SUCCESS;
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
        heat_log(HEAT_LOG_ERR, "HEAT0600: curl_global_init failed");
        return APR_EGENERAL;
    }
    curl_initialised = 1;
    /* Undone when pconf is cleared (restart, stop); the next post_config runs this again. */
    apr_pool_cleanup_register(pconf, NULL, http_global_cleanup, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

/* ---- the handle stack ------------------------------------------------------------------ */

static apr_status_t http_cleanup(void *data)
{
    heat_http_t *http = data;
    int i;

    /* Runs before the mutex's own cleanup: both live in the same pool, the mutex was
     * created first, and cleanups run last-in-first-out. No thread uses the client any
     * more when its pool is destroyed (httpd joins the workers before pchild goes). */
    for (i = 0; i < http->n_idle; i++)
        curl_easy_cleanup(http->idle[i]);
    http->n_idle = 0;
    return APR_SUCCESS;
}

apr_status_t heat_http_create(heat_http_t **out, apr_pool_t *p)
{
    heat_http_t *http = apr_pcalloc(p, sizeof(*http));
    apr_status_t rv;

    http->pool = p;
    rv = apr_thread_mutex_create(&http->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS)
        return rv;
    apr_pool_cleanup_register(p, http, http_cleanup, apr_pool_cleanup_null);
    *out = http;
    return APR_SUCCESS;
}

static CURL *handle_get(heat_http_t *http)
{
    CURL *h = NULL;

    apr_thread_mutex_lock(http->lock);
    if (http->n_idle > 0)
        h = http->idle[--http->n_idle];
    apr_thread_mutex_unlock(http->lock);
    if (h)
        curl_easy_reset(h); /* options back to defaults; connections and caches stay */
    else
        h = curl_easy_init();
    return h;
}

static void handle_put(heat_http_t *http, CURL *h)
{
    apr_thread_mutex_lock(http->lock);
    if (http->n_idle < HEAT_HTTP_MAX_IDLE) {
        http->idle[http->n_idle++] = h;
        h = NULL;
    }
    apr_thread_mutex_unlock(http->lock);
    if (h)
        curl_easy_cleanup(h);
}

/* ---- one exchange ---------------------------------------------------------------------- */

typedef struct {
    apr_pool_t *p;
    char *buf; /* malloc'd, grown by doubling; copied into p at the end */
    apr_size_t len, cap;
    apr_size_t max;
    int too_big;
    apr_table_t *headers;
} http_ctx_t;

static size_t on_body(char *data, size_t size, size_t nmemb, void *baton)
{
    http_ctx_t *ctx = baton;
    size_t n = size * nmemb;

    if (ctx->max && (ctx->len + n > ctx->max || ctx->len + n < ctx->len)) {
        ctx->too_big = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    if (ctx->len + n + 1 > ctx->cap) {
        apr_size_t cap = ctx->cap ? ctx->cap : 4096;
        char *nbuf;
        while (cap < ctx->len + n + 1)
            cap *= 2;
        nbuf = realloc(ctx->buf, cap);
        if (!nbuf)
            return 0;
        ctx->buf = nbuf;
        ctx->cap = cap;
    }
    memcpy(ctx->buf + ctx->len, data, n);
    ctx->len += n;
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *baton)
{
    http_ctx_t *ctx = baton;
    size_t n = size * nmemb;
    const char *colon, *end = data + n;
    const char *v;

    while (end > data && (end[-1] == '\r' || end[-1] == '\n'))
        end--;
    if (end - data >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        /* a new response (after a redirect or a 100 Continue): forget the previous one */
        apr_table_clear(ctx->headers);
        return n;
    }
    colon = memchr(data, ':', (size_t)(end - data));
    if (!colon || colon == data)
        return n;
    v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    apr_table_addn(ctx->headers, apr_pstrmemdup(ctx->p, data, (apr_size_t)(colon - data)),
                   apr_pstrmemdup(ctx->p, v, (apr_size_t)(end - v)));
    return n;
}

typedef struct {
    struct curl_slist *list;
    int bad;
} slist_ctx_t;

static int add_header(void *baton, const char *key, const char *value)
{
    slist_ctx_t *sc = baton;
    struct curl_slist *n;
    char *line;
    size_t kl = strlen(key), vl = strlen(value);

    if (strpbrk(key, "\r\n:") || strpbrk(value, "\r\n")) {
        sc->bad = 1;
        return 0;
    }
    line = malloc(kl + vl + 3);
    if (!line) {
        sc->bad = 1;
        return 0;
    }
    memcpy(line, key, kl);
    /* "Name;" is curl's way of sending a header with an empty value */
    if (vl == 0) {
        line[kl] = ';';
        line[kl + 1] = '\0';
    }
    else {
        line[kl] = ':';
        line[kl + 1] = ' ';
        memcpy(line + kl + 2, value, vl + 1);
    }
    n = curl_slist_append(sc->list, line);
    free(line);
    if (!n) {
        sc->bad = 1;
        return 0;
    }
    sc->list = n;
    return 1;
}

const char *heat_http_url_for_log(apr_pool_t *p, const char *url)
{
    const char *start, *auth_end, *host, *q;

    if (!url)
        return "(null)";
    start = strstr(url, "://");
    host = start ? start + 3 : url;
    /* user info ends at the last '@' before the path */
    auth_end = NULL;
    for (q = host; *q && *q != '/' && *q != '?' && *q != '#'; q++)
        if (*q == '@')
            auth_end = q;
    if (auth_end)
        url = apr_pstrcat(p, apr_pstrmemdup(p, url, (apr_size_t)(host - url)), "***@", auth_end + 1,
                          NULL);
    q = strpbrk(url, "?#");
    if (q)
        url = apr_pstrmemdup(p, url, (apr_size_t)(q - url));
    return url;
}

static apr_status_t map_curl_error(CURLcode cc, const http_ctx_t *ctx)
{
    switch (cc) {
    case CURLE_OK:
        return APR_SUCCESS;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return APR_ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return APR_TIMEUP;
    case CURLE_FILESIZE_EXCEEDED:
        return APR_ENOSPC;
    case CURLE_WRITE_ERROR:
        return ctx->too_big ? APR_ENOSPC : APR_EGENERAL;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return APR_EINVAL;
    default:
        return APR_EGENERAL;
    }
}

/* libcurl's TLS failures: requests raises SSLError for these, which callers that copy
 * keystoneauth's exception classes need to tell from a refused connection. */
static int curl_tls_error(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
        return 1;
    default:
        return 0;
    }
}

static int scheme_allowed(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

apr_status_t heat_http_perform(heat_http_t *http, apr_pool_t *p, const heat_http_request_t *req,
                               heat_http_response_t **out)
{
    static const heat_http_options_t defaults;
    const heat_http_options_t *o = req->options ? req->options : &defaults;
    heat_http_response_t *resp = apr_pcalloc(p, sizeof(*resp));
    http_ctx_t ctx;
    slist_ctx_t sc = {NULL, 0};
    char errbuf[CURL_ERROR_SIZE];
    const char *method = req->method ? req->method : "GET";
    apr_interval_time_t cto = o->connect_timeout > 0 ? o->connect_timeout
                                                     : HEAT_HTTP_DEFAULT_CONNECT_TIMEOUT;
    apr_interval_time_t tto = o->timeout > 0 ? o->timeout : HEAT_HTTP_DEFAULT_TIMEOUT;
    apr_time_t started = apr_time_now();
    CURLcode cc;
    CURL *h;
    long status = 0;
    curl_off_t connect_time = 0;
    apr_status_t rv;

    *out = resp;
    resp->headers = apr_table_make(p, 8);
    resp->body = "";
    if (!req->url || !scheme_allowed(req->url)) {
        resp->error = "URL scheme not allowed";
        return APR_EINVAL;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.p = p;
    ctx.max = o->max_response_size;
    ctx.headers = resp->headers;
    if (req->headers)
        apr_table_do(add_header, &sc, req->headers, NULL);
    if (!sc.bad && !(req->headers && apr_table_get(req->headers, "Expect"))) {
        /* no "Expect: 100-continue" round trip before a body */
        struct curl_slist *n = curl_slist_append(sc.list, "Expect:");
        if (n)
            sc.list = n;
        else
            sc.bad = 1;
    }
    if (sc.bad) {
        curl_slist_free_all(sc.list);
        resp->error = "invalid request header";
        return APR_EINVAL;
    }

    h = handle_get(http);
    if (!h) {
        curl_slist_free_all(sc.list);
        resp->error = "curl_easy_init failed";
        return APR_EGENERAL;
    }
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    /* One connection per request. An idle keep-alive connection per Apache thread pins a
     * worker of a threaded Keystone (uwsgi http11-socket) until its keep-alive timeout: with
     * a burst of validations the threads' parked connections starved Keystone for seconds
     * (bench/RESULTS.md), and reusing one the server had just closed failed a request.
     * Keystone is asked only on a cache miss, so the handshakes cost little. */
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)apr_time_as_msec(cto));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)apr_time_as_msec(tto));
    curl_easy_setopt(h, CURLOPT_USERAGENT,
                     o->user_agent ? o->user_agent : "mod_heat/" HEAT_MODULE_VERSION);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, sc.list);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &ctx);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &ctx);
    if (o->max_redirects > 0) {
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)o->max_redirects);
    }
    if (o->accept_encoding)
        curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, o->accept_encoding);
    if (o->cafile)
        curl_easy_setopt(h, CURLOPT_CAINFO, o->cafile);
    if (o->certfile)
        curl_easy_setopt(h, CURLOPT_SSLCERT, o->certfile);
    if (o->keyfile)
        curl_easy_setopt(h, CURLOPT_SSLKEY, o->keyfile);
    if (o->insecure) {
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    }
    else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    }
    else {
        if (strcmp(method, "POST") == 0)
            curl_easy_setopt(h, CURLOPT_POST, 1L);
        else
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (req->body || strcmp(method, "POST") == 0) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                             (curl_off_t)(req->body ? req->body_len : 0));
        }
    }

    cc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_time);
    /* The option pointers (header list, error buffer, contexts) die with this frame. */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    handle_put(http, h);
    curl_slist_free_all(sc.list);

    resp->status = (int)status;
    resp->connected = connect_time > 0 || status > 0;
    rv = map_curl_error(cc, &ctx);
    resp->tls_failed = curl_tls_error(cc);
    if (ctx.buf) {
        resp->body = apr_pstrmemdup(p, ctx.buf, ctx.len);
        resp->body_len = ctx.len;
        free(ctx.buf);
    }
    if (rv != APR_SUCCESS) {
        if (rv == APR_ENOSPC)
            resp->error = apr_psprintf(p, "response larger than %" APR_SIZE_T_FMT " bytes",
                                       o->max_response_size);
        else
            resp->error = apr_pstrdup(p, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    }
    if (heat_log_enabled(HEAT_LOG_DEBUG)) {
        if (rv == APR_SUCCESS)
            heat_log(HEAT_LOG_DEBUG, "HTTP %s %s -> %d (%" APR_SIZE_T_FMT " bytes, %" APR_TIME_T_FMT
                     " ms)", method, heat_http_url_for_log(p, req->url), resp->status,
                     resp->body_len, apr_time_as_msec(apr_time_now() - started));
        else
            heat_log(HEAT_LOG_DEBUG, "HTTP %s %s failed after %" APR_TIME_T_FMT " ms: %s", method,
                     heat_http_url_for_log(p, req->url),
                     apr_time_as_msec(apr_time_now() - started), resp->error);
    }
    return rv;
}
