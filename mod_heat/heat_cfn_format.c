/* heat_cfn_format.c: heat-api-cfn's XML and JSON answers (see heat_cfn_format.h). */
#include "heat_cfn_format.h"

#include <apr_strings.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"

/* ---- Python str() of scalars ----------------------------------------------------------- */

const char *heat_cfn_py_float(apr_pool_t *p, double d)
{
    char buf[64], digits[32], *e;
    const char *sign = "";
    int prec, ndigits, decpt, i;
    apr_size_t n;

    if (isnan(d))
        return "nan";
    if (isinf(d))
        return d < 0 ? "-inf" : "inf";
    if (signbit(d)) {
        sign = "-";
        d = -d;
    }
    /* the shortest %e precision that reads back as the same double (Python's repr) */
    for (prec = 0; prec < 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, sizeof(buf), "%.*e", prec, d);
    e = strchr(buf, 'e');
    decpt = atoi(e + 1) + 1;
    for (i = 0, ndigits = 0; buf + i < e; i++)
        if (buf[i] != '.')
            digits[ndigits++] = buf[i];
    while (ndigits > 1 && digits[ndigits - 1] == '0')
        ndigits--;
    digits[ndigits] = '\0';

    if (d != 0.0 && (decpt <= -4 || decpt > 16)) {
        /* 1e+16, 1.5e-05: mantissa, then the exponent with a sign and at least two digits */
        int exp10 = decpt - 1;
        return apr_psprintf(p, "%s%c%s%se%c%02d", sign, digits[0], ndigits > 1 ? "." : "", digits + 1,
                            exp10 < 0 ? '-' : '+', abs(exp10));
    }
    if (decpt <= 0) {
        char *zeros = apr_palloc(p, (apr_size_t)-decpt + 1);
        memset(zeros, '0', (apr_size_t)-decpt);
        zeros[-decpt] = '\0';
        return apr_pstrcat(p, sign, "0.", zeros, digits, NULL);
    }
    n = (apr_size_t)decpt;
    if (n >= (apr_size_t)ndigits) {
        char *zeros = apr_palloc(p, n - (apr_size_t)ndigits + 1);
        memset(zeros, '0', n - (apr_size_t)ndigits);
        zeros[n - (apr_size_t)ndigits] = '\0';
        return apr_pstrcat(p, sign, digits, zeros, ".0", NULL);
    }
    return apr_pstrcat(p, sign, apr_pstrndup(p, digits, n), ".", digits + n, NULL);
}

const char *heat_cfn_py_str(apr_pool_t *p, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return "None";
    case JSON_TRUE:
        return "True";
    case JSON_FALSE:
        return "False";
    case JSON_INTEGER:
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v));
    case JSON_REAL:
        return heat_cfn_py_float(p, json_real_value(v));
    case JSON_STRING:
        return json_string_value(v);
    default:
        return heat_cfn_json(p, v);
    }
}

/* ---- XML names and text ------------------------------------------------------------------ */

/* One UTF-8 character at s: its code point and length, or -1 when the bytes are not UTF-8. */
static long utf8_next(const unsigned char *s, int *len)
{
    long c;
    int n, i;

    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) { n = 2; c = s[0] & 0x1F; }
    else if (s[0] >= 0xE0 && s[0] <= 0xEF) { n = 3; c = s[0] & 0x0F; }
    else if (s[0] >= 0xF0 && s[0] <= 0xF4) { n = 4; c = s[0] & 0x07; }
    else return -1;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        c = (c << 6) | (s[i] & 0x3F);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) || (c >= 0xD800 && c <= 0xDFFF))
        return -1;
    *len = n;
    return c;
}

/* XML 1.0 5th edition NameStartChar minus ':' (libxml2's rule for names without a document,
 * which lxml applies; lxml refuses ':' itself). */
static int name_start(long c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || (c >= 0xC0 && c <= 0xD6) ||
           (c >= 0xD8 && c <= 0xF6) || (c >= 0xF8 && c <= 0x2FF) || (c >= 0x370 && c <= 0x37D) ||
           (c >= 0x37F && c <= 0x1FFF) || (c >= 0x200C && c <= 0x200D) || (c >= 0x2070 && c <= 0x218F) ||
           (c >= 0x2C00 && c <= 0x2FEF) || (c >= 0x3001 && c <= 0xD7FF) || (c >= 0xF900 && c <= 0xFDCF) ||
           (c >= 0xFDF0 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0xEFFFF);
}

static int name_char(long c)
{
    return name_start(c) || c == '-' || c == '.' || (c >= '0' && c <= '9') || c == 0xB7 ||
           (c >= 0x300 && c <= 0x36F) || (c >= 0x203F && c <= 0x2040);
}

int heat_cfn_xml_name_ok(const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    int len, first = 1;

    if (!*c)
        return 0;
    while (*c) {
        long cp = utf8_next(c, &len);
        if (cp < 0 || !(first ? name_start(cp) : name_char(cp)))
            return 0;
        first = 0;
        c += len;
    }
    return 1;
}

static int xml_char(long c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* A growing output buffer in the pool. */
typedef struct {
    apr_pool_t *p;
    char *data;
    apr_size_t len, cap;
} outbuf_t;

static void out_add(outbuf_t *o, const char *s, apr_size_t n)
{
    if (o->len + n + 1 > o->cap) {
        apr_size_t cap = o->cap ? o->cap : 256;
        char *data;
        while (o->len + n + 1 > cap)
            cap *= 2;
        data = apr_palloc(o->p, cap);
        if (o->len)
            memcpy(data, o->data, o->len);
        o->data = data;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static void out_str(outbuf_t *o, const char *s)
{
    out_add(o, s, strlen(s));
}

/* Appends text (or an element name) escaped as lxml writes it; 0 if it cannot. */
static int out_escaped(outbuf_t *o, const char *text)
{
    const unsigned char *c = (const unsigned char *)text;
    char ref[32];
    int len;

    while (*c) {
        long cp = utf8_next(c, &len);
        if (cp < 0 || !xml_char(cp))
            return 0;
        if (cp == '&')
            out_str(o, "&amp;");
        else if (cp == '<')
            out_str(o, "&lt;");
        else if (cp == '>')
            out_str(o, "&gt;");
        else if (cp == '\r' || cp >= 0x80) {
            snprintf(ref, sizeof(ref), "&#%ld;", cp);
            out_str(o, ref);
        }
        else
            out_add(o, (const char *)c, 1);
        c += len;
    }
    return 1;
}

const char *heat_cfn_xml_text(apr_pool_t *p, const char *text, const char **error)
{
    outbuf_t o = {p, NULL, 0, 0};
    if (!out_escaped(&o, text)) {
        *error = "text with a character XML cannot carry";
        return NULL;
    }
    return o.data ? o.data : "";
}

/* ---- the serializer ------------------------------------------------------------------------ */

typedef struct {
    outbuf_t o;
    const char *error;
} xml_writer_t;

/* Python truthiness of a JSON value. */
static int truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
    case JSON_FALSE:
        return 0;
    case JSON_INTEGER:
        return json_integer_value(v) != 0;
    case JSON_REAL:
        return json_real_value(v) != 0.0;
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    default:
        return 1;
    }
}

static int write_element(xml_writer_t *w, const char *name, const json_t *value, int json_text);

/* The children (or the text) of one element, whose start tag is already written; returns -1
 * on error, 0 when the element is empty (lxml then writes <name/>), 1 otherwise. */
static int write_content(xml_writer_t *w, const json_t *value, int json_text)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_text) {
        /* JSON_ONLY_KEYS: jsonutils.dumps(value) as text, nothing when the value is falsy */
        if (!truthy(value))
            return 0;
        if (!out_escaped(&w->o, heat_cfn_json(w->o.p, value))) {
            w->error = "text with a character XML cannot carry";
            return -1;
        }
        return 1;
    }
    if (json_is_array(value)) {
        json_array_foreach(value, i, v)
            if (write_element(w, "member", v, 0) < 0)
                return -1;
        return json_array_size(value) > 0;
    }
    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, v)
            if (write_element(w, key, v, strcmp(key, "TemplateBody") == 0 || strcmp(key, "Metadata") == 0) < 0)
                return -1;
        return json_object_size(value) > 0;
    }
    /* a scalar: element.text = str(obj); even "" makes lxml write a start and an end tag */
    if (!out_escaped(&w->o, heat_cfn_py_str(w->o.p, value))) {
        w->error = "text with a character XML cannot carry";
        return -1;
    }
    return 1;
}

static int write_element(xml_writer_t *w, const char *name, const json_t *value, int json_text)
{
    int r;

    if (!heat_cfn_xml_name_ok(name)) {
        w->error = apr_psprintf(w->o.p, "the key \"%s\" is not an XML element name", name);
        return -1;
    }
    out_str(&w->o, "<");
    out_escaped(&w->o, name); /* non-ASCII letters become &#N;, as lxml writes them */
    out_str(&w->o, ">");
    r = write_content(w, value, json_text);
    if (r < 0)
        return -1;
    if (r == 0) {
        /* <name> -> <name/> */
        w->o.len--;
        out_str(&w->o, "/>");
        return 0;
    }
    out_str(&w->o, "</");
    out_escaped(&w->o, name);
    out_str(&w->o, ">");
    return 1;
}

char *heat_cfn_xml(apr_pool_t *p, const json_t *doc, const char **error)
{
    xml_writer_t w;
    void *iter = json_is_object(doc) ? json_object_iter((json_t *)doc) : NULL;
    const char *root;

    memset(&w, 0, sizeof(w));
    w.o.p = p;
    if (!iter) {
        *error = "the answer is not a non-empty object";
        return NULL;
    }
    /* to_xml: the root node is the first key; object_to_element(data[root], root) */
    root = json_object_iter_key(iter);
    if (write_element(&w, root, json_object_iter_value(iter), 0) < 0) {
        *error = w.error;
        return NULL;
    }
    return w.o.data;
}

/* json.dumps's string encoding with ensure_ascii: every character outside ' '..'~' as an escape,
 * \uXXXX in lowercase hex, characters beyond the BMP as a surrogate pair. */
static void json_string_out(outbuf_t *o, const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    char esc[32];
    int len;

    out_str(o, "\"");
    while (*c) {
        long cp = utf8_next(c, &len);
        if (cp < 0) { /* not from jansson; never mind, keep going byte by byte */
            cp = 0xFFFD;
            len = 1;
        }
        if (cp == '"')
            out_str(o, "\\\"");
        else if (cp == '\\')
            out_str(o, "\\\\");
        else if (cp == '\n')
            out_str(o, "\\n");
        else if (cp == '\r')
            out_str(o, "\\r");
        else if (cp == '\t')
            out_str(o, "\\t");
        else if (cp == '\b')
            out_str(o, "\\b");
        else if (cp == '\f')
            out_str(o, "\\f");
        else if (cp >= 0x20 && cp <= 0x7E)
            out_add(o, (const char *)c, 1);
        else if (cp > 0xFFFF) {
            long v = cp - 0x10000;
            snprintf(esc, sizeof(esc), "\\u%04lx\\u%04lx", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
            out_str(o, esc);
        }
        else {
            snprintf(esc, sizeof(esc), "\\u%04lx", cp);
            out_str(o, esc);
        }
        c += len;
    }
    out_str(o, "\"");
}

static void json_out(outbuf_t *o, const json_t *v)
{
    const char *key;
    json_t *item;
    size_t i;
    int first = 1;

    switch (json_typeof(v)) {
    case JSON_OBJECT:
        out_str(o, "{");
        json_object_foreach((json_t *)v, key, item) {
            out_str(o, first ? "" : ", ");
            first = 0;
            json_string_out(o, key);
            out_str(o, ": ");
            json_out(o, item);
        }
        out_str(o, "}");
        break;
    case JSON_ARRAY:
        out_str(o, "[");
        json_array_foreach(v, i, item) {
            out_str(o, i ? ", " : "");
            json_out(o, item);
        }
        out_str(o, "]");
        break;
    case JSON_STRING:
        json_string_out(o, json_string_value(v));
        break;
    case JSON_TRUE:
        out_str(o, "true");
        break;
    case JSON_FALSE:
        out_str(o, "false");
        break;
    case JSON_NULL:
        out_str(o, "null");
        break;
    default:
        /* numbers: int / float.__repr__, as json.dumps writes them */
        out_str(o, heat_cfn_py_str(o->p, v));
        break;
    }
}

char *heat_cfn_json(apr_pool_t *p, const json_t *doc)
{
    outbuf_t o = {p, NULL, 0, 0};
    json_out(&o, doc);
    return o.data;
}
