/* test_outage.c: once-per-outage bookkeeping (common/heat_outage.c): one report per outage,
 * one probe per retry interval while it lasts, the first success ends it. */
#include "heat_test.h"

#include "heat_outage.h"

#define RETRY apr_time_from_sec(30)

START_TEST(one_report_per_outage)
{
    heat_outage_t o = {0, 0};
    apr_time_t t = apr_time_from_sec(1000000);

    ck_assert_int_eq(heat_outage_try(&o, t, RETRY), 1);
    ck_assert_int_eq(heat_outage_ok(&o), 0); /* no outage to end */
    ck_assert_int_eq(heat_outage_down(&o), 0);
    ck_assert_int_eq(heat_outage_failed(&o, t, RETRY), 1);
    ck_assert_int_eq(heat_outage_down(&o), 1);
    ck_assert_int_eq(heat_outage_failed(&o, t, RETRY), 0);  /* a concurrent failure */
    ck_assert_int_eq(heat_outage_failed(&o, t + RETRY, RETRY), 0);
    ck_assert_int_eq(heat_outage_ok(&o), 1);
    ck_assert_int_eq(heat_outage_down(&o), 0);
    ck_assert_int_eq(heat_outage_ok(&o), 0);
    /* the next outage is reported again */
    ck_assert_int_eq(heat_outage_failed(&o, t + 2 * RETRY, RETRY), 1);
}
END_TEST

START_TEST(one_probe_per_interval)
{
    heat_outage_t o = {0, 0};
    apr_time_t t = apr_time_from_sec(1000000);

    heat_outage_failed(&o, t, RETRY);
    ck_assert_int_eq(heat_outage_try(&o, t, RETRY), 0);
    ck_assert_int_eq(heat_outage_try(&o, t + RETRY - apr_time_from_sec(1), RETRY), 0);
    /* the retry time has come: one caller probes, the next ones do not */
    ck_assert_int_eq(heat_outage_try(&o, t + RETRY, RETRY), 1);
    ck_assert_int_eq(heat_outage_try(&o, t + RETRY, RETRY), 0);
    ck_assert_int_eq(heat_outage_try(&o, t + 2 * RETRY - apr_time_from_sec(1), RETRY), 0);
    /* the probe failed: still the same outage, the next probe an interval later */
    ck_assert_int_eq(heat_outage_failed(&o, t + RETRY, RETRY), 0);
    ck_assert_int_eq(heat_outage_try(&o, t + 2 * RETRY, RETRY), 1);
    /* it succeeded: everyone uses the backend again */
    ck_assert_int_eq(heat_outage_ok(&o), 1);
    ck_assert_int_eq(heat_outage_try(&o, t + 2 * RETRY, RETRY), 1);
    ck_assert_int_eq(heat_outage_try(&o, t + 2 * RETRY, RETRY), 1);
}
END_TEST

Suite *heat_test_outage_suite(void)
{
    Suite *s = suite_create("outage");
    TCase *tc = tcase_create("outage");
    tcase_add_test(tc, one_report_per_outage);
    tcase_add_test(tc, one_probe_per_interval);
    suite_add_tcase(s, tc);
    return s;
}
