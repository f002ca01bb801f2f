/* heat_keystone.h: the Keystone v3 client behind mod_heat's authtoken step, following
 * keystonemiddleware 10.1.0's auth_token with keystoneauth1's password plugin:
 *
 *  - the service's own token: version discovery on auth_url, password authentication,
 *    reused until 120 s before its expires_at, renewed single-flight (one thread asks Keystone,
 *    without holding a lock; the others keep the still-valid token or wait; after a failure a
 *    back-off window fails callers without a usable token at once),
 *    invalidated and renewed when Keystone answers 401 to a validation;
 *  - the validation endpoint: the service token's catalog (type identity, `interface`,
 *    `region_name`) plus version discovery, or an explicit override;
 *  - token validation (GET /v3/auth/tokens), the checks keystonemiddleware applies to the
 *    token data (expiry, access rules, bind), X-Service-Token handling, and the cache hooks
 *    through which the glue plugs in the shared socache;
 *  - helpers: the exact keystone.token_info object, the identity fields (X-User-Id, X-Roles...)
 *    and the v2-shaped X-Service-Catalog, the 401 body and WWW-Authenticate value;
 *  - heat's own uses of keystoneauth1 (a Session without connect retries, its TLS settings
 *    from [clients_keystone]): Discover.url_for('3.0') for the authurl step, and the generic
 *    password plugin for any user, behind the standalone flavor's authpassword step
 *    (heat/common/auth_password.py).
 *
 * Thread safety: a heat_keystone_t is shared by all threads of a process; all calls may run
 * concurrently. It never logs tokens, passwords or response bodies. */
#ifndef HEAT_KEYSTONE_H
#define HEAT_KEYSTONE_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include <jansson.h>

#include "heat_http.h"
#include "heat_settings_types.h"

/* ---- settings ([keystone_authtoken]) ---------------------------------------------------- */

/* heat_keystone_settings_t is one of heat.conf's settings (common/heat_settings_types.h), loaded
 * from the option table's rows with the rest of heat_settings_t. */

/* Fills s with keystonemiddleware's defaults (include_service_catalog 1, token_cache_time
 * 300, http_request_max_retries 3, everything else NULL/0). */
void heat_keystone_settings_init(heat_keystone_settings_t *s);

/* ---- the client ------------------------------------------------------------------------- */

typedef struct heat_keystone_t heat_keystone_t;

/* Creates the per-process client (call in child_init). The settings are copied into p.
 * Returns APR_EINVAL with *error set when the settings are unusable (no auth_url...). */
apr_status_t heat_keystone_create(heat_keystone_t **ks, apr_pool_t *p, heat_http_t *http,
                                  const heat_keystone_settings_t *settings, const char **error);

const heat_keystone_settings_t *heat_keystone_settings(const heat_keystone_t *ks);

typedef enum {
    HEAT_KS_VALID = 0,   /* Keystone (or the cache) vouches for the token */
    HEAT_KS_INVALID,     /* Keystone answered 404, or the token data fails a check */
    HEAT_KS_UNAVAILABLE  /* connection error, timeout, 5xx, unexpected answer: 503 */
} heat_ks_status_t;

/* The service token and the identity v3 URL used for validation, copied into p.
 * Authenticates (or re-authenticates, when less than 120 s are left) as needed. */
heat_ks_status_t heat_keystone_service_token(heat_keystone_t *ks, apr_pool_t *p,
                                             const char **token, const char **identity_url);

/* keystoneauth's Discover(session, url).url_for('3.0'), as heat's endpoint_utils.get_auth_uri
 * uses it for the authurl step: GET url (even when it names v3 already) and the "self" href of
 * the v3 version exactly as Keystone advertises it (e.g. "http://ks:5000/v3/", trailing slash
 * included). One request, no connect retries; options NULL: the client's transport settings.
 * NULL when there is none: *error_type (if given) is then NULL when the version document lists
 * no v3 (url_for's None), else the keystoneauth1 exception Discover raised ("ConnectFailure",
 * "ConnectTimeout", "NotFound" and the other HTTP errors, "DiscoveryFailure" for a body that is
 * no version document). */
const char *heat_keystone_discover_v3(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                                      const heat_http_options_t *options, const char **error_type);

/* Forgets the service token so that the next call authenticates again. */
void heat_keystone_invalidate(heat_keystone_t *ks);

/* One validation against Keystone, without cache or checks: GET <v3>/auth/tokens.
 * VALID: *body and *len are Keystone's raw answer (NUL-terminated, in p) and *token_body its
 * parse (pool-owned), which has a "token" object. INVALID: Keystone answered 404. */
heat_ks_status_t heat_keystone_validate(heat_keystone_t *ks, apr_pool_t *p, const char *token,
                                        int allow_expired, const char **body, apr_size_t *len,
                                        json_t **token_body);

/* ---- password authentication of any user (heat's authpassword step) -------------------- */

/* What heat's RequestContext._create_auth_plugin hands keystoneauth1's generic Password
 * plugin. Empty strings count as absent, as keystoneauth tests truthiness. */
typedef struct {
    const char *auth_url;       /* keystone_v3_endpoint: X-Auth-Url with "v2.0" -> "v3" */
    const char *username;       /* X-Auth-User: user.name; NULL/"": no name (nor domain) sent */
    const char *password;       /* X-Auth-Key; NULL: JSON null */
    const char *user_domain_id; /* X-User-Domain-Id: user.domain.id (with a name only) */
    const char *project_id;     /* scope.project.id; NULL/"": unscoped */
    const heat_http_options_t *options; /* transport (TLS of [clients_keystone]); NULL: the
                                           client's. No connect retries, as heat's Session. */
} heat_keystone_password_t;

typedef struct {
    /* VALID: Keystone issued a token. INVALID: keystoneauth raised Unauthorized, Forbidden or
     * NotFound (what authpassword turns into its 401). UNAVAILABLE: anything else keystoneauth
     * raises, named by error_type. */
    heat_ks_status_t status;
    const char *token;          /* X-Subject-Token (VALID) */
    json_t *token_body;         /* Keystone's answer {"token": {...}}, pool-owned (VALID) */
    const char *token_url;      /* where the POST went, NULL if it was not sent */
    int http_status;            /* Keystone's status for the POST, 0 if none */
    /* The keystoneauth1 exception class (not VALID): "Unauthorized", "Forbidden", "NotFound",
     * "MissingAuthMethods", "BadRequest" (and the other HttpError subclasses by status),
     * "ConnectFailure", "ConnectTimeout", "UnknownConnectionError", "DiscoveryFailure",
     * "InvalidResponse", "KeyError" (no X-Subject-Token). */
    const char *error_type;
} heat_keystone_password_result_t;

/* keystoneauth1 generic.Password(...).get_access(session): version discovery on auth_url
 * (GET, remembered per URL for the life of the client like the Session's discovery cache;
 * when it fails, the version parsed from the URL path "/v3..."), then POST
 * <v3>/auth/tokens with {"auth": {"identity": {"methods": ["password"], "password": {"user":
 * {...}}}, "scope": {"project": {"id": ...}}}}. Only identity v3 is spoken. The password is
 * wiped from the request buffer afterwards and never logged. */
void heat_keystone_password_auth(heat_keystone_t *ks, apr_pool_t *p,
                                 const heat_keystone_password_t *req,
                                 heat_keystone_password_result_t *out);

/* ---- the authtoken step ----------------------------------------------------------------- */

/* The token cache, supplied by the glue (socache); NULL: no cache. Keys are SHA-256 digests
 * of the token (namespaced by the Keystone settings), never the token. Values are Keystone's
 * raw validation body: no token inside (auth_token is added on the way out).
 * With memcache_security_strategy MAC or ENCRYPT the key is instead the 16-byte cache key
 * derived from the token and memcache_secret_key (then 16 zero bytes), and valid entries are
 * stored protected (heat_tokencrypt_protect); an entry that does not verify is a miss, logged
 * as a warning (HEAT0940). */
typedef struct {
    /* 1: a valid entry (*body and *len set, in p); -1: a remembered Keystone 404 (only asked
     * when negative_ok); 0: nothing. */
    int (*lookup)(void *baton, apr_pool_t *p, const unsigned char key[32], int negative_ok,
                  const char **body, apr_size_t *len);
    /* body != NULL: store a validation body until expiry (absolute);
     * body == NULL: remember that Keystone answered 404 (the glue picks the lifetime). */
    void (*store)(void *baton, apr_pool_t *p, const unsigned char key[32], const char *body,
                  apr_size_t len, apr_time_t expiry);
    void *baton;
} heat_keystone_cache_t;

/* ---- EC2 signatures (heat-api-cfn's ec2authtoken step) --------------------------------- */

typedef struct {
    int http_status;            /* Keystone's status, 0 if none was received */
    const char *subject_token;  /* X-Subject-Token, NULL if absent */
    json_t *body;               /* the parsed answer (any status), pool-owned; NULL: not JSON */
    const char *raw;            /* the raw answer (NUL-terminated), for the token cache */
    apr_size_t raw_len;
    const char *error;          /* why not VALID, for the log (no secrets) */
} heat_keystone_ec2_result_t;

/* POST <url> (a .../ec2tokens URL) with the JSON text body (heat_ec2_request_body), as heat's
 * EC2Token._authorize does with requests.post: no connect retries. options: the
 * [ec2authtoken] TLS settings; NULL: the client's. with_service_token: send the service's
 * own token as X-Auth-Token (Keystone 22 refuses an anonymous ec2tokens call; doc/differences.md);
 * when Keystone answers 401 with its generic "requires authentication" message the service
 * token is renewed and the call sent once more (at most once a minute per process: Keystone
 * says the same for a disabled user).
 * Returns VALID when Keystone answered with JSON (any status: heat_ec2_outcome decides) or
 * with a 4xx that is not JSON (body then {}: a refusal without message), UNAVAILABLE for no
 * answer, another non-JSON answer, or no service token. Never logs the body. */
heat_ks_status_t heat_keystone_ec2tokens(heat_keystone_t *ks, apr_pool_t *p, const char *url,
                                         const char *body, const heat_http_options_t *options,
                                         int with_service_token, heat_keystone_ec2_result_t *out);

/* Puts a token body that Keystone itself just issued (ec2tokens) into the token cache under
 * token, as a validation of it would (until min(expires_at, now + token_cache_time)); with
 * include_service_catalog off its catalog is dropped first, as ?nocatalog would. No-op when
 * cache is NULL or token_cache_time <= 0. */
void heat_keystone_cache_issued(heat_keystone_t *ks, apr_pool_t *p,
                                const heat_keystone_cache_t *cache, const char *token,
                                const json_t *token_body);

typedef struct {
    const char *user_token;    /* raw X-Auth-Token if present, else raw X-Storage-Token; NULL */
    const char *service_token; /* raw X-Service-Token; NULL */
    const char *method;        /* for access rules */
    const char *path;          /* request path as sent (script name + path info) */
    const char *auth_type;     /* r->ap_auth_type, for kerberos token binding; NULL */
    const char *remote_user;   /* r->user; NULL */
} heat_keystone_request_t;

typedef enum {
    HEAT_AUTH_OK = 0,
    HEAT_AUTH_UNAUTHORIZED, /* 401 + WWW-Authenticate + HEAT_KEYSTONE_UNAUTHORIZED_BODY */
    HEAT_AUTH_UNAVAILABLE   /* 503, webob body with HEAT_KEYSTONE_UNAVAILABLE_DETAIL */
} heat_auth_status_t;

typedef struct {
    heat_auth_status_t status;
    const char *token;            /* the user token, stripped (OK only) */
    json_t *token_info;           /* keystone.token_info: {"token": {..., "version": "v3",
                                     "auth_token": <token>}} (OK only, pool-owned) */
    int service_token_present;
    int service_token_valid;      /* X-Service-Identity-Status Confirmed */
    json_t *service_token_info;   /* same shape for a valid X-Service-Token, else NULL */
    int from_cache;               /* the user token came from the cache */
    const char *reason;           /* why not OK, for the log (no secrets) */
} heat_auth_result_t;

/* keystonemiddleware auth_token's process_request for one request. */
void heat_keystone_authenticate(heat_keystone_t *ks, apr_pool_t *p,
                                const heat_keystone_cache_t *cache,
                                const heat_keystone_request_t *req, heat_auth_result_t *res);

/* The checks on token data (also for cached data): expiry unless allow_expired, then
 * token bind (unless skip_bind), then, for a user token, application-credential access
 * rules. NULL when the token passes, else the reason. */
const char *heat_keystone_check_token(const heat_keystone_settings_t *s, const json_t *token_body,
                                      const heat_keystone_request_t *req, int is_user_token,
                                      int allow_expired, apr_time_t now);

/* ---- responses ---------------------------------------------------------------------------- */

/* The 401 body of auth_token (Content-Type: application/json). */
#define HEAT_KEYSTONE_UNAUTHORIZED_BODY                                                       \
    "{\"error\": {\"code\": 401, \"title\": \"Unauthorized\", \"message\": \"The request you " \
    "have made requires authentication.\"}}"
/* The detail of webob's 503 when Keystone cannot be reached. */
#define HEAT_KEYSTONE_UNAVAILABLE_DETAIL "The Keystone service is temporarily unavailable."

/* www_authenticate_uri, else auth_uri, else the service plugin's auth_url (what
 * keystonemiddleware falls back to, with a warning). */
const char *heat_keystone_www_authenticate_uri(const heat_keystone_settings_t *s);
/* The header value: Keystone uri="<uri>" */
const char *heat_keystone_www_authenticate(apr_pool_t *p, const heat_keystone_settings_t *s);

/* ---- token data ------------------------------------------------------------------------- */

/* {"token": {<token fields>, "version": "v3", "auth_token": token}}: a new pool-owned object
 * (token_body is not modified). NULL if token_body has no "token" object. */
json_t *heat_keystone_token_info(apr_pool_t *p, const json_t *token_body, const char *token);

/* What auth_token puts in the X-* headers, read from a token_info / token body
 * (keystonemiddleware/auth_token/_request.py).
 * Absent values are NULL. */
typedef struct {
    const char *user_id, *user_name, *user_domain_id, *user_domain_name;
    const char *project_id, *project_name, *project_domain_id, *project_domain_name;
    const char *domain_id, *domain_name;
    const char *system_scope;           /* "all" for a system-scoped token, else NULL */
    apr_array_header_t *roles;          /* const char *, token order */
    const char *roles_joined;           /* X-Roles: names joined by "," ("" if none) */
    int is_admin_project;               /* token.is_admin_project, true when absent */
    const char *service_catalog;        /* X-Service-Catalog (v2 shape, JSON); NULL: no catalog */
    const char *expires_at;
} heat_keystone_identity_t;

void heat_keystone_identity(apr_pool_t *p, const json_t *token_body, heat_keystone_identity_t *id);

/* keystonemiddleware's _normalize_catalog: a v3 catalog as the v2-shaped list, JSON text
 * (Python json.dumps separators). */
const char *heat_keystone_catalog_v2(apr_pool_t *p, const json_t *catalog);

/* ---- utilities ---------------------------------------------------------------------------- */

/* ISO 8601 as oslo's parse_isotime reads Keystone's timestamps ("2024-01-02T03:04:05.123456Z",
 * offsets allowed, none = UTC). Returns 0 on success. */
int heat_keystone_parse_time(const char *text, apr_time_t *out);

void heat_keystone_sha256(const void *data, apr_size_t len, unsigned char digest[32]);
/* The cache key of a token: SHA-256(namespace "\n" token); the namespace is the Keystone
 * the client validates against, so that two configurations never share entries. */
void heat_keystone_cache_key(const heat_keystone_t *ks, const char *token, unsigned char key[32]);

/* Access-rule path matching of keystonemiddleware (_path_matches): "{x}" and "*" match one
 * segment, "**" anything, other characters literally ("." any character, as in the regex). */
int heat_keystone_path_matches(const char *path, const char *pattern);

#endif
