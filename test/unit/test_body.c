/* test_body.c: hostile JSON request bodies (heat_body.c, heat_json.c): NUL characters in keys
 * and strings kept whole from the body to the RPC message, decoding linear in memory, deep
 * nesting and huge numbers answered as clean 400s. */
#include "heat_test.h"

#include <apr_strings.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <string.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_rpc.h"
#include "heat_template.h"
#include "heat_util.h"

#if defined(__SANITIZE_ADDRESS__)
#define HEAT_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAT_TEST_ASAN 1
#endif
#endif
#ifdef HEAT_TEST_ASAN
/* from the sanitizer runtime (its header is not always installed) */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

static heat_body_status_t decode(apr_pool_t *p, const char *text, size_t len, json_t **body, heat_error_t *err)
{
    heat_body_request_t req = {"POST", "application/json", NULL, (apr_off_t)len, text, len};
    memset(err, 0, sizeof *err);
    return heat_body_decode(p, &req, 16 * 1024 * 1024, body, err);
}

/* the validate request of the report: a template key with an escaped NUL */
static const char nul_key_body[] = "{\"template\": {\"heat_template_version\": \"2018-08-31\", \"a\\u0000b\": 1}}";

/* The dump writes runs of plain characters in one append: the same text as json.dumps
 * (ensure_ascii) for strings where runs, escapes and non-ASCII characters alternate, at a run's
 * start, middle and end (expected strings written by Python's json.dumps). */
START_TEST(dump_string_runs_as_json_dumps)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"", 0, "[\"\"]"},
        {"plain text, no escape", 21, "[\"plain text, no escape\"]"},
        {"\"", 1, "[\"\\\"\"]"},
        {"a\"b\\c", 5, "[\"a\\\"b\\\\c\"]"},
        {"line\nnext\ttab\r\b\f", 16, "[\"line\\nnext\\ttab\\r\\b\\f\"]"},
        {"caf\xc3\xa9 \xe2\x82\xac" "5", 10, "[\"caf\\u00e9 \\u20ac5\"]"},
        {"\xf0\x9f\x98\x80" "end", 7, "[\"\\ud83d\\ude00end\"]"},
        {"a\0b\x7f~", 5, "[\"a\\u0000b\\u007f~\"]"},
        {"\x01 ~ \x1f", 5, "[\"\\u0001 ~ \\u001f\"]"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *v = heat_json_own(heat_test_pool, json_pack("[s%]", cases[i].in, cases[i].len));
        ck_assert_ptr_nonnull(v);
        ck_assert_str_eq(heat_json_dump(heat_test_pool, v, 0), cases[i].out);
    }
}
END_TEST

START_TEST(nul_key_round_trip)
{
    json_t *body, *tpl, *args;
    heat_error_t err;
    char *msg;
    const char *k;
    size_t klen, found = 0;
    json_t *v;
    heat_rpc_ids_t ids = {"83e891d676f9484c99c8759f1a5457ac", "reply_c246c6bab889480b83eb1442ab947986",
                          "f67ddb563b62476bbfbfb255b6484590"};

    ck_assert_int_eq(decode(heat_test_pool, nul_key_body, strlen(nul_key_body), &body, &err), HEAT_BODY_OK);
    tpl = json_object_get(body, "template");
    ck_assert_uint_eq(json_object_size(tpl), 2);
    json_object_keylen_foreach(tpl, k, klen, v) {
        if (klen == 3 && !memcmp(k, "a\0b", 3)) {
            found = 1;
            ck_assert_int_eq(json_integer_value(v), 1);
        }
    }
    ck_assert_uint_eq(found, 1);
    /* json.dumps writes the key whole; the old writer looked the value up under "a" and crashed */
    ck_assert_str_eq(heat_json_dump(heat_test_pool, body, 0),
                     "{\"template\": {\"heat_template_version\": \"2018-08-31\", \"a\\u0000b\": 1}}");
    ck_assert_str_eq(heat_json_dump(heat_test_pool, body, JSON_SORT_KEYS),
                     "{\"template\": {\"a\\u0000b\": 1, \"heat_template_version\": \"2018-08-31\"}}");

    /* the RPC message validate_template sends carries it too */
    args = json_object();
    json_object_set(args, "template", tpl);
    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, NULL, "validate_template", args, "1.36", &ids, &msg));
    ck_assert_ptr_nonnull(strstr(msg, "\\\"a\\\\u0000b\\\": 1"));
}
END_TEST

START_TEST(nul_key_sort_order)
{
    /* sorted(["a\0b", "a", "a\0"]) == ["a", "a\0", "a\0b"]: a prefix first */
    const char *text = "{\"a\\u0000b\": 1, \"a\": 2, \"a\\u0000\": 3}";
    json_t *body;
    heat_error_t err;
    ck_assert_int_eq(decode(heat_test_pool, text, strlen(text), &body, &err), HEAT_BODY_OK);
    ck_assert_uint_eq(json_object_size(body), 3);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, body, JSON_SORT_KEYS),
                     "{\"a\": 2, \"a\\u0000\": 3, \"a\\u0000b\": 1}");
    ck_assert_str_eq(heat_json_dump(heat_test_pool, body, 0), "{\"a\\u0000b\": 1, \"a\": 2, \"a\\u0000\": 3}");
}
END_TEST

START_TEST(nul_in_string_value_kept)
{
    const char *text = "{\"description\": \"a\\u0000b\", \"list\": [\"\\u0000\", \"x\\u0000\\u00e9\"]}";
    json_t *body, *d, *args;
    heat_error_t err;
    char *msg;
    heat_rpc_ids_t ids = {NULL, NULL, "f67ddb563b62476bbfbfb255b6484590"};

    ck_assert_int_eq(decode(heat_test_pool, text, strlen(text), &body, &err), HEAT_BODY_OK);
    d = json_object_get(body, "description");
    ck_assert_uint_eq(json_string_length(d), 3);
    ck_assert(!memcmp(json_string_value(d), "a\0b", 3));
    ck_assert_str_eq(heat_json_dump(heat_test_pool, body, 0),
                     "{\"description\": \"a\\u0000b\", \"list\": [\"\\u0000\", \"x\\u0000\\u00e9\"]}");
    args = json_deep_copy(body);
    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, NULL, "validate_template", args, "1.36", &ids, &msg));
    ck_assert_ptr_nonnull(strstr(msg, "\\\"description\\\": \\\"a\\\\u0000b\\\""));
}
END_TEST

START_TEST(nul_in_engine_reply_kept)
{
    /* what heat-engine sends back for a template with a NUL in a key and in a value */
    const char *reply = "{\"oslo.version\": \"2.0\", \"oslo.message\": \"{\\\"result\\\": {\\\"Description\\\": "
                        "\\\"a\\\\u0000b\\\", \\\"x\\\\u0000y\\\": 1}, \\\"failure\\\": null, "
                        "\\\"_msg_id\\\": \\\"m1\\\"}\"}";
    heat_rpc_incoming_t in;
    const json_t *d;

    ck_assert_ptr_null(heat_rpc_reply_parse(heat_test_pool, reply, strlen(reply), &in));
    ck_assert_str_eq(in.msg_id, "m1");
    d = json_object_get(in.result, "Description");
    ck_assert_uint_eq(json_string_length(d), 3);
    ck_assert(!memcmp(json_string_value(d), "a\0b", 3));
    ck_assert_int_eq(json_integer_value(json_object_getn(in.result, "x\0y", 3)), 1);
    ck_assert_str_eq(heat_json_dump(heat_test_pool, in.result, 0), "{\"Description\": \"a\\u0000b\", \"x\\u0000y\": 1}");
}
END_TEST

START_TEST(nul_key_is_no_known_section)
{
    /* environment_format: {"parameters\0x": {}} has a wrong section, not "parameters" */
    const char *text = "{\"parameters\\u0000x\": {}}";
    json_t *body;
    heat_error_t err;
    heat_pyexc_t exc = {NULL, NULL};
    ck_assert_int_eq(decode(heat_test_pool, text, strlen(text), &body, &err), HEAT_BODY_OK);
    ck_assert_int_eq(heat_environment_validate(heat_test_pool, body, &exc), 0);
    ck_assert_str_eq(exc.type, "ValueError");
}
END_TEST

/* ---- memory ----
 * APR takes pool memory straight from mmap (Debian's libapr) or from malloc (other builds):
 * both are counted, the address space from /proc/self/statm and the heap from the allocator's
 * statistics. jansson's values come from an arena mapped beforehand, so they count apart. */

static size_t heap_in_use(void)
{
#ifdef HEAT_TEST_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#endif
}

static size_t address_space(void)
{
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

#define ARENA_SIZE ((size_t)1 << 30)
static char *arena;
static size_t arena_used, jansson_live;

/* a bump allocator: 16-byte header with the size, frees only counted */
static void *arena_malloc(size_t n)
{
    size_t need = 16 + ((n + 15) & ~(size_t)15);
    char *block;
    if (arena_used + need > ARENA_SIZE)
        return NULL;
    block = arena + arena_used;
    arena_used += need;
    memcpy(block, &n, sizeof n);
    jansson_live += n;
    return block + 16;
}

static void arena_free(void *ptr)
{
    size_t n;
    if (!ptr)
        return;
    memcpy(&n, (char *)ptr - 16, sizeof n);
    jansson_live -= n;
}

/* The memory a decode of text takes beyond jansson's values (pool memory: buffers, copies),
 * with the value alive; *jansson gets the bytes jansson's values hold. */
static size_t decode_overhead(const char *text, size_t len, size_t *jansson, heat_body_status_t *st)
{
    apr_pool_t *p;
    json_t *body;
    heat_error_t err;
    json_malloc_t old_malloc;
    json_free_t old_free;
    size_t heap0, as0, heap, as;

    arena = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert(arena != MAP_FAILED);
    arena_used = jansson_live = 0;
    json_get_alloc_funcs(&old_malloc, &old_free);
    /* every jansson value made here is gone before the functions change back */
    json_set_alloc_funcs(arena_malloc, arena_free);
    apr_pool_create(&p, NULL);
    heap0 = heap_in_use();
    as0 = address_space();
    *st = decode(p, text, len, &body, &err);
    heap = heap_in_use();
    as = address_space();
    *jansson = jansson_live;
    apr_pool_destroy(p);
    json_set_alloc_funcs(old_malloc, old_free);
    munmap(arena, ARENA_SIZE);
    return (heap > heap0 ? heap - heap0 : 0) + (as > as0 ? as - as0 : 0);
}

/* {"template": {"a": ["x", "x", ...]}} with n strings */
static char *many_strings(apr_pool_t *p, size_t n, size_t *len)
{
    static const char head[] = "{\"template\": {\"a\": [", tail[] = "]}}";
    char *text = apr_palloc(p, sizeof head + 5 * n + sizeof tail), *o = text;
    size_t i;
    memcpy(o, head, sizeof head - 1);
    o += sizeof head - 1;
    for (i = 0; i < n; i++) {
        memcpy(o, i ? ", \"x\"" : "\"x\"", i ? 5 : 3);
        o += i ? 5 : 3;
    }
    memcpy(o, tail, sizeof tail);
    *len = (size_t)(o - text) + sizeof tail - 1;
    return text;
}

/* {"parameters": {"k0": 0, "k1": 1, ...}} with n keys */
static char *many_keys(apr_pool_t *p, size_t n, size_t *len)
{
    heat_buf_t b = {p, NULL, 0, 0};
    size_t i;
    heat_buf_str(&b, "{\"parameters\": {");
    for (i = 0; i < n; i++)
        heat_buf_str(&b, apr_psprintf(p, "%s\"k%lu\": %lu", i ? ", " : "", (unsigned long)i, (unsigned long)i));
    heat_buf_str(&b, "}}");
    *len = b.len;
    return b.data;
}

START_TEST(decoding_is_linear_in_memory)
{
    /* small first: the old decoder took the rest of the text for every string (quadratic) */
    static const size_t counts[] = {5000, 200000};
    size_t k;
    for (k = 0; k < sizeof counts / sizeof *counts; k++) {
        size_t len, jansson, pool;
        heat_body_status_t st;
        char *text = many_strings(heat_test_pool, counts[k], &len);
        pool = decode_overhead(text, len, &jansson, &st);
        ck_assert_int_eq(st, HEAT_BODY_OK);
        ck_assert_msg(pool < 8 * len, "%lu strings: %lu body bytes took %lu bytes besides jansson's",
                      (unsigned long)counts[k], (unsigned long)len, (unsigned long)pool);
        /* jansson's values themselves: a json_t, its text and an array slot each */
        ck_assert_msg(jansson < 16 * len, "%lu strings: jansson took %lu bytes for %lu body bytes",
                      (unsigned long)counts[k], (unsigned long)jansson, (unsigned long)len);
    }
    {
        size_t len, jansson, pool;
        heat_body_status_t st;
        char *text = many_keys(heat_test_pool, 100000, &len);
        pool = decode_overhead(text, len, &jansson, &st);
        ck_assert_int_eq(st, HEAT_BODY_OK);
        ck_assert_msg(pool < 8 * len, "100000 keys: %lu body bytes took %lu bytes besides jansson's",
                      (unsigned long)len, (unsigned long)pool);
    }
}
END_TEST

START_TEST(deep_nesting_is_a_400)
{
    size_t depth = 200000, i;
    char *text = apr_palloc(heat_test_pool, 2 * depth + 3), *o = text;
    json_t *body;
    heat_error_t err;

    /* {"a": [[[[...]]]]} far deeper than any stack would take by recursion */
    memcpy(o, "{\"a\":", 5);
    o += 5;
    for (i = 0; i < depth; i++)
        *o++ = '[';
    for (i = 0; i < depth; i++)
        *o++ = ']';
    *o++ = '}';
    ck_assert_int_eq(decode(heat_test_pool, text, (size_t)(o - text), &body, &err), HEAT_BODY_ERROR);
    ck_assert_int_eq(err.status, 400);
    ck_assert_str_eq(err.type, "HTTPBadRequest");
    ck_assert_ptr_nonnull(strstr(err.message, "nested deeper than"));

    /* unbalanced: only openers, a truncated body */
    ck_assert_int_eq(decode(heat_test_pool, text, 5 + depth, &body, &err), HEAT_BODY_ERROR);
    ck_assert_int_eq(err.status, 400);
}
END_TEST

START_TEST(huge_numbers_are_a_400)
{
    size_t n = 100000, i;
    char *text = apr_palloc(heat_test_pool, n + 16), *o = text;
    json_t *body;
    heat_error_t err;
    const char *inf = "{\"a\": 1e999999}";

    ck_assert_int_eq(decode(heat_test_pool, inf, strlen(inf), &body, &err), HEAT_BODY_ERROR);
    ck_assert_int_eq(err.status, 400);
    ck_assert_str_eq(err.message, "Out of range float values are not JSON compliant: line 1 column 7 (char 6)");

    /* 10**100000: int() refuses more than 4300 digits */
    memcpy(o, "{\"a\": 1", 7);
    o += 7;
    for (i = 0; i < n; i++)
        *o++ = '0';
    *o++ = '}';
    ck_assert_int_eq(decode(heat_test_pool, text, (size_t)(o - text), &body, &err), HEAT_BODY_ERROR);
    ck_assert_int_eq(err.status, 400);
    ck_assert_str_eq(err.message, "Exceeds the limit (4300 digits) for integer string conversion: value has 100001 "
                                  "digits; use sys.set_int_max_str_digits() to increase the limit");

    /* a float with 100000 digits: a float like any other */
    text[7] = '.';
    ck_assert_int_eq(decode(heat_test_pool, text, (size_t)(o - text), &body, &err), HEAT_BODY_OK);
    ck_assert(json_real_value(json_object_get(body, "a")) == 1.0);
}
END_TEST

/* The envelope is written straight from the inner text: byte for byte what a second dump of
 * {"oslo.version": "2.0", "oslo.message": inner} gives, escapes and all. */
START_TEST(envelope_is_a_dump_of_the_inner_text)
{
    heat_rpc_ids_t ids = {"m", "q", "u"};
    heat_pyjson_status_t st;
    const char *why;
    char *body;
    json_t *args = json_pack("{s:s, s:s, s:[s, f, i, n]}", "q\"uo\\te", "a\"b\\c\\\\d\n\t\x01 \x7f",
                             "utf8", "\xc3\xa9\xf0\x9f\x98\x80", "l", "\\u0000", 0.1, 7), *env, *again;

    ck_assert_ptr_null(heat_rpc_message_build(heat_test_pool, NULL, "m", args, "1.0", &ids, &body));
    env = heat_pyjson_loads(heat_test_pool, body, strlen(body), &st, &why);
    ck_assert_ptr_nonnull(env);
    again = heat_json_own(heat_test_pool, json_pack("{s:s, s:O}", "oslo.version", "2.0", "oslo.message",
                                                    json_object_get(env, "oslo.message")));
    ck_assert_str_eq(body, heat_json_dump(heat_test_pool, again, 0));
    ck_assert_ptr_nonnull(strstr(body, "q\\\\\\\"uo\\\\\\\\te"));
}
END_TEST

Suite *heat_test_body_suite(void)
{
    Suite *s = suite_create("body");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dump_string_runs_as_json_dumps);
    tcase_add_test(tc, nul_key_round_trip);
    tcase_add_test(tc, nul_key_sort_order);
    tcase_add_test(tc, nul_in_string_value_kept);
    tcase_add_test(tc, nul_in_engine_reply_kept);
    tcase_add_test(tc, nul_key_is_no_known_section);
    tcase_add_test(tc, decoding_is_linear_in_memory);
    tcase_add_test(tc, deep_nesting_is_a_400);
    tcase_add_test(tc, huge_numbers_are_a_400);
    tcase_add_test(tc, envelope_is_a_dump_of_the_inner_text);
    suite_add_tcase(s, tc);
    return s;
}
