/* main.c: runs every unit test suite of HEAT_TEST_SUITES (heat_test.h) in one runner. */
#include "heat_test.h"

#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <jansson.h>

#include "heat_json.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

apr_pool_t *heat_test_pool;
static apr_pool_t *root_pool;

void heat_test_pool_setup(void)
{
    apr_pool_create(&heat_test_pool, root_pool);
}

void heat_test_pool_teardown(void)
{
    apr_pool_destroy(heat_test_pool);
    heat_test_pool = NULL;
}

const char *heat_test_golden(const char *relpath)
{
    const char *base = getenv("HEAT_TEST_GOLDEN");
    return apr_pstrcat(heat_test_pool, base ? base : "test/golden", "/", relpath, NULL);
}

json_t *heat_test_golden_json(const char *relpath)
{
    json_error_t err;
    json_t *j = json_load_file(heat_test_golden(relpath), 0, &err);
    ck_assert_msg(j != NULL, "%s: %s (line %d)", relpath, err.text, err.line);
    return heat_json_own(heat_test_pool, j);
}

char *heat_test_read_file(const char *path, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t info;
    char *buf;
    apr_size_t n;

    ck_assert_msg(apr_file_open(&f, path, APR_FOPEN_READ, 0, heat_test_pool) == APR_SUCCESS,
                  "cannot open %s", path);
    ck_assert(apr_file_info_get(&info, APR_FINFO_SIZE, f) == APR_SUCCESS);
    n = (apr_size_t)info.size;
    buf = apr_palloc(heat_test_pool, n + 1);
    if (n > 0)
        ck_assert(apr_file_read_full(f, buf, n, &n) == APR_SUCCESS);
    buf[n] = '\0';
    apr_file_close(f);
    if (len)
        *len = n;
    return buf;
}

/* Equality that also checks key order (Python dicts keep it, and so does heat-engine). */
int heat_test_json_same(const json_t *a, const json_t *b)
{
    if (json_typeof(a) != json_typeof(b))
        return 0;
    switch (json_typeof(a)) {
    case JSON_OBJECT: {
        void *ia = json_object_iter((json_t *)a), *ib = json_object_iter((json_t *)b);
        if (json_object_size(a) != json_object_size(b))
            return 0;
        while (ia && ib) {
            if (json_object_iter_key_len(ia) != json_object_iter_key_len(ib) ||
                memcmp(json_object_iter_key(ia), json_object_iter_key(ib), json_object_iter_key_len(ia)) ||
                !heat_test_json_same(json_object_iter_value(ia), json_object_iter_value(ib)))
                return 0;
            ia = json_object_iter_next((json_t *)a, ia);
            ib = json_object_iter_next((json_t *)b, ib);
        }
        return !ia && !ib;
    }
    case JSON_ARRAY: {
        size_t i;
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (i = 0; i < json_array_size(a); i++)
            if (!heat_test_json_same(json_array_get(a, i), json_array_get(b, i)))
                return 0;
        return 1;
    }
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               !memcmp(json_string_value(a), json_string_value(b), json_string_length(a));
    case JSON_INTEGER:
        return json_integer_value(a) == json_integer_value(b);
    case JSON_REAL:
        return json_real_value(a) == json_real_value(b);
    default:
        return 1;
    }
}

int main(void)
{
    SRunner *runner;
    int failed;
    int missing = 0;

    apr_initialize();
    apr_pool_create(&root_pool, NULL);
    runner = srunner_create(NULL);
    /* A suite listed in heat_test.h but not linked is a failure (a registration guard),
     * unless HEAT_TEST_ALLOW_MISSING is set while a suite is being written. */
#define HEAT_TEST_ADD(name)                                                   \
    if (heat_test_##name##_suite)                                             \
        srunner_add_suite(runner, heat_test_##name##_suite());                \
    else {                                                                    \
        fprintf(stderr, "unit test suite '%s' is listed but not linked\n", #name); \
        missing++;                                                            \
    }
    HEAT_TEST_SUITES(HEAT_TEST_ADD)
#undef HEAT_TEST_ADD
    /* No fork: sanitizer reports and pools stay in one process, and gdb works. */
    srunner_set_fork_status(runner, CK_NOFORK);
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    apr_pool_destroy(root_pool);
    apr_terminate();
    if (missing && !getenv("HEAT_TEST_ALLOW_MISSING"))
        return EXIT_FAILURE;
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
