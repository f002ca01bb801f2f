/* test_yaml.c: heat's YAML loader (heat_yaml.c). Replays every case of test/golden/yaml/cases,
 * whose expected values and errors capture.py recorded from the real heat 19.0.0 + PyYAML 6
 * loader (scalar typing, merge keys, anchors, tags,
 * keys, documents, errors with their snippets); then the Python compatibility helpers, bounds
 * (depth, alias bombs) and a mutation run that must never crash. */
#include "heat_test.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_time.h>
#include <unistd.h>

#include "heat_body.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"


static char *file_or_null(const char *path, apr_size_t *len)
{
    apr_finfo_t info;
    if (apr_stat(&info, path, APR_FINFO_TYPE, heat_test_pool) != APR_SUCCESS)
        return NULL;
    return heat_test_read_file(path, len);
}

static int is_yaml_error_class(const char *type)
{
    return !strcmp(type, "ScannerError") || !strcmp(type, "ParserError") || !strcmp(type, "ComposerError") ||
           !strcmp(type, "ConstructorError") || !strcmp(type, "ReaderError");
}

/* Runs one case; returns NULL when it matches, else what differs. */
static const char *run_case(apr_pool_t *p, const char *dir, const char *name)
{
    const char *base = apr_pstrcat(p, dir, "/", name, NULL);
    apr_size_t len, elen;
    char *input = heat_test_read_file(apr_pstrcat(p, base, ".yaml", NULL), &len);
    char *expected;
    heat_yaml_error_t err;
    json_t *got;

    got = !strncmp(name, "bytes-", 6) ? heat_yaml_load_bytes(p, input, len, &err) : heat_yaml_load(p, input, len, &err);
    if ((expected = file_or_null(apr_pstrcat(p, base, ".json", NULL), &elen)) != NULL) {
        /* Python's json: keys may hold NUL characters, which jansson's loader refuses */
        heat_pyjson_status_t st;
        const char *msg;
        json_t *want = heat_pyjson_loads(p, expected, elen, &st, &msg);
        if (!want)
            return apr_psprintf(p, "bad golden json: %s", msg);
        if (!got)
            return apr_psprintf(p, "expected a value, got %s: %s", err.type, err.message);
        if (!heat_test_json_same(got, want))
            return apr_psprintf(p, "got %s\nwant %s", heat_json_dump(p, got, 0), heat_json_dump(p, want, 0));
        return NULL;
    }
    if ((expected = file_or_null(apr_pstrcat(p, base, ".error", NULL), &elen)) != NULL) {
        char *nl = strchr(expected, '\n');
        const char *type = expected, *message = "";
        if (nl) {
            *nl = '\0';
            message = nl + 1;
        }
        if (got)
            return apr_psprintf(p, "expected %s, got %s", type, heat_json_dump(p, got, 0));
        if (err.status != (is_yaml_error_class(type) ? HEAT_YAML_ERROR : HEAT_YAML_EXCEPTION) ||
            strcmp(err.type, type) || strcmp(err.message, message))
            return apr_psprintf(p, "error differs\n--- want %s\n%s\n--- got %d %s\n%s", type, message, err.status,
                                err.type, err.message);
        return NULL;
    }
    if (file_or_null(apr_pstrcat(p, base, ".unsupported", NULL), &elen)) {
        if (got || err.status != HEAT_YAML_UNSUPPORTED)
            return apr_psprintf(p, "expected a refusal, got %s", got ? heat_json_dump(p, got, 0) : err.message);
        return NULL;
    }
    return "no golden output (run capture.py)";
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(yaml_golden_cases)
{
    const char *dir = heat_test_golden("yaml/cases");
    apr_dir_t *d;
    apr_finfo_t info;
    apr_array_header_t *names = apr_array_make(heat_test_pool, 400, sizeof(const char *));
    int i, failed = 0;

    ck_assert_msg(apr_dir_open(&d, dir, heat_test_pool) == APR_SUCCESS, "cannot open %s", dir);
    while (apr_dir_read(&info, APR_FINFO_NAME, d) == APR_SUCCESS) {
        size_t n = strlen(info.name);
        if (n > 5 && !strcmp(info.name + n - 5, ".yaml"))
            APR_ARRAY_PUSH(names, const char *) = apr_pstrndup(heat_test_pool, info.name, n - 5);
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    ck_assert_int_ge(names->nelts, 300);
    for (i = 0; i < names->nelts; i++) {
        apr_pool_t *p;
        const char *name = APR_ARRAY_IDX(names, i, const char *), *why;
        apr_pool_create(&p, heat_test_pool);
        why = run_case(p, dir, name);
        if (why) {
            fprintf(stderr, "yaml case %s: %s\n", name, why);
            failed++;
        }
        apr_pool_destroy(p);
    }
    ck_assert_msg(failed == 0, "%d of %d YAML golden cases differ (see stderr)", failed, names->nelts);
}
END_TEST

START_TEST(yaml_typing_spot_checks)
{
    heat_yaml_error_t err;
    const char *doc = "a: yes\nb: 0777\nc: 1:30\nd: 2013-05-23\ne: 1e3\nf: 1.0e+3\ng: ~\nh: 0o17\n";
    json_t *v = heat_yaml_load(heat_test_pool, doc, strlen(doc), &err);
    ck_assert_ptr_nonnull(v);
    ck_assert(json_is_true(json_object_get(v, "a")));
    ck_assert_int_eq(json_integer_value(json_object_get(v, "b")), 511);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "c")), 90);
    ck_assert_str_eq(json_string_value(json_object_get(v, "d")), "2013-05-23");
    ck_assert_str_eq(json_string_value(json_object_get(v, "e")), "1e3");
    ck_assert(json_real_value(json_object_get(v, "f")) == 1000.0);
    ck_assert(json_is_null(json_object_get(v, "g")));
    ck_assert_str_eq(json_string_value(json_object_get(v, "h")), "0o17");
    /* an empty stream is None (heat makes it {} itself) */
    v = heat_yaml_load(heat_test_pool, "", 0, &err);
    ck_assert(v && json_is_null(v));
    v = heat_yaml_load(heat_test_pool, NULL, 0, &err);
    ck_assert(v && json_is_null(v));
}
END_TEST

START_TEST(yaml_safe_load_mode)
{
    /* yaml.safe_load's typing (policy files): what heat's loader and RPC make text stays typed */
    heat_yaml_error_t err;
    heat_yaml_pyinfo_t info;
    heat_yaml_options_t o;
    const char *doc = "d: 2013-05-23\nt: 2013-05-23 10:00:00\ns: !!set {a, b}\nb: !!binary YWI=\n"
                      "i: 123456789012345678901234567890\nf: .inf\nx: plain\n1: one\n~: none\n2013-05-24: day\n"
                      "dup: 5\ndup: six\n";
    json_t *v;

    memset(&o, 0, sizeof(o));
    o.safe_load = 1;
    o.pyinfo = &info;
    v = heat_yaml_load_opts(heat_test_pool, doc, strlen(doc), &o, &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_str_eq(json_string_value(json_object_get(v, "d")), "2013-05-23");
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "d")), "datetime.date");
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "t")), "datetime.datetime");
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "s")), "set");
    ck_assert_int_eq(json_array_size(json_object_get(v, "s")), 2);
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "b")), "bytes");
    ck_assert_str_eq(json_string_value(json_object_get(v, "b")), "ab");
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "i")), "int");
    ck_assert_str_eq(json_string_value(json_object_get(v, "f")), "inf");
    ck_assert_str_eq(heat_yaml_pytype(&info, json_object_get(v, "f")), "float");
    ck_assert_ptr_null(heat_yaml_pytype(&info, json_object_get(v, "x")));
    ck_assert_str_eq(json_string_value(json_object_get(v, "dup")), "six");
    ck_assert_ptr_null(heat_yaml_pytype(&info, json_object_get(v, "dup")));
    ck_assert_str_eq(heat_yaml_key_pytype(&info, v, "1"), "int");
    ck_assert_str_eq(heat_yaml_key_pytype(&info, v, "null"), "NoneType");
    ck_assert_str_eq(heat_yaml_key_pytype(&info, v, "2013-05-24"), "datetime.date");
    ck_assert_ptr_null(heat_yaml_key_pytype(&info, v, "x"));
    /* SafeConstructor's timestamp errors */
    v = heat_yaml_load_opts(heat_test_pool, "a: 2013-13-01\n", 14, &o, &err);
    ck_assert_ptr_null(v);
    ck_assert_int_eq(err.status, HEAT_YAML_EXCEPTION);
    ck_assert_str_eq(err.type, "ValueError");
    ck_assert_str_eq(err.message, "month must be in 1..12");
    /* heat's loader, through the same entry point, is unchanged: text for RPC */
    v = heat_yaml_load_opts(heat_test_pool, "a: 2013-13-01\nb: !!set {a}\n", 27, NULL, &err);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(json_string_value(json_object_get(v, "a")), "2013-13-01");
    ck_assert(json_is_array(json_object_get(v, "b")));
}
END_TEST

START_TEST(yaml_error_text_as_heat_reports_it)
{
    heat_yaml_error_t err;
    const char *doc = "a:\n  b: 1\n- c\n";
    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, doc, strlen(doc), &err));
    ck_assert_int_eq(err.status, HEAT_YAML_ERROR);
    ck_assert_str_eq(err.type, "ParserError");
    ck_assert_str_eq(err.message, "while parsing a block mapping\n"
                                  "  in \"<unicode string>\", line 1, column 1:\n"
                                  "    a:\n"
                                  "    ^\n"
                                  "expected <block end>, but found '-'\n"
                                  "  in \"<unicode string>\", line 3, column 1:\n"
                                  "    - c\n"
                                  "    ^");
}
END_TEST

START_TEST(yaml_bounds)
{
    heat_yaml_error_t err;
    apr_size_t n = 200000, i;
    char *deep = apr_palloc(heat_test_pool, 2 * n + 1);
    const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                       "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                       "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                       "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n";
    for (i = 0; i < n; i++) {
        deep[i] = '[';
        deep[n + i] = ']';
    }
    deep[2 * n] = '\0';
    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, deep, 2 * n, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_UNSUPPORTED);
    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, bomb, strlen(bomb), &err));
    ck_assert_int_eq(err.status, HEAT_YAML_UNSUPPORTED);
    /* a long chain of aliases nests deeper than the text does */
    {
        char *chain = apr_pstrdup(heat_test_pool, "a0: &a0 [x]\n");
        for (i = 1; i < 600; i++)
            chain = apr_psprintf(heat_test_pool, "%sa%lu: &a%lu [*a%lu]\n", chain, (unsigned long)i, (unsigned long)i,
                                 (unsigned long)i - 1);
        ck_assert_ptr_null(heat_yaml_load(heat_test_pool, chain, strlen(chain), &err));
        ck_assert_int_eq(err.status, HEAT_YAML_UNSUPPORTED);
    }
    /* loops through aliases: refused, and freed (LeakSanitizer checks) */
    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, "&a [[[*a]]]", 11, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_UNSUPPORTED);
    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, "&a {x: [{y: *a}]}", 17, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_UNSUPPORTED);
}
END_TEST

/* "t: &s <100 KB>\nl: [*s, *s, ...]": the case that made a child build a 200 MB RPC message */
static char *alias_doc(apr_pool_t *p, size_t scalar, size_t refs, size_t *len)
{
    char *doc = apr_palloc(p, scalar + refs * 4 + 64), *o = doc;
    size_t i;
    o += sprintf(o, "t: &s ");
    memset(o, 'x', scalar);
    o += scalar;
    o += sprintf(o, "\nl: [");
    for (i = 0; i < refs; i++)
        o += sprintf(o, i ? ",*s" : "*s");
    o += sprintf(o, "]\n");
    *len = (size_t)(o - doc);
    return doc;
}

START_TEST(yaml_alias_bytes_bounded)
{
    heat_yaml_error_t err;
    size_t len;
    char *doc = alias_doc(heat_test_pool, 100 * 1024, 2000, &len);
    apr_time_t t0 = apr_time_now();

    ck_assert_ptr_null(heat_yaml_load(heat_test_pool, doc, len, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_TOO_LARGE);
    ck_assert_uint_ge(err.expanded, (size_t)2001 * 100 * 1024);
    ck_assert_uint_eq(err.limit, HEAT_YAML_MAX_EXPANDED_BYTES);
    ck_assert_ptr_nonnull(strstr(err.message, "aliases expanded"));
    ck_assert(apr_time_now() - t0 < apr_time_from_sec(1));
    /* bytes from template_url alike; an explicit bound */
    ck_assert_ptr_null(heat_yaml_load_bytes(heat_test_pool, doc, len, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_TOO_LARGE);
    doc = alias_doc(heat_test_pool, 1000, 10, &len);
    ck_assert_ptr_null(heat_yaml_load_max(heat_test_pool, doc, len, 5000, &err));
    ck_assert_int_eq(err.status, HEAT_YAML_TOO_LARGE);
    ck_assert_uint_eq(err.limit, 5000);
    ck_assert_ptr_nonnull(heat_yaml_load_max(heat_test_pool, doc, len, 20000, &err));
    /* keys count too: one long key in many mappings */
    {
        char *keys = apr_pstrcat(heat_test_pool, "k: &k ", apr_pstrndup(heat_test_pool, doc + 6, 1000), "\nl: [", NULL);
        int i;
        for (i = 0; i < 30; i++)
            keys = apr_pstrcat(heat_test_pool, keys, i ? ", " : "", "{*k: 1}", NULL);
        keys = apr_pstrcat(heat_test_pool, keys, "]\n", NULL);
        ck_assert_ptr_null(heat_yaml_load_max(heat_test_pool, keys, strlen(keys), 20000, &err));
        ck_assert_int_eq(err.status, HEAT_YAML_TOO_LARGE);
    }
}
END_TEST

/* The process's mapped memory: APR's allocator maps its blocks itself, so this sees pool memory
 * come and go (and not freed malloc memory a sanitizer keeps in quarantine). */
static size_t mapped_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* A pool whose allocator gives freed memory back to malloc, so that mapped_bytes() sees it. */
static apr_pool_t *returning_pool(void)
{
    apr_allocator_t *a;
    apr_pool_t *p;
    ck_assert_int_eq(apr_allocator_create(&a), APR_SUCCESS);
    apr_allocator_max_free_set(a, 1);
    ck_assert_int_eq(apr_pool_create_ex(&p, NULL, NULL, a), APR_SUCCESS);
    apr_allocator_owner_set(a, p);
    return p;
}

START_TEST(yaml_aliased_scalars_are_shared)
{
    heat_yaml_error_t err;
    size_t len, before;
    apr_pool_t *p = returning_pool();
    char *doc = alias_doc(heat_test_pool, 100 * 1024, 30, &len);
    json_t *v, *l;

    before = mapped_bytes();
    v = heat_yaml_load(p, doc, len, &err);
    ck_assert_ptr_nonnull(v);
    l = json_object_get(v, "l");
    ck_assert_uint_eq(json_array_size(l), 30);
    ck_assert_uint_eq(json_string_length(json_array_get(l, 29)), 100 * 1024);
    /* one string, as PyYAML has one str: not 31 copies */
    ck_assert_ptr_eq(json_array_get(l, 0), json_array_get(l, 29));
    ck_assert_ptr_eq(json_array_get(l, 0), json_object_get(v, "t"));
    ck_assert_uint_lt(mapped_bytes() - before, (size_t)1024 * 1024);
    apr_pool_destroy(p);
}
END_TEST

START_TEST(yaml_patch_passes_do_not_accumulate)
{
    heat_yaml_error_t err;
    apr_pool_t *p = returning_pool();
    /* 60 "k:[" that libyaml refuses and PyYAML reads: 61 passes over a 256 KB text (of small
     * scalars, which the sanitizer's allocator keeps out of mapped_bytes) */
    size_t pad = 256 * 1024, before, grown;
    char *doc = apr_palloc(heat_test_pool, pad + 60 * 16 + 64), *o = doc;
    json_t *v;
    int i;

    o += sprintf(o, "{pad: [");
    for (i = 0; i < 64; i++) {
        if (i)
            *o++ = ',';
        memset(o, 'x', pad / 64 - 1);
        o += pad / 64 - 1;
    }
    *o++ = ']';
    for (i = 0; i < 60; i++)
        o += sprintf(o, ", k%d:[%d]", i, i);
    o += sprintf(o, "}");
    before = mapped_bytes();
    v = heat_yaml_load(p, doc, (size_t)(o - doc), &err);
    ck_assert_msg(v != NULL, "%s", err.message);
    ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(v, "k59"), 0)), 59);
    grown = mapped_bytes() - before;
    /* each pass's text copy and nodes are gone once the next pass starts: a few copies, not 61 */
    ck_assert_msg(grown < 8 * pad, "%lu bytes kept after 61 passes", (unsigned long)grown);
    apr_pool_destroy(p);
}
END_TEST

START_TEST(python_float_repr)
{
    static const struct {
        double d;
        const char *repr;
    } cases[] = {{1.0, "1.0"}, {0.1, "0.1"}, {-2.5, "-2.5"}, {1e16, "1e+16"}, {1234567890123456.0, "1234567890123456.0"},
                 {1e-5, "1e-05"}, {0.0001, "0.0001"}, {1.5e-7, "1.5e-07"}, {0.0, "0.0"}, {-0.0, "-0.0"},
                 {123456789.123456789, "123456789.12345679"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
                 {5e-324, "5e-324"}, {100.0, "100.0"}, {1e22, "1e+22"}, {2.5e15, "2500000000000000.0"}};
    size_t k;
    char buf[HEAT_PY_FLOAT_SIZE];
    for (k = 0; k < sizeof cases / sizeof *cases; k++)
        ck_assert_str_eq(heat_py_float_fmt(buf, cases[k].d, 0), cases[k].repr);
}
END_TEST

START_TEST(python_repr_and_utf8)
{
    size_t start, end;
    const char *reason;
    ck_assert_str_eq(heat_py_repr(heat_test_pool, "a'b", 3), "\"a'b\"");
    ck_assert_str_eq(heat_py_repr(heat_test_pool, "a'\"b", 4), "'a\\'\"b'");
    ck_assert_str_eq(heat_py_repr(heat_test_pool, "\t\x01\xc3\xa9\xc2\xa0", 6), "'\\t\\x01\xc3\xa9\\xa0'");
    ck_assert_uint_eq(heat_py_repr_len("\t\x01\xc3\xa9\xc2\xa0", 6), strlen("'\\t\\x01e\\xa0'"));
    ck_assert_uint_eq(heat_py_strlen("\xc3\xa9t\xc3\xa9", 5), 3);
    ck_assert(heat_py_utf8_check("ok \xf0\x9f\x98\x80", 7, NULL, NULL, NULL));
    ck_assert(!heat_py_utf8_check("ab\xed\xa0\x80", 5, &start, &end, &reason));
    ck_assert_str_eq(heat_py_utf8_error(heat_test_pool, "ab\xed\xa0\x80", start, end, reason),
                     "'utf-8' codec can't decode byte 0xed in position 2: invalid continuation byte");
    ck_assert(!heat_py_utf8_check("\xf0\x90\x80", 3, &start, &end, &reason));
    ck_assert_str_eq(heat_py_utf8_error(heat_test_pool, "\xf0\x90\x80", start, end, reason),
                     "'utf-8' codec can't decode bytes in position 0-2: unexpected end of data");
}
END_TEST

/* Mutations of the golden inputs: whatever happens, no crash, no leak, no sanitizer report. */
START_TEST(yaml_mutations_do_not_crash)
{
    static const char *const pieces[] = {":",  "- ", "[",  "]",   "{",   "}",    ",",   "#",   "&a ", "*a",  "!!str ",
                                         "\t", "\n", "  ", "'",   "\"",  "|",    ">",   "?",   "<<: ", "%",  "---\n",
                                         "\\", "@",  "!",  "\r\n", "\xc3\xa9", "!!binary ", "!!set ", ".inf", "0x"};
    const char *dir = heat_test_golden("yaml/cases");
    apr_dir_t *d;
    apr_finfo_t info;
    apr_array_header_t *inputs = apr_array_make(heat_test_pool, 400, sizeof(char *));
    unsigned seed = 12345;
    int round;

    ck_assert(apr_dir_open(&d, dir, heat_test_pool) == APR_SUCCESS);
    while (apr_dir_read(&info, APR_FINFO_NAME, d) == APR_SUCCESS) {
        size_t n = strlen(info.name);
        if (n > 5 && !strcmp(info.name + n - 5, ".yaml") && strncmp(info.name, "deep-", 5) &&
            strncmp(info.name, "alias-bomb", 10))
            APR_ARRAY_PUSH(inputs, char *) = heat_test_read_file(apr_pstrcat(heat_test_pool, dir, "/", info.name, NULL),
                                                                 NULL);
    }
    apr_dir_close(d);
    for (round = 0; round < 3000; round++) {
        apr_pool_t *p;
        heat_yaml_error_t err;
        const char *src;
        char *text;
        size_t len, at, cut;
        int m;
        apr_pool_create(&p, heat_test_pool);
        seed = seed * 1103515245u + 12345u;
        src = APR_ARRAY_IDX(inputs, (int)((seed >> 8) % (unsigned)inputs->nelts), char *);
        text = apr_pstrdup(p, src);
        for (m = 0; m < 3; m++) {
            const char *piece;
            seed = seed * 1103515245u + 12345u;
            len = strlen(text);
            at = len ? (seed >> 8) % len : 0;
            piece = pieces[(seed >> 20) % (sizeof pieces / sizeof *pieces)];
            if ((seed >> 4) & 1)
                text = apr_pstrcat(p, apr_pstrndup(p, text, at), piece, text + at, NULL);
            else {
                cut = at + 1 <= len ? at + 1 : len;
                text = apr_pstrcat(p, apr_pstrndup(p, text, at), text + cut, NULL);
            }
        }
        len = strlen(text);
        (void)heat_yaml_load(p, text, len, &err);
        (void)heat_yaml_load_bytes(p, text, len, &err);
        apr_pool_destroy(p);
    }
}
END_TEST

Suite *heat_test_yaml_suite(void)
{
    Suite *s = suite_create("yaml");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, yaml_golden_cases);
    tcase_add_test(tc, yaml_typing_spot_checks);
    tcase_add_test(tc, yaml_safe_load_mode);
    tcase_add_test(tc, yaml_error_text_as_heat_reports_it);
    tcase_add_test(tc, yaml_bounds);
    tcase_add_test(tc, yaml_alias_bytes_bounded);
    tcase_add_test(tc, yaml_aliased_scalars_are_shared);
    tcase_add_test(tc, yaml_patch_passes_do_not_accumulate);
    tcase_add_test(tc, python_float_repr);
    tcase_add_test(tc, python_repr_and_utf8);
    tcase_add_test(tc, yaml_mutations_do_not_crash);
    suite_add_tcase(s, tc);
    return s;
}
