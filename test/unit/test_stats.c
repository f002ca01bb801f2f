/* test_stats.c: the shared counters (common/heat_stats.c): slots and totals, a block kept
 * across a re-init (graceful restart), histogram buckets and quantiles, the RPC summary a
 * request's pool keeps for the access log, and both text forms. */
#include "heat_test.h"

#include "heat_stats.h"

#include <apr_strings.h>
#include <string.h>

#define NSLOTS 4

static heat_stats_t *block(void)
{
    apr_size_t size = heat_stats_size(NSLOTS);
    void *mem = apr_pcalloc(heat_test_pool, size);
    heat_stats_t *st = heat_stats_init(mem, size, NSLOTS);
    ck_assert_ptr_nonnull(st);
    return st;
}

START_TEST(slots_and_total)
{
    heat_stats_t *st = block();
    heat_stats_slot_t s;

    heat_stats_attach(st, 1);
    ck_assert(heat_stats_slot_known());
    heat_stats_request(HEAT_STATS_API_NATIVE, 200);
    heat_stats_request(HEAT_STATS_API_NATIVE, 204);
    heat_stats_request(HEAT_STATS_API_CFN, 404);
    heat_stats_request(HEAT_STATS_API_CFN, 99);  /* not a status: ignored */
    heat_stats_request(HEAT_STATS_API_CFN, 600); /* likewise */
    heat_stats_count(HEAT_STAT_CACHE_HIT);
    heat_stats_attach(st, 3);
    heat_stats_request(HEAT_STATS_API_NATIVE, 503);
    heat_stats_count(HEAT_STAT_CACHE_HIT);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_CONNECTIONS, 2);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, 1);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, -1);
    heat_stats_attach(st, -1); /* slot not known yet: the extra slot */
    ck_assert(!heat_stats_slot_known());
    heat_stats_count(HEAT_STAT_EC2TOKENS);

    heat_stats_read(st, 1, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_NATIVE_2XX], 2);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_CFN_4XX], 1);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_CFN_1XX], 0);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_NATIVE_5XX], 0);
    heat_stats_read(st, 3, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_NATIVE_5XX], 1);
    ck_assert_uint_eq(s.gauge[HEAT_GAUGE_POOL_CONNECTIONS], 2);
    ck_assert_uint_eq(s.gauge[HEAT_GAUGE_POOL_IN_USE], 0);
    heat_stats_read(st, NSLOTS, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_EC2TOKENS], 1);
    ck_assert(heat_stats_any(&s));
    heat_stats_read(st, 0, &s);
    ck_assert(!heat_stats_any(&s));
    heat_stats_read(st, -1, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_CACHE_HIT], 2);
    ck_assert_uint_eq(s.counter[HEAT_STAT_REQ_NATIVE_2XX], 2);
    ck_assert_uint_eq(s.counter[HEAT_STAT_EC2TOKENS], 1);
    /* found later, from the request path: the first call moves, later ones do nothing */
    heat_stats_reattach(st, 2);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, 1);
    heat_stats_reattach(st, 2); /* would zero the gauge just counted */
    heat_stats_reattach(st, 0);
    ck_assert(heat_stats_slot_known());
    heat_stats_count(HEAT_STAT_EC2TOKENS);
    heat_stats_read(st, 2, &s);
    ck_assert_uint_eq(s.gauge[HEAT_GAUGE_POOL_IN_USE], 1);
    ck_assert_uint_eq(s.counter[HEAT_STAT_EC2TOKENS], 1);
    heat_stats_read(st, 0, &s);
    ck_assert(!heat_stats_any(&s));
    heat_stats_attach(NULL, 0);
    heat_stats_count(HEAT_STAT_EC2TOKENS); /* nothing attached: no effect, no crash */
    heat_stats_read(st, -1, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_EC2TOKENS], 2);
}
END_TEST

START_TEST(reinit_keeps_or_resets)
{
    apr_size_t size = heat_stats_size(NSLOTS);
    void *mem = apr_pcalloc(heat_test_pool, size);
    heat_stats_t *st = heat_stats_init(mem, size, NSLOTS);
    heat_stats_slot_t s;

    heat_stats_attach(st, 0);
    heat_stats_count(HEAT_STAT_RPC_OK);
    heat_stats_attach(NULL, 0);
    /* the same block again, same layout: a graceful restart keeps the numbers */
    st = heat_stats_init(mem, size, NSLOTS);
    heat_stats_read(st, -1, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_OK], 1);
    /* another number of slots: zeroed */
    st = heat_stats_init(mem, size, NSLOTS - 1);
    ck_assert_int_eq(heat_stats_nslots(st), NSLOTS - 1);
    heat_stats_read(st, -1, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_OK], 0);
    ck_assert_ptr_null(heat_stats_init(mem, size - 1 - sizeof(heat_stats_slot_t), NSLOTS));
}
END_TEST

START_TEST(histogram_and_quantiles)
{
    heat_stats_t *st = block();
    heat_stats_slot_t s;
    int i;

    heat_stats_attach(st, 2);
    for (i = 0; i < 98; i++)
        heat_stats_observe(HEAT_HIST_RPC, 3000); /* 3 ms: first bucket (<= 5 ms) */
    heat_stats_observe(HEAT_HIST_RPC, 10000);    /* exactly 10 ms: the <= 10 ms bucket */
    heat_stats_observe(HEAT_HIST_RPC, apr_time_from_sec(60)); /* +Inf */
    heat_stats_observe(HEAT_HIST_KEYSTONE, -5);               /* clock step: counted as 0 */
    heat_stats_attach(NULL, 0);
    heat_stats_read(st, -1, &s);
    ck_assert_uint_eq(s.hist[HEAT_HIST_RPC].bucket[0], 98);
    ck_assert_uint_eq(s.hist[HEAT_HIST_RPC].bucket[1], 1);
    ck_assert_uint_eq(s.hist[HEAT_HIST_RPC].bucket[HEAT_STATS_BUCKETS], 1);
    ck_assert_uint_eq(heat_stats_hist_count(&s.hist[HEAT_HIST_RPC]), 100);
    ck_assert_uint_eq(s.hist[HEAT_HIST_RPC].sum_us, 98 * 3000 + 10000 + 60000000);
    ck_assert_uint_eq(s.hist[HEAT_HIST_KEYSTONE].bucket[0], 1);
    /* p50: rank 50 of 98 in [0, 5 ms] */
    ck_assert_double_eq_tol(heat_stats_quantile(&s.hist[HEAT_HIST_RPC], 0.5), 0.005 * 50 / 98, 1e-9);
    /* p99: rank 99 is the one in (5 ms, 10 ms]: its upper bound */
    ck_assert_double_eq_tol(heat_stats_quantile(&s.hist[HEAT_HIST_RPC], 0.99), 0.01, 1e-9);
    /* past every finite bound: the highest one, as Prometheus does */
    ck_assert_double_eq_tol(heat_stats_quantile(&s.hist[HEAT_HIST_RPC], 0.999), 10, 1e-9);
    memset(&s, 0, sizeof(s));
    ck_assert_double_eq(heat_stats_quantile(&s.hist[HEAT_HIST_RPC], 0.5), 0);
}
END_TEST

START_TEST(rpc_summary_in_request_pool)
{
    heat_stats_t *st = block();
    heat_stats_slot_t s;
    const char *methods = NULL;
    apr_interval_time_t total = 0;
    apr_pool_t *rp;

    apr_pool_create(&rp, heat_test_pool);
    ck_assert(!heat_stats_rpc_summary(rp, &methods, &total));
    heat_stats_attach(st, 0);
    heat_stats_rpc(rp, "identify_stack", 0, 1500);
    heat_stats_rpc(rp, "show_stack", 2, 2500); /* a timeout */
    heat_stats_rpc(NULL, "list_stacks", 1, 10); /* counted, no pool to note it in */
    heat_stats_rpc(NULL, "list_stacks", 4, 20); /* busy (HEAT_RPC_BUSY) */
    heat_stats_attach(NULL, 0);
    ck_assert(heat_stats_rpc_summary(rp, &methods, &total));
    ck_assert_str_eq(methods, "identify_stack,show_stack");
    ck_assert_int_eq(total, 4000);
    heat_stats_read(st, 0, &s);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_OK], 1);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_ERROR], 1);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_TIMEOUT], 1);
    ck_assert_uint_eq(s.counter[HEAT_STAT_RPC_BUSY], 1);
    ck_assert_uint_eq(heat_stats_hist_count(&s.hist[HEAT_HIST_RPC]), 4);
}
END_TEST

START_TEST(text_forms)
{
    heat_stats_t *st = block();
    heat_stats_slot_t s;
    const char *a, *m;

    heat_stats_attach(st, 0);
    heat_stats_request(HEAT_STATS_API_CFN, 200);
    heat_stats_count(HEAT_STAT_CACHE_NEGATIVE_HIT);
    heat_stats_broker_connect(0);
    heat_stats_broker_connect(1);
    heat_stats_keystone(20000, 1);
    heat_stats_gauge_add(HEAT_GAUGE_POOL_IN_USE, -1); /* below zero: shown signed */
    heat_stats_attach(NULL, 0);
    heat_stats_read(st, -1, &s);

    a = heat_stats_render_auto(heat_test_pool, &s, "");
    ck_assert_ptr_nonnull(strstr(a, "\nHeatRequestsCfn2xx: 1\n"));
    ck_assert_ptr_nonnull(strstr(a, "\nHeatTokenCacheNegativeHits: 1\n"));
    ck_assert_ptr_nonnull(strstr(a, "\nHeatBrokerConnects: 2\nHeatBrokerReconnects: 1\n"));
    ck_assert_ptr_nonnull(strstr(a, "\nHeatKeystoneDurationCount: 1\nHeatKeystoneDurationSum: 0.02\n"));
    ck_assert_ptr_nonnull(strstr(a, "\nHeatRpcPoolInUse: -1\n"));
    ck_assert_ptr_eq(strstr(a, "HeatRequestsNative1xx: 0\n"), a);
    a = heat_stats_render_auto(heat_test_pool, &s, "Child7");
    ck_assert_ptr_nonnull(strstr(a, "\nHeatChild7RequestsCfn2xx: 1\n"));

    m = heat_stats_render_prometheus(heat_test_pool, &s);
    ck_assert_ptr_eq(strstr(m, "# HELP heat_api_requests_total "), m);
    ck_assert_ptr_nonnull(strstr(m, "\nheat_api_requests_total{api=\"cfn\",code_class=\"2xx\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(m, "\nheat_token_cache_lookups_total{result=\"negative_hit\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(m, "\n# TYPE heat_keystone_request_duration_seconds histogram\n"));
    /* 20 ms: cumulative from the 25 ms bucket on */
    ck_assert_ptr_nonnull(strstr(m, "\nheat_keystone_request_duration_seconds_bucket{le=\"0.01\"} 0\n"
                                    "heat_keystone_request_duration_seconds_bucket{le=\"0.025\"} 1\n"));
    ck_assert_ptr_nonnull(strstr(m, "\nheat_keystone_request_duration_seconds_bucket{le=\"+Inf\"} 1\n"
                                    "heat_keystone_request_duration_seconds_sum 0.02\n"
                                    "heat_keystone_request_duration_seconds_count 1\n"));
    /* one HELP per family */
    ck_assert_ptr_null(strstr(strstr(m, "# HELP heat_api_requests_total") + 1,
                              "# HELP heat_api_requests_total"));
}
END_TEST

Suite *heat_test_stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("stats");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, slots_and_total);
    tcase_add_test(tc, reinit_keeps_or_resets);
    tcase_add_test(tc, histogram_and_quantiles);
    tcase_add_test(tc, rpc_summary_in_request_pool);
    tcase_add_test(tc, text_forms);
    suite_add_tcase(s, tc);
    return s;
}
