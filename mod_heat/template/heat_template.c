/* heat_template.c: template_format, environment_format and InstantiationData as heat-api 19.0.0
 * runs them (see heat_template.h). Python's semantics are kept where a client can see them:
 * which check comes first, exception classes (ValueError inside "... not in valid format",
 * TypeError as the generic 400, AttributeError as a 400 without message) and message texts. */
#include "heat_template.h"

#include <apr_strings.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"

static void pyexc_set(heat_pyexc_t *exc, const char *type, const char *message)
{
    if (exc) {
        exc->type = type;
        exc->message = message;
    }
}

void heat_pyexc_fault(const heat_pyexc_t *exc, heat_error_t *err)
{
    const char *t = exc->type;
    if (!strcmp(t, "RequestLimitExceeded") || !strcmp(t, "HTTPBadRequest"))
        heat_error_set(err, 400, t, exc->message);
    else if (!strcmp(t, "TypeError"))
        heat_error_set(err, 400, "HTTPBadRequest", HEAT_BAD_REQUEST_TEXT);
    else if (!strcmp(t, "ValueError") || !strcmp(t, "UnicodeDecodeError") || !strcmp(t, "UnicodeError") ||
             !strcmp(t, "JSONDecodeError") || !strcmp(t, "AttributeError"))
        heat_error_set(err, 400, t, NULL);
    else
        heat_error_set(err, 500, t, NULL); /* KeyError, IndexError, OverflowError, ...: Exception */
}

/* ---- sizes ---- */

static apr_size_t repr_size(const json_t *v)
{
    char buf[HEAT_PY_FLOAT_SIZE];
    apr_size_t n;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        size_t key_len;
        json_t *item;
        size_t count = 0;
        n = 2;
        json_object_keylen_foreach((json_t *)v, key, key_len, item) {
            n += heat_py_repr_len(key, key_len) + 2 + repr_size(item);
            count++;
        }
        return n + (count ? 2 * (count - 1) : 0);
    }
    case JSON_ARRAY: {
        size_t i, count = json_array_size(v);
        n = 2;
        for (i = 0; i < count; i++)
            n += repr_size(json_array_get(v, i));
        return n + (count ? 2 * (count - 1) : 0);
    }
    case JSON_STRING:
        return heat_py_repr_len(json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return (apr_size_t)snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return strlen(heat_py_float_fmt(buf, json_real_value(v), 0));
    case JSON_TRUE:
        return 4; /* True */
    case JSON_FALSE:
        return 5; /* False */
    default:
        return 4; /* None */
    }
}

apr_size_t heat_py_repr_size(const json_t *value)
{
    return repr_size(value);
}

/* len(str(value)): a str is itself, anything else its repr */
static apr_size_t str_size(const json_t *v)
{
    if (json_is_string(v))
        return heat_py_strlen(json_string_value(v), json_string_length(v));
    return repr_size(v);
}

/* len(repr(bytes)): b'...', escapes for \\, the quote, \t \n \r and bytes outside 0x20-0x7e */
static apr_size_t bytes_repr_size(const char *d, apr_size_t len)
{
    apr_size_t i, n = 3;
    char q = (memchr(d, '\'', len) && !memchr(d, '"', len)) ? '"' : '\'';
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c == '\\' || c == (unsigned char)q || c == '\t' || c == '\n' || c == '\r')
            n += 2;
        else if (c < 0x20 || c >= 0x7f)
            n += 4;
        else
            n += 1;
    }
    return n;
}

/* template_format.validate_template_limit */
static int size_ok(apr_pool_t *p, apr_size_t size, apr_size_t max, heat_pyexc_t *exc)
{
    if (size <= max)
        return 1;
    pyexc_set(exc, "RequestLimitExceeded",
              apr_psprintf(p, "Request limit exceeded: Template size (%" APR_SIZE_T_FMT " bytes) exceeds maximum "
                              "allowed size (%" APR_SIZE_T_FMT " bytes).",
                           size, max));
    return 0;
}

/* The expanded size of a YAML document (aliases written out once per reference, as heat-api's
 * RPC message carries them) is bounded at HEAT_YAML_EXPANSION_FACTOR x max_template_size, and
 * refused with heat's template size error, the size being the expanded one. */
static apr_size_t expansion_max(apr_size_t max_template_size)
{
    apr_size_t m = max_template_size ? max_template_size : HEAT_MAX_TEMPLATE_SIZE_DEFAULT;
    return m > (apr_size_t)-1 / HEAT_YAML_EXPANSION_FACTOR ? (apr_size_t)-1 : m * HEAT_YAML_EXPANSION_FACTOR;
}

/* Over the request's node budget (heat_json.h): a deliberate difference, heat-api parses it. */
static void too_many(apr_pool_t *p, const char *what, const char *message, heat_pyexc_t *exc)
{
    pyexc_set(exc, "RequestLimitExceeded", apr_psprintf(p, "Request limit exceeded: %s has %s.", what, message));
}

static void too_large(apr_pool_t *p, const char *what, const heat_yaml_error_t *yerr, heat_pyexc_t *exc)
{
    if (yerr->aliases) {
        /* a deliberate difference: heat-api has no bound on aliases */
        pyexc_set(exc, "RequestLimitExceeded",
                  apr_psprintf(p, "Request limit exceeded: YAML aliases expanded in the %s add %" APR_SIZE_T_FMT
                                  " bytes to this request's template and environment, more than the %" APR_SIZE_T_FMT
                                  " bytes allowed.",
                               what, (apr_size_t)yerr->expanded, (apr_size_t)yerr->limit));
        return;
    }
    pyexc_set(exc, "RequestLimitExceeded",
              apr_psprintf(p, "Request limit exceeded: %s size with YAML aliases expanded (%" APR_SIZE_T_FMT
                              " bytes) exceeds maximum allowed size (%" APR_SIZE_T_FMT " bytes).",
                           what, (apr_size_t)yerr->expanded, (apr_size_t)yerr->limit));
}

/* ---- template_format ---- */

static json_t *simple_parse(apr_pool_t *p, const char *text, apr_size_t len, int is_bytes, const char *tmpl_url,
                            apr_size_t max_template_size, heat_pyexc_t *exc)
{
    json_t *tpl = NULL;
    heat_pyjson_status_t st = HEAT_PYJSON_ERROR;
    const char *msg = NULL;
    heat_nodes_t *nodes = heat_nodes_of(p);

    /* jsonutils.loads: bytes are decoded as UTF-8 first (failing is a ValueError: on to YAML) */
    if (!is_bytes || heat_py_utf8_check(text, len, NULL, NULL, NULL))
        tpl = heat_pyjson_loads_nodes(p, text, len, nodes, &st, &msg);
    if (st == HEAT_PYJSON_UNSUPPORTED) {
        pyexc_set(exc, "ValueError", msg);
        return NULL;
    }
    if (st == HEAT_PYJSON_TOO_MANY) {
        too_many(p, "Template", msg, exc);
        return NULL;
    }
    if (!tpl) {
        heat_yaml_error_t yerr;
        apr_size_t max = expansion_max(max_template_size);
        tpl = is_bytes ? heat_yaml_load_bytes_nodes(p, text, len, max, nodes, &yerr)
                       : heat_yaml_load_nodes(p, text, len, max, nodes, &yerr);
        if (!tpl) {
            if (yerr.status == HEAT_YAML_TOO_LARGE)
                too_large(p, "Template", &yerr, exc);
            else if (yerr.status == HEAT_YAML_TOO_MANY)
                too_many(p, "Template", yerr.message, exc);
            else if (yerr.status == HEAT_YAML_ERROR)
                pyexc_set(exc, "ValueError",
                          apr_psprintf(p, "Error parsing template %s %s", tmpl_url ? tmpl_url : "[root stack]",
                                       yerr.message));
            else if (yerr.status == HEAT_YAML_UNSUPPORTED)
                pyexc_set(exc, "ValueError", yerr.message);
            else
                pyexc_set(exc, yerr.type, yerr.message);
            return NULL;
        }
        if (json_is_null(tpl))
            tpl = heat_json_own(p, json_object());
    }
    if (!json_is_object(tpl)) {
        pyexc_set(exc, "ValueError", "The template is not a JSON object or YAML mapping.");
        return NULL;
    }
    return tpl;
}

json_t *heat_template_simple_parse(apr_pool_t *p, const char *text, apr_size_t len, const char *tmpl_url,
                                   heat_pyexc_t *exc)
{
    return simple_parse(p, text, len, 0, tmpl_url, 0, exc);
}

static json_t *check_version(json_t *tpl, heat_pyexc_t *exc)
{
    if (!tpl)
        return NULL;
    if (!json_object_get(tpl, "HeatTemplateFormatVersion") && !json_object_get(tpl, "heat_template_version") &&
        !json_object_get(tpl, "AWSTemplateFormatVersion")) {
        pyexc_set(exc, "ValueError", "Template format version not found.");
        return NULL;
    }
    return tpl;
}

json_t *heat_template_parse(apr_pool_t *p, const char *text, apr_size_t len, apr_size_t max_template_size,
                            heat_pyexc_t *exc)
{
    if (!size_ok(p, heat_py_strlen(text, len), max_template_size, exc))
        return NULL;
    return check_version(simple_parse(p, text, len, 0, NULL, max_template_size, exc), exc);
}

json_t *heat_template_parse_bytes(apr_pool_t *p, const char *data, apr_size_t len, apr_size_t max_template_size,
                                  heat_pyexc_t *exc)
{
    if (!size_ok(p, bytes_repr_size(data, len), max_template_size, exc))
        return NULL;
    return check_version(simple_parse(p, data, len, 1, NULL, max_template_size, exc), exc);
}

/* ---- environment_format ---- */

static const char *const sections[] = {"parameters", "resource_registry", "parameter_defaults",
                                       "encrypted_param_names", "event_sinks", "parameter_merge_strategies"};
#define N_SECTIONS (sizeof sections / sizeof *sections)

int heat_environment_validate(apr_pool_t *p, const json_t *env, heat_pyexc_t *exc)
{
    const char *key;
    size_t key_len;
    json_t *value;
    json_object_keylen_foreach((json_t *)env, key, key_len, value) {
        size_t k;
        int known = 0;
        for (k = 0; k < N_SECTIONS; k++)
            if (key_len == strlen(sections[k]) && !memcmp(key, sections[k], key_len))
                known = 1;
        if (!known) {
            pyexc_set(exc, "ValueError", apr_psprintf(p, "environment has wrong section \"%s\"", key));
            return 0;
        }
        if (json_is_null(value)) {
            pyexc_set(exc, "ValueError", apr_psprintf(p, "environment has empty section \"%s\"", key));
            return 0;
        }
    }
    return 1;
}

json_t *heat_environment_parse(apr_pool_t *p, const char *text, apr_size_t len, heat_pyexc_t *exc)
{
    heat_yaml_error_t yerr;
    json_t *env = heat_yaml_load_nodes(p, text, len, HEAT_YAML_MAX_EXPANDED_BYTES, heat_nodes_of(p), &yerr);

    if (!env) {
        if (yerr.status == HEAT_YAML_TOO_LARGE) {
            too_large(p, "Environment", &yerr, exc);
            return NULL;
        }
        if (yerr.status == HEAT_YAML_TOO_MANY) {
            too_many(p, "Environment", yerr.message, exc);
            return NULL;
        }
        /* ValueError(yea): str() of it is the PyYAML text */
        if (yerr.status == HEAT_YAML_ERROR || yerr.status == HEAT_YAML_UNSUPPORTED)
            pyexc_set(exc, "ValueError", yerr.message);
        else
            pyexc_set(exc, yerr.type, yerr.message);
        return NULL;
    }
    if (json_is_null(env))
        env = heat_json_own(p, json_object());
    if (!json_is_object(env)) {
        pyexc_set(exc, "ValueError", "The environment is not a valid YAML mapping data type.");
        return NULL;
    }
    return heat_environment_validate(p, env, exc) ? env : NULL;
}

void heat_environment_default_for_missing(json_t *env)
{
    size_t k;
    for (k = 0; k < N_SECTIONS; k++) {
        if (!strcmp(sections[k], "parameter_merge_strategies") || json_object_get(env, sections[k]))
            continue;
        if (!strcmp(sections[k], "encrypted_param_names") || !strcmp(sections[k], "event_sinks"))
            json_object_set_new(env, sections[k], json_array());
        else
            json_object_set_new(env, sections[k], json_object());
    }
}

/* =====================================================================================
 * InstantiationData
 * ===================================================================================== */

typedef struct {
    apr_pool_t *p;
    json_t *data;
    int patch;
    const heat_inst_conf_t *conf;
    apr_size_t max;
    int have_template; /* template() ran successfully once (PATCH calls it twice) */
    json_t *template;
} inst_ctx_t;

static int fail_with(const heat_pyexc_t *exc, heat_error_t *err)
{
    heat_pyexc_fault(exc, err);
    return 0;
}

static int bad_request(heat_error_t *err, const char *message)
{
    heat_error_set(err, 400, "HTTPBadRequest", message);
    return 0;
}

static int type_error(heat_error_t *err)
{
    return bad_request(err, HEAT_BAD_REQUEST_TEXT);
}

/* with parse_error_check(data_type): a ValueError becomes "<type> not in valid format: <err>" */
static int parse_error(apr_pool_t *p, const char *data_type, const heat_pyexc_t *exc, heat_error_t *err)
{
    if (!strcmp(exc->type, "ValueError"))
        return bad_request(err, apr_psprintf(p, "%s not in valid format: %s", data_type, exc->message));
    return fail_with(exc, err);
}

/* template_format.parse() of a non-str value: str(value) is sized, then jsonutils.loads()
 * refuses it with a TypeError. */
static int parse_other(inst_ctx_t *c, const json_t *value, heat_error_t *err)
{
    heat_pyexc_t exc;
    if (!size_ok(c->p, str_size(value), c->max, &exc))
        return fail_with(&exc, err);
    return type_error(err);
}

/* InstantiationData.template() */
static int inst_template(inst_ctx_t *c, json_t **out, heat_error_t *err)
{
    json_t *data = c->data, *v;
    heat_pyexc_t exc;
    json_t *tpl;

    if (c->have_template) {
        *out = c->template;
        return 1;
    }
    if ((v = json_object_get(data, "adopt_stack_data")) != NULL) {
        json_t *adopt, *t;
        if (!json_is_string(v))
            return type_error(err); /* simple_parse(non-str): a TypeError from jsonutils.loads */
        adopt = heat_template_simple_parse(c->p, json_string_value(v), json_string_length(v), NULL, &exc);
        if (!adopt) {
            if (!strcmp(exc.type, "ValueError") || !strcmp(exc.type, "KeyError"))
                return bad_request(err, apr_psprintf(c->p, "Invalid adopt data: %s", exc.message));
            return fail_with(&exc, err);
        }
        t = json_object_get(adopt, "template");
        if (!t)
            return bad_request(err, "Invalid adopt data: 'template'"); /* str(KeyError('template')) */
        if (!size_ok(c->p, str_size(t), c->max, &exc))
            return fail_with(&exc, err);
        tpl = t;
        goto done;
    }
    if ((v = json_object_get(data, "template")) != NULL) {
        if (json_is_object(v)) {
            if (!size_ok(c->p, repr_size(v), c->max, &exc))
                return fail_with(&exc, err);
            tpl = v; /* an inline object skips the version check */
            goto done;
        }
        if (json_is_null(v))
            goto none; /* a present template key wins even when null */
        if (!json_is_string(v))
            return parse_other(c, v, err);
        tpl = heat_template_parse(c->p, json_string_value(v), json_string_length(v), c->max, &exc);
        if (!tpl)
            return parse_error(c->p, "Template", &exc, err);
        goto done;
    }
    if ((v = json_object_get(data, "template_url")) != NULL) {
        const char *bytes = NULL, *reason = NULL;
        apr_size_t blen = 0;
        if (!json_is_string(v)) {
            /* urlparse() of a non-str: a false value parses as b'' (its scheme is bytes), a true
             * one has no .decode() */
            if (heat_py_truthy(v)) {
                heat_error_set(err, 400, "AttributeError", NULL);
                return 0;
            }
            return bad_request(err, "Could not retrieve template: Invalid URL scheme b''"); /* bytes results */
        }
        if (!c->conf || !c->conf->fetch)
            return bad_request(err, "Could not retrieve template: template_url is not supported");
        if (!c->conf->fetch(c->conf->fetch_baton, c->p, json_string_value(v), &bytes, &blen, &reason))
            return bad_request(err, apr_psprintf(c->p, "Could not retrieve template: %s", reason ? reason : ""));
        tpl = heat_template_parse_bytes(c->p, bytes ? bytes : "", blen, c->max, &exc);
        if (!tpl)
            return parse_error(c->p, "Template", &exc, err);
        goto done;
    }
none:
    if (!c->patch)
        return bad_request(err, "No template specified");
    tpl = json_null();
done:
    c->have_template = 1;
    c->template = tpl;
    *out = tpl;
    return 1;
}

/* The JSON key json.dumps writes for a Python dict key that came from JSON. */
static const char *key_text(apr_pool_t *p, const json_t *k, size_t *len)
{
    char buf[HEAT_PY_FLOAT_SIZE];
    const char *s;
    switch (json_typeof(k)) {
    case JSON_STRING:
        *len = json_string_length(k);
        return json_string_value(k);
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(k));
        s = apr_pstrdup(p, buf);
        break;
    case JSON_REAL:
        s = apr_pstrdup(p, heat_py_float_fmt(buf, json_real_value(k), 0));
        break;
    case JSON_TRUE:
        s = "true";
        break;
    case JSON_FALSE:
        s = "false";
        break;
    case JSON_NULL:
        s = "null";
        break;
    default:
        return NULL; /* unhashable */
    }
    *len = strlen(s);
    return s;
}

/* dict.update(other) on env['parameters'] with the body's parameters: a dict merges; any other
 * iterable must yield (key, value) pairs. Python's errors: TypeError (the generic 400) for
 * what is not iterable or an unhashable key, ValueError (400 without message) for a wrong
 * length. */
static int dict_update(apr_pool_t *p, json_t *target, json_t *other, heat_error_t *err)
{
    size_t i;
    if (json_is_object(other))
        return json_object_update(target, other) == 0 ? 1 : type_error(err);
    if (json_is_string(other)) {
        /* each character is an element of length 1 */
        if (json_string_length(other) == 0)
            return 1;
        heat_error_set(err, 400, "ValueError", NULL);
        return 0;
    }
    if (!json_is_array(other))
        return type_error(err); /* None, numbers, bools: not iterable */
    for (i = 0; i < json_array_size(other); i++) {
        json_t *el = json_array_get(other, i), *k, *val;
        const char *ks;
        size_t klen = 0;
        if (json_is_string(el)) {
            const char *s = json_string_value(el);
            size_t n = heat_py_strlen(s, json_string_length(el)), first;
            if (n != 2) {
                heat_error_set(err, 400, "ValueError", NULL);
                return 0;
            }
            for (first = 1; first < json_string_length(el) && ((unsigned char)s[first] & 0xC0) == 0x80; first++)
                ;
            json_object_setn_new(target, s, first, json_stringn(s + first, json_string_length(el) - first));
            continue;
        }
        if (json_is_object(el)) {
            /* iterating a dict gives its keys */
            const char *k1 = NULL, *k2 = NULL, *key;
            size_t k1_len = 0, k2_len = 0, key_len;
            json_t *unused;
            if (json_object_size(el) != 2) {
                heat_error_set(err, 400, "ValueError", NULL);
                return 0;
            }
            json_object_keylen_foreach(el, key, key_len, unused) {
                (void)unused;
                if (!k1) {
                    k1 = key;
                    k1_len = key_len;
                }
                else {
                    k2 = key;
                    k2_len = key_len;
                }
            }
            json_object_setn_new(target, k1, k1_len, json_stringn(k2, k2_len));
            continue;
        }
        if (!json_is_array(el))
            return type_error(err); /* cannot convert dictionary update sequence element */
        if (json_array_size(el) != 2) {
            heat_error_set(err, 400, "ValueError", NULL);
            return 0;
        }
        k = json_array_get(el, 0);
        val = json_array_get(el, 1);
        ks = key_text(p, k, &klen);
        if (!ks)
            return type_error(err); /* unhashable type */
        json_object_setn(target, ks, klen, val);
    }
    return 1;
}

/* InstantiationData.environment() */
static int inst_environment(inst_ctx_t *c, json_t **out, heat_error_t *err)
{
    json_t *data = c->data, *env = NULL, *v, *params, *target;
    heat_pyexc_t exc;

    v = json_object_get(data, "environment");
    if (v && !heat_py_truthy(json_object_get(data, "environment_files"))) {
        if (json_is_object(v)) {
            if (!heat_environment_validate(c->p, v, &exc))
                return parse_error(c->p, "Environment", &exc, err);
            env = v;
        }
        else if (json_is_null(v))
            env = NULL; /* parse(None) is {} */
        else if (json_is_string(v)) {
            env = heat_environment_parse(c->p, json_string_value(v), json_string_length(v), &exc);
            if (!env)
                return parse_error(c->p, "Environment", &exc, err);
        }
        else
            return type_error(err); /* yaml.load() of a number or list: a TypeError */
    }
    if (!env)
        env = heat_json_own(c->p, json_object());
    heat_environment_default_for_missing(env);
    params = json_object_get(data, "parameters");
    target = json_object_get(env, "parameters");
    if (!json_is_object(target)) {
        heat_error_set(err, 400, "AttributeError", NULL); /* '<type>' object has no attribute 'update' */
        return 0;
    }
    if (params && !dict_update(c->p, target, params, err))
        return 0;
    *out = env;
    return 1;
}

/* param_utils.extract_int('timeout_mins', value, allow_zero=True, allow_negative=False) */
static int extract_timeout(apr_pool_t *p, json_t *args, heat_error_t *err)
{
    json_t *v = json_object_get(args, "timeout_mins");
    const char *text;
    long long value;
    int int_like = 0;

    if (!v || json_is_null(v))
        return 1;
    if (json_is_integer(v)) {
        int_like = 1;
        value = json_integer_value(v);
        char buf[32];
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        text = apr_pstrdup(p, buf);
    }
    else if (json_is_string(v)) {
        /* strutils.is_int_like: str(int(v)) == v, so only canonical decimal text */
        const char *s = json_string_value(v);
        size_t n = json_string_length(v), i = s[0] == '-' ? 1 : 0;
        text = s;
        int_like = n > i && n - i <= 4300 && (s[i] != '0' || (n == 1)) && strlen(s) == n;
        for (; int_like && i < n; i++)
            if (s[i] < '0' || s[i] > '9')
                int_like = 0;
        if (int_like) {
            char *end;
            errno = 0;
            value = strtoll(s, &end, 10);
            if (errno == ERANGE)
                /* Python's int has no limit; heat-engine would get a huge number */
                return bad_request(err, apr_psprintf(p, "Value '%s' is invalid for 'timeout_mins' which only accepts "
                                                        "integer.", s));
        }
    }
    if (!int_like)
        return bad_request(err, "Only integer is acceptable by 'timeout_mins'.");
    if (value < 0)
        return bad_request(err, apr_psprintf(p, "Value '%s' is invalid for 'timeout_mins' which only accepts "
                                                "non-negative integer.", text));
    json_object_set_new(args, "timeout_mins", json_integer(value));
    return 1;
}

/* param_utils.extract_tags: "a,b" -> ["a", "b"]; not a string: AttributeError (no .split) */
static int extract_tags(apr_pool_t *p, json_t *args, heat_error_t *err)
{
    json_t *v = json_object_get(args, "tags"), *list;
    const char *s, *start;
    size_t n, i;

    if (!v || json_is_null(v))
        return 1;
    if (!json_is_string(v)) {
        heat_error_set(err, 400, "AttributeError", NULL);
        return 0;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    list = json_array();
    start = s;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            size_t tlen = (size_t)(s + i - start);
            if (heat_py_strlen(start, tlen) > 80) {
                json_decref(list);
                return bad_request(err, apr_psprintf(p, "Invalid tag, \"%s\" is longer than 80 characters",
                                                     apr_pstrmemdup(p, start, tlen)));
            }
            json_array_append_new(list, json_stringn(start, tlen));
            start = s + i + 1;
        }
    }
    json_object_set_new(args, "tags", list);
    return 1;
}

static int is_reserved(const char *key, size_t key_len)
{
    static const char *const reserved[] = {"stack_name",  "template", "template_url",      "parameters",
                                           "environment", "files",    "environment_files", "files_container"};
    size_t k;
    for (k = 0; k < sizeof reserved / sizeof *reserved; k++)
        if (key_len == strlen(reserved[k]) && !memcmp(key, reserved[k], key_len))
            return 1;
    return 0;
}

/* InstantiationData.args() */
static json_t *inst_args(inst_ctx_t *c)
{
    json_t *args = heat_json_own(c->p, json_object()), *v;
    const char *key;
    size_t key_len;
    /* keys may hold NUL characters: by length, never as C strings */
    json_object_keylen_foreach(c->data, key, key_len, v)
        if (!is_reserved(key, key_len))
            json_object_setn(args, key, key_len, v);
    return args;
}

/* StackController.prepare_args */
static int prepare_args(inst_ctx_t *c, int is_update, json_t **out, heat_error_t *err)
{
    json_t *args = inst_args(c);
    if (!extract_timeout(c->p, args, err) || !extract_tags(c->p, args, err))
        return 0;
    if (!is_update && json_object_get(args, "converge"))
        return bad_request(err, "converge flag only supported in stack update (or update preview) request.");
    *out = args;
    return 1;
}

/* InstantiationData.no_change(). It compares environment() with
 * environment_format.default_for_missing({}), which returns None, so in heat 19.0.0 it is never
 * true (the update_no_change policy rule is never used); what remains observable is that it
 * calls template() and, when that is None, environment(), whose errors come first. */
static int inst_no_change(inst_ctx_t *c, int *no_change, heat_error_t *err)
{
    json_t *tpl, *env;

    *no_change = 0;
    if (!inst_template(c, &tpl, err))
        return 0;
    if (json_is_null(tpl) && !inst_environment(c, &env, err))
        return 0;
    return 1;
}

static json_t *get_or(json_t *data, const char *key, json_t *dflt)
{
    json_t *v = json_object_get(data, key);
    return v ? v : dflt;
}

int heat_inst_build(apr_pool_t *p, json_t *body, heat_inst_action_t action, const heat_inst_conf_t *conf,
                    heat_inst_t *out, heat_error_t *err)
{
    inst_ctx_t c;
    int create = action == HEAT_INST_CREATE || action == HEAT_INST_PREVIEW;
    json_t *args = NULL, *v;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.p = p;
    c.data = body;
    c.conf = conf;
    c.max = conf && conf->max_template_size ? conf->max_template_size : HEAT_MAX_TEMPLATE_SIZE_DEFAULT;
    c.patch = action == HEAT_INST_UPDATE_PATCH || action == HEAT_INST_PREVIEW_UPDATE_PATCH;
    if (!json_is_object(body))
        return type_error(err);
    if (c.patch)
        json_object_set_new(body, "existing", json_true());

    if (action == HEAT_INST_UPDATE_PATCH) {
        /* update_patch: no_change() picks the policy rule before anything else is checked */
        if (!inst_no_change(&c, &out->no_change, err))
            return 0;
        if (conf && conf->authorize && !conf->authorize(conf->authorize_baton, out->no_change, err))
            return 0;
    }
    if (action != HEAT_INST_VALIDATE) {
        if (!prepare_args(&c, !create, &args, err))
            return 0;
        if (conf && conf->after_args && !conf->after_args(conf->after_args_baton, args, err))
            return 0;
    }
    if (create) {
        v = json_object_get(body, "stack_name");
        if (!v)
            return bad_request(err, "No stack name specified");
        out->stack_name = v;
    }
    if (!inst_template(&c, &out->template, err) || !inst_environment(&c, &out->params, err))
        return 0;
    out->files = get_or(body, "files", heat_json_own(p, json_object()));
    out->environment_files = get_or(body, "environment_files", json_null());
    out->files_container = get_or(body, "files_container", json_null());
    out->args = args ? args : inst_args(&c);
    return 1;
}

/* ---- RPC args ---- */

static void put(json_t *o, const char *key, json_t *v)
{
    json_object_set(o, key, v ? v : json_null());
}

json_t *heat_inst_create_stack_args(apr_pool_t *p, const heat_inst_t *inst)
{
    json_t *o = heat_json_own(p, json_object());
    put(o, "stack_name", inst->stack_name);
    put(o, "template", inst->template);
    put(o, "params", inst->params);
    put(o, "files", inst->files);
    put(o, "environment_files", inst->environment_files);
    put(o, "files_container", inst->files_container);
    put(o, "args", inst->args);
    json_object_set_new(o, "owner_id", json_null());
    json_object_set_new(o, "nested_depth", json_integer(0));
    json_object_set_new(o, "user_creds_id", json_null());
    json_object_set_new(o, "stack_user_project_id", json_null());
    json_object_set_new(o, "parent_resource_name", json_null());
    json_object_set_new(o, "template_id", json_null());
    return o;
}

json_t *heat_inst_preview_stack_args(apr_pool_t *p, const heat_inst_t *inst)
{
    json_t *o = heat_json_own(p, json_object());
    put(o, "stack_name", inst->stack_name);
    put(o, "template", inst->template);
    put(o, "params", inst->params);
    put(o, "files", inst->files);
    put(o, "environment_files", inst->environment_files);
    put(o, "files_container", inst->files_container);
    put(o, "args", inst->args);
    return o;
}

json_t *heat_inst_update_stack_args(apr_pool_t *p, const heat_inst_t *inst, json_t *stack_identity, int preview)
{
    json_t *o = heat_json_own(p, json_object());
    put(o, "stack_identity", stack_identity);
    put(o, "template", inst->template);
    put(o, "params", inst->params);
    put(o, "files", inst->files);
    put(o, "environment_files", inst->environment_files);
    put(o, "files_container", inst->files_container);
    put(o, "args", inst->args);
    if (!preview)
        json_object_set_new(o, "template_id", json_null());
    return o;
}

json_t *heat_inst_validate_template_args(apr_pool_t *p, const heat_inst_t *inst, int show_nested,
                                         json_t *ignorable_errors)
{
    json_t *o = heat_json_own(p, json_object());
    put(o, "template", inst->template);
    put(o, "params", inst->params);
    put(o, "files", inst->files);
    json_object_set_new(o, "show_nested", json_boolean(show_nested));
    put(o, "environment_files", inst->environment_files);
    put(o, "files_container", inst->files_container);
    put(o, "ignorable_errors", ignorable_errors);
    return o;
}
