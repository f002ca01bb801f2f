/* heat_ec2.h: the httpd-free part of heat-api-cfn's ec2authtoken filter (heat 19.0.0
 * heat/api/aws/ec2token.py): reading the AWS credentials of a request, the body
 * of POST <keystone>/v3/ec2tokens, and Keystone's answer mapped to the AWS error heat raises.
 * The Keystone call itself is heat_keystone_ec2tokens, the step is heat_auth_ec2
 * (heat_auth.c). Nothing here logs; callers must not log signatures or tokens. */
#ifndef HEAT_EC2_H
#define HEAT_EC2_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

#include "heat_keystone.h"

/* ---- parameters -------------------------------------------------------------------------- */

/* dict(req.params) as webob builds it from the query string and the url-encoded form body:
 * params holds heat_param_t pairs (heat_query.h), the n_query pairs of the query string first,
 * then the form's. A key present in the query takes the query's last value, else the form's
 * last value; keys in order of first appearance. A new pool-owned object. */
json_t *heat_ec2_params(apr_pool_t *p, const apr_array_header_t *params, int n_query);

/* ---- credentials (EC2Token._get_signature / _get_access) ---------------------------------- */

typedef struct {
    const char *signature; /* NULL: None; "" possible (then also "no signature") */
    const char *access;    /* NULL: None */
} heat_ec2_credentials_t;

/* params: heat_ec2_params(); authorization: the Authorization header, NULL if absent.
 *   signature = params Signature or params X-Amz-Signature (Python `or`); when that is None and
 *               there is an Authorization header: the text after "Signature=" up to ","
 *   access    = params AWSAccessKeyId (even ""); else the part of a non-empty
 *               X-Amz-Credential before the first "/"; else, with an Authorization header, the
 *               text after "Credential=" up to ",", then up to the first "/". */
void heat_ec2_credentials(apr_pool_t *p, const json_t *params, const char *authorization,
                          heat_ec2_credentials_t *out);

typedef enum {
    HEAT_EC2_CHECK = 0,          /* signature and access key: ask Keystone */
    HEAT_EC2_SKIP,               /* X-Auth-User and no (complete) signature: the token path */
    HEAT_EC2_INCOMPLETE,         /* no signature: IncompleteSignature 400 */
    HEAT_EC2_MISSING_KEY         /* no access key: MissingAuthenticationToken 403 */
} heat_ec2_decision_t;

/* EC2Token._authorize's first steps. has_auth_user: the request has an X-Auth-User header. */
heat_ec2_decision_t heat_ec2_decide(const heat_ec2_credentials_t *creds, int has_auth_user);

/* ---- the Keystone request ---------------------------------------------------------------- */

/* webob's header name for a CGI variable: "_" becomes "-", then Python's str.title() (a
 * letter is upper-case after a character that is not a letter, else lower-case):
 * "x-amz-date" -> "X-Amz-Date", "x-amz-content-sha256" -> "X-Amz-Content-Sha256". */
const char *heat_ec2_header_name(apr_pool_t *p, const char *name);

typedef struct {
    const char *access;
    const char *signature;
    const char *host;          /* req.host: the Host header as received */
    const char *verb;          /* the HTTP method */
    const char *path;          /* req.path (heat_ec2_path) */
    const json_t *params;      /* heat_ec2_params(); "Signature" is left out of the body */
    const apr_table_t *headers; /* request headers (values already UTF-8); names are turned
                                   into webob's form, a later duplicate name wins */
    const char *body;          /* raw request body, NULL: none */
    apr_size_t body_len;
} heat_ec2_request_t;

/* webob's req.path from the percent-decoded SCRIPT_NAME + PATH_INFO: quoted again, with
 * letters, digits, "_.-~" and "/~!$&'()*+,;=:@" kept (so "%3A" arrives as ":", a space as
 * "%20"). */
const char *heat_ec2_path(apr_pool_t *p, const char *decoded);

/* {"ec2Credentials": {"access", "signature", "host", "verb", "path", "params", "headers",
 * "body_hash"}} as Python's json.dumps writes it; body_hash is the lower-case hex SHA-256 of
 * the body. The text lives in p (it holds the signature: never log it). */
char *heat_ec2_request_body(apr_pool_t *p, const heat_ec2_request_t *req);

/* X-Auth-EC2-Creds / the context's aws_creds: json.dumps({"ec2Credentials": {"access": ...,
 * "signature": ...}}). */
char *heat_ec2_creds_json(apr_pool_t *p, const char *access, const char *signature);

/* _conf_get_keystone_ec2_uri: auth_uri itself if it ends in "ec2tokens", else auth_uri +
 * "ec2tokens" when it ends in "/", else auth_uri + "/ec2tokens". */
const char *heat_ec2_tokens_url(apr_pool_t *p, const char *auth_uri);


/* ---- Keystone's answer ----------------------------------------------------------------- */

typedef struct {
    /* NULL: success; else the AWS code heat raises: "InvalidClientTokenId",
     * "SignatureDoesNotMatch" or "AccessDenied" */
    const char *error;
    const char *reason;        /* Keystone's error.message (NULL if none), for the log */
    const char *project_name;  /* success: token.project.name */
    const char *project_id;    /* success: token.project.id */
    const char *roles;         /* success: role names joined by "," */
} heat_ec2_outcome_t;

/* subject_token: the X-Subject-Token header (NULL if absent); body: the parsed JSON answer
 * (any status; must not be NULL: a non-JSON answer is the caller's case). Success needs the
 * header and token.project.name and .id; otherwise error.message picks the error:
 * "EC2 access key not found." -> InvalidClientTokenId, "EC2 signature not supplied." ->
 * SignatureDoesNotMatch, anything else -> AccessDenied. */
void heat_ec2_outcome(apr_pool_t *p, const char *subject_token, const json_t *body,
                      heat_ec2_outcome_t *out);

/* ---- one Keystone of ec2token's list --------------------------------------------------- */

/* Whether auth_uri is the Keystone this server is configured with: same scheme, host and
 * port as [keystone_authtoken] auth_url (host case-insensitive, default ports filled in). */
int heat_ec2_same_keystone(apr_pool_t *p, const char *auth_uri, const char *keystone_url);

typedef struct {
    const char *url;     /* <auth_uri>/ec2tokens */
    int trusted;         /* the configured Keystone: the service token went along, and the
                            answer may prime the token cache (heat_ec2_prime) */
    heat_ks_status_t status; /* heat_keystone_ec2tokens' answer */
    heat_keystone_ec2_result_t kr;
    heat_ec2_outcome_t outcome; /* when status is HEAT_KS_VALID */
} heat_ec2_attempt_t;

/* EC2Token._authorize(req, auth_uri) from the POST on: body (heat_ec2_request_body) to
 * <auth_uri>/ec2tokens. Without multi_cloud auth_uri is the operator's one ec2 URI and is
 * trusted; with multi_cloud only a URI on the configured Keystone is (heat's ec2token sends
 * no token to any of them): mod_heat's service token goes only to a trusted URI, and only
 * when it has service credentials. */
void heat_ec2_attempt(heat_keystone_t *ks, apr_pool_t *p, int multi_cloud, const char *auth_uri,
                      const char *body, const heat_http_options_t *options,
                      heat_ec2_attempt_t *out);

/* After a successful attempt: the issued token body goes into the token cache (for the
 * authtoken step that follows) only when the attempt was trusted: a foreign Keystone's token
 * is then validated by the configured Keystone like any other. */
void heat_ec2_prime(heat_keystone_t *ks, apr_pool_t *p, const heat_keystone_cache_t *cache,
                    int trusted, const char *token, const json_t *token_body);

#endif
