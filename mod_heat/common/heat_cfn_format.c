/* heat_cfn_format.c: heat-api-cfn's XML and JSON answers (see heat_cfn_format.h). */
#include "heat_cfn_format.h"

#include <apr_strings.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_util.h"

/* ---- Python str() of scalars ----------------------------------------------------------- */

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
        return heat_py_float(p, json_real_value(v));
    case JSON_STRING:
        return json_string_value(v);
    default:
        return heat_json_dump(p, v, 0);
    }
}

/* ---- XML names and text ------------------------------------------------------------------ */

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
        long cp = heat_utf8_next(c, &len);
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

/* Appends text (or an element name) escaped as lxml writes it; 0 if it cannot. */
static int out_escaped(heat_buf_t *o, const char *text)
{
    const unsigned char *c = (const unsigned char *)text;
    char ref[32];
    int len;

    while (*c) {
        long cp = heat_utf8_next(c, &len);
        if (cp < 0 || !xml_char(cp))
            return 0;
        if (cp == '&')
            heat_buf_str(o, "&amp;");
        else if (cp == '<')
            heat_buf_str(o, "&lt;");
        else if (cp == '>')
            heat_buf_str(o, "&gt;");
        else if (cp == '\r' || cp >= 0x80) {
            snprintf(ref, sizeof(ref), "&#%ld;", cp);
            heat_buf_str(o, ref);
        }
        else
            heat_buf_add(o, (const char *)c, 1);
        c += len;
    }
    return 1;
}

const char *heat_cfn_xml_text(apr_pool_t *p, const char *text, const char **error)
{
    heat_buf_t o = {p, NULL, 0, 0};
    if (!out_escaped(&o, text)) {
        *error = "text with a character XML cannot carry";
        return NULL;
    }
    return o.data ? o.data : "";
}

/* ---- the serializer ------------------------------------------------------------------------ */

typedef struct {
    heat_buf_t o;
    const char *error;
} xml_writer_t;

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
        if (!heat_py_truthy(value))
            return 0;
        if (!out_escaped(&w->o, heat_json_dump(w->o.p, value, 0))) {
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
    heat_buf_str(&w->o, "<");
    out_escaped(&w->o, name); /* non-ASCII letters become &#N;, as lxml writes them */
    heat_buf_str(&w->o, ">");
    r = write_content(w, value, json_text);
    if (r < 0)
        return -1;
    if (r == 0) {
        /* <name> -> <name/> */
        w->o.len--;
        heat_buf_str(&w->o, "/>");
        return 0;
    }
    heat_buf_str(&w->o, "</");
    out_escaped(&w->o, name);
    heat_buf_str(&w->o, ">");
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

