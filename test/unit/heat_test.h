/* heat_test.h: shared declarations of the unit test suites (Check). Each test_<area>.c
 * defines one suite constructor, listed once in HEAT_TEST_SUITES below; main.c runs them all. */
#ifndef HEAT_TEST_H
#define HEAT_TEST_H

#include <check.h>
#include <apr_pools.h>

#define HEAT_TEST_SUITES(X) \
    X(conf)                 \
    X(settings)             \
    X(routes)               \
    X(webob)                \
    X(fault)                \
    X(front)                \
    X(http)                 \
    X(keystone)             \
    X(rpc)                  \
    X(context)              \
    X(policy)               \
    X(yaml)                 \
    X(template)             \
    X(ec2)                  \
    X(auth)                 \
    X(cfn)                  \
    X(cfn_actions)          \
    X(body)                 \
    X(pycompat)             \
    X(stats)                \
    X(cors)                 \
    X(profiler)             \
    X(runtime)              \
    X(alias_budget)         \
    X(release)              \
    X(outage)

/* Weak, so that main.c can report a listed suite that is not linked. */
#define HEAT_TEST_DECLARE(name) Suite *heat_test_##name##_suite(void) __attribute__((weak));
HEAT_TEST_SUITES(HEAT_TEST_DECLARE)
#undef HEAT_TEST_DECLARE

/* A fresh pool per test, destroyed in the teardown (heat_test_pool_setup/teardown as a
 * checked fixture). */
extern apr_pool_t *heat_test_pool;
void heat_test_pool_setup(void);
void heat_test_pool_teardown(void);

/* Path of a golden file or folder below test/golden (HEAT_TEST_GOLDEN, default test/golden). */
const char *heat_test_golden(const char *relpath);

/* A golden JSON file below test/golden, owned by heat_test_pool; fails the test if it cannot be read. */
#include <jansson.h>
json_t *heat_test_golden_json(const char *relpath);

/* JSON equality that also checks key order (Python dicts keep it, and so does heat-engine). */
#include <jansson.h>
int heat_test_json_same(const json_t *a, const json_t *b);

/* Reads a whole file into the pool (NUL-terminated); fails the test if it cannot. */
char *heat_test_read_file(const char *path, apr_size_t *len);

#endif
