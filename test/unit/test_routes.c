/* test_routes.c: the native and CFN route tables (heat_native_routes.c, heat_cfn_routes.c) and
 * their matcher (heat_routes.c): every spec route with its
 * variables, the precedence quirks of heat's route order, near-misses, 405/OPTIONS allowed
 * strings, HEAD, services, CFN; then every probe of test/golden/routes/{native,cfn}.txt, which
 * capture.py recorded from heat 19.0.0's real Routes mapper. */
#include "heat_test.h"

#include "heat_cfn.h"
#include "heat_handlers.h"
#include "heat_policy.h"
#include "heat_routes.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* %-encodes bytes <= 0x20, >= 0x7f and "%", as capture.py does. */
static const char *enc(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1);
    char *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c >= 0x7f || c == '%') {
            static const char hex[] = "0123456789ABCDEF";
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static char *dec(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1);
    char *o = out;

    while (*s) {
        if (s[0] == '%' && hexval(s[1]) >= 0 && hexval(s[2]) >= 0) {
            *o++ = (char)(hexval(s[1]) * 16 + hexval(s[2]));
            s += 3;
        }
        else
            *o++ = *s++;
    }
    *o = '\0';
    return out;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const apr_table_entry_t *)a)->key, ((const apr_table_entry_t *)b)->key);
}

/* A match in the golden files' notation: "MATCHED group action name=value ..." (names sorted),
 * "REJECT allowed", "OPTIONS allowed" or "NOT_FOUND". */
static const char *fmt(apr_pool_t *p, const heat_route_match_t *m)
{
    const apr_array_header_t *arr;
    apr_table_entry_t *ents;
    const char *s;
    int i;

    switch (m->result) {
    case HEAT_ROUTE_NOT_FOUND:
        ck_assert_msg(m->route == NULL && m->allowed == NULL, "NOT_FOUND with route or allowed");
        return "NOT_FOUND";
    case HEAT_ROUTE_REJECT:
        ck_assert_msg(m->route == NULL && m->allowed != NULL, "REJECT without allowed");
        return apr_pstrcat(p, "REJECT ", m->allowed, NULL);
    case HEAT_ROUTE_OPTIONS:
        ck_assert_msg(m->route == NULL && m->allowed != NULL, "OPTIONS without allowed");
        return apr_pstrcat(p, "OPTIONS ", m->allowed, NULL);
    case HEAT_ROUTE_MATCHED:
        break;
    }
    ck_assert_msg(m->route != NULL && m->allowed == NULL, "MATCHED without route");
    ck_assert_ptr_nonnull(m->params);
    s = apr_pstrcat(p, "MATCHED ", m->route->group, " ", m->route->action, NULL);
    arr = apr_table_elts(m->params);
    ents = apr_pmemdup(p, arr->elts, (apr_size_t)arr->nelts * sizeof(apr_table_entry_t) + 1);
    qsort(ents, (size_t)arr->nelts, sizeof(apr_table_entry_t), cmp_entry);
    for (i = 0; i < arr->nelts; i++)
        s = apr_pstrcat(p, s, " ", ents[i].key, "=", enc(p, ents[i].val), NULL);
    return s;
}

static heat_routes_t *native(void)
{
    heat_routes_t *rt = NULL;
    const char *err = heat_native_routes_create(heat_test_pool, &rt);
    ck_assert_msg(err == NULL, "native_create: %s", err);
    ck_assert_ptr_nonnull(rt);
    return rt;
}

static heat_routes_t *cfn(void)
{
    heat_routes_t *rt = NULL;
    const char *err = heat_cfn_routes_create(heat_test_pool, &rt);
    ck_assert_msg(err == NULL, "cfn_create: %s", err);
    ck_assert_ptr_nonnull(rt);
    return rt;
}

static const char *nmatch(const heat_routes_t *rt, const char *method, const char *path)
{
    heat_route_match_t m;
    heat_routes_match(rt, heat_test_pool, method, path, &m);
    return fmt(heat_test_pool, &m);
}

static const char *cmatch(const heat_routes_t *rt, const char *method, const char *path, const char *action)
{
    heat_route_match_t m;
    heat_routes_cfn_match(rt, heat_test_pool, method, path, action, &m);
    return fmt(heat_test_pool, &m);
}

typedef struct {
    const char *method;
    const char *path;
    const char *expect;
    const char *policy; /* checked when set */
} probe_t;

#define NPROBES(a) (sizeof(a) / sizeof((a)[0]))

static void check_native(const probe_t *pr, size_t n)
{
    heat_routes_t *rt = native();
    size_t i;

    for (i = 0; i < n; i++) {
        heat_route_match_t m;
        heat_routes_match(rt, heat_test_pool, pr[i].method, pr[i].path, &m);
        ck_assert_msg(strcmp(fmt(heat_test_pool, &m), pr[i].expect) == 0, "%s %s: got \"%s\", want \"%s\"",
                      pr[i].method, pr[i].path, fmt(heat_test_pool, &m), pr[i].expect);
        if (pr[i].policy)
            ck_assert_str_eq(m.route->policy, pr[i].policy);
    }
}

#define TS "tenant_id=t"
#define SP "stack_id=i stack_name=s tenant_id=t"
#define STK "/t/stacks/s/i"
#define ARN "arn:openstack:heat::t:stacks/s/i"

/* Every route of heat/api/openstack/v1/__init__.py, every method of each, with its variables
 * and policy. */
static const probe_t spec_routes[] = {
    {"POST", "/t/validate", "MATCHED stacks validate_template " TS, "stacks:validate_template"},
    {"GET", "/t/resource_types", "MATCHED stacks list_resource_types " TS, "stacks:list_resource_types"},
    {"GET", "/t/resource_types/OS::Nova::Server", "MATCHED stacks resource_schema " TS " type_name=OS::Nova::Server",
     "stacks:resource_schema"},
    {"GET", "/t/resource_types/OS::Heat::None/template",
     "MATCHED stacks generate_template " TS " type_name=OS::Heat::None", "stacks:generate_template"},
    {"GET", "/t/template_versions", "MATCHED stacks list_template_versions " TS, "stacks:list_template_versions"},
    {"GET", "/t/template_versions/heat_template_version.2021-04-16/functions",
     "MATCHED stacks list_template_functions template_version=heat_template_version.2021-04-16 " TS,
     "stacks:list_template_functions"},
    {"GET", "/t/stacks", "MATCHED stacks index " TS, "stacks:index"},
    {"POST", "/t/stacks", "MATCHED stacks create " TS, "stacks:create"},
    {"POST", "/t/stacks/preview", "MATCHED stacks preview " TS, "stacks:preview"},
    {"GET", "/t/stacks/detail", "MATCHED stacks detail " TS, "stacks:detail"},
    {"GET", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, "stacks:lookup"},
    {"POST", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, "stacks:lookup"},
    {"PUT", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, "stacks:lookup"},
    {"PATCH", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, "stacks:lookup"},
    {"DELETE", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, "stacks:lookup"},
    {"GET", "/t/stacks/" ARN, "MATCHED stacks lookup stack_name=" ARN " " TS, "stacks:lookup"},
    {"POST", "/t/stacks/" ARN, "MATCHED stacks lookup stack_name=" ARN " " TS, "stacks:lookup"},
    {"PUT", "/t/stacks/" ARN, "MATCHED stacks lookup stack_name=" ARN " " TS, "stacks:lookup"},
    {"PATCH", "/t/stacks/" ARN, "MATCHED stacks lookup stack_name=" ARN " " TS, "stacks:lookup"},
    {"DELETE", "/t/stacks/" ARN, "MATCHED stacks lookup stack_name=" ARN " " TS, "stacks:lookup"},
    {"GET", "/t/stacks/s/resources", "MATCHED stacks lookup path=resources stack_name=s " TS, "stacks:lookup"},
    {"GET", "/t/stacks/s/events", "MATCHED stacks lookup path=events stack_name=s " TS, NULL},
    {"GET", "/t/stacks/s/template", "MATCHED stacks lookup path=template stack_name=s " TS, NULL},
    {"GET", "/t/stacks/s/actions", "MATCHED stacks lookup path=actions stack_name=s " TS, NULL},
    {"GET", "/t/stacks/s/environment", "MATCHED stacks lookup path=environment stack_name=s " TS, NULL},
    {"GET", "/t/stacks/s/files", "MATCHED stacks lookup path=files stack_name=s " TS, NULL},
    {"POST", "/t/stacks/s/resources", "MATCHED stacks lookup path=resources stack_name=s " TS, "stacks:lookup"},
    {"POST", "/t/stacks/s/events", "MATCHED stacks lookup path=events stack_name=s " TS, NULL},
    {"POST", "/t/stacks/s/template", "MATCHED stacks lookup path=template stack_name=s " TS, NULL},
    {"POST", "/t/stacks/s/actions", "MATCHED stacks lookup path=actions stack_name=s " TS, NULL},
    {"GET", STK, "MATCHED stacks show " SP, "stacks:show"},
    {"GET", STK "/template", "MATCHED stacks template " SP, "stacks:template"},
    {"GET", STK "/environment", "MATCHED stacks environment " SP, "stacks:environment"},
    {"GET", STK "/files", "MATCHED stacks files " SP, "stacks:files"},
    {"PUT", STK, "MATCHED stacks update " SP, "stacks:update"},
    {"PATCH", STK, "MATCHED stacks update_patch " SP, "stacks:update_patch"},
    {"PUT", STK "/preview", "MATCHED stacks preview_update " SP, "stacks:preview_update"},
    {"PATCH", STK "/preview", "MATCHED stacks preview_update_patch " SP, "stacks:preview_update_patch"},
    {"DELETE", STK, "MATCHED stacks delete " SP, "stacks:delete"},
    {"DELETE", STK "/abandon", "MATCHED stacks abandon " SP, "stacks:abandon"},
    {"GET", STK "/export", "MATCHED stacks export " SP, "stacks:export"},
    {"POST", STK "/snapshots", "MATCHED stacks snapshot " SP, "stacks:snapshot"},
    {"GET", STK "/snapshots/sn", "MATCHED stacks show_snapshot snapshot_id=sn " SP, "stacks:show_snapshot"},
    {"DELETE", STK "/snapshots/sn", "MATCHED stacks delete_snapshot snapshot_id=sn " SP, "stacks:delete_snapshot"},
    {"GET", STK "/snapshots", "MATCHED stacks list_snapshots " SP, "stacks:list_snapshots"},
    {"POST", STK "/snapshots/sn/restore", "MATCHED stacks restore_snapshot snapshot_id=sn " SP,
     "stacks:restore_snapshot"},
    {"GET", STK "/outputs", "MATCHED stacks list_outputs " SP, "stacks:list_outputs"},
    {"GET", STK "/outputs/o", "MATCHED stacks show_output output_key=o " SP, "stacks:show_output"},
    {"GET", STK "/resources", "MATCHED resources index " SP, "resource:index"},
    {"GET", STK "/resources/r", "MATCHED resources show resource_name=r " SP, "resource:show"},
    {"GET", STK "/resources/r/metadata", "MATCHED resources metadata resource_name=r " SP, "resource:metadata"},
    {"POST", STK "/resources/r/signal", "MATCHED resources signal resource_name=r " SP, "resource:signal"},
    {"PATCH", STK "/resources/r", "MATCHED resources mark_unhealthy resource_name=r " SP, "resource:mark_unhealthy"},
    {"GET", STK "/events", "MATCHED events index " SP, "events:index"},
    {"GET", STK "/resources/r/events", "MATCHED events index resource_name=r " SP, "events:index"},
    {"GET", STK "/resources/r/events/e", "MATCHED events show event_id=e resource_name=r " SP, "events:show"},
    {"POST", STK "/actions", "MATCHED actions action " SP, "actions:action"},
    {"GET", "/t/build_info", "MATCHED build_info build_info " TS, "build_info:build_info"},
    {"GET", "/t/software_configs", "MATCHED software_configs index " TS, "software_configs:index"},
    {"POST", "/t/software_configs", "MATCHED software_configs create " TS, "software_configs:create"},
    {"GET", "/t/software_configs/c", "MATCHED software_configs show config_id=c " TS, "software_configs:show"},
    {"DELETE", "/t/software_configs/c", "MATCHED software_configs delete config_id=c " TS,
     "software_configs:delete"},
    {"GET", "/t/software_deployments", "MATCHED software_deployments index " TS, "software_deployments:index"},
    {"GET", "/t/software_deployments/metadata/srv",
     "MATCHED software_deployments metadata server_id=srv " TS, "software_deployments:metadata"},
    {"POST", "/t/software_deployments", "MATCHED software_deployments create " TS, "software_deployments:create"},
    {"GET", "/t/software_deployments/d", "MATCHED software_deployments show deployment_id=d " TS,
     "software_deployments:show"},
    {"PUT", "/t/software_deployments/d", "MATCHED software_deployments update deployment_id=d " TS,
     "software_deployments:update"},
    {"DELETE", "/t/software_deployments/d", "MATCHED software_deployments delete deployment_id=d " TS,
     "software_deployments:delete"},
    {"GET", "/t/services", "MATCHED services index " TS, "service:index"},
};

START_TEST(test_native_spec_routes)
{
    check_native(spec_routes, NPROBES(spec_routes));
}
END_TEST

/* Odd matches that heat's route order (first match wins) gives, and a few more. */
static const probe_t quirks[] = {
    {"GET", "/t/stacks/detail", "MATCHED stacks detail " TS, NULL},
    {"POST", "/t/stacks/detail", "MATCHED stacks lookup stack_name=detail " TS, NULL},
    {"PUT", "/t/stacks/detail", "MATCHED stacks lookup stack_name=detail " TS, NULL},
    {"PATCH", "/t/stacks/detail", "MATCHED stacks lookup stack_name=detail " TS, NULL},
    {"DELETE", "/t/stacks/detail", "MATCHED stacks lookup stack_name=detail " TS, NULL},
    {"GET", "/t/stacks/preview", "MATCHED stacks lookup stack_name=preview " TS, NULL},
    {"GET", "/t/stacks/foo/outputs", "MATCHED stacks show stack_id=outputs stack_name=foo " TS, NULL},
    {"GET", "/t/stacks/foo/snapshots", "MATCHED stacks show stack_id=snapshots stack_name=foo " TS, NULL},
    {"GET", "/t/stacks/foo/export", "MATCHED stacks show stack_id=export stack_name=foo " TS, NULL},
    {"GET", "/t/stacks/foo/abandon", "MATCHED stacks show stack_id=abandon stack_name=foo " TS, NULL},
    {"GET", "/t/stacks/foo/preview", "MATCHED stacks show stack_id=preview stack_name=foo " TS, NULL},
    {"GET", "/t/stacks/foo/resources", "MATCHED stacks lookup path=resources stack_name=foo " TS, NULL},
    {"PUT", "/t/stacks/foo/files", "MATCHED stacks update stack_id=files stack_name=foo " TS, NULL},
    {"POST", "/t/stacks/foo/environment", "REJECT GET", NULL},
    {"GET", "/t/software_deployments/metadata", "MATCHED software_deployments show deployment_id=metadata " TS,
     NULL},
    /* all real routes of a group come before its reject routes */
    {"DELETE", "/t/stacks/foo/resources", "MATCHED stacks delete stack_id=resources stack_name=foo " TS, NULL},
    {"POST", "/t/stacks/foo/files", "REJECT GET", NULL},
    {"POST", "/t/stacks/foo/outputs", "REJECT GET,PUT,PATCH,DELETE", NULL},
    /* the arn form comes before the sub-path lookups and show */
    {"GET", "/t/stacks/arn:x/resources", "MATCHED stacks lookup stack_name=arn:x/resources " TS, NULL},
    {"GET", "/t/stacks/arn:x/i", "MATCHED stacks lookup stack_name=arn:x/i " TS, NULL},
    {"GET", "/t/stacks/arn:", "MATCHED stacks lookup stack_name=arn: " TS, NULL},
    {"GET", "/t/stacks/arn:x//y/", "MATCHED stacks lookup stack_name=arn:x//y/ " TS, NULL},
    {"GET", "/t/stacks/ARN:x/i", "MATCHED stacks show stack_id=i stack_name=ARN:x " TS, NULL},
    {"GET", "/t/stacks/arn/i", "MATCHED stacks show stack_id=i stack_name=arn " TS, NULL},
    /* the tenant is any segment */
    {"GET", "/stacks/stacks", "MATCHED stacks index tenant_id=stacks", NULL},
    {"GET", "/validate/stacks/detail", "MATCHED stacks detail tenant_id=validate", NULL},
    /* values are taken as they are: spaces, dots, colons, backslashes, any byte */
    {"GET", "/t/stacks/my stack/i.d", "MATCHED stacks show stack_id=i.d stack_name=my%20stack " TS, NULL},
    {"GET", "/t/stacks/a\\b/\xff\xfe", "MATCHED stacks show stack_id=%FF%FE stack_name=a\\b " TS, NULL},
    {"GET", "/t/stacks/a\nb/i", "MATCHED stacks show stack_id=i stack_name=a%0Ab " TS, NULL},
};

START_TEST(test_native_quirks)
{
    check_native(quirks, NPROBES(quirks));
}
END_TEST

static const probe_t near_misses[] = {
    {"GET", "", "NOT_FOUND", NULL},
    {"GET", "/", "NOT_FOUND", NULL},
    {"GET", "/t", "NOT_FOUND", NULL},
    {"GET", "/t/", "NOT_FOUND", NULL},
    {"GET", "t/stacks", "NOT_FOUND", NULL},
    /* trailing slash */
    {"GET", "/t/stacks/", "NOT_FOUND", NULL},
    {"POST", "/t/stacks/", "NOT_FOUND", NULL},
    {"GET", STK "/", "NOT_FOUND", NULL},
    {"GET", STK "/resources/", "NOT_FOUND", NULL},
    {"GET", "/t/services/", "NOT_FOUND", NULL},
    {"OPTIONS", "/t/stacks/", "NOT_FOUND", NULL},
    /* empty segments */
    {"GET", "//stacks", "NOT_FOUND", NULL},
    {"GET", "/t//stacks", "NOT_FOUND", NULL},
    {"GET", "//t/stacks", "NOT_FOUND", NULL},
    {"GET", "/t/stacks//i", "NOT_FOUND", NULL},
    {"GET", "/t/stacks/s//i", "NOT_FOUND", NULL},
    {"GET", STK "//resources", "NOT_FOUND", NULL},
    {"GET", "/t/resource_types//template", "NOT_FOUND", NULL},
    /* missing segments */
    {"GET", "/t/resource_types/template", "MATCHED stacks resource_schema " TS " type_name=template", NULL},
    {"GET", "/t/template_versions/functions", "NOT_FOUND", NULL},
    {"GET", STK "/snapshots/restore", "MATCHED stacks show_snapshot snapshot_id=restore " SP, NULL},
    {"POST", STK "/snapshots/restore", "REJECT GET,DELETE", NULL},
    {"GET", "/t/stacks/s/i/resources/events", "MATCHED resources show resource_name=events " SP, NULL},
    {"GET", "/t/software_deployments/metadata/", "NOT_FOUND", NULL},
    /* extra segments */
    {"GET", STK "/outputs/o/x", "NOT_FOUND", NULL},
    {"POST", STK "/snapshots/sn/restore/x", "NOT_FOUND", NULL},
    {"GET", STK "/resources/r/events/e/x", "NOT_FOUND", NULL},
    {"GET", "/t/services/x", "NOT_FOUND", NULL},
    {"GET", "/t/build_info/x", "NOT_FOUND", NULL},
    {"GET", "/t/stacks/s/i/x/y", "NOT_FOUND", NULL},
    /* case and suffixes */
    {"GET", "/t/Stacks", "NOT_FOUND", NULL},
    {"GET", "/t/stacks.json", "NOT_FOUND", NULL},
    {"GET", "/v1/t/stacks", "NOT_FOUND", NULL},
};

START_TEST(test_native_near_misses)
{
    check_native(near_misses, NPROBES(near_misses));
}
END_TEST

/* 405 and OPTIONS: the template's methods in registration order. */
static const probe_t reject_options[] = {
    {"GET", "/t/validate", "REJECT POST", NULL},
    {"OPTIONS", "/t/validate", "OPTIONS POST", NULL},
    {"DELETE", "/t/stacks", "REJECT GET,POST", NULL},
    {"OPTIONS", "/t/stacks", "OPTIONS GET,POST", NULL},
    {"GET", "/t/stacks/preview", "MATCHED stacks lookup stack_name=preview " TS, NULL},
    {"OPTIONS", "/t/stacks/preview", "OPTIONS POST", NULL},
    {"OPTIONS", "/t/stacks/detail", "OPTIONS GET", NULL},
    {"OPTIONS", "/t/stacks/s", "OPTIONS GET,POST,PUT,PATCH,DELETE", NULL},
    {"OPTIONS", "/t/stacks/arn:x/y", "OPTIONS GET,POST,PUT,PATCH,DELETE", NULL},
    {"OPTIONS", "/t/stacks/s/resources", "OPTIONS GET", NULL},
    {"PUT", "/t/stacks/s/actions", "MATCHED stacks update stack_id=actions stack_name=s " TS, NULL},
    {"POST", STK, "REJECT GET,PUT,PATCH,DELETE", NULL},
    {"OPTIONS", STK, "OPTIONS GET,PUT,PATCH,DELETE", NULL},
    {"GET", STK "/preview", "REJECT PUT,PATCH", NULL},
    {"OPTIONS", STK "/preview", "OPTIONS PUT,PATCH", NULL},
    {"GET", STK "/abandon", "REJECT DELETE", NULL},
    {"PUT", STK "/snapshots", "REJECT POST,GET", NULL},
    {"OPTIONS", STK "/snapshots", "OPTIONS POST,GET", NULL},
    {"POST", STK "/snapshots/sn", "REJECT GET,DELETE", NULL},
    {"GET", STK "/snapshots/sn/restore", "REJECT POST", NULL},
    {"OPTIONS", STK "/outputs/o", "OPTIONS GET", NULL},
    {"DELETE", STK "/resources/r", "REJECT GET,PATCH", NULL},
    {"OPTIONS", STK "/resources/r", "OPTIONS GET,PATCH", NULL},
    {"GET", STK "/resources/r/signal", "REJECT POST", NULL},
    {"POST", STK "/resources/r/events/e", "REJECT GET", NULL},
    {"GET", STK "/actions", "REJECT POST", NULL},
    {"OPTIONS", STK "/actions", "OPTIONS POST", NULL},
    {"PUT", "/t/build_info", "REJECT GET", NULL},
    {"PUT", "/t/software_configs", "REJECT GET,POST", NULL},
    {"PUT", "/t/software_configs/c", "REJECT GET,DELETE", NULL},
    {"PATCH", "/t/software_deployments/d", "REJECT GET,PUT,DELETE", NULL},
    {"OPTIONS", "/t/software_deployments/d", "OPTIONS GET,PUT,DELETE", NULL},
    {"POST", "/t/software_deployments/metadata/srv", "REJECT GET", NULL},
};

START_TEST(test_native_reject_options)
{
    heat_routes_t *rt = native();
    heat_route_match_t m;

    check_native(reject_options, NPROBES(reject_options));
    /* the variables are there for the 405/OPTIONS answers too */
    heat_routes_match(rt, heat_test_pool, "OPTIONS", STK, &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_OPTIONS);
    ck_assert_str_eq(apr_table_get(m.params, "stack_id"), "i");
    ck_assert_ptr_null(m.route);
}
END_TEST

/* HEAD is matched as GET: a GET route answers it, a template without GET gives 405. */
static const probe_t head[] = {
    {"HEAD", "/t/stacks", "MATCHED stacks index " TS, NULL},
    {"HEAD", STK, "MATCHED stacks show " SP, NULL},
    {"HEAD", "/t/stacks/s", "MATCHED stacks lookup stack_name=s " TS, NULL},
    {"HEAD", "/t/stacks/preview", "MATCHED stacks lookup stack_name=preview " TS, NULL},
    {"HEAD", "/t/stacks/foo/outputs", "MATCHED stacks show stack_id=outputs stack_name=foo " TS, NULL},
    {"HEAD", "/t/validate", "REJECT POST", NULL},
    {"HEAD", STK "/actions", "REJECT POST", NULL},
    {"HEAD", STK "/abandon", "REJECT DELETE", NULL},
    {"HEAD", "/t/services", "MATCHED services index " TS, NULL},
    {"HEAD", "/t/stacks/", "NOT_FOUND", NULL},
};

START_TEST(test_native_head)
{
    check_native(head, NPROBES(head));
}
END_TEST

/* services has no reject/OPTIONS routes: other methods are 404. */
static const probe_t services[] = {
    {"GET", "/t/services", "MATCHED services index " TS, "service:index"},
    {"POST", "/t/services", "NOT_FOUND", NULL},
    {"PUT", "/t/services", "NOT_FOUND", NULL},
    {"PATCH", "/t/services", "NOT_FOUND", NULL},
    {"DELETE", "/t/services", "NOT_FOUND", NULL},
    {"OPTIONS", "/t/services", "NOT_FOUND", NULL},
};

START_TEST(test_native_services)
{
    check_native(services, NPROBES(services));
}
END_TEST

/* Exact method comparison; Routes would match "ET" (in "GET") and "OPT" (in "OPTIONS"). */
static const probe_t methods[] = {
    {"ET", "/t/stacks", "NOT_FOUND", NULL},
    {"T", "/t/validate", "NOT_FOUND", NULL},
    {"OPT", "/t/stacks", "NOT_FOUND", NULL},
    {"GET,POST", "/t/stacks/s", "NOT_FOUND", NULL},
    {"get", "/t/stacks", "NOT_FOUND", NULL},
    {"FOO", "/t/stacks", "NOT_FOUND", NULL},
    {"PROPFIND", STK, "NOT_FOUND", NULL},
    {"TRACE", "/t/stacks/s", "NOT_FOUND", NULL},
    {"", "/t/stacks", "NOT_FOUND", NULL},
};

START_TEST(test_native_methods)
{
    heat_routes_t *rt = native();
    heat_route_match_t m;

    check_native(methods, NPROBES(methods));
    heat_routes_match(rt, heat_test_pool, NULL, "/t/stacks", &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_NOT_FOUND);
    ck_assert_ptr_nonnull(m.params);
    heat_routes_match(rt, heat_test_pool, "GET", NULL, &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_NOT_FOUND);
    heat_routes_match(NULL, heat_test_pool, "GET", "/t/stacks", &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_NOT_FOUND);
}
END_TEST

START_TEST(test_native_table)
{
    heat_routes_t *rt = native();
    const heat_route_t *r;
    int i;

    ck_assert_int_eq(heat_routes_count(rt), 53);
    r = heat_routes_get(rt, 0);
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->path, "/{tenant_id}/validate");
    ck_assert_str_eq(r->group, "stacks");
    ck_assert_str_eq(r->action, "validate_template");
    r = heat_routes_get(rt, 10);
    ck_assert_str_eq(r->method, "GET,POST,PUT,PATCH,DELETE");
    ck_assert_str_eq(r->action, "lookup");
    r = heat_routes_get(rt, 11);
    ck_assert_str_eq(r->path, "/{tenant_id}/stacks/{stack_name:arn\\x3A.*}");
    r = heat_routes_get(rt, 52);
    ck_assert_str_eq(r->path, "/{tenant_id}/services");
    ck_assert_str_eq(r->policy, "service:index");
    ck_assert_ptr_null(heat_routes_get(rt, 53));
    ck_assert_ptr_null(heat_routes_get(rt, -1));
    for (i = 0; i < heat_routes_count(rt); i++) {
        r = heat_routes_get(rt, i);
        ck_assert_ptr_nonnull(r->method);
        ck_assert_ptr_nonnull(r->path);
        ck_assert_ptr_nonnull(r->group);
        ck_assert_ptr_nonnull(r->action);
        ck_assert_ptr_nonnull(r->policy);
    }
    ck_assert_int_eq(heat_routes_count(NULL), 0);
    ck_assert_ptr_null(heat_routes_get(NULL, 0));
}
END_TEST

/* A UTF-8 LC_CTYPE (as an embedded interpreter may set) must not change what matches:
 * Routes matches any byte in a variable. */
START_TEST(test_native_locale)
{
    const char *old = setlocale(LC_CTYPE, NULL);
    char *saved = apr_pstrdup(heat_test_pool, old ? old : "C");
    heat_routes_t *rt;
    const char *got1, *got2, *got3;

    if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "C.utf8")) {
        setlocale(LC_CTYPE, saved);
        return; /* no UTF-8 locale on this system: nothing to test */
    }
    /* no assertion while the locale is changed: a failure must not leak it into later tests */
    rt = NULL;
    heat_native_routes_create(heat_test_pool, &rt);
    got1 = nmatch(rt, "GET", "/t/stacks/\xff\xc3/\xe4");
    got2 = nmatch(rt, "GET", "/t/stacks/arn:\xff/x");
    setlocale(LC_CTYPE, saved);
    got3 = nmatch(rt, "GET", "/t/stacks/\xff/\xe4");
    ck_assert_str_eq(got1, "MATCHED stacks show stack_id=%E4 stack_name=%FF%C3 " TS);
    ck_assert_str_eq(got2, "MATCHED stacks lookup stack_name=arn:%FF/x " TS);
    ck_assert_str_eq(got3, "MATCHED stacks show stack_id=%E4 stack_name=%FF " TS);
}
END_TEST

/* Tables live in the pool they were made in: destroying it frees the compiled templates
 * (ASan reports a leak otherwise); several tables can coexist. */
START_TEST(test_pool_lifetime)
{
    apr_pool_t *sub;
    heat_routes_t *a, *b;
    int i;

    for (i = 0; i < 3; i++) {
        apr_pool_create(&sub, heat_test_pool);
        ck_assert_ptr_null(heat_native_routes_create(sub, &a));
        ck_assert_ptr_null(heat_cfn_routes_create(sub, &b));
        ck_assert_str_eq(nmatch(a, "GET", "/t/stacks"), "MATCHED stacks index " TS);
        ck_assert_str_eq(cmatch(b, "POST", "/signal/x", NULL), "MATCHED signal signal arn=x");
        apr_pool_destroy(sub);
    }
}
END_TEST

/* --- CFN -------------------------------------------------------------------------------- */

static const char *const cfn_actions[] = {
    "ListStacks", "CreateStack", "DescribeStacks", "DeleteStack", "UpdateStack", "CancelUpdateStack",
    "DescribeStackEvents", "ValidateTemplate", "GetTemplate", "EstimateTemplateCost", "DescribeStackResource",
    "DescribeStackResources", "ListStackResources",
};

START_TEST(test_cfn_actions)
{
    heat_routes_t *rt = cfn();
    static const char *const meths[] = {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "FOO"};
    size_t i, j;

    for (i = 0; i < NPROBES(cfn_actions); i++) {
        for (j = 0; j < NPROBES(meths); j++) {
            heat_route_match_t m;
            heat_routes_cfn_match(rt, heat_test_pool, meths[j], "/", cfn_actions[i], &m);
            ck_assert_int_eq(m.result, HEAT_ROUTE_MATCHED);
            ck_assert_str_eq(m.route->group, "cfn");
            ck_assert_str_eq(m.route->action, cfn_actions[i]);
            ck_assert_str_eq(m.route->policy, apr_pstrcat(heat_test_pool, "cloudformation:", cfn_actions[i], NULL));
            ck_assert_int_eq(apr_table_elts(m.params)->nelts, 0);
        }
    }
    ck_assert_str_eq(cmatch(rt, "GET", "/", NULL), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "POST", "/", ""), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/", "liststacks"), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/", "ListStacks "), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/", "list"), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/", "InvalidAction"), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "PATCH", "/", "DescribeStack"), "MATCHED cfn InvalidAction");
    ck_assert_ptr_null(heat_routes_get(rt, 0)->policy);
    /* only "/" */
    ck_assert_str_eq(cmatch(rt, "GET", "", "ListStacks"), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "//", "ListStacks"), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/x", "ListStacks"), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/v1/", "ListStacks"), "NOT_FOUND");
}
END_TEST

START_TEST(test_cfn_legacy)
{
    heat_routes_t *rt = cfn();

    ck_assert_str_eq(cmatch(rt, "GET", "/stacks", NULL), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "POST", "/stacks", "CreateStack"), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks.json", NULL), "MATCHED cfn InvalidAction format=json");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/detail", NULL), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/detail.xml", NULL), "MATCHED cfn InvalidAction format=xml");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/new", NULL), "MATCHED cfn InvalidAction");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/x", NULL), "MATCHED cfn InvalidAction id=x");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/x/edit", NULL), "MATCHED cfn InvalidAction id=x");
    ck_assert_str_eq(cmatch(rt, "PUT", "/stacks/x", NULL), "MATCHED cfn InvalidAction id=x");
    ck_assert_str_eq(cmatch(rt, "DELETE", "/stacks/x", NULL), "MATCHED cfn InvalidAction id=x");
    ck_assert_str_eq(cmatch(rt, "PUT", "/stacks/a.b.c", NULL), "MATCHED cfn InvalidAction format=c id=a.b");
    ck_assert_str_eq(cmatch(rt, "HEAD", "/stacks", NULL), "MATCHED cfn InvalidAction");
    /* {id} cannot end with a backslash (Routes' [^\/]+(?<!\\)) */
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/x\\", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/a\\.b", NULL), "MATCHED cfn InvalidAction id=a\\.b");
    ck_assert_str_eq(cmatch(rt, "PUT", "/stacks/a.b\\", NULL), "MATCHED cfn InvalidAction format=b\\ id=a");
    /* no route for these */
    ck_assert_str_eq(cmatch(rt, "POST", "/stacks/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "PATCH", "/stacks", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "OPTIONS", "/stacks", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks/x/y", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/stacks.", NULL), "NOT_FOUND");
}
END_TEST

START_TEST(test_cfn_signal)
{
    heat_routes_t *rt = cfn();
    heat_route_match_t m;

    heat_routes_cfn_match(rt, heat_test_pool, "PUT", "/waitcondition/arn:openstack:heat::t:stacks/s/i/resources/wh",
                          NULL, &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_MATCHED);
    ck_assert_str_eq(m.route->group, "signal");
    ck_assert_str_eq(m.route->action, "update_waitcondition");
    ck_assert_ptr_null(m.route->policy);
    ck_assert_str_eq(apr_table_get(m.params, "arn"), "arn:openstack:heat::t:stacks/s/i/resources/wh");
    ck_assert_str_eq(cmatch(rt, "PUT", "/waitcondition/", NULL), "MATCHED signal update_waitcondition arn=");
    ck_assert_str_eq(cmatch(rt, "PUT", "/waitcondition//x/", NULL), "MATCHED signal update_waitcondition arn=/x/");
    ck_assert_str_eq(cmatch(rt, "POST", "/signal/", NULL), "MATCHED signal signal arn=");
    ck_assert_str_eq(cmatch(rt, "POST", "/signal/x/y/z", "ListStacks"), "MATCHED signal signal arn=x/y/z");
    /* other methods: no route (Routes has no 405 here) */
    ck_assert_str_eq(cmatch(rt, "GET", "/waitcondition/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "POST", "/waitcondition/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "OPTIONS", "/waitcondition/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "HEAD", "/waitcondition/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "PUT", "/signal/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "GET", "/signal/x", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "PUT", "/waitcondition", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "POST", "/signal", NULL), "NOT_FOUND");
    ck_assert_str_eq(cmatch(rt, "POST", "/signals/x", NULL), "NOT_FOUND");
    ck_assert_int_eq(heat_routes_count(rt), 32);
}
END_TEST

/* --- golden files from the real Routes mapper --------------------------------------------- */

/* Checks every probe of a golden file; returns the number of probes. Lines marked DIFF are
 * checked against their expected (mod_heat) result like the others. */
static int check_golden(const char *name, int is_cfn, int *ndiff)
{
    heat_routes_t *rt = is_cfn ? cfn() : native();
    char *text = heat_test_read_file(heat_test_golden(name), NULL);
    char *line, *last;
    int n = 0, bad = 0;

    *ndiff = 0;
    for (line = apr_strtok(text, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        char *f[6];
        char *p = line;
        int k;
        const char *got;
        heat_route_match_t m;

        if (line[0] == '#')
            continue;
        for (k = 0; k < 6; k++) {
            f[k] = p;
            p = p ? strchr(p, '\t') : NULL;
            if (p)
                *p++ = '\0';
        }
        ck_assert_msg(f[5] != NULL, "%s: malformed line %d: %s", name, n + 1, line);
        if (is_cfn) {
            const char *action = strcmp(f[2], "-") == 0 ? NULL : dec(heat_test_pool, f[2] + 2);
            ck_assert_msg(strcmp(f[2], "-") == 0 || strncmp(f[2], "A:", 2) == 0, "%s: bad action %s", name, f[2]);
            heat_routes_cfn_match(rt, heat_test_pool, f[0], dec(heat_test_pool, f[1]), action, &m);
        }
        else
            heat_routes_match(rt, heat_test_pool, f[0], dec(heat_test_pool, f[1]), &m);
        got = fmt(heat_test_pool, &m);
        if (strcmp(got, f[3]) != 0) {
            if (bad++ < 20)
                fprintf(stderr, "%s: %s %s%s%s: got \"%s\", want \"%s\" (Routes: %s) %s\n", name, f[0], f[1],
                        is_cfn ? " " : "", is_cfn ? f[2] : "", got, f[3], f[4], f[5]);
        }
        if (strncmp(f[5], "DIFF ", 5) == 0)
            (*ndiff)++;
        else
            ck_assert_msg(strcmp(f[4], "=") == 0, "%s: unexplained difference in %s %s", name, f[0], f[1]);
        n++;
    }
    ck_assert_msg(bad == 0, "%s: %d of %d probes differ (first ones on stderr)", name, bad, n);
    return n;
}

START_TEST(test_golden_native)
{
    int ndiff;
    int n = check_golden("routes/native.txt", 0, &ndiff);

    ck_assert_int_ge(n, 4000);
    ck_assert_int_gt(ndiff, 0);
}
END_TEST

START_TEST(test_golden_cfn)
{
    int ndiff;
    int n = check_golden("routes/cfn.txt", 1, &ndiff);

    ck_assert_int_ge(n, 900);
    ck_assert_int_gt(ndiff, 0);
}
END_TEST

/* Every real native route has a handler: no 501 is left in the native API. */
START_TEST(every_native_route_has_a_handler)
{
    heat_routes_t *routes;
    int i;

    ck_assert_ptr_null(heat_native_routes_create(heat_test_pool, &routes));
    for (i = 0; i < heat_routes_count(routes); i++) {
        const heat_route_t *r = heat_routes_get(routes, i);
        ck_assert_msg(r->handler != NULL, "no handler for %s %s (%s.%s)", r->method, r->path, r->group,
                      r->action);
    }
}
END_TEST

/* --- route rows: handlers and policy modes ----------------------------------------------- */

static int policy_default_exists(const char *name)
{
    apr_size_t i;
    for (i = 0; i < heat_policy_defaults_count; i++)
        if (strcmp(heat_policy_defaults[i].name, name) == 0)
            return 1;
    return 0;
}

/* A row whose rule is enforced before its handler names a rule heat registers, or every request
 * on it would be judged by the policy file's default rule alone. Every row mod_heat implements
 * has its handler (the CFN table has no unimplemented row). */
START_TEST(rows_have_known_rules_and_handlers)
{
    int i, enforced = 0;

    ck_assert_int_eq(heat_native_route_count, 53);
    for (i = 0; i < heat_native_route_count; i++) {
        const heat_route_t *r = &heat_native_route_rows[i];
        ck_assert_msg(r->handler != NULL, "native %s %s: no handler", r->method, r->path);
        if (r->mode == HEAT_ROUTE_POLICY_ENFORCED) {
            ck_assert_msg(r->policy && policy_default_exists(r->policy), "native %s %s: rule %s is not a default",
                          r->method, r->path, r->policy ? r->policy : "(none)");
            enforced++;
        }
    }
    ck_assert_int_eq(enforced, 51); /* all but update_patch and actions */
    ck_assert_int_eq(heat_cfn_route_count, 32);
    for (i = 0; i < heat_cfn_route_count; i++) {
        const heat_route_t *r = &heat_cfn_route_rows[i];
        ck_assert_msg(r->handler != NULL, "CFN %s %s %s: no handler", r->method, r->path, r->action);
        if (r->mode == HEAT_ROUTE_POLICY_ENFORCED)
            ck_assert_msg(r->policy && policy_default_exists(r->policy), "CFN %s: rule %s is not a default",
                          r->action, r->policy ? r->policy : "(none)");
        else
            ck_assert_int_eq(r->mode, HEAT_ROUTE_POLICY_NONE);
    }
}
END_TEST

/* The two rows whose rule depends on the body, as heat's decorators order the checks. */
START_TEST(rows_with_body_policy)
{
    heat_routes_t *rt = native();
    heat_route_match_t m;

    heat_routes_match(rt, heat_test_pool, "PATCH", "/t/stacks/s/i", &m);
    ck_assert_str_eq(m.route->action, "update_patch");
    ck_assert_int_eq(m.route->mode, HEAT_ROUTE_POLICY_TENANT);
    ck_assert_ptr_eq(m.route->handler, HEAT_NATIVE_FN(heat_stacks_update_patch));
    heat_routes_match(rt, heat_test_pool, "POST", "/t/stacks/s/i/actions", &m);
    ck_assert_str_eq(m.route->group, "actions");
    ck_assert_int_eq(m.route->mode, HEAT_ROUTE_POLICY_BODY);
    ck_assert_ptr_eq(m.route->handler, HEAT_NATIVE_FN(heat_actions_action));
    heat_routes_match(rt, heat_test_pool, "PATCH", "/t/stacks/s/i/preview", &m);
    ck_assert_int_eq(m.route->mode, HEAT_ROUTE_POLICY_ENFORCED);
}
END_TEST

/* heat_api_dispatch on a row: body, then the row's policy check by its mode, then its handler.
 * No engine transport is configured, so a handler that is reached answers 503. */
static heat_result_t dispatch(const heat_route_t *row, const char *method, const char *tenant, const char *body)
{
    heat_policy_options_t o;
    heat_policy_t *pol;
    heat_context_request_t req;
    json_t *cases = heat_test_golden_json("context/cases.json"), *c = json_object_get(cases, "member");
    heat_call_t call;
    heat_settings_t settings;
    heat_result_t reply;
    const char *err;

    memset(&settings, 0, sizeof(settings));
    memset(&o, 0, sizeof(o));
    o.search_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    o.policy_dirs = apr_array_make(heat_test_pool, 1, sizeof(const char *));
    err = heat_policy_load(&pol, heat_test_pool, &o);
    ck_assert_msg(err == NULL, "load: %s", err);
    memset(&req, 0, sizeof(req));
    req.auth_token = json_string_value(json_object_get(c, "auth_token"));
    req.token = json_object_get(c, "token");
    memset(&call, 0, sizeof(call));
    err = heat_context_from_token(&call.ctx, heat_test_pool, &req, pol, NULL);
    ck_assert_msg(err == NULL, "%s", err);
    call.p = heat_test_pool;
    call.method = method;
    call.route = row;
    call.vars = apr_table_make(heat_test_pool, 4);
    apr_table_set(call.vars, "tenant_id", tenant);
    apr_table_set(call.vars, "stack_name", "s");
    apr_table_set(call.vars, "stack_id", "i");
    call.params = apr_array_make(heat_test_pool, 1, sizeof(heat_param_t));
    call.body = body;
    call.body_len = body ? strlen(body) : 0;
    call.content_type = body ? "application/json" : NULL;
    call.content_length = body ? (apr_off_t)strlen(body) : -1;
    call.policy = pol;
    settings.max_json_body_size = 1 << 20;
    settings.max_template_size = 1 << 20;
    call.settings = &settings;
    call.url_base = "http://h/v1";
    memset(&reply, 0, sizeof(reply));
    heat_api_dispatch(&call, &reply);
    return reply;
}

static const heat_route_t *row_of(const char *method, const char *path)
{
    heat_route_match_t m;
    heat_routes_match(native(), heat_test_pool, method, path, &m);
    ck_assert_int_eq(m.result, HEAT_ROUTE_MATCHED);
    return m.route;
}

START_TEST(dispatch_by_policy_mode)
{
    /* "member" is a member of project P1 */
    const heat_route_t *info = row_of("GET", "/P1/build_info");
    const heat_route_t *patch = row_of("PATCH", "/P1/stacks/s/i");
    const heat_route_t *action = row_of("POST", "/P1/stacks/s/i/actions");
    heat_route_t unimplemented = *info, unruled = *info;
    heat_result_t r;

    /* ENFORCED: the tenant check, the rule, then the handler */
    r = dispatch(info, "GET", "P1", NULL);
    ck_assert_int_eq(r.status, 503);
    ck_assert_ptr_nonnull(strstr(r.body, "no message transport"));
    r = dispatch(info, "GET", "P2", NULL);
    ck_assert_int_eq(r.status, 403);

    /* TENANT: only the tenant check before the handler */
    r = dispatch(patch, "PATCH", "P2", "{}");
    ck_assert_int_eq(r.status, 403);
    r = dispatch(patch, "PATCH", "P1", "{}");
    ck_assert_int_ne(r.status, 403);
    ck_assert_int_ne(r.status, 501);

    /* BODY: the handler's own body errors come before any tenant or policy check */
    r = dispatch(action, "POST", "P2", "{}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_ptr_nonnull(strstr(r.body, "No action specified"));
    r = dispatch(action, "POST", "P2", "{\"suspend\": null}");
    ck_assert_int_eq(r.status, 403);

    /* a row without a handler, or enforced without a rule, is not implemented: 501 */
    unimplemented.handler = NULL;
    r = dispatch(&unimplemented, "GET", "P1", NULL);
    ck_assert_int_eq(r.status, 501);
    ck_assert_ptr_nonnull(strstr(r.body, "HTTPNotImplemented"));
    unruled.policy = NULL;
    r = dispatch(&unruled, "GET", "P1", NULL);
    ck_assert_int_eq(r.status, 501);
}
END_TEST

Suite *heat_test_routes_suite(void)
{
    Suite *s = suite_create("routes");
    TCase *tc = tcase_create("native");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, test_native_table);
    tcase_add_test(tc, test_native_spec_routes);
    tcase_add_test(tc, test_native_quirks);
    tcase_add_test(tc, test_native_near_misses);
    tcase_add_test(tc, test_native_reject_options);
    tcase_add_test(tc, test_native_head);
    tcase_add_test(tc, test_native_services);
    tcase_add_test(tc, test_native_methods);
    tcase_add_test(tc, test_native_locale);
    tcase_add_test(tc, test_pool_lifetime);
    suite_add_tcase(s, tc);

    tc = tcase_create("cfn");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, test_cfn_actions);
    tcase_add_test(tc, test_cfn_legacy);
    tcase_add_test(tc, test_cfn_signal);
    suite_add_tcase(s, tc);

    tc = tcase_create("golden");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, test_golden_native);
    tcase_add_test(tc, test_golden_cfn);
    tcase_add_test(tc, every_native_route_has_a_handler);
    suite_add_tcase(s, tc);

    tc = tcase_create("rows");
    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, rows_have_known_rules_and_handlers);
    tcase_add_test(tc, rows_with_body_policy);
    tcase_add_test(tc, dispatch_by_policy_mode);
    suite_add_tcase(s, tc);
    return s;
}
