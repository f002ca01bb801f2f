/* heat_keystone.c: keystonemiddleware auth_token + keystoneauth1's password plugin in C
 * (see heat_keystone.h). Python sources followed:
 *   keystonemiddleware/auth_token/__init__.py  process_request, fetch_token, checks
 *   keystonemiddleware/auth_token/_identity.py verify_token (401 retry, 404, errors)
 *   keystonemiddleware/auth_token/_request.py  headers, _normalize_catalog
 *   keystoneauth1/identity/generic/base.py     auth_url discovery and its fallback
 *   keystoneauth1/identity/v3/base.py          POST /auth/tokens, MIN_TOKEN_LIFE_SECONDS
 *   keystoneauth1/access/service_catalog.py    endpoint selection
 *   keystoneauth1/session.py                   connect retries, reauth on 401
 *   keystoneauth1/discover.py                  get_discovery (per-URL cache), url_for
 *   keystoneauth1/identity/v3/password.py      the password method's user object
 *   keystoneauth1/exceptions/http.py           from_response: the exception of a status */
#include "heat_keystone.h"

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heat_json.h"
#include "heat_log.h"
#include "heat_pool.h"
#include "heat_stats.h"
#include "heat_tokencrypt.h"

/* keystoneauth1 BaseIdentityPlugin.MIN_TOKEN_LIFE_SECONDS */
#define MIN_TOKEN_LIFE apr_time_from_sec(120)
#define DEFAULT_MAX_RESPONSE (4 * 1024 * 1024)
#define RETRY_DELAY_START apr_time_from_msec(500)
#define RETRY_DELAY_MAX apr_time_from_sec(60)
/* After a failed service authentication, callers without a usable service token fail at once
 * for this long (doubling up to the maximum) instead of each waiting for Keystone again. */
#define RENEW_BACKOFF_START apr_time_from_sec(1)
#define RENEW_BACKOFF_MAX apr_time_from_sec(10)
/* Discovery results remembered for password authentication (one per auth URL; without
 * multi_cloud there is only one URL, with it the allowed_auth_uris) */
#define PW_DISCOVERY_CACHE_MAX 32

struct heat_keystone_t {
    apr_pool_t *pool;
    heat_http_t *http;
    heat_keystone_settings_t s;
    heat_http_options_t hopts;
    const char *ns; /* cache key namespace */

    /* Threads allocate from here at run time, under different locks: its allocator has a
     * mutex of its own (pchild's has none). */
    apr_pool_t *rt_pool;

    /* Only the thread that owns the renewal (renewing) reads or writes these three. */
    const char *auth_v3_url;  /* from auth_url discovery; kept for the process' life */
    const char *disc_from;    /* last identity endpoint discovered ... */
    const char *disc_to;      /* ... and its v3 URL */

    apr_thread_mutex_t *lock; /* guards everything below; never held during I/O */
    apr_thread_cond_t *renewed; /* signalled when a renewal ends */
    int renewing;             /* one thread renews at a time (single-flight) */
    apr_time_t backoff_until; /* after a failed renewal: no new attempt before this */
    apr_interval_time_t backoff;
    apr_pool_t *token_pool;   /* holds token and identity_url; replaced on renewal */
    const char *token;
    const char *identity_url;
    apr_time_t expires;
    unsigned long generation; /* bumped by each renewal; invalidation targets one generation */
    apr_time_t ec2_reauth_at; /* last renewal forced by an ec2tokens 401 (at most one a minute) */
    int warned_service_roles;

    apr_thread_mutex_t *pw_lock; /* guards pw_pool and pw_disc (never held during I/O) */
    apr_pool_t *pw_pool;         /* only allocated from under pw_lock */
    apr_hash_t *pw_disc;         /* normalised auth URL -> advertised v3 href (in pw_pool) */

    /* validations in flight, so that concurrent misses of one token ask Keystone once */
    apr_thread_mutex_t *sf_lock;
    apr_thread_cond_t *sf_done;
    struct ks_flight_t *flights;
};

/* ---- SHA-256 and the cache keys ------------------------------------------------------------ */

void heat_keystone_sha256(const void *data, apr_size_t len, unsigned char digest[32])
{
    heat_tokencrypt_sha256(data, len, digest);
}

void heat_keystone_cache_key(const heat_keystone_t *ks, const char *token, unsigned char key[32])
{
    /* SHA-256 over "<namespace>\n<token>": both are short, so the concatenation is hashed
     * (on the stack unless unusually long) and wiped afterwards. */
    apr_size_t nl = strlen(ks->ns), tl = strlen(token);
    char stackbuf[1024];
    char *buf = nl + tl + 1 <= sizeof(stackbuf) ? stackbuf : malloc(nl + tl + 1);

    if (!buf) {
        memset(key, 0, 32);
        return;
    }
    memcpy(buf, ks->ns, nl);
    buf[nl] = '\n';
    memcpy(buf + nl + 1, token, tl);
    heat_keystone_sha256(buf, nl + tl + 1, key);
    explicit_bzero(buf, nl + tl + 1); /* the token should not linger */
    if (buf != stackbuf)
        free(buf);
}

/* Where a token's cache entry lives and how its value is protected: the SHA-256 key, or with
 * memcache_security_strategy the derived keys (wiped with the pool). */
typedef struct {
    unsigned char key[32];
    int protect;
    heat_tokencrypt_keys_t keys;
} cache_slot_t;

static apr_status_t wipe_slot(void *data)
{
    heat_tokencrypt_wipe(&((cache_slot_t *)data)->keys);
    return APR_SUCCESS;
}

/* NULL when the keys cannot be derived (the token then bypasses the cache). */
static cache_slot_t *cache_slot(const heat_keystone_t *ks, apr_pool_t *p, const char *token)
{
    cache_slot_t *slot = apr_pcalloc(p, sizeof(*slot));

    if (heat_tokencrypt_strategy(ks->s.memcache_security_strategy) == HEAT_TOKENCRYPT_NONE) {
        heat_keystone_cache_key(ks, token, slot->key);
        return slot;
    }
    apr_pool_cleanup_register(p, slot, wipe_slot, apr_pool_cleanup_null);
    if (heat_tokencrypt_derive(ks->s.memcache_secret_key, token,
                               ks->s.memcache_security_strategy, &slot->keys) != 0)
        return NULL;
    slot->protect = 1;
    memcpy(slot->key, slot->keys.cache_key, HEAT_TOKENCRYPT_KEY_LEN);
    return slot;
}

/* cache->lookup, with a protected entry verified (and decrypted): one that fails is a miss. */
static int cache_get(const heat_keystone_t *ks, apr_pool_t *p, const heat_keystone_cache_t *cache,
                     const cache_slot_t *slot, int negative_ok, const char **body,
                     apr_size_t *len)
{
    int hit = cache->lookup(cache->baton, p, slot->key, negative_ok, body, len);
    char *plain;
    apr_size_t n;

    if (hit <= 0 || !slot->protect)
        return hit;
    if (heat_tokencrypt_unprotect(p, &slot->keys, *body, *len, &plain, &n) != 0) {
        heat_log(HEAT_LOG_WARNING, "HEAT0940: a token cache entry failed its %s check "
                 "([keystone_authtoken] memcache_security_strategy): ignored, the token goes "
                 "to Keystone", ks->s.memcache_security_strategy);
        *body = NULL;
        *len = 0;
        return 0;
    }
    *body = plain;
    *len = n;
    return 1;
}

/* cache->store, protecting a valid entry when a strategy is set (a remembered 404 is a
 * bare marker: its key cannot be computed without the secret). */
static void cache_put(apr_pool_t *p, const heat_keystone_cache_t *cache, const cache_slot_t *slot,
                      const char *body, apr_size_t len, apr_time_t expiry)
{
    char *entry;
    apr_size_t n;

    if (body && slot->protect) {
        if (heat_tokencrypt_protect(p, &slot->keys, body, len, &entry, &n) != 0) {
            heat_log(HEAT_LOG_WARNING, "HEAT0941: cannot protect a token cache entry; "
                     "not cached");
            return;
        }
        body = entry;
        len = n;
    }
    cache->store(cache->baton, p, slot->key, body, len, expiry);
}

/* ---- time ------------------------------------------------------------------------------------ */

static long days_from_civil(long y, long m, long d)
{
    long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int read_digits(const char **s, int n, long *out)
{
    long v = 0;
    int i;

    for (i = 0; i < n; i++) {
        if (!apr_isdigit((*s)[i]))
            return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

int heat_keystone_parse_time(const char *text, apr_time_t *out)
{
    const char *s = text;
    long y, mo, d, h = 0, mi = 0, sec = 0, usec = 0, off = 0;

    if (!s)
        return -1;
    if (read_digits(&s, 4, &y) || *s++ != '-' || read_digits(&s, 2, &mo) || *s++ != '-' ||
        read_digits(&s, 2, &d))
        return -1;
    if (*s == 'T' || *s == 't' || *s == ' ') {
        s++;
        if (read_digits(&s, 2, &h) || *s++ != ':' || read_digits(&s, 2, &mi))
            return -1;
        if (*s == ':') {
            s++;
            if (read_digits(&s, 2, &sec))
                return -1;
            if (*s == '.' || *s == ',') {
                long scale = 100000;
                s++;
                if (!apr_isdigit(*s))
                    return -1;
                for (; apr_isdigit(*s); s++) {
                    usec += (*s - '0') * scale;
                    scale /= 10;
                }
            }
        }
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    }
    else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1;
        long oh, om = 0;
        s++;
        if (read_digits(&s, 2, &oh))
            return -1;
        if (*s == ':')
            s++;
        if (apr_isdigit(*s) && read_digits(&s, 2, &om))
            return -1;
        off = sign * (oh * 3600 + om * 60);
    }
    if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    *out = apr_time_from_sec((apr_time_t)days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 +
                             sec - off) +
           usec;
    return 0;
}

/* ---- settings -------------------------------------------------------------------------------- */

void heat_keystone_settings_init(heat_keystone_settings_t *s)
{
    memset(s, 0, sizeof(*s));
    s->include_service_catalog = 1;
    s->token_cache_time = 300;
    s->http_request_max_retries = 3;
}

const heat_keystone_settings_t *heat_keystone_settings(const heat_keystone_t *ks)
{
    return &ks->s;
}

static const char *dup_or_null(apr_pool_t *p, const char *v)
{
    return (v && *v) ? apr_pstrdup(p, v) : NULL;
}

apr_status_t heat_keystone_create(heat_keystone_t **out, apr_pool_t *p, heat_http_t *http,
                                  const heat_keystone_settings_t *in, const char **error)
{
    heat_keystone_t *ks = apr_pcalloc(p, sizeof(*ks));
    heat_keystone_settings_t *s = &ks->s;
    apr_status_t rv;

    *out = NULL;
    if (error)
        *error = NULL;
    if ((!in->auth_url || !*in->auth_url) && !in->standalone) {
        if (error)
            *error = "[keystone_authtoken] auth_url is not set";
        return APR_EINVAL;
    }
    ks->pool = p;
    ks->http = http;
    *s = *in;
#define DUP(f) s->f = dup_or_null(p, in->f)
    DUP(auth_url);
    DUP(username);
    DUP(user_id);
    s->password = in->password ? apr_pstrdup(p, in->password) : NULL;
    DUP(user_domain_name);
    DUP(user_domain_id);
    DUP(project_name);
    DUP(project_id);
    DUP(project_domain_name);
    DUP(project_domain_id);
    DUP(default_domain_id);
    DUP(default_domain_name);
    DUP(interface);
    DUP(region_name);
    DUP(identity_uri);
    DUP(www_authenticate_uri);
    DUP(auth_uri);
    DUP(enforce_token_bind);
    DUP(service_type);
    DUP(cafile);
    DUP(certfile);
    DUP(keyfile);
    DUP(memcache_security_strategy);
#undef DUP
    s->memcache_secret_key = in->memcache_secret_key ? apr_pstrdup(p, in->memcache_secret_key)
                                                     : NULL;
    if (heat_tokencrypt_strategy(s->memcache_security_strategy) < 0) {
        if (error)
            *error = "[keystone_authtoken] memcache_security_strategy must be None, MAC or ENCRYPT";
        return APR_EINVAL;
    }
    /* keystonemiddleware refuses to start without the secret, rather than cache unprotected */
    if (heat_tokencrypt_strategy(s->memcache_security_strategy) != HEAT_TOKENCRYPT_NONE &&
        (!s->memcache_secret_key || !*s->memcache_secret_key)) {
        if (error)
            *error = "[keystone_authtoken] memcache_secret_key must be defined when a "
                     "memcache_security_strategy is defined";
        return APR_EINVAL;
    }
    if (!s->interface)
        s->interface = "internal";
    if (!s->enforce_token_bind)
        s->enforce_token_bind = "permissive";
    if (in->service_token_roles) {
        s->service_token_roles = apr_array_copy(p, in->service_token_roles);
    }
    else {
        apr_array_header_t *roles = apr_array_make(p, 1, sizeof(const char *));
        APR_ARRAY_PUSH(roles, const char *) = "service";
        s->service_token_roles = roles;
    }
    if (s->http_request_max_retries < 0)
        s->http_request_max_retries = 0;
    if (!s->username && !s->user_id && !s->standalone) {
        if (error)
            *error = "[keystone_authtoken] username (or user_id) is not set";
        return APR_EINVAL;
    }

    ks->hopts.cafile = s->cafile;
    ks->hopts.certfile = s->certfile;
    ks->hopts.keyfile = s->keyfile;
    ks->hopts.insecure = s->insecure;
    if (s->http_connect_timeout > 0) {
        ks->hopts.connect_timeout = apr_time_from_sec(s->http_connect_timeout);
        ks->hopts.timeout = apr_time_from_sec(s->http_connect_timeout);
    }
    ks->hopts.max_response_size =
        s->max_response_size ? s->max_response_size : DEFAULT_MAX_RESPONSE;
    ks->ns = apr_pstrcat(p, s->auth_url ? s->auth_url : "", "|",
                         s->identity_uri ? s->identity_uri : "", "|", s->interface, "|", s->region_name ? s->region_name : "", "|",
                         s->include_service_catalog ? "catalog" : "nocatalog", NULL);

    rv = heat_pool_create_shared(&ks->rt_pool, p);
    if (rv == APR_SUCCESS)
        rv = apr_thread_mutex_create(&ks->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_thread_cond_create(&ks->renewed, p);
    if (rv == APR_SUCCESS)
        rv = apr_thread_mutex_create(&ks->sf_lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_thread_cond_create(&ks->sf_done, p);
    if (rv == APR_SUCCESS)
        rv = apr_thread_mutex_create(&ks->pw_lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_pool_create(&ks->pw_pool, ks->rt_pool);
    if (rv == APR_SUCCESS)
        ks->pw_disc = apr_hash_make(ks->pw_pool);
    if (rv != APR_SUCCESS) {
        if (error)
            *error = "cannot create the Keystone client mutex";
        return rv;
    }
    *out = ks;
    return APR_SUCCESS;
}

/* ---- transport ------------------------------------------------------------------------------- */

/* One request with keystoneauth's connect retries (http_request_max_retries): a refused or
 * unreachable connection, or a connect timeout, is retried after 0.5 s, 1 s, 2 s ... Unlike
 * keystoneauth, a timeout after the connection was made is not retried (it already took
 * the whole timeout). */
static apr_status_t ks_send_ex(heat_keystone_t *ks, apr_pool_t *p, const char *method,
                               const char *url, apr_table_t *headers, const char *body,
                               const heat_http_options_t *options, int retries,
                               heat_http_response_t **resp)
{
    apr_interval_time_t delay = RETRY_DELAY_START;
    heat_http_request_t req;
    apr_status_t rv;
    int attempt;

    memset(&req, 0, sizeof(req));
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.options = options ? options : &ks->hopts;
    for (attempt = 0;; attempt++) {
        apr_time_t sent = apr_time_now();
        rv = heat_http_perform(ks->http, p, &req, resp);
        heat_stats_keystone(apr_time_now() - sent, rv == APR_SUCCESS);
        if (rv == APR_SUCCESS)
            return rv;
        if (!(rv == APR_ECONNREFUSED || (rv == APR_TIMEUP && !(*resp)->connected)) ||
            attempt >= retries) {
            heat_log(HEAT_LOG_ERR, "HEAT0400: Keystone request %s %s failed: %s", method,
                     heat_http_url_for_log(p, url), (*resp)->error);
            return rv;
        }
        heat_log(HEAT_LOG_INFO, "Failure: %s (%s). Retrying in %.1fs.", (*resp)->error,
                 heat_http_url_for_log(p, url), (double)delay / APR_USEC_PER_SEC);
        apr_sleep(delay);
        delay = delay * 2 > RETRY_DELAY_MAX ? RETRY_DELAY_MAX : delay * 2;
    }
}

/* keystonemiddleware's requests: [keystone_authtoken] transport and connect retries */
static apr_status_t ks_send(heat_keystone_t *ks, apr_pool_t *p, const char *method,
                            const char *url, apr_table_t *headers, const char *body,
                            heat_http_response_t **resp)
{
    return ks_send_ex(ks, p, method, url, headers, body, &ks->hopts,
                      ks->s.http_request_max_retries, resp);
}

static apr_table_t *json_headers(apr_pool_t *p)
{
    apr_table_t *h = apr_table_make(p, 4);
    apr_table_setn(h, "Accept", "application/json");
    return h;
}

/* The path of an absolute URL ("" if none), without query or fragment. */
static const char *url_path(apr_pool_t *p, const char *url)
{
    const char *s = strstr(url, "://");
    const char *path, *end;

    s = s ? s + 3 : url;
    path = strchr(s, '/');
    if (!path)
        return "";
    end = strpbrk(path, "?#");
    return end ? apr_pstrmemdup(p, path, (apr_size_t)(end - path)) : path;
}

/* Whether the URL's last path segment names v3 ("v3", "v3.14"), so no discovery is needed. */
static int url_is_v3(apr_pool_t *p, const char *url)
{
    const char *path = url_path(p, url);
    apr_size_t n = strlen(path);
    const char *seg;

    while (n > 0 && path[n - 1] == '/')
        n--;
    seg = path + n;
    while (seg > path && seg[-1] != '/')
        seg--;
    if (path + n - seg < 2 || (seg[0] != 'v' && seg[0] != 'V') || seg[1] != '3')
        return 0;
    return seg + 2 == path + n || seg[2] == '.';
}

static const char *strip_slashes(apr_pool_t *p, const char *url)
{
    apr_size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    return apr_pstrmemdup(p, url, n);
}

/* keystoneauth1.exceptions.http.from_response: the exception class of an error status. */
static const char *http_error_class(int status, int auth_receipt)
{
    static const struct {
        int status;
        const char *name;
    } map[] = {{400, "BadRequest"},           {401, "Unauthorized"},
               {402, "PaymentRequired"},      {403, "Forbidden"},
               {404, "NotFound"},             {405, "MethodNotAllowed"},
               {406, "NotAcceptable"},        {407, "ProxyAuthenticationRequired"},
               {408, "RequestTimeout"},       {409, "Conflict"},
               {410, "Gone"},                 {411, "LengthRequired"},
               {412, "PreconditionFailed"},   {413, "RequestEntityTooLarge"},
               {414, "RequestUriTooLong"},    {415, "UnsupportedMediaType"},
               {416, "RequestedRangeNotSatisfiable"}, {417, "ExpectationFailed"},
               {422, "UnprocessableEntity"},  {500, "InternalServerError"},
               {501, "HttpNotImplemented"},   {502, "BadGateway"},
               {503, "ServiceUnavailable"},   {504, "GatewayTimeout"},
               {505, "HttpVersionNotSupported"}};
    apr_size_t i;

    /* a 401 carrying an auth receipt (multi-factor rules) is MissingAuthMethods */
    if (status == 401 && auth_receipt)
        return "MissingAuthMethods";
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].status == status)
            return map[i].name;
    if (status >= 500 && status < 600)
        return "HttpServerError";
    if (status >= 400 && status < 500)
        return "HTTPClientError";
    return "HttpError";
}

/* The keystoneauth1 exception for a transport failure (session._send_request). */
static const char *transport_error_class(apr_status_t rv, const heat_http_response_t *resp)
{
    if (resp && resp->tls_failed)
        return "SSLError"; /* requests' SSLError, caught before its ConnectionError */
    if (rv == APR_ECONNREFUSED || rv == APR_EGENERAL)
        return "ConnectFailure";
    if (rv == APR_TIMEUP)
        return "ConnectTimeout"; /* requests' connect and read timeouts alike */
    return "UnknownConnectionError";
}

/* keystoneauth's get_version_data + Discover: the "self" href of the v3 version advertised
 * at url, as advertised (*v3 in p). 0: found; -1: no usable answer (transport error, HTTP
 * error, not a version document: keystoneauth's generic plugin then parses the URL);
 * 1: a version document without v3. */
static int discover_raw(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                        const heat_http_options_t *options, int retries, const char **v3,
                        const char **error_type)
{
    heat_http_response_t *resp;
    json_t *body, *versions, *v;
    json_error_t jerr;
    apr_status_t rv;
    size_t i;

    *v3 = NULL;
    if (error_type)
        *error_type = "DiscoveryFailure"; /* "Invalid Response - Bad version data returned" */
    rv = ks_send_ex(ks, p, "GET", url, json_headers(p), NULL, options, retries, &resp);
    if (rv != APR_SUCCESS) {
        if (error_type)
            *error_type = transport_error_class(rv, resp);
        return -1;
    }
    if (resp->status >= 400) {
        heat_log(HEAT_LOG_WARNING, "HEAT0401: Version discovery at %s answered HTTP %d",
                 heat_http_url_for_log(p, url), resp->status);
        if (error_type)
            *error_type = http_error_class(
                resp->status, apr_table_get(resp->headers, "Openstack-Auth-Receipt") != NULL);
        return -1;
    }
    body = heat_json_own(p, json_loadb(resp->body, resp->body_len, 0, &jerr));
    if (!json_is_object(body))
        return -1;
    versions = json_object_get(body, "versions");
    if (json_is_object(versions))
        versions = json_object_get(versions, "values");
    if (!json_is_array(versions)) {
        v = json_object_get(body, "version");
        if (!json_is_object(v))
            return -1;
        versions = heat_json_own(p, json_array());
        json_array_append(versions, v);
    }
    if (error_type)
        *error_type = NULL;
    json_array_foreach(versions, i, v) {
        const char *id = json_string_value(json_object_get(v, "id"));
        json_t *links = json_object_get(v, "links"), *link;
        size_t j;
        if (!id || (id[0] != 'v' && id[0] != 'V') || id[1] != '3' || (id[2] && id[2] != '.'))
            continue;
        json_array_foreach(links, j, link) {
            const char *rel = json_string_value(json_object_get(link, "rel"));
            const char *href = json_string_value(json_object_get(link, "href"));
            if (rel && href && strcasecmp(rel, "self") == 0) {
                *v3 = apr_pstrdup(p, href);
                return 0;
            }
        }
    }
    return 1;
}

/* The v3 URL at url for keystonemiddleware's own use (no trailing slash). */
static int discover_v3(heat_keystone_t *ks, apr_pool_t *p, const char *url, const char **v3)
{
    if (discover_raw(ks, p, url, &ks->hopts, ks->s.http_request_max_retries, v3, NULL) != 0)
        return -1;
    *v3 = strip_slashes(p, *v3);
    return 0;
}

const char *heat_keystone_discover_v3(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                                      const heat_http_options_t *options, const char **error_type)
{
    const char *v3, *err = NULL;

    if (!url || !*url)
        err = "UnknownConnectionError"; /* requests: MissingSchema */
    else if (discover_raw(ks, p, url, options, 0, &v3, &err) == 0)
        return v3;
    if (error_type)
        *error_type = err;
    return NULL;
}

/* ---- the service token ----------------------------------------------------------------------- */

static json_t *auth_request_body(const heat_keystone_settings_t *s)
{
    json_t *user = json_object(), *password = json_object(), *identity = json_object();
    json_t *auth = json_object(), *root = json_object();
    const char *udid = s->user_domain_id ? s->user_domain_id : s->default_domain_id;
    const char *udname = s->user_domain_name ? s->user_domain_name : s->default_domain_name;
    const char *pdid = s->project_domain_id ? s->project_domain_id : s->default_domain_id;
    const char *pdname = s->project_domain_name ? s->project_domain_name : s->default_domain_name;

    json_object_set_new(user, "password", json_string(s->password ? s->password : ""));
    if (s->user_id)
        json_object_set_new(user, "id", json_string(s->user_id));
    else
        json_object_set_new(user, "name", json_string(s->username));
    if (udid)
        json_object_set_new(user, "domain", json_pack("{s:s}", "id", udid));
    else if (udname)
        json_object_set_new(user, "domain", json_pack("{s:s}", "name", udname));
    json_object_set_new(password, "user", user);
    json_object_set_new(identity, "methods", json_pack("[s]", "password"));
    json_object_set_new(identity, "password", password);
    json_object_set_new(auth, "identity", identity);
    if (s->project_id) {
        json_object_set_new(auth, "scope",
                            json_pack("{s:{s:s}}", "project", "id", s->project_id));
    }
    else if (s->project_name) {
        json_t *project = json_pack("{s:s}", "name", s->project_name);
        if (pdid)
            json_object_set_new(project, "domain", json_pack("{s:s}", "id", pdid));
        else if (pdname)
            json_object_set_new(project, "domain", json_pack("{s:s}", "name", pdname));
        json_object_set_new(auth, "scope", json_pack("{s:o}", "project", project));
    }
    json_object_set_new(root, "auth", auth);
    return root;
}

/* Python's str.rstrip('URL'), as keystoneauth normalises v3 interface names. */
static const char *interface_name(apr_pool_t *p, const char *i)
{
    apr_size_t n = strlen(i);
    while (n > 0 && (i[n - 1] == 'U' || i[n - 1] == 'R' || i[n - 1] == 'L'))
        n--;
    return apr_pstrmemdup(p, i, n);
}

/* ServiceCatalogV3.endpoint_data_for(service_type='identity', interface, region_name). */
static const char *catalog_identity_url(apr_pool_t *p, const json_t *catalog,
                                        const char *interface, const char *region)
{
    const char *want = interface_name(p, interface);
    json_t *svc, *ep;
    size_t i, j;

    json_array_foreach(catalog, i, svc) {
        const char *type = json_string_value(json_object_get(svc, "type"));
        if (!type || strcmp(type, "identity") != 0)
            continue;
        json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
            const char *ei = json_string_value(json_object_get(ep, "interface"));
            const char *url = json_string_value(json_object_get(ep, "url"));
            const char *er = json_string_value(json_object_get(ep, "region_id"));
            if (!er || !*er)
                er = json_string_value(json_object_get(ep, "region"));
            if (!ei || strcmp(ei, want) != 0)
                continue;
            if (region && (!er || strcmp(region, er) != 0))
                continue;
            if (!url || !*url)
                continue;
            return url;
        }
    }
    return NULL;
}

/* Authenticates the service. Runs without the lock, in the one thread that owns the renewal
 * (ks->renewing), so the discovery fields are its alone; returns token, expiry and identity
 * URL (in p) only when all of them are known, for the caller to commit. */
static heat_ks_status_t service_auth(heat_keystone_t *ks, apr_pool_t *p, const char **token_out,
                                     const char **identity_out, apr_time_t *expires_out)
{
    const heat_keystone_settings_t *s = &ks->s;
    heat_http_response_t *resp;
    apr_table_t *headers;
    json_t *body, *token;
    json_error_t jerr;
    const char *subject, *identity, *v3;
    char *reqbody;
    apr_time_t expires;
    apr_status_t rv;

    if (!s->auth_url || (!s->username && !s->user_id)) {
        heat_log(HEAT_LOG_ERR, "HEAT0402: No service credentials ([keystone_authtoken] auth_url and "
                 "username) to authenticate the service with");
        return HEAT_KS_UNAVAILABLE;
    }
    if (!ks->auth_v3_url) {
        if (url_is_v3(p, s->auth_url)) {
            v3 = strip_slashes(p, s->auth_url);
        }
        else if (discover_v3(ks, p, s->auth_url, &v3) != 0) {
            const char *path = url_path(p, s->auth_url);
            /* keystoneauth's fallback: parse the version from the URL */
            if (strncasecmp(path, "/v3", 3) == 0) {
                heat_log(HEAT_LOG_WARNING, "HEAT0403: Failed to discover available identity versions when "
                         "contacting %s. Attempting to parse version from URL.",
                         heat_http_url_for_log(p, s->auth_url));
                v3 = strip_slashes(p, s->auth_url);
            }
            else {
                heat_log(HEAT_LOG_ERR, "HEAT0404: Could not find versioned identity endpoints when "
                         "attempting to authenticate. Please check that your auth_url (%s) is "
                         "correct.", heat_http_url_for_log(p, s->auth_url));
                return HEAT_KS_UNAVAILABLE;
            }
        }
        ks->auth_v3_url = apr_pstrdup(ks->rt_pool, v3);
    }

    body = auth_request_body(s);
    reqbody = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!reqbody)
        return HEAT_KS_UNAVAILABLE;
    headers = json_headers(p);
    apr_table_setn(headers, "Content-Type", "application/json");
    rv = ks_send(ks, p, "POST", apr_pstrcat(p, ks->auth_v3_url, "/auth/tokens", NULL), headers,
                 reqbody, &resp);
    /* the password must not outlive the request */
    explicit_bzero(reqbody, strlen(reqbody));
    free(reqbody);
    if (rv != APR_SUCCESS)
        return HEAT_KS_UNAVAILABLE;
    if (resp->status < 200 || resp->status >= 300) {
        heat_log(HEAT_LOG_ERR, "HEAT0405: Keystone refused the service credentials of %s: HTTP %d",
                 s->user_id ? s->user_id : s->username, resp->status);
        return HEAT_KS_UNAVAILABLE;
    }
    subject = apr_table_get(resp->headers, "X-Subject-Token");
    body = heat_json_own(p, json_loadb(resp->body, resp->body_len, 0, &jerr));
    token = json_object_get(body, "token");
    if (!subject || !*subject || !json_is_object(token) ||
        heat_keystone_parse_time(json_string_value(json_object_get(token, "expires_at")),
                                 &expires) != 0) {
        heat_log(HEAT_LOG_ERR, "HEAT0406: Keystone's answer to the service authentication is unusable");
        return HEAT_KS_UNAVAILABLE;
    }

    if (s->identity_uri) {
        identity = strip_slashes(p, s->identity_uri);
    }
    else {
        const char *url = catalog_identity_url(p, json_object_get(token, "catalog"),
                                               s->interface, s->region_name);
        if (!url) {
            heat_log(HEAT_LOG_ERR, "HEAT0407: %s endpoint for identity service%s%s not found in the "
                     "service catalog", s->interface, s->region_name ? " in region " : "",
                     s->region_name ? s->region_name : "");
            return HEAT_KS_UNAVAILABLE;
        }
        if (url_is_v3(p, url)) {
            identity = strip_slashes(p, url);
        }
        else if (ks->disc_from && strcmp(ks->disc_from, url) == 0) {
            identity = ks->disc_to;
        }
        else if (discover_v3(ks, p, url, &identity) == 0) {
            ks->disc_from = apr_pstrdup(ks->rt_pool, url);
            ks->disc_to = apr_pstrdup(ks->rt_pool, identity);
        }
        else {
            heat_log(HEAT_LOG_ERR, "HEAT0408: No compatible apis supported by server (%s)",
                     heat_http_url_for_log(p, url));
            return HEAT_KS_UNAVAILABLE;
        }
    }

    *token_out = subject;
    *identity_out = identity;
    *expires_out = expires;
    heat_log(HEAT_LOG_INFO, "Service token obtained from %s (validation endpoint %s)",
             heat_http_url_for_log(p, ks->auth_v3_url), heat_http_url_for_log(p, identity));
    return HEAT_KS_VALID;
}

/* The service token, renewed single-flight: one thread talks to Keystone, without the lock;
 * meanwhile the others keep using the current token while it has not expired, or wait for the
 * renewal when there is none. After a failed renewal, callers without a usable token fail at
 * once until the back-off window ends (a black-holed Keystone costs one renewal's timeouts per
 * window, not one per request). */
static heat_ks_status_t service_get(heat_keystone_t *ks, apr_pool_t *p, const char **token,
                                    const char **url, unsigned long *generation)
{
    heat_ks_status_t st = HEAT_KS_VALID;

    int waited = 0;

    apr_thread_mutex_lock(ks->lock);
    for (;;) {
        apr_time_t now = apr_time_now();
        int usable = ks->token && ks->expires > now;
        if (ks->token && ks->expires >= now + MIN_TOKEN_LIFE)
            break; /* fresh */
        if (usable && (ks->renewing || waited || now < ks->backoff_until))
            break; /* still valid: serve it while another thread renews (or Keystone rests) */
        if (ks->renewing) {
            apr_thread_cond_wait(ks->renewed, ks->lock);
            waited = 1;
            continue;
        }
        if (now < ks->backoff_until) {
            st = HEAT_KS_UNAVAILABLE;
            break;
        }
        {
            const char *ntoken = NULL, *nurl = NULL;
            apr_time_t nexp = 0;
            ks->renewing = 1;
            apr_thread_mutex_unlock(ks->lock);
            st = service_auth(ks, p, &ntoken, &nurl, &nexp);
            apr_thread_mutex_lock(ks->lock);
            ks->renewing = 0;
            if (st == HEAT_KS_VALID) {
                /* Readers copy token and URL into their own pool under the lock, so the old
                 * pool can go. The token pool is a subpool of the mutex-guarded rt_pool. */
                apr_pool_t *np;
                apr_pool_create(&np, ks->rt_pool);
                ks->token = apr_pstrdup(np, ntoken);
                ks->identity_url = apr_pstrdup(np, nurl);
                ks->expires = nexp;
                if (ks->token_pool)
                    apr_pool_destroy(ks->token_pool);
                ks->token_pool = np;
                ks->generation++;
                ks->backoff = 0;
                ks->backoff_until = 0;
            }
            else {
                ks->backoff = ks->backoff ? ks->backoff * 2 : RENEW_BACKOFF_START;
                if (ks->backoff > RENEW_BACKOFF_MAX)
                    ks->backoff = RENEW_BACKOFF_MAX;
                ks->backoff_until = apr_time_now() + ks->backoff;
                heat_log(HEAT_LOG_WARNING, "HEAT0960: service authentication failed; requests "
                         "that need a new service token fail for the next %" APR_TIME_T_FMT
                         " ms", (apr_time_t)apr_time_as_msec(ks->backoff));
            }
            apr_thread_cond_broadcast(ks->renewed);
            /* the old token still works for a while */
            if (st != HEAT_KS_VALID && ks->token && ks->expires > apr_time_now())
                st = HEAT_KS_VALID;
            /* a new token is used even when Keystone issued it with less than MIN_TOKEN_LIFE */
            break;
        }
    }
    if (st == HEAT_KS_VALID) {
        *token = apr_pstrdup(p, ks->token);
        *url = apr_pstrdup(p, ks->identity_url);
        if (generation)
            *generation = ks->generation;
    }
    apr_thread_mutex_unlock(ks->lock);
    return st;
}

heat_ks_status_t heat_keystone_service_token(heat_keystone_t *ks, apr_pool_t *p,
                                             const char **token, const char **identity_url)
{
    return service_get(ks, p, token, identity_url, NULL);
}

static void invalidate_generation(heat_keystone_t *ks, unsigned long generation, int any)
{
    apr_thread_mutex_lock(ks->lock);
    /* Another thread may already have renewed it: only drop the token that was refused. */
    if (any || ks->generation == generation)
        ks->token = NULL;
    apr_thread_mutex_unlock(ks->lock);
}

void heat_keystone_invalidate(heat_keystone_t *ks)
{
    invalidate_generation(ks, 0, 1);
}

/* ---- validation ------------------------------------------------------------------------------ */

static apr_status_t send_validate(heat_keystone_t *ks, apr_pool_t *p, const char *identity_url,
                                  const char *service_token, const char *token, int allow_expired,
                                  heat_http_response_t **resp)
{
    apr_table_t *h = json_headers(p);
    const char *url = apr_pstrcat(p, identity_url, "/auth/tokens", NULL);

    if (!ks->s.include_service_catalog)
        url = apr_pstrcat(p, url, "?nocatalog", allow_expired ? "&allow_expired=1" : "", NULL);
    else if (allow_expired)
        url = apr_pstrcat(p, url, "?allow_expired=1", NULL);
    apr_table_setn(h, "X-Auth-Token", service_token);
    apr_table_setn(h, "X-Subject-Token", token);
    apr_table_setn(h, "OpenStack-Identity-Access-Rules", "1");
    return ks_send(ks, p, "GET", url, h, NULL, resp);
}

heat_ks_status_t heat_keystone_validate(heat_keystone_t *ks, apr_pool_t *p, const char *token,
                                        int allow_expired, const char **body, apr_size_t *len,
                                        json_t **token_body)
{
    heat_http_response_t *resp = NULL;
    const char *svc, *url;
    unsigned long gen;
    int retry;

    *body = NULL;
    *len = 0;
    *token_body = NULL;
    /* _identity.verify_token(retry=True): a second 401 (after the session's own reauth)
     * tries the whole validation once more. */
    for (retry = 0; retry < 2; retry++) {
        if (service_get(ks, p, &svc, &url, &gen) != HEAT_KS_VALID)
            return HEAT_KS_UNAVAILABLE;
        if (send_validate(ks, p, url, svc, token, allow_expired, &resp) != APR_SUCCESS)
            return HEAT_KS_UNAVAILABLE;
        if (resp->status == 401) {
            /* keystoneauth's session: the service token was refused, authenticate again
             * and resend once */
            heat_log(HEAT_LOG_INFO, "Keystone refused the service token; re-authenticating");
            invalidate_generation(ks, gen, 0);
            if (service_get(ks, p, &svc, &url, &gen) != HEAT_KS_VALID)
                return HEAT_KS_UNAVAILABLE;
            if (send_validate(ks, p, url, svc, token, allow_expired, &resp) != APR_SUCCESS)
                return HEAT_KS_UNAVAILABLE;
        }
        if (resp->status >= 200 && resp->status < 300) {
            json_error_t jerr;
            json_t *j = heat_json_own(p, json_loadb(resp->body, resp->body_len, 0, &jerr));
            if (!json_is_object(json_object_get(j, "token"))) {
                heat_log(HEAT_LOG_ERR, "HEAT0409: Keystone's token validation answer has no token object");
                return HEAT_KS_UNAVAILABLE;
            }
            *body = resp->body;
            *len = resp->body_len;
            *token_body = j;
            return HEAT_KS_VALID;
        }
        if (resp->status == 404) {
            heat_log(HEAT_LOG_INFO, "Authorization failed for token");
            return HEAT_KS_INVALID;
        }
        if (resp->status != 401) {
            heat_log(HEAT_LOG_ERR, "HEAT0410: Bad response code while validating token: %d", resp->status);
            return HEAT_KS_UNAVAILABLE;
        }
        /* The token refused twice stays: like keystoneauth, the retry first uses it again and
         * re-authenticates when Keystone refuses it again. */
        heat_log(HEAT_LOG_INFO, "Identity server rejected authorization; retrying validation");
    }
    heat_log(HEAT_LOG_ERR, "HEAT0411: Identity server rejected authorization necessary to fetch token data");
    return HEAT_KS_UNAVAILABLE;
}

/* ---- password authentication of any user (heat's authpassword) ------------------------------ */

/* discover.get_discovery's cache key: "https://ks" and "https://ks/" are the same URL. */
static const char *discovery_key(apr_pool_t *p, const char *url)
{
    const char *host = strstr(url, "://");
    const char *path;

    host = host ? host + 3 : url;
    path = strpbrk(host, "/?#");
    if (path && *path == '/' && (path[1] == '\0' || path[1] == '?' || path[1] == '#'))
        return apr_pstrcat(p, apr_pstrmemdup(p, url, (apr_size_t)(path - url)), path + 1, NULL);
    return url;
}

/* generic.BaseGenericPlugin._do_create_plugin, v3 only: the v3 base URL for auth_url, or
 * NULL with *error_type set. */
static const char *password_v3_url(heat_keystone_t *ks, apr_pool_t *p, const char *auth_url,
                                   const heat_http_options_t *options, const char **error_type)
{
    const char *key = discovery_key(p, auth_url), *v3 = NULL, *path;
    int rc;

    apr_thread_mutex_lock(ks->pw_lock);
    v3 = apr_hash_get(ks->pw_disc, key, APR_HASH_KEY_STRING);
    if (v3)
        v3 = apr_pstrdup(p, v3);
    apr_thread_mutex_unlock(ks->pw_lock);
    if (v3)
        return v3;

    rc = discover_raw(ks, p, auth_url, options, 0, &v3, NULL);
    if (rc == 0) {
        apr_thread_mutex_lock(ks->pw_lock);
        if (!apr_hash_get(ks->pw_disc, key, APR_HASH_KEY_STRING) &&
            apr_hash_count(ks->pw_disc) < PW_DISCOVERY_CACHE_MAX)
            apr_hash_set(ks->pw_disc, apr_pstrdup(ks->pw_pool, key), APR_HASH_KEY_STRING,
                         apr_pstrdup(ks->pw_pool, v3));
        apr_thread_mutex_unlock(ks->pw_lock);
        return v3;
    }
    if (rc > 0) {
        heat_log(HEAT_LOG_ERR, "HEAT0412: Could not find versioned identity endpoints when attempting to "
                 "authenticate. Please check that your auth_url (%s) is correct.",
                 heat_http_url_for_log(p, auth_url));
        *error_type = "DiscoveryFailure";
        return NULL;
    }
    heat_log(HEAT_LOG_WARNING, "HEAT0413: Failed to discover available identity versions when contacting "
             "%s. Attempting to parse version from URL.", heat_http_url_for_log(p, auth_url));
    path = url_path(p, auth_url);
    if (strncasecmp(path, "/v3", 3) == 0)
        return auth_url;
    /* "/v2.0" would get keystoneauth's v2 plugin; identity v2 is gone since Queens */
    heat_log(HEAT_LOG_ERR, "HEAT0414: Could not find versioned identity endpoints when attempting to "
             "authenticate. Please check that your auth_url (%s) is correct.",
             heat_http_url_for_log(p, auth_url));
    *error_type = "DiscoveryFailure";
    return NULL;
}

/* v3.Password's request body (PasswordMethod.get_auth_data + Auth.get_auth_ref); NULL when a
 * value is not valid UTF-8. */
static char *password_request_body(const heat_keystone_password_t *req)
{
    json_t *user = json_object(), *root;
    int bad = 0;
    char *text = NULL;

    bad |= json_object_set_new(user, "password", req->password ? json_string(req->password)
                                                               : json_null());
    if (req->username && *req->username) {
        bad |= json_object_set_new(user, "name", json_string(req->username));
        if (req->user_domain_id && *req->user_domain_id)
            bad |= json_object_set_new(user, "domain",
                                       json_pack("{s:s}", "id", req->user_domain_id));
    }
    root = json_pack("{s:{s:{s:[s], s:{s:o}}}}", "auth", "identity", "methods", "password",
                     "password", "user", user);
    if (root && req->project_id && *req->project_id)
        bad |= json_object_set_new(json_object_get(root, "auth"), "scope",
                                   json_pack("{s:{s:s}}", "project", "id", req->project_id));
    if (root && !bad)
        text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return text;
}

void heat_keystone_password_auth(heat_keystone_t *ks, apr_pool_t *p,
                                 const heat_keystone_password_t *req,
                                 heat_keystone_password_result_t *out)
{
    const char *v3, *base, *subject, *who;
    heat_http_response_t *resp = NULL;
    apr_table_t *headers;
    apr_size_t n;
    apr_status_t rv;
    json_error_t jerr;
    json_t *body;
    char *reqbody;

    memset(out, 0, sizeof(*out));
    out->status = HEAT_KS_UNAVAILABLE;
    who = req->username && *req->username ? req->username : "(no user name)";
    if (!req->auth_url || !*req->auth_url) {
        heat_log(HEAT_LOG_ERR, "HEAT0415: Password authentication of %s: no auth URL", who);
        out->error_type = "DiscoveryFailure";
        return;
    }
    v3 = password_v3_url(ks, p, req->auth_url, req->options, &out->error_type);
    if (!v3)
        return;
    /* Auth.get_auth_ref: token_url, or <auth_url>/v3/auth/tokens when auth_url does not end
     * in "v3" */
    base = strip_slashes(p, v3);
    n = strlen(base);
    out->token_url = apr_pstrcat(p, base, n >= 2 && strcmp(base + n - 2, "v3") == 0 ? "" : "/v3",
                                 "/auth/tokens", NULL);

    reqbody = password_request_body(req);
    if (!reqbody) {
        out->error_type = "ValueError";
        return;
    }
    headers = json_headers(p);
    apr_table_setn(headers, "Content-Type", "application/json");
    rv = ks_send_ex(ks, p, "POST", out->token_url, headers, reqbody, req->options, 0, &resp);
    /* the password must not outlive the request */
    explicit_bzero(reqbody, strlen(reqbody));
    free(reqbody);
    if (rv != APR_SUCCESS) {
        out->error_type = transport_error_class(rv, resp);
        return;
    }
    out->http_status = resp->status;
    if (resp->status >= 400) {
        out->error_type =
            http_error_class(resp->status, apr_table_get(resp->headers, "Openstack-Auth-Receipt")
                                               != NULL);
        if (strcmp(out->error_type, "Unauthorized") == 0 ||
            strcmp(out->error_type, "Forbidden") == 0 || strcmp(out->error_type, "NotFound") == 0) {
            heat_log(HEAT_LOG_INFO, "Keystone refused the password authentication of %s: HTTP %d",
                     who, resp->status);
            out->status = HEAT_KS_INVALID;
        }
        else {
            /* a 4xx is the request's fault (no user name or domain...), a 5xx Keystone's */
            heat_log(resp->status < 500 ? HEAT_LOG_INFO : HEAT_LOG_ERR, "HEAT0416: Keystone answered the "
                     "password authentication of %s with HTTP %d", who, resp->status);
        }
        return;
    }
    body = heat_json_own(p, json_loadb(resp->body, resp->body_len, 0, &jerr));
    if (!json_is_object(json_object_get(body, "token"))) {
        heat_log(HEAT_LOG_ERR, "HEAT0417: Keystone's answer to a password authentication has no token");
        out->error_type = "InvalidResponse";
        return;
    }
    subject = apr_table_get(resp->headers, "X-Subject-Token");
    if (!subject) {
        heat_log(HEAT_LOG_ERR, "HEAT0418: Keystone's answer to a password authentication has no "
                 "X-Subject-Token");
        out->error_type = "KeyError";
        return;
    }
    out->status = HEAT_KS_VALID;
    out->token = subject;
    out->token_body = body;
}

/* ---- EC2 signatures (heat's ec2authtoken) ---------------------------------------------------- */

static apr_status_t send_ec2tokens(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                                   const char *body, const heat_http_options_t *options,
                                   const char *service_token, heat_http_response_t **resp)
{
    apr_table_t *h = apr_table_make(p, 3);
    apr_table_setn(h, "Content-Type", "application/json");
    if (service_token)
        apr_table_setn(h, "X-Auth-Token", service_token);
    heat_stats_count(HEAT_STAT_EC2TOKENS);
    return ks_send_ex(ks, p, "POST", url, h, body, options ? options : &ks->hopts, 0, resp);
}

/* Keystone's answer when it refused the caller's own token (not the EC2 signature) */
static int refused_caller(const json_t *body)
{
    const char *msg = json_string_value(
        json_object_get(json_object_get(body, "error"), "message"));
    return msg && strcmp(msg, "The request you have made requires authentication.") == 0;
}

heat_ks_status_t heat_keystone_ec2tokens(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                                         const char *body, const heat_http_options_t *options,
                                         int with_service_token, heat_keystone_ec2_result_t *out)
{
    heat_http_response_t *resp = NULL;
    const char *svc = NULL, *identity;
    unsigned long gen = 0;
    json_error_t jerr;
    int attempt;

    memset(out, 0, sizeof(*out));
    for (attempt = 0; attempt < 2; attempt++) {
        if (with_service_token &&
            service_get(ks, p, &svc, &identity, &gen) != HEAT_KS_VALID) {
            out->error = "no service token to call ec2tokens with";
            return HEAT_KS_UNAVAILABLE;
        }
        if (send_ec2tokens(ks, p, url, body, options, svc, &resp) != APR_SUCCESS) {
            out->error = resp && resp->error ? resp->error : "no answer";
            return HEAT_KS_UNAVAILABLE;
        }
        out->http_status = resp->status;
        out->body = heat_json_own(p, json_loadb(resp->body, resp->body_len, 0, &jerr));
        if (!out->body && resp->status >= 400 && resp->status < 500) {
            /* a refusal all the same (a wrong path answers an HTML 404): heat would crash on
             * response.json(); mod_heat takes it as an error without message (AccessDenied) */
            out->error = apr_psprintf(p, "Keystone's answer (HTTP %d) is not JSON", resp->status);
            heat_log(HEAT_LOG_WARNING, "HEAT0419: POST %s: %s; taken as a refusal",
                     heat_http_url_for_log(p, url), out->error);
            out->body = heat_json_own(p, json_object());
            break;
        }
        if (!out->body) {
            out->error = apr_psprintf(p, "Keystone's answer (HTTP %d) is not JSON", resp->status);
            heat_log(HEAT_LOG_ERR, "HEAT0420: POST %s: %s", heat_http_url_for_log(p, url), out->error);
            return HEAT_KS_UNAVAILABLE;
        }
        if (!(with_service_token && attempt == 0 && resp->status == 401 &&
              refused_caller(out->body)))
            break;
        /* Keystone gives the same generic 401 for a disabled user or project: renew the service
         * token for it at most once a minute, so that such requests cannot make every call a
         * password authentication */
        {
            apr_time_t now = apr_time_now();
            int renew;
            apr_thread_mutex_lock(ks->lock);
            renew = !ks->ec2_reauth_at || now - ks->ec2_reauth_at > apr_time_from_sec(60);
            if (renew)
                ks->ec2_reauth_at = now;
            apr_thread_mutex_unlock(ks->lock);
            if (!renew)
                break;
        }
        heat_log(HEAT_LOG_INFO, "Keystone refused the service token on ec2tokens; "
                 "re-authenticating");
        invalidate_generation(ks, gen, 0);
    }
    out->subject_token = apr_table_get(resp->headers, "X-Subject-Token");
    out->raw = resp->body;
    out->raw_len = resp->body_len;
    return HEAT_KS_VALID;
}

void heat_keystone_cache_issued(heat_keystone_t *ks, apr_pool_t *p,
                                const heat_keystone_cache_t *cache, const char *token,
                                const json_t *token_body)
{
    cache_slot_t *slot;
    apr_time_t now = apr_time_now(), expires, expiry;
    json_t *copy;
    char *text;

    if (!cache || ks->s.token_cache_time <= 0 || !token || !*token ||
        !json_is_object(json_object_get(token_body, "token")))
        return;
    if (heat_keystone_parse_time(json_string_value(json_object_get(
                                     json_object_get(token_body, "token"), "expires_at")),
                                 &expires) != 0)
        return;
    expiry = now + apr_time_from_sec(ks->s.token_cache_time);
    if (expires < expiry)
        expiry = expires;
    if (expiry <= now)
        return;
    copy = heat_json_own(p, json_deep_copy(token_body));
    if (!ks->s.include_service_catalog)
        json_object_del(json_object_get(copy, "token"), "catalog");
    if (!(slot = cache_slot(ks, p, token)))
        return;
    text = json_dumps(copy, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        return;
    cache_put(p, cache, slot, text, strlen(text), expiry);
    free(text);
}

/* ---- token checks ---------------------------------------------------------------------------- */

typedef enum { PT_LIT, PT_ANYCHAR, PT_SEG, PT_ANY } pt_kind_t;
typedef struct {
    pt_kind_t kind;
    char c;
} pt_tok_t;

static int pt_match(const char *s, const pt_tok_t *t, apr_size_t n)
{
    apr_size_t k;

    if (n == 0)
        return *s == '\0' || (s[0] == '\n' && s[1] == '\0'); /* Python's "$" */
    switch (t->kind) {
    case PT_LIT:
        return *s == t->c && pt_match(s + 1, t + 1, n - 1);
    case PT_ANYCHAR:
        return *s && *s != '\n' && pt_match(s + 1, t + 1, n - 1);
    case PT_SEG: /* [^\/]+ */
        for (k = 1; s[k - 1] && s[k - 1] != '/'; k++)
            if (pt_match(s + k, t + 1, n - 1))
                return 1;
        return 0;
    case PT_ANY: /* .* */
        for (k = 0;; k++) {
            if (pt_match(s + k, t + 1, n - 1))
                return 1;
            if (!s[k] || s[k] == '\n')
                return 0;
        }
    }
    return 0;
}

int heat_keystone_path_matches(const char *path, const char *pattern)
{
    apr_size_t plen = strlen(pattern), n = 0, i = 0;
    pt_tok_t stackbuf[256] = {{PT_LIT, 0}};
    pt_tok_t *toks = plen <= 256 ? stackbuf : malloc(plen * sizeof(pt_tok_t));
    int r;

    if (!toks)
        return 0;
    while (i < plen) {
        char c = pattern[i];
        if (c == '{') {
            const char *close = strchr(pattern + i + 1, '}');
            if (close) {
                toks[n++].kind = PT_SEG;
                i = (apr_size_t)(close - pattern) + 1;
            }
            else {
                i++; /* matches no alternative of the token regex: skipped by finditer */
            }
        }
        else if (c == '*') {
            if (pattern[i + 1] == '*') {
                toks[n++].kind = PT_ANY;
                i += 2;
            }
            else {
                toks[n++].kind = PT_SEG;
                i++;
            }
        }
        else if (c == '}') {
            i++;
        }
        else {
            /* copied into the regex unescaped: "." matches any character */
            toks[n].kind = c == '.' ? PT_ANYCHAR : PT_LIT;
            toks[n++].c = c;
            i++;
        }
    }
    r = pt_match(path ? path : "", toks, n);
    if (toks != stackbuf)
        free(toks);
    return r;
}

static const char *check_bind(const heat_keystone_settings_t *s, const json_t *token,
                              const heat_keystone_request_t *req)
{
    const char *mode = s->enforce_token_bind;
    json_t *bind = json_object_get(token, "bind"), *identifier;
    const char *name = NULL, *type;
    int permissive;

    if (strcmp(mode, "disabled") == 0)
        return NULL;
    permissive = strcmp(mode, "permissive") == 0 || strcmp(mode, "strict") == 0;
    if (!json_is_object(bind) || json_object_size(bind) == 0) {
        if (permissive)
            return NULL;
        return "No bind information present in token";
    }
    if (!permissive && strcmp(mode, "required") != 0)
        name = mode;
    if (name && !json_object_get(bind, name))
        return "Named bind mode not in bind information";
    json_object_foreach(bind, type, identifier) {
        if (strcmp(type, "kerberos") == 0) {
            if (!req || !req->auth_type || strcasecmp(req->auth_type, "negotiate") != 0)
                return "Kerberos credentials required and not present";
            if (!req->remote_user || !json_is_string(identifier) ||
                strcmp(req->remote_user, json_string_value(identifier)) != 0)
                return "Kerberos credentials do not match those in bind";
        }
        else if (strcmp(mode, "permissive") != 0) {
            return "Couldn't verify unknown bind";
        }
    }
    return NULL;
}

static const char *check_access_rules(const heat_keystone_settings_t *s, const json_t *token,
                                      const heat_keystone_request_t *req)
{
    json_t *app_cred = json_object_get(token, "application_credential");
    json_t *rules, *svc, *rule;
    const char *method = req && req->method ? req->method : "";
    const char *path = req && req->path ? req->path : "";
    size_t i;
    int found = 0;

    if (!app_cred || json_is_null(app_cred) || json_is_false(app_cred) ||
        (json_is_object(app_cred) && json_object_size(app_cred) == 0))
        return NULL;
    rules = json_object_get(app_cred, "access_rules");
    if (!rules || json_is_null(rules))
        return NULL;
    if (!s->service_type) {
        heat_log(HEAT_LOG_WARNING, "HEAT0421: Cannot validate request with restricted access rules. Set "
                 "service_type in [keystone_authtoken] to allow access rule validation.");
        return "access rules present but no service_type configured";
    }
    if (strcmp(s->service_type, "identity") == 0 && strcmp(method, "GET") == 0) {
        apr_size_t pl = strlen(path);
        if (pl >= 15 && strcmp(path + pl - 15, "/v3/auth/tokens") == 0)
            return NULL;
    }
    json_array_foreach(json_object_get(token, "catalog"), i, svc) {
        const char *type = json_string_value(json_object_get(svc, "type"));
        if (type && strcmp(type, s->service_type) == 0)
            found = 1;
    }
    if (!found) {
        heat_log(HEAT_LOG_WARNING, "HEAT0422: Cannot validate request with restricted access rules. "
                 "service_type in [keystone_authtoken] is not a valid service type in the "
                 "catalog.");
        return "service_type not in the token's catalog";
    }
    if (req && req->service_token && *req->service_token)
        return NULL;
    json_array_foreach(rules, i, rule) {
        const char *rm = json_string_value(json_object_get(rule, "method"));
        const char *rp = json_string_value(json_object_get(rule, "path"));
        const char *rs = json_string_value(json_object_get(rule, "service"));
        if (rm && rp && rs && strcmp(rm, method) == 0 && strcmp(rs, s->service_type) == 0 &&
            heat_keystone_path_matches(path, rp))
            return NULL;
    }
    return "request not allowed by the application credential's access rules";
}

const char *heat_keystone_check_token(const heat_keystone_settings_t *s, const json_t *token_body,
                                      const heat_keystone_request_t *req, int is_user_token,
                                      int allow_expired, apr_time_t now)
{
    json_t *token = json_object_get(token_body, "token");
    apr_time_t expires;
    const char *why;

    if (!json_is_object(token))
        return "Invalid token contents";
    if (heat_keystone_parse_time(json_string_value(json_object_get(token, "expires_at")),
                                 &expires) != 0)
        return "Invalid token contents";
    if (!allow_expired && expires < now)
        return "Token expired";
    /* auth_token checks the bind of the service token, and of the user token only when no
     * service token accompanies it */
    if (!is_user_token || !(req && req->service_token && *req->service_token)) {
        why = check_bind(s, token, req);
        if (why)
            return why;
    }
    if (is_user_token)
        return check_access_rules(s, token, req);
    return NULL;
}

/* ---- the authtoken step ---------------------------------------------------------------------- */

json_t *heat_keystone_token_info(apr_pool_t *p, const json_t *token_body, const char *token)
{
    json_t *t = json_object_get(token_body, "token"), *copy;

    if (!json_is_object(t))
        return NULL;
    /* shallow: the token's members are shared and never changed (the body may be another
     * thread's, handed over by a validation in flight) */
    copy = json_copy(t);
    json_object_set_new(copy, "version", json_string("v3"));
    json_object_set_new(copy, "auth_token", json_string(token));
    return heat_json_own(p, json_pack("{s:o}", "token", copy));
}

static const char *strip_token(apr_pool_t *p, const char *raw)
{
    const char *end;

    if (!raw)
        return NULL;
    while (*raw && apr_isspace(*raw))
        raw++;
    end = raw + strlen(raw);
    while (end > raw && apr_isspace(end[-1]))
        end--;
    return apr_pstrmemdup(p, raw, (apr_size_t)(end - raw));
}

/* A validation in flight. Concurrent misses of one token (the same invalid token after its
 * remembered 404 expired, say) would each ask Keystone and queue on its few threads; instead
 * the first thread asks and the others wait for its answer. */
typedef struct ks_flight_t {
    struct ks_flight_t *next;
    unsigned char key[32];
    int allow_expired;
    int done;
    int waiters;
    heat_ks_status_t st;
    apr_pool_t *pool; /* unmanaged: the answer outlives the leader's request pool */
    char *body;
    apr_size_t len;
} ks_flight_t;

static heat_ks_status_t validate_once(heat_keystone_t *ks, apr_pool_t *p,
                                      const unsigned char key[32], const char *token,
                                      int allow_expired, const char **body, apr_size_t *len,
                                      json_t **token_body, int *leader)
{
    ks_flight_t *f;
    heat_ks_status_t st;
    apr_pool_t *fp;
    int last;

    *leader = 0;
    apr_thread_mutex_lock(ks->sf_lock);
    for (f = ks->flights; f; f = f->next)
        if (f->allow_expired == allow_expired && memcmp(f->key, key, 32) == 0)
            break;
    if (f) {
        f->waiters++;
        while (!f->done)
            apr_thread_cond_wait(ks->sf_done, ks->sf_lock);
        st = f->st;
        *body = NULL;
        *len = 0;
        *token_body = NULL;
        if (st == HEAT_KS_VALID) {
            json_error_t jerr;
            *body = apr_pstrmemdup(p, f->body, f->len);
            *len = f->len;
            *token_body = heat_json_own(p, json_loadb(*body, *len, 0, &jerr));
            if (!*token_body)
                st = HEAT_KS_UNAVAILABLE;
        }
        last = --f->waiters == 0;
        apr_thread_mutex_unlock(ks->sf_lock);
        if (last)
            apr_pool_destroy(f->pool);
        return st;
    }
    if (apr_pool_create_unmanaged_ex(&fp, NULL, NULL) != APR_SUCCESS) {
        apr_thread_mutex_unlock(ks->sf_lock);
        return heat_keystone_validate(ks, p, token, allow_expired, body, len, token_body);
    }
    f = apr_pcalloc(fp, sizeof(*f));
    f->pool = fp;
    memcpy(f->key, key, 32);
    f->allow_expired = allow_expired;
    f->next = ks->flights;
    ks->flights = f;
    apr_thread_mutex_unlock(ks->sf_lock);

    *leader = 1;
    st = heat_keystone_validate(ks, p, token, allow_expired, body, len, token_body);

    apr_thread_mutex_lock(ks->sf_lock);
    {
        ks_flight_t **pp = &ks->flights;
        while (*pp != f)
            pp = &(*pp)->next;
        *pp = f->next; /* no new followers from here on */
    }
    f->st = st;
    if (st == HEAT_KS_VALID && f->waiters) {
        f->body = apr_pstrmemdup(fp, *body, *len);
        f->len = *len;
    }
    f->done = 1;
    last = f->waiters == 0;
    apr_thread_cond_broadcast(ks->sf_done);
    apr_thread_mutex_unlock(ks->sf_lock);
    if (last)
        apr_pool_destroy(fp);
    return st;
}

/* fetch_token: the cache, else Keystone (and the cache updated). */
static heat_ks_status_t fetch_token(heat_keystone_t *ks, apr_pool_t *p,
                                    const heat_keystone_cache_t *cache, const char *token,
                                    int allow_expired, json_t **token_body, int *from_cache)
{
    cache_slot_t *slot = NULL;
    unsigned char key[32]; /* the token's hash: concurrent validations of it share one call */
    const char *body;
    apr_size_t len;
    json_t *j;
    heat_ks_status_t st;
    int leader;

    *token_body = NULL;
    *from_cache = 0;
    if (!*token)
        return HEAT_KS_INVALID; /* nothing Keystone could find */
    if (cache && !(slot = cache_slot(ks, p, token)))
        cache = NULL;
    if (cache) {
        /* A remembered 404 is not used for an allow_expired validation: Keystone answers
         * 404 for expired tokens that allow_expired=1 would accept. */
        int hit = cache_get(ks, p, cache, slot, !allow_expired, &body, &len);
        heat_stats_count(hit < 0 ? HEAT_STAT_CACHE_NEGATIVE_HIT : hit ? HEAT_STAT_CACHE_HIT : HEAT_STAT_CACHE_MISS);
        if (hit < 0) {
            *from_cache = 1;
            return HEAT_KS_INVALID;
        }
        if (hit > 0) {
            json_error_t jerr;
            j = heat_json_own(p, json_loadb(body, len, 0, &jerr));
            if (json_is_object(json_object_get(j, "token"))) {
                *token_body = j;
                *from_cache = 1;
                return HEAT_KS_VALID;
            }
        }
    }
    heat_keystone_cache_key(ks, token, key);
    st = validate_once(ks, p, key, token, allow_expired, &body, &len, &j, &leader);
    if (st == HEAT_KS_VALID) {
        *token_body = j;
        if (leader && cache && ks->s.token_cache_time > 0) {
            apr_time_t now = apr_time_now(), expires;
            apr_time_t expiry = now + apr_time_from_sec(ks->s.token_cache_time);
            if (heat_keystone_parse_time(json_string_value(json_object_get(
                                             json_object_get(j, "token"), "expires_at")),
                                         &expires) == 0) {
                if (expires < expiry)
                    expiry = expires;
                if (expiry > now)
                    cache_put(p, cache, slot, body, len, expiry);
            }
        }
    }
    else if (st == HEAT_KS_INVALID && cache && leader) {
        cache_put(p, cache, slot, NULL, 0, 0);
    }
    return st;
}

static int has_role(const json_t *token, const apr_array_header_t *roles)
{
    json_t *role;
    size_t i;
    int k;

    json_array_foreach(json_object_get(token, "roles"), i, role) {
        const char *name = json_string_value(json_object_get(role, "name"));
        for (k = 0; name && roles && k < roles->nelts; k++)
            if (strcmp(name, APR_ARRAY_IDX(roles, k, const char *)) == 0)
                return 1;
    }
    return 0;
}

void heat_keystone_authenticate(heat_keystone_t *ks, apr_pool_t *p,
                                const heat_keystone_cache_t *cache,
                                const heat_keystone_request_t *req, heat_auth_result_t *res)
{
    const heat_keystone_settings_t *s = &ks->s;
    int allow_expired = 0, user_valid = 0, from_cache;
    json_t *body;
    heat_ks_status_t st;
    const char *why;

    memset(res, 0, sizeof(*res));
    res->status = HEAT_AUTH_UNAUTHORIZED;

    /* X-Service-Token first, as auth_token does: its roles decide whether the user token may
     * be expired */
    if (req->service_token && *req->service_token) {
        const char *stoken = strip_token(p, req->service_token);
        res->service_token_present = 1;
        st = fetch_token(ks, p, cache, stoken, 0, &body, &from_cache);
        if (st == HEAT_KS_UNAVAILABLE) {
            res->status = HEAT_AUTH_UNAVAILABLE;
            res->reason = "Keystone unavailable (service token)";
            return;
        }
        why = st == HEAT_KS_VALID ? heat_keystone_check_token(s, body, req, 0, 0, apr_time_now())
                                  : "service token not found";
        if (why) {
            heat_log(HEAT_LOG_INFO, "Invalid service token: %s", why);
            res->service_token_valid = 0;
        }
        else {
            json_t *token = json_object_get(body, "token");
            int role_ok = has_role(token, s->service_token_roles);
            if (s->service_token_roles_required) {
                res->service_token_valid = role_ok;
            }
            else {
                int warn;
                apr_thread_mutex_lock(ks->lock);
                warn = !role_ok && !ks->warned_service_roles;
                if (warn)
                    ks->warned_service_roles = 1;
                apr_thread_mutex_unlock(ks->lock);
                if (warn) {
                    heat_log(HEAT_LOG_WARNING, "HEAT0423: A valid token was submitted as a service token, "
                             "but it was not a valid service token. This is incorrect but "
                             "backwards compatible behaviour. This will be removed in future "
                             "releases.");
                }
                res->service_token_valid = 1;
            }
            allow_expired = role_ok;
            if (res->service_token_valid)
                res->service_token_info = heat_keystone_token_info(p, body, stoken);
        }
    }

    if (req->user_token && *req->user_token) {
        const char *token = strip_token(p, req->user_token);
        st = fetch_token(ks, p, cache, token, allow_expired, &body, &from_cache);
        if (st == HEAT_KS_UNAVAILABLE) {
            res->status = HEAT_AUTH_UNAVAILABLE;
            res->reason = "Keystone unavailable";
            return;
        }
        why = st == HEAT_KS_VALID
                  ? heat_keystone_check_token(s, body, req, 1, allow_expired, apr_time_now())
                  : (from_cache ? "token not found (remembered)" : "token not found");
        if (why) {
            heat_log(HEAT_LOG_INFO, "Invalid user token: %s", why);
            res->reason = why;
        }
        else {
            user_valid = 1;
            res->token = token;
            res->from_cache = from_cache;
            res->token_info = heat_keystone_token_info(p, body, token);
        }
    }
    else {
        res->reason = "no token";
    }

    if (user_valid && (!res->service_token_present || res->service_token_valid)) {
        res->status = HEAT_AUTH_OK;
        res->reason = NULL;
        return;
    }
    if (user_valid)
        res->reason = "invalid service token";
    res->token = NULL;
    res->token_info = NULL;
}

/* ---- responses and token data ---------------------------------------------------------------- */

const char *heat_keystone_www_authenticate_uri(const heat_keystone_settings_t *s)
{
    if (s->www_authenticate_uri && *s->www_authenticate_uri)
        return s->www_authenticate_uri;
    if (s->auth_uri && *s->auth_uri)
        return s->auth_uri;
    return s->auth_url ? s->auth_url : "";
}

const char *heat_keystone_www_authenticate(apr_pool_t *p, const heat_keystone_settings_t *s)
{
    return apr_psprintf(p, "Keystone uri=\"%s\"", heat_keystone_www_authenticate_uri(s));
}

static const char *get_str(const json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    if (k2)
        v = json_object_get(v, k2);
    return json_string_value(v);
}

static const char *get_str3(const json_t *obj, const char *k1, const char *k2, const char *k3)
{
    return json_string_value(json_object_get(json_object_get(json_object_get(obj, k1), k2), k3));
}

const char *heat_keystone_catalog_v2(apr_pool_t *p, const json_t *catalog)
{
    json_t *out = heat_json_own(p, json_array());
    json_t *svc, *ep;
    size_t i, j;

    json_array_foreach(catalog, i, svc) {
        json_t *service, *endpoints, *name;
        apr_array_header_t *region_names = apr_array_make(p, 4, sizeof(const char *));
        const char *type = json_string_value(json_object_get(svc, "type"));
        if (!type)
            continue;
        service = json_object();
        json_object_set_new(service, "type", json_string(type));
        name = json_object_get(svc, "name");
        if (name)
            json_object_set(service, "name", name);
        endpoints = json_array();
        json_array_foreach(json_object_get(svc, "endpoints"), j, ep) {
            const char *region = json_string_value(json_object_get(ep, "region"));
            const char *iface = json_string_value(json_object_get(ep, "interface"));
            json_t *url = json_object_get(ep, "url"), *group = NULL;
            char *key, *c;
            int k;
            if (!iface)
                continue;
            /* group the endpoints of one region (None included) in order of appearance */
            for (k = 0; k < region_names->nelts; k++) {
                const char *rn = APR_ARRAY_IDX(region_names, k, const char *);
                if ((rn == NULL && region == NULL) || (rn && region && strcmp(rn, region) == 0)) {
                    group = json_array_get(endpoints, (size_t)k);
                    break;
                }
            }
            if (!group) {
                group = json_object();
                if (region && *region)
                    json_object_set_new(group, "region", json_string(region));
                json_array_append_new(endpoints, group);
                APR_ARRAY_PUSH(region_names, const char *) = region;
            }
            key = apr_pstrcat(p, iface, "URL", NULL);
            for (c = key; *c && c < key + strlen(iface); c++)
                *c = (char)apr_tolower(*c);
            json_object_set(group, key, url ? url : json_null());
        }
        json_object_set_new(service, "endpoints", endpoints);
        json_array_append_new(out, service);
    }
    return heat_json_dump(p, out, 0);
}

void heat_keystone_identity(apr_pool_t *p, const json_t *token_body, heat_keystone_identity_t *id)
{
    json_t *t = json_object_get(token_body, "token"), *role, *iap, *system;
    size_t i;

    memset(id, 0, sizeof(*id));
    if (!json_is_object(t))
        t = (json_t *)token_body; /* a bare token object is accepted too */
    id->user_id = get_str(t, "user", "id");
    id->user_name = get_str(t, "user", "name");
    id->user_domain_id = get_str3(t, "user", "domain", "id");
    id->user_domain_name = get_str3(t, "user", "domain", "name");
    id->project_id = get_str(t, "project", "id");
    id->project_name = get_str(t, "project", "name");
    id->project_domain_id = get_str3(t, "project", "domain", "id");
    id->project_domain_name = get_str3(t, "project", "domain", "name");
    id->domain_id = get_str(t, "domain", "id");
    id->domain_name = get_str(t, "domain", "name");
    id->expires_at = get_str(t, "expires_at", NULL);
    system = json_object_get(t, "system");
    if (json_is_object(system) && json_is_true(json_object_get(system, "all")))
        id->system_scope = "all";
    id->roles = apr_array_make(p, 4, sizeof(const char *));
    json_array_foreach(json_object_get(t, "roles"), i, role) {
        const char *name = json_string_value(json_object_get(role, "name"));
        if (name)
            APR_ARRAY_PUSH(id->roles, const char *) = name;
    }
    id->roles_joined = apr_array_pstrcat(p, id->roles, ',');
    iap = json_object_get(t, "is_admin_project");
    id->is_admin_project = iap ? json_is_true(iap) : 1;
    if (json_object_get(t, "catalog"))
        id->service_catalog = heat_keystone_catalog_v2(p, json_object_get(t, "catalog"));
}
