/* test_profiler.c: heat_profiler_trace_info (osprofiler 3.4.3's signed_unpack and
 * WsgiMiddleware checks) and the base64 decoder it uses. Headers and HMACs below were made by
 * osprofiler's own signed_pack with key "k2". */
#include "heat_test.h"

#include <apr_strings.h>

#include <string.h>

#include "heat_context.h"
#include "heat_json.h"
#include "heat_profiler.h"
#include "heat_pycompat.h"

#define INFO_PARENT "eyJiYXNlX2lkIjogImIxIiwgInBhcmVudF9pZCI6ICJwMSJ9" /* {"base_id": "b1", "parent_id": "p1"} */
#define HMAC_PARENT "d58bdfac96ed6f7afaeaacc50521d3028dfd8153"
#define INFO_BASE "eyJiYXNlX2lkIjogImIxIn0=" /* {"base_id": "b1"} */
#define HMAC_BASE "d5c257a8362e5c03f5dafbd08056807e3114b348"

static const heat_profiler_conf_t on = {1, "k1, k2,,"};

static const char *dump(const json_t *v)
{
    char *s;
    const char *out;

    if (!v)
        return "NULL";
    s = json_dumps(v, JSON_COMPACT);
    out = apr_pstrdup(heat_test_pool, s);
    free(s);
    return out;
}

START_TEST(profiler_valid_signatures)
{
    /* the key that matched, then the ids; parent_id defaults to base_id */
    ck_assert_str_eq(dump(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, HMAC_PARENT)),
                     "{\"hmac_key\":\"k2\",\"base_id\":\"b1\",\"parent_id\":\"p1\"}");
    ck_assert_str_eq(dump(heat_profiler_trace_info(heat_test_pool, &on, INFO_BASE, " " HMAC_BASE "\t")),
                     "{\"hmac_key\":\"k2\",\"base_id\":\"b1\",\"parent_id\":\"b1\"}");
    /* a payload's own hmac_key is replaced by the key that signed it */
    ck_assert_str_eq(dump(heat_profiler_trace_info(heat_test_pool, &on,
                                                   "eyJiYXNlX2lkIjogImIxIiwgImhtYWNfa2V5IjogImV2aWwifQ==",
                                                   "1344a7152b644a2ffb6fde420cde6f4a9bd420f1")),
                     "{\"hmac_key\":\"k2\",\"base_id\":\"b1\",\"parent_id\":\"b1\"}");
}
END_TEST

START_TEST(profiler_empty_base_id_is_new_uuid)
{
    json_t *t = heat_profiler_trace_info(heat_test_pool, &on, "eyJiYXNlX2lkIjogIiJ9",
                                         "8ff3a7cde612126f3de96e385d3e38dc62e2ae8d");
    const char *base;

    ck_assert_ptr_nonnull(t);
    base = json_string_value(json_object_get(t, "base_id"));
    ck_assert_ptr_nonnull(base);
    ck_assert_uint_eq(strlen(base), 36);
    ck_assert_str_eq(json_string_value(json_object_get(t, "parent_id")), base);
}
END_TEST

START_TEST(profiler_ignored)
{
    static const heat_profiler_conf_t off = {0, "k2"}, other = {1, "k1,k3"}, none = {1, " , "};

    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &off, INFO_PARENT, HMAC_PARENT));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &other, INFO_PARENT, HMAC_PARENT));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &none, INFO_PARENT, HMAC_PARENT));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, NULL, INFO_PARENT, HMAC_PARENT));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, NULL, HMAC_PARENT));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, NULL));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, "  "));
    /* another payload's signature, a truncated one, upper-case hex (compared exactly) */
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, HMAC_BASE));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, "d58bdfac96ed6f7a"));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT,
                                                "D58BDFAC96ED6F7AFAEAACC50521D3028DFD8153"));
    /* signed, but a key outside base_id/parent_id, or not an object */
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, "eyJiYXNlX2lkIjogImIxIiwgImV4dHJhIjogMX0=",
                                                "186d1771d6c6da9f158a2317284a0948f8804ff6"));
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, "WyJiMSJd",
                                                "c4e415951160b615801b08eeb3882b357d9ab675"));
    /* non-ASCII data: Python's decoder refuses it */
    ck_assert_ptr_null(heat_profiler_trace_info(heat_test_pool, &on, "\xc3\xa9", HMAC_PARENT));
}
END_TEST

START_TEST(profiler_trace_info_in_context_dict)
{
    heat_context_t *ctx = heat_context_admin(heat_test_pool);
    json_t *d = heat_context_to_dict(ctx, heat_test_pool);
    const char *last = NULL;
    void *it;

    ck_assert_ptr_null(json_object_get(d, "trace_info"));
    ctx->trace_info = heat_profiler_trace_info(heat_test_pool, &on, INFO_PARENT, HMAC_PARENT);
    d = heat_context_to_dict(ctx, heat_test_pool);
    ck_assert_str_eq(dump(json_object_get(d, "trace_info")),
                     "{\"hmac_key\":\"k2\",\"base_id\":\"b1\",\"parent_id\":\"p1\"}");
    /* appended after to_dict's keys, as serialize_context's update() does */
    for (it = json_object_iter(d); it; it = json_object_iter_next(d, it))
        last = json_object_iter_key(it);
    ck_assert_str_eq(last, "trace_info");
}
END_TEST

Suite *heat_test_profiler_suite(void)
{
    Suite *s = suite_create("profiler");
    TCase *tc = tcase_create("profiler");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, profiler_valid_signatures);
    tcase_add_test(tc, profiler_empty_base_id_is_new_uuid);
    tcase_add_test(tc, profiler_ignored);
    tcase_add_test(tc, profiler_trace_info_in_context_dict);
    suite_add_tcase(s, tc);
    return s;
}
