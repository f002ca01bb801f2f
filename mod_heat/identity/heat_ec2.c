/* heat_ec2.c: the httpd-free part of heat's ec2authtoken filter (see heat_ec2.h). Python
 * followed: heat/api/aws/ec2token.py (EC2Token._get_signature, _get_access, _authorize,
 * _conf_get_keystone_ec2_uri), webob's NestedMultiDict (req.params) and EnvironHeaders. */
#include "heat_ec2.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "heat_query.h"
#include "heat_json.h"
#include "heat_keystone.h"
#include "heat_pycompat.h"

/* A JSON string of s; bytes that are not UTF-8 are read as latin-1 (as WSGI reads header
 * bytes), so that nothing is dropped and jansson never gets invalid UTF-8. */
static json_t *jtext(apr_pool_t *p, const char *s)
{
    json_t *j;

    if (!s)
        return json_null();
    if ((j = json_string(s)))
        return j;
    j = json_string(heat_py_latin1_to_utf8(p, s, strlen(s)));
    return j ? j : json_string("");
}

/* ---- parameters -------------------------------------------------------------------------- */

json_t *heat_ec2_params(apr_pool_t *p, const apr_array_header_t *params, int n_query)
{
    json_t *out = heat_json_own(p, json_object());
    int i;

    if (!params)
        return out;
    if (n_query < 0 || n_query > params->nelts)
        n_query = params->nelts;
    /* the form's pairs first, each overwriting: the last one of a key stays */
    for (i = n_query; i < params->nelts; i++) {
        const heat_param_t *pr = &APR_ARRAY_IDX(params, i, heat_param_t);
        json_object_set_new(out, pr->name, jtext(p, pr->value ? pr->value : ""));
    }
    /* then the query's, which win (NestedMultiDict looks in GET first); key order: query
     * keys first. Rebuild so that the query keys come first. */
    if (n_query > 0) {
        json_t *ordered = heat_json_own(p, json_object());
        const char *k;
        json_t *v;
        for (i = 0; i < n_query; i++) {
            const heat_param_t *pr = &APR_ARRAY_IDX(params, i, heat_param_t);
            json_object_set_new(ordered, pr->name, jtext(p, pr->value ? pr->value : ""));
        }
        json_object_foreach(out, k, v) {
            if (!json_object_get(ordered, k))
                json_object_set(ordered, k, v);
        }
        return ordered;
    }
    return out;
}

/* ---- credentials ------------------------------------------------------------------------- */

static const char *param(const json_t *params, const char *name)
{
    return json_string_value(json_object_get(params, name));
}

/* auth_str.partition(key)[2].split(',')[0] */
static const char *after_until_comma(apr_pool_t *p, const char *s, const char *key)
{
    const char *hit = strstr(s, key);
    const char *end;

    if (!hit)
        return "";
    hit += strlen(key);
    end = strchr(hit, ',');
    return end ? apr_pstrmemdup(p, hit, (apr_size_t)(end - hit)) : apr_pstrdup(p, hit);
}

/* s.split('/')[0] */
static const char *before_slash(apr_pool_t *p, const char *s)
{
    const char *slash = strchr(s, '/');
    return slash ? apr_pstrmemdup(p, s, (apr_size_t)(slash - s)) : s;
}

void heat_ec2_credentials(apr_pool_t *p, const json_t *params, const char *authorization,
                          heat_ec2_credentials_t *out)
{
    const char *sig, *access, *cred;

    /* req.params.get('Signature') or req.params.get('X-Amz-Signature') */
    sig = param(params, "Signature");
    if (!sig || !*sig)
        sig = param(params, "X-Amz-Signature");
    if (!sig && authorization)
        sig = after_until_comma(p, authorization, "Signature=");
    out->signature = sig;

    access = param(params, "AWSAccessKeyId");
    if (!access) {
        cred = param(params, "X-Amz-Credential");
        if (cred && *cred)
            access = before_slash(p, cred);
    }
    if (!access && authorization)
        access = before_slash(p, after_until_comma(p, authorization, "Credential="));
    out->access = access;
}

heat_ec2_decision_t heat_ec2_decide(const heat_ec2_credentials_t *creds, int has_auth_user)
{
    if (!creds->signature || !*creds->signature)
        return has_auth_user ? HEAT_EC2_SKIP : HEAT_EC2_INCOMPLETE;
    if (!creds->access || !*creds->access)
        return has_auth_user ? HEAT_EC2_SKIP : HEAT_EC2_MISSING_KEY;
    return HEAT_EC2_CHECK;
}

/* ---- the Keystone request ---------------------------------------------------------------- */

const char *heat_ec2_header_name(apr_pool_t *p, const char *name)
{
    char *out = apr_pstrdup(p, name);
    char *c;
    int prev_cased = 0;

    for (c = out; *c; c++) {
        if (*c == '_')
            *c = '-';
        if (apr_isalpha(*c)) {
            *c = (char)(prev_cased ? apr_tolower(*c) : apr_toupper(*c));
            prev_cased = 1;
        }
        else {
            prev_cased = 0;
        }
    }
    return out;
}

const char *heat_ec2_path(apr_pool_t *p, const char *decoded)
{
    return heat_query_quote(p, decoded ? decoded : "", "/~!$&'()*+,;=:@");
}

typedef struct {
    apr_pool_t *p;
    json_t *headers;
} header_baton_t;

static int add_header(void *baton, const char *key, const char *value)
{
    header_baton_t *b = baton;
    json_object_set_new(b->headers, heat_ec2_header_name(b->p, key), jtext(b->p, value ? value : ""));
    return 1;
}

char *heat_ec2_request_body(apr_pool_t *p, const heat_ec2_request_t *req)
{
    json_t *params = json_object(), *headers = json_object(), *creds, *doc;
    unsigned char digest[32];
    char hex[65];
    const char *k;
    json_t *v;
    header_baton_t hb;
    char *text;
    int i;

    /* auth_params = dict(req.params); auth_params.pop('Signature', None) */
    json_object_foreach((json_t *)req->params, k, v) {
        if (strcmp(k, "Signature") != 0)
            json_object_set(params, k, v);
    }
    hb.p = p;
    hb.headers = headers;
    if (req->headers)
        apr_table_do(add_header, &hb, req->headers, NULL);

    heat_keystone_sha256(req->body ? req->body : "", req->body ? req->body_len : 0, digest);
    for (i = 0; i < 32; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", digest[i]);

    creds = json_object();
    json_object_set_new(creds, "access", jtext(p, req->access ? req->access : ""));
    json_object_set_new(creds, "signature", jtext(p, req->signature ? req->signature : ""));
    json_object_set_new(creds, "host", jtext(p, req->host));
    json_object_set_new(creds, "verb", jtext(p, req->verb ? req->verb : ""));
    json_object_set_new(creds, "path", jtext(p, req->path ? req->path : ""));
    json_object_set_new(creds, "params", params);
    json_object_set_new(creds, "headers", headers);
    json_object_set_new(creds, "body_hash", json_string(hex));
    doc = heat_json_own(p, json_pack("{s:o}", "ec2Credentials", creds));
    text = heat_json_dump(p, doc, 0);
    return text;
}

char *heat_ec2_creds_json(apr_pool_t *p, const char *access, const char *signature)
{
    json_t *creds = json_object();
    json_t *doc = heat_json_own(p, json_object());

    json_object_set_new(creds, "access", jtext(p, access ? access : ""));
    json_object_set_new(creds, "signature", jtext(p, signature ? signature : ""));
    json_object_set_new(doc, "ec2Credentials", creds);
    return heat_json_dump(p, doc, 0);
}

static int ends_with(const char *s, const char *suffix)
{
    apr_size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *heat_ec2_tokens_url(apr_pool_t *p, const char *auth_uri)
{
    if (ends_with(auth_uri, "ec2tokens"))
        return auth_uri;
    if (ends_with(auth_uri, "/"))
        return apr_pstrcat(p, auth_uri, "ec2tokens", NULL);
    return apr_pstrcat(p, auth_uri, "/ec2tokens", NULL);
}

/* ---- Keystone's answer ------------------------------------------------------------------- */

void heat_ec2_outcome(apr_pool_t *p, const char *subject_token, const json_t *body,
                      heat_ec2_outcome_t *out)
{
    const json_t *token = json_object_get(body, "token");
    const json_t *project = json_object_get(token, "project");
    const json_t *roles = json_object_get(token, "roles");
    const char *name = json_string_value(json_object_get(project, "name"));
    const char *id = json_string_value(json_object_get(project, "id"));
    const json_t *err;
    int ok = subject_token && name && id;

    memset(out, 0, sizeof(*out));
    /* [role['name'] for role in result['token'].get('roles', [])] */
    if (ok && roles) {
        const char *joined = NULL;
        size_t i;
        json_t *role;
        if (!json_is_array(roles))
            ok = 0;
        json_array_foreach(roles, i, role) {
            const char *rn = json_string_value(json_object_get(role, "name"));
            if (!rn) {
                ok = 0;
                break;
            }
            joined = joined ? apr_pstrcat(p, joined, ",", rn, NULL) : rn;
        }
        out->roles = joined ? joined : "";
    }
    else if (ok) {
        out->roles = "";
    }
    if (ok) {
        out->project_name = name;
        out->project_id = id;
        return;
    }
    out->roles = NULL;
    err = json_object_get(body, "error");
    out->reason = json_string_value(json_object_get(err, "message"));
    if (out->reason && strcmp(out->reason, "EC2 access key not found.") == 0)
        out->error = "InvalidClientTokenId";
    else if (out->reason && strcmp(out->reason, "EC2 signature not supplied.") == 0)
        out->error = "SignatureDoesNotMatch";
    else
        out->error = "AccessDenied";
}

/* ---- one Keystone of ec2token's list --------------------------------------------------- */

int heat_ec2_same_keystone(apr_pool_t *p, const char *auth_uri, const char *keystone_url)
{
    apr_uri_t a, b;

    if (!auth_uri || !keystone_url || apr_uri_parse(p, auth_uri, &a) != APR_SUCCESS ||
        apr_uri_parse(p, keystone_url, &b) != APR_SUCCESS || !a.scheme || !b.scheme ||
        !a.hostname || !b.hostname)
        return 0;
    if (!a.port_str)
        a.port = apr_uri_port_of_scheme(a.scheme);
    if (!b.port_str)
        b.port = apr_uri_port_of_scheme(b.scheme);
    return strcasecmp(a.scheme, b.scheme) == 0 && strcasecmp(a.hostname, b.hostname) == 0 &&
           a.port == b.port && a.port != 0;
}

void heat_ec2_attempt(heat_keystone_t *ks, apr_pool_t *p, int multi_cloud, const char *auth_uri,
                      const char *body, const heat_http_options_t *options,
                      heat_ec2_attempt_t *out)
{
    const heat_keystone_settings_t *s = heat_keystone_settings(ks);
    int has_credentials = s->auth_url && (s->username || s->user_id);

    memset(out, 0, sizeof(*out));
    out->url = heat_ec2_tokens_url(p, auth_uri);
    out->trusted = !multi_cloud || heat_ec2_same_keystone(p, auth_uri, s->auth_url);
    out->status = heat_keystone_ec2tokens(ks, p, out->url, body, options,
                                          has_credentials && out->trusted, &out->kr);
    if (out->status == HEAT_KS_VALID)
        heat_ec2_outcome(p, out->kr.subject_token, out->kr.body, &out->outcome);
}

void heat_ec2_prime(heat_keystone_t *ks, apr_pool_t *p, const heat_keystone_cache_t *cache,
                    int trusted, const char *token, const json_t *token_body)
{
    if (trusted)
        heat_keystone_cache_issued(ks, p, cache, token, token_body);
}
