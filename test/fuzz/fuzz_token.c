/* fuzz_token.c: a validated Keystone token body as mod_heat uses it: keystonemiddleware's
 * checks and X-* values, heat's request context, its RPC dict and policy credentials, and the
 * API-side policy checks. Input: the token body JSON ({"token": {...}}). */
#include "fuzz_common.h"
#include "heat_authorize.h"

#include "heat_context.h"
#include "heat_json.h"
#include "heat_keystone.h"
#include "heat_policy.h"

static heat_policy_t *policy;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    json_t *body = heat_json_own(p, json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    heat_keystone_settings_t s;
    heat_keystone_request_t kreq;
    heat_keystone_identity_t id;
    heat_context_request_t creq;
    heat_context_t *ctx;
    heat_result_t denial;
    apr_time_t t;
    json_t *info;

    if (!policy) {
        heat_policy_options_t o;
        apr_pool_t *root = fuzz_root_pool();
        memset(&o, 0, sizeof(o));
        o.search_dirs = apr_array_make(root, 1, sizeof(const char *));
        o.policy_dirs = o.search_dirs;
        if (heat_policy_load(&policy, root, &o))
            abort();
    }
    if (!body)
        goto done;
    heat_keystone_settings_init(&s);
    /* heat_keystone_create fills in the default; the checks use what it made */
    s.enforce_token_bind = (const char *[]){"permissive", "strict", "required", "kerberos", "disabled"}[size % 5];
    memset(&kreq, 0, sizeof(kreq));
    kreq.user_token = "gAAAA-fuzz";
    kreq.method = "GET";
    kreq.path = "/v1/P1/stacks";
    (void)heat_keystone_check_token(&s, body, &kreq, 1, 0, apr_time_from_sec(1700000000));
    (void)heat_keystone_check_token(&s, body, &kreq, 0, 1, apr_time_from_sec(1700000000));
    info = heat_keystone_token_info(p, body, "gAAAA-fuzz");
    heat_keystone_identity(p, info ? info : body, &id);
    if (id.expires_at)
        (void)heat_keystone_parse_time(id.expires_at, &t);
    (void)heat_keystone_catalog_v2(p, json_object_get(json_object_get(body, "token"), "catalog"));

    if (!info)
        goto done; /* the glue only builds contexts from token bodies Keystone accepted */
    memset(&creq, 0, sizeof(creq));
    creq.auth_token = "gAAAA-fuzz";
    creq.token = body;
    creq.service_token = "gAAAA-svc";
    creq.service_token_body = body;
    creq.auth_user = (size & 1) ? "alice" : NULL;
    creq.auth_key = (size & 1) ? "secret" : NULL;
    if (!heat_context_from_token(&ctx, p, &creq, policy, NULL)) {
        (void)heat_json_dump(p, heat_context_to_dict(ctx, p), 0);
        (void)heat_json_dump(p, heat_context_policy_creds(ctx, p), 0);
        (void)heat_context_user_identity(ctx, p);
        (void)heat_policy_native_authorize(policy, p, ctx, "stacks", "index", "P1", &denial);
        (void)heat_policy_native_authorize(policy, p, ctx, "stacks", "create", ctx->project_id, &denial);
        (void)heat_policy_cfn_authorize(policy, p, ctx, "DescribeStacks", &denial);
    }
done:
    apr_pool_destroy(p);
    return 0;
}
