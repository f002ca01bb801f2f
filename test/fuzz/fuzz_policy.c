/* fuzz_policy.c: oslo.policy's rule language and heat's policy files. Input: the first line
 * is a rule in the policy language (parsed, printed and evaluated against heat's defaults);
 * the rest is a policy file (YAML or JSON), loaded over the defaults and used for the API
 * checks a member's request goes through. */
#include "fuzz_common.h"

#include "heat_context.h"
#include "heat_json.h"
#include "heat_policy.h"

static heat_policy_t *defaults;
static json_t *creds, *target;
static apr_array_header_t *empty;

static void setup(void)
{
    apr_pool_t *root = fuzz_root_pool();
    heat_policy_options_t o;

    memset(&o, 0, sizeof(o));
    empty = apr_array_make(root, 1, sizeof(const char *));
    o.search_dirs = empty;
    o.policy_dirs = empty;
    if (heat_policy_load(&defaults, root, &o))
        abort();
    creds = heat_json_own(root, json_loads(
        "{\"user_id\": \"u1\", \"project_id\": \"P1\", \"roles\": [\"member\", \"Admin\"], "
        "\"system_scope\": null, \"domain_id\": null, \"is_admin\": false, \"user\": \"u1\", "
        "\"tenant\": \"P1\", \"nested\": {\"a\": [1, 2, {\"b\": \"c\"}]}, \"n\": 1.5}", 0, NULL));
    target = heat_json_own(root, json_loads("{\"project_id\": \"P1\", \"tenant\": \"P1\", \"x\": true}", 0, NULL));
    if (!creds || !target)
        abort();
}

static void check(heat_policy_result_t r, const heat_policy_outcome_t *out)
{
    if (r == HEAT_POLICY_ERROR && (!out->error_type || !out->error_message))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *rule = fuzz_field(p, &data, &size, NULL);
    heat_policy_outcome_t out;
    heat_policy_options_t o;
    heat_policy_t *pol;
    const char *path;

    if (!defaults)
        setup();
    (void)heat_policy_parse_str(p, rule);
    memset(&out, 0, sizeof(out));
    check(heat_policy_check_text(defaults, p, rule, target, creds, &out), &out);

    memset(&o, 0, sizeof(o));
    o.search_dirs = empty;
    o.policy_dirs = empty;
    o.policy_file_set = 1;
    o.enforce_scope = size & 1;
    o.enforce_new_defaults = (size >> 1) & 1;
    if ((path = fuzz_memfile(p, data, size)) && (o.policy_file = path) && !heat_policy_load(&pol, p, &o)) {
        apr_array_header_t *names = heat_policy_rule_names(pol, p);
        int i;
        for (i = 0; i < names->nelts && i < 64; i++) {
            const char *name = APR_ARRAY_IDX(names, i, const char *);
            memset(&out, 0, sizeof(out));
            check(heat_policy_enforce(pol, p, name, target, creds, HEAT_POLICY_AUTHORIZE | HEAT_POLICY_RAISE,
                                      &out), &out);
            (void)heat_policy_rule_str(pol, p, name);
        }
        memset(&out, 0, sizeof(out));
        check(heat_policy_check_is_admin(pol, p, creds, &out), &out);
        memset(&out, 0, sizeof(out));
        check(heat_policy_check_text(pol, p, rule, target, creds, &out), &out);
    }
    apr_pool_destroy(p);
    return 0;
}
