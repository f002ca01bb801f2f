/* heat_context.c: heat 19.0.0's RequestContext from a validated Keystone v3 token (see
 * heat_context.h). The derivation follows the Python chain step by step, and
 * test/golden/context/ (capture_context.py) checks it against that chain run for real:
 *
 *   keystoneauth1 AccessInfoV3 -> keystonemiddleware _AuthTokenRequest.set_user_headers
 *   (and set_service_headers) -> oslo.context RequestContext.from_environ -> heat's
 *   ContextMiddleware.process_request -> heat RequestContext.__init__ (is_admin). */
#include "heat_context.h"

#include "heat_json.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* A token field as keystoneauth reads it: a missing key is None. Values that are not strings
 * (never sent by keystone) are treated as missing. */
static const char *jstr(apr_pool_t *p, const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? apr_pstrmemdup(p, json_string_value(v), json_string_length(v)) : NULL;
}

static const json_t *jobj(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

/* Python's str.isspace() for the ASCII and Latin-1 range, plus the other Unicode spaces
 * (what str.strip() removes). */
static int strip_space(const unsigned char *s, apr_size_t len, apr_size_t *n)
{
    if (len >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0D) || (s[0] >= 0x1C && s[0] <= 0x20))) {
        *n = 1;
        return 1;
    }
    if (len >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0)) {
        *n = 2;
        return 1;
    }
    if (len >= 3 && ((s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
                     (s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF)) ||
                     (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) ||
                     (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80))) {
        *n = 3;
        return 1;
    }
    return 0;
}

/* str.strip() */
static const char *py_strip(apr_pool_t *p, const char *s, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t start = 0, end = len, n;

    while (start < end && strip_space(u + start, end - start, &n))
        start += n;
    for (;;) {
        /* trailing: try the 1-, 2- and 3-byte spaces that end at end */
        int hit = 0;
        apr_size_t k;
        for (k = 1; k <= 3 && !hit; k++)
            if (end >= start + k && strip_space(u + end - k, k, &n) && n == k) {
                end -= k;
                hit = 1;
            }
        if (!hit)
            break;
    }
    return apr_pstrmemdup(p, s + start, end - start);
}

/* X-Roles: the token's role names joined with ","; oslo.context splits it again on "," and
 * strips each part (so a name holding a comma becomes two roles, as in Python). */
static json_t *token_roles(apr_pool_t *p, const json_t *token)
{
    const json_t *roles = json_object_get(token, "roles");
    json_t *out = heat_json_own(p, json_array());
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(const char *));
    const char *joined, *s;
    apr_size_t i;

    if (json_is_array(roles))
        for (i = 0; i < json_array_size(roles); i++) {
            const char *name = jstr(p, json_array_get(roles, i), "name");
            if (name)
                APR_ARRAY_PUSH(names, const char *) = name;
        }
    joined = apr_array_pstrcat(p, names, ',');
    if (!*joined)
        return out; /* "" is falsy: [] */
    for (s = joined;;) {
        const char *comma = strchr(s, ',');
        apr_size_t len = comma ? (apr_size_t)(comma - s) : strlen(s);
        json_array_append_new(out, json_string(py_strip(p, s, len)));
        if (!comma)
            break;
        s = comma + 1;
    }
    return out;
}

/* OpenStack-System-Scope: "all" when token.system.all is true. */
static const char *token_system_scope(const json_t *token)
{
    const json_t *sys = jobj(token, "system");
    const json_t *all = sys ? json_object_get(sys, "all") : NULL;
    /* keystoneauth's system_scoped is system.get('all', False); keystonemiddleware then
     * asks system.get('all') again: any truthy value */
    if (!all || json_is_false(all) || json_is_null(all) || (json_is_string(all) && !json_string_length(all)) ||
        (json_is_integer(all) && !json_integer_value(all)) || (json_is_real(all) && json_real_value(all) == 0.0))
        return NULL;
    return "all";
}

const char *heat_context_new_request_id(apr_pool_t *p)
{
    unsigned char b[16];

    if (apr_generate_random_bytes(b, sizeof(b)) != APR_SUCCESS) {
        /* should not happen; keep ids unique enough */
        apr_time_t now = apr_time_now();
        memcpy(b, &now, sizeof(now));
        memcpy(b + 8, &p, sizeof(p) < 8 ? sizeof(p) : 8);
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    return apr_psprintf(p, "req-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                        b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static heat_context_t *context_new(apr_pool_t *p)
{
    heat_context_t *ctx = apr_pcalloc(p, sizeof(*ctx));
    ctx->roles = heat_json_own(p, json_array());
    ctx->service_roles = heat_json_own(p, json_array());
    ctx->is_admin_project = 1;
    return ctx;
}

heat_context_t *heat_context_admin(apr_pool_t *p)
{
    heat_context_t *ctx = context_new(p);
    ctx->is_admin = 1;
    ctx->request_id = heat_context_new_request_id(p);
    return ctx;
}

const char *heat_context_from_token(heat_context_t **out, apr_pool_t *p, const heat_context_request_t *req,
                                    const heat_policy_t *pol, heat_policy_outcome_t *err)
{
    heat_context_t *ctx;
    const json_t *token = jobj(req->token, "token");
    const json_t *user, *project, *domain, *v;

    *out = NULL;
    if (err)
        memset(err, 0, sizeof(*err));
    if (!token)
        return "the token body has no \"token\" object";
    user = jobj(token, "user");
    if (!user || !jstr(p, user, "id"))
        return "the token has no user"; /* keystoneauth raises on it: keystonemiddleware fails */
    ctx = context_new(p);

    ctx->auth_token = req->auth_token ? apr_pstrdup(p, req->auth_token) : NULL;
    ctx->user_id = jstr(p, user, "id");
    ctx->user_name = jstr(p, user, "name");
    ctx->user_domain_id = jstr(p, jobj(user, "domain"), "id");
    ctx->user_domain_name = jstr(p, jobj(user, "domain"), "name");
    project = jobj(token, "project");
    ctx->project_id = jstr(p, project, "id");
    ctx->project_name = jstr(p, project, "name");
    ctx->project_domain_id = jstr(p, jobj(project, "domain"), "id");
    ctx->project_domain_name = jstr(p, jobj(project, "domain"), "name");
    domain = jobj(token, "domain");
    ctx->domain_id = jstr(p, domain, "id");
    ctx->system_scope = token_system_scope(token);
    ctx->roles = token_roles(p, token);
    /* X-Is-Admin-Project: 'True' if auth_ref.is_admin_project else 'False', where a token
     * without the key counts as True; oslo.context compares it lowercased with 'true' */
    v = json_object_get(token, "is_admin_project");
    ctx->is_admin_project = !v || !(json_is_false(v) || json_is_null(v) ||
                                    (json_is_string(v) && !json_string_length(v)) ||
                                    (json_is_integer(v) && !json_integer_value(v)) ||
                                    (json_is_real(v) && json_real_value(v) == 0.0) ||
                                    (json_is_array(v) && !json_array_size(v)) ||
                                    (json_is_object(v) && !json_object_size(v)));

    ctx->service_token = req->service_token ? apr_pstrdup(p, req->service_token) : NULL;
    if (req->service_token_body) {
        const json_t *st = jobj(req->service_token_body, "token");
        const json_t *su = jobj(st, "user"), *sp = jobj(st, "project");
        ctx->service_user_id = jstr(p, su, "id");
        ctx->service_user_name = jstr(p, su, "name");
        ctx->service_user_domain_id = jstr(p, jobj(su, "domain"), "id");
        ctx->service_user_domain_name = jstr(p, jobj(su, "domain"), "name");
        ctx->service_project_id = jstr(p, sp, "id");
        ctx->service_project_name = jstr(p, sp, "name");
        ctx->service_project_domain_id = jstr(p, jobj(sp, "domain"), "id");
        ctx->service_project_domain_name = jstr(p, jobj(sp, "domain"), "name");
        if (st)
            ctx->service_roles = token_roles(p, st);
        /* set_service_headers rewrites OpenStack-System-Scope from the service token, after
         * the user's headers: a system-scoped user with a project-scoped service token ends
         * up without system scope, as in Python */
        ctx->system_scope = st ? token_system_scope(st) : NULL;
    }

    ctx->request_id = req->request_id && *req->request_id ? apr_pstrdup(p, req->request_id)
                                                          : heat_context_new_request_id(p);
    ctx->global_request_id = req->global_request_id ? apr_pstrdup(p, req->global_request_id) : NULL;

    /* ContextMiddleware: X-Auth-User wins over X-Auth-EC2-Creds; RequestContext then uses
     * the token's user name when neither username nor password was given */
    if (req->auth_user) {
        ctx->username = apr_pstrdup(p, req->auth_user);
        ctx->password = req->auth_key ? apr_pstrdup(p, req->auth_key) : NULL;
    }
    else if (req->ec2_creds)
        ctx->aws_creds = apr_pstrdup(p, req->ec2_creds);
    if (!ctx->username && !ctx->password)
        ctx->username = ctx->user_name;
    ctx->region_name = req->region_name ? apr_pstrdup(p, req->region_name) : NULL;
    ctx->auth_url = req->auth_url ? apr_pstrdup(p, req->auth_url) : NULL;

    /* keystone.token_info: {"token": keystoneclient AccessInfoV3}, which adds "version" and
     * the (stripped) token as "auth_token" to the token's own keys */
    {
        /* shallow copies of the two levels written here; what lies below is shared, read only
         * (a deep copy of the catalog cost a fifth of a cached-token request) */
        json_t *info = heat_json_own(p, json_copy((json_t *)req->token));
        json_t *t = json_copy(json_object_get(info, "token"));
        json_object_set_new(info, "token", t);
        json_object_set_new(t, "version", json_string("v3"));
        if (req->auth_token) {
            const char *s = req->auth_token;
            apr_size_t len = strlen(s);
            while (len && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v'))
                s++, len--;
            while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r' ||
                           s[len - 1] == '\f' || s[len - 1] == '\v'))
                len--;
            json_object_set_new(t, "auth_token", json_stringn(s, len));
        }
        ctx->auth_token_info = info;
    }

    /* RequestContext.__init__: is_admin = policy.check_is_admin(self), evaluated while
     * is_admin is still None */
    ctx->is_admin = 0;
    if (pol) {
        json_t *creds = heat_context_policy_creds(ctx, p);
        heat_policy_outcome_t o;
        json_object_set_new(creds, "is_admin", json_null());
        heat_policy_check_is_admin(pol, p, creds, &o);
        if (o.result == HEAT_POLICY_ERROR) {
            if (err)
                *err = o;
            return apr_psprintf(p, "policy rule context_is_admin raised %s: %s", o.error_type, o.error_message);
        }
        ctx->is_admin = o.result == HEAT_POLICY_ALLOW;
    }
    *out = ctx;
    return NULL;
}

static json_t *jnull_or(const char *s)
{
    return s ? json_string(s) : json_null();
}

const char *heat_context_user_identity(const heat_context_t *ctx, apr_pool_t *p)
{
    return apr_pstrcat(p, ctx->user_id && *ctx->user_id ? ctx->user_id : "-", " ",
                       ctx->project_id && *ctx->project_id ? ctx->project_id : "-", NULL);
}

json_t *heat_context_to_dict(const heat_context_t *ctx, apr_pool_t *p)
{
    json_t *d = heat_json_own(p, json_object());

    /* the key order of heat 19.0.0's dict literal */
    json_object_set_new(d, "auth_token", jnull_or(ctx->auth_token));
    json_object_set_new(d, "username", jnull_or(ctx->username));
    json_object_set_new(d, "user_id", jnull_or(ctx->user_id));
    json_object_set_new(d, "password", jnull_or(ctx->password));
    json_object_set_new(d, "aws_creds", jnull_or(ctx->aws_creds));
    json_object_set_new(d, "tenant", jnull_or(ctx->project_name));
    json_object_set_new(d, "tenant_id", jnull_or(ctx->project_id));
    json_object_set_new(d, "project_name", jnull_or(ctx->project_name));
    json_object_set_new(d, "project_id", jnull_or(ctx->project_id));
    json_object_set_new(d, "trust_id", jnull_or(ctx->trust_id));
    json_object_set_new(d, "trustor_user_id", jnull_or(ctx->trustor_user_id));
    /* shared: the dict is only written out */
    json_object_set(d, "auth_token_info", ctx->auth_token_info ? (json_t *)ctx->auth_token_info : json_null());
    json_object_set_new(d, "auth_url", jnull_or(ctx->auth_url));
    json_object_set_new(d, "roles", json_deep_copy(ctx->roles));
    json_object_set_new(d, "is_admin", json_boolean(ctx->is_admin));
    json_object_set_new(d, "user", jnull_or(ctx->username));
    json_object_set_new(d, "request_id", jnull_or(ctx->request_id));
    json_object_set_new(d, "global_request_id", jnull_or(ctx->global_request_id));
    json_object_set_new(d, "show_deleted", json_boolean(ctx->show_deleted));
    json_object_set_new(d, "region_name", jnull_or(ctx->region_name));
    json_object_set_new(d, "user_identity", json_string(heat_context_user_identity(ctx, p)));
    json_object_set_new(d, "user_domain_id", jnull_or(ctx->user_domain_id));
    json_object_set_new(d, "project_domain_id", jnull_or(ctx->project_domain_id));
    /* RequestContextSerializer.serialize_context appends it after to_dict */
    if (ctx->trace_info)
        json_object_set_new(d, "trace_info", json_deep_copy(ctx->trace_info));
    return d;
}

json_t *heat_context_policy_creds(const heat_context_t *ctx, apr_pool_t *p)
{
    json_t *c = heat_json_own(p, json_object());

    /* oslo.context to_policy_values() */
    json_object_set_new(c, "user_id", jnull_or(ctx->user_id));
    json_object_set_new(c, "user_domain_id", jnull_or(ctx->user_domain_id));
    json_object_set_new(c, "system_scope", jnull_or(ctx->system_scope));
    json_object_set_new(c, "domain_id", jnull_or(ctx->domain_id));
    json_object_set_new(c, "project_id", jnull_or(ctx->project_id));
    json_object_set_new(c, "project_domain_id", jnull_or(ctx->project_domain_id));
    json_object_set_new(c, "roles", json_deep_copy(ctx->roles));
    json_object_set_new(c, "is_admin_project", json_boolean(ctx->is_admin_project));
    json_object_set_new(c, "service_user_id", jnull_or(ctx->service_user_id));
    json_object_set_new(c, "service_user_domain_id", jnull_or(ctx->service_user_domain_id));
    json_object_set_new(c, "service_project_id", jnull_or(ctx->service_project_id));
    json_object_set_new(c, "service_project_domain_id", jnull_or(ctx->service_project_domain_id));
    json_object_set_new(c, "service_roles", json_deep_copy(ctx->service_roles));
    /* heat's additions */
    json_object_set_new(c, "user", jnull_or(ctx->user_id));
    json_object_set_new(c, "tenant", jnull_or(ctx->project_id));
    json_object_set_new(c, "is_admin", json_boolean(ctx->is_admin));
    /* shared, not copied: creds are only read */
    json_object_set(c, "auth_token_info", ctx->auth_token_info ? (json_t *)ctx->auth_token_info : json_null());
    return c;
}
