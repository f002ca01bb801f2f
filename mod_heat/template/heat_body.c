/* heat_body.c: Python's json.loads and heat-api's JSONRequestDeserializer (see heat_body.h).
 *
 * The decoder follows CPython 3.11's C scanner (Modules/_json.c: scan_once_unicode,
 * _parse_object_unicode, _parse_array_unicode, _match_number_unicode, scanstring_unicode) step
 * by step, because its first error, and where it reports it, is what heat-api answers with.
 * It works on UTF-8 bytes; positions become character indexes only for messages. */
#include "heat_body.h"
#include "heat_util.h"

#include <apr_strings.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"

void heat_error_set(heat_error_t *err, int status, const char *type, const char *message)
{
    if (!err)
        return;
    err->status = status;
    err->type = type;
    err->message = message;
}

/* =====================================================================================
 * json.loads
 * ===================================================================================== */

typedef struct {
    apr_pool_t *p;
    const char *s;
    size_t len;
    int failed;
    const char *message; /* without the position */
    size_t pos;          /* byte offset */
    int positioned;      /* JSONDecodeError (with position) rather than a bare ValueError */
    const char *unsupported;
    size_t unsupported_pos;
    int depth;
    heat_nodes_t *nodes; /* NULL: not counted */
    int too_many;        /* the budget ran out: failed, message unset */
    char *scratch; /* pj_string's output: one buffer of the text's size, reused by every string */
} pj_t;

#define IS_WS(ch) ((ch) == ' ' || (ch) == '\t' || (ch) == '\n' || (ch) == '\r')

static void pj_error(pj_t *j, const char *message, size_t pos)
{
    if (j->failed)
        return;
    j->failed = 1;
    j->message = message;
    j->pos = pos;
    j->positioned = 1;
}

/* A value Python accepts and mod_heat refuses: reported after the parse, if nothing failed. */
static void pj_unsupported(pj_t *j, const char *message, size_t pos)
{
    if (!j->unsupported) {
        j->unsupported = message;
        j->unsupported_pos = pos;
    }
}

/* JSONDecodeError.__str__: "%s: line %d column %d (char %d)" with character positions. */
static const char *pj_position(pj_t *j, const char *message, size_t pos)
{
    size_t i, chars = 0, line = 1, col_start = 0;
    for (i = 0; i < pos && i < j->len; i++) {
        unsigned char ch = (unsigned char)j->s[i];
        if ((ch & 0xC0) == 0x80)
            continue;
        if (ch == '\n') {
            line++;
            col_start = chars + 1;
        }
        chars++;
    }
    return apr_psprintf(j->p, "%s: line %lu column %lu (char %lu)", message, (unsigned long)line,
                        (unsigned long)(chars - col_start + 1), (unsigned long)chars);
}

static json_t *pj_scan(pj_t *j, size_t idx, size_t *next);


/* Four hex digits at s[at] (caller checked the length); -1 if one is not hex. */
static long hex4(const char *s, size_t at)
{
    long v = 0;
    int k;
    for (k = 0; k < 4; k++) {
        int h = heat_hexval(s[at + (size_t)k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* scanstring_unicode(pystr, end, strict=True): end is just after the opening quote. Positions are
 * bytes here; the escapes and delimiters being ASCII, the arithmetic is Python's.
 * The decoded string (*outlen bytes, it may hold NULs) is in j->scratch, valid until the next call:
 * the caller copies it. A decoded string is never longer than the text, so one buffer of the
 * text's size serves them all and decoding stays linear in memory. */
static char *pj_string(pj_t *j, size_t end, size_t *next_out, size_t *outlen)
{
    const char *s = j->s;
    size_t len = j->len, begin = end - 1, next;
    char *out, *o;

    if (!j->scratch)
        j->scratch = apr_palloc(j->p, len + 1);
    out = o = j->scratch;

    for (;;) {
        unsigned char c = 0;
        for (next = end; next < len; next++) {
            c = (unsigned char)s[next];
            if (c == '"' || c == '\\')
                break;
            if (c <= 0x1f) {
                pj_error(j, "Invalid control character at", next);
                return NULL;
            }
        }
        if (next == len) {
            pj_error(j, "Unterminated string starting at", begin);
            return NULL;
        }
        memcpy(o, s + end, next - end);
        o += next - end;
        next++;
        if (c == '"') {
            end = next;
            break;
        }
        if (next == len) {
            pj_error(j, "Unterminated string starting at", begin);
            return NULL;
        }
        c = (unsigned char)s[next];
        if (c != 'u') {
            end = next + 1;
            switch (c) {
            case '"': *o++ = '"'; break;
            case '\\': *o++ = '\\'; break;
            case '/': *o++ = '/'; break;
            case 'b': *o++ = '\b'; break;
            case 'f': *o++ = '\f'; break;
            case 'n': *o++ = '\n'; break;
            case 'r': *o++ = '\r'; break;
            case 't': *o++ = '\t'; break;
            default:
                pj_error(j, "Invalid \\escape", end - 2);
                return NULL;
            }
        }
        else {
            long cp, c2;
            next++;
            end = next + 4;
            if (end >= len) {
                pj_error(j, "Invalid \\uXXXX escape", next - 1);
                return NULL;
            }
            cp = hex4(s, next);
            if (cp < 0) {
                pj_error(j, "Invalid \\uXXXX escape", end - 5);
                return NULL;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && end + 6 < len && s[end] == '\\' && s[end + 1] == 'u') {
                c2 = hex4(s, end + 2);
                if (c2 < 0) {
                    pj_error(j, "Invalid \\uXXXX escape", end + 1);
                    return NULL;
                }
                if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (c2 - 0xDC00);
                    end += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                /* Python keeps a lone surrogate in the str; it has no UTF-8 form */
                pj_unsupported(j, "Unpaired surrogate in a \\uXXXX escape is not supported", end - 6);
                cp = 0xFFFD;
            }
            o += heat_utf8_put(o, (unsigned long)cp);
        }
    }
    *next_out = end;
    *outlen = (size_t)(o - out);
    *o = '\0';
    return out;
}

/* _match_number_unicode */
static json_t *pj_number(pj_t *j, size_t start, size_t *next)
{
    const char *s = j->s;
    size_t end_idx = j->len - 1, idx = start, ndigits;
    int is_float = 0;
    char *buf;

    if (s[idx] == '-') {
        idx++;
        if (idx > end_idx) {
            pj_error(j, "Expecting value", start);
            return NULL;
        }
    }
    if (s[idx] >= '1' && s[idx] <= '9') {
        idx++;
        while (idx <= end_idx && s[idx] >= '0' && s[idx] <= '9')
            idx++;
    }
    else if (s[idx] == '0')
        idx++;
    else {
        pj_error(j, "Expecting value", start);
        return NULL;
    }
    if (idx < end_idx && s[idx] == '.' && s[idx + 1] >= '0' && s[idx + 1] <= '9') {
        is_float = 1;
        idx += 2;
        while (idx <= end_idx && s[idx] >= '0' && s[idx] <= '9')
            idx++;
    }
    if (idx < end_idx && (s[idx] == 'e' || s[idx] == 'E')) {
        size_t e_start = idx;
        idx++;
        if (idx < end_idx && (s[idx] == '-' || s[idx] == '+'))
            idx++;
        while (idx <= end_idx && s[idx] >= '0' && s[idx] <= '9')
            idx++;
        if (s[idx - 1] >= '0' && s[idx - 1] <= '9')
            is_float = 1;
        else
            idx = e_start;
    }
    *next = idx;
    buf = apr_pstrmemdup(j->p, s + start, idx - start);
    if (is_float) {
        double d = strtod(buf, NULL); /* correctly rounded, as float() is; httpd runs in the C locale */
        if (!isfinite(d)) {
            pj_unsupported(j, "Out of range float values are not JSON compliant", start);
            return json_null();
        }
        return json_real(d);
    }
    ndigits = idx - start - (s[start] == '-');
    if (ndigits > 4300) {
        /* int() of Python 3.11 refuses it: a plain ValueError, without position */
        j->failed = 1;
        j->positioned = 0;
        j->message = apr_psprintf(j->p, "Exceeds the limit (4300 digits) for integer string conversion: value has %lu "
                                        "digits; use sys.set_int_max_str_digits() to increase the limit",
                                  (unsigned long)ndigits);
        return NULL;
    }
    {
        char *endp;
        long long v;
        errno = 0;
        v = strtoll(buf, &endp, 10);
        if (errno == ERANGE) {
            pj_unsupported(j, "Integers beyond 64 bits are not supported", start);
            return json_null();
        }
        return json_integer(v);
    }
}

static json_t *pj_object(pj_t *j, size_t idx, size_t *next)
{
    const char *s = j->s;
    size_t end_idx = j->len - 1;
    json_t *obj = json_object();

    while (idx <= end_idx && IS_WS(s[idx]))
        idx++;
    if (idx > end_idx || s[idx] != '}') {
        for (;;) {
            size_t klen, after;
            char *key;
            json_t *val;
            if (idx > end_idx || s[idx] != '"') {
                pj_error(j, "Expecting property name enclosed in double quotes", idx);
                goto bail;
            }
            key = pj_string(j, idx + 1, &after, &klen);
            if (!key)
                goto bail;
            /* the value's strings reuse the scratch buffer: keep the key at its own size */
            key = apr_pmemdup(j->p, key, klen);
            idx = after;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
            if (idx > end_idx || s[idx] != ':') {
                pj_error(j, "Expecting ':' delimiter", idx);
                goto bail;
            }
            idx++;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
            val = pj_scan(j, idx, &after);
            if (!val)
                goto bail;
            /* a repeated key keeps its first place and takes the last value, as a dict does */
            json_object_setn_new(obj, key, klen, val);
            idx = after;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
            if (idx <= end_idx && s[idx] == '}')
                break;
            if (idx > end_idx || s[idx] != ',') {
                pj_error(j, "Expecting ',' delimiter", idx);
                goto bail;
            }
            idx++;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
        }
    }
    *next = idx + 1;
    return obj;
bail:
    json_decref(obj);
    return NULL;
}

static json_t *pj_array(pj_t *j, size_t idx, size_t *next)
{
    const char *s = j->s;
    size_t end_idx = j->len - 1;
    json_t *arr = json_array();

    while (idx <= end_idx && IS_WS(s[idx]))
        idx++;
    if (idx > end_idx || s[idx] != ']') {
        for (;;) {
            size_t after;
            json_t *val = pj_scan(j, idx, &after);
            if (!val)
                goto bail;
            json_array_append_new(arr, val);
            idx = after;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
            if (idx <= end_idx && s[idx] == ']')
                break;
            if (idx > end_idx || s[idx] != ',') {
                pj_error(j, "Expecting ',' delimiter", idx);
                goto bail;
            }
            idx++;
            while (idx <= end_idx && IS_WS(s[idx]))
                idx++;
        }
    }
    *next = idx + 1;
    return arr;
bail:
    json_decref(arr);
    return NULL;
}

/* scan_once_unicode; "Expecting value" stands for its StopIteration */
static json_t *pj_scan(pj_t *j, size_t idx, size_t *next)
{
    const char *s = j->s;
    size_t length = j->len;
    json_t *r;

    if (idx >= length) {
        pj_error(j, "Expecting value", idx);
        return NULL;
    }
    /* counted before it is made: a body over the budget stops here, not after the tree is built */
    if (!heat_nodes_take(j->nodes)) {
        if (!j->failed) {
            j->failed = 1;
            j->too_many = 1;
        }
        return NULL;
    }
    switch (s[idx]) {
    case '"': {
        size_t slen;
        char *str = pj_string(j, idx + 1, next, &slen);
        return str ? json_stringn(str, slen) : NULL;
    }
    case '{':
    case '[':
        if (j->depth >= HEAT_YAML_MAX_DEPTH) {
            /* Python gives up with a RecursionError (a 500) somewhat deeper */
            pj_error(j, apr_psprintf(j->p, "JSON nested deeper than %d levels is not supported", HEAT_YAML_MAX_DEPTH),
                     idx);
            return NULL;
        }
        j->depth++;
        r = s[idx] == '{' ? pj_object(j, idx + 1, next) : pj_array(j, idx + 1, next);
        j->depth--;
        return r;
    case 'n':
        if (idx + 3 < length && !memcmp(s + idx + 1, "ull", 3)) {
            *next = idx + 4;
            return json_null();
        }
        break;
    case 't':
        if (idx + 3 < length && !memcmp(s + idx + 1, "rue", 3)) {
            *next = idx + 4;
            return json_true();
        }
        break;
    case 'f':
        if (idx + 4 < length && !memcmp(s + idx + 1, "alse", 4)) {
            *next = idx + 5;
            return json_false();
        }
        break;
    case 'N':
        if (idx + 2 < length && !memcmp(s + idx + 1, "aN", 2)) {
            *next = idx + 3;
            pj_unsupported(j, "Out of range float values are not JSON compliant", idx);
            return json_null();
        }
        break;
    case 'I':
        if (idx + 7 < length && !memcmp(s + idx + 1, "nfinity", 7)) {
            *next = idx + 8;
            pj_unsupported(j, "Out of range float values are not JSON compliant", idx);
            return json_null();
        }
        break;
    case '-':
        if (idx + 8 < length && !memcmp(s + idx + 1, "Infinity", 8)) {
            *next = idx + 9;
            pj_unsupported(j, "Out of range float values are not JSON compliant", idx);
            return json_null();
        }
        break;
    default:
        break;
    }
    return pj_number(j, idx, next);
}

json_t *heat_pyjson_loads(apr_pool_t *p, const char *text, size_t len, heat_pyjson_status_t *status,
                          const char **message)
{
    return heat_pyjson_loads_nodes(p, text, len, NULL, status, message);
}

json_t *heat_pyjson_loads_nodes(apr_pool_t *p, const char *text, size_t len, heat_nodes_t *nodes,
                                heat_pyjson_status_t *status, const char **message)
{
    pj_t j;
    size_t idx = 0, end = 0, used = nodes ? nodes->used : 0;
    json_t *v;

    memset(&j, 0, sizeof j);
    j.p = p;
    j.nodes = nodes;
    j.s = text ? text : "";
    j.len = text ? len : 0;
    if (status)
        *status = HEAT_PYJSON_OK;
    if (message)
        *message = NULL;
    if (j.len >= 3 && !memcmp(j.s, "\xEF\xBB\xBF", 3)) {
        pj_error(&j, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
        v = NULL;
    }
    else {
        while (idx < j.len && IS_WS(j.s[idx]))
            idx++;
        v = pj_scan(&j, idx, &end);
        if (v) {
            while (end < j.len && IS_WS(j.s[end]))
                end++;
            if (end != j.len) {
                pj_error(&j, "Extra data", end);
                json_decref(v);
                v = NULL;
            }
        }
    }
    if (!v) {
        if (nodes)
            nodes->used = used; /* what failed is not kept: its nodes are not spent */
        if (status)
            *status = j.too_many ? HEAT_PYJSON_TOO_MANY : HEAT_PYJSON_ERROR;
        if (message)
            *message = j.too_many ? (used ? apr_psprintf(p, "too many values (at most %" APR_SIZE_T_FMT
                                                          " JSON values and YAML nodes per request)", nodes->limit)
                                          : apr_psprintf(p, "more than %" APR_SIZE_T_FMT " values", nodes->limit))
                                  : j.positioned ? pj_position(&j, j.message, j.pos) : j.message;
        return NULL;
    }
    if (j.unsupported) {
        if (nodes)
            nodes->used = used;
        json_decref(v);
        if (status)
            *status = HEAT_PYJSON_UNSUPPORTED;
        if (message)
            *message = pj_position(&j, j.unsupported, j.unsupported_pos);
        return NULL;
    }
    return heat_json_own(p, v);
}

/* =====================================================================================
 * JSONRequestDeserializer
 * ===================================================================================== */

int heat_body_is_json(const heat_body_request_t *req)
{
    const char *ct = NULL;
    size_t ctlen = 0;

    if (req->content_length <= 0 || !req->body)
        return 0;
    /* is_json_content_type(): a GET honours the ContentType query parameter when it is set */
    if (req->method && !strcmp(req->method, "GET") && req->aws_content_type && *req->aws_content_type) {
        ct = req->aws_content_type;
        ctlen = strlen(ct);
    }
    else if (req->content_type) {
        /* webob's content_type: the header up to the first ';', not trimmed */
        const char *semi = strchr(req->content_type, ';');
        ct = req->content_type;
        ctlen = semi ? (size_t)(semi - ct) : strlen(ct);
    }
    if (!ct || ctlen == 0 || (ctlen >= 10 && !strncmp(ct, "text/plain", 10))) {
        ct = "application/json";
        ctlen = 16;
    }
    if (!((ctlen == 4 && !strncmp(ct, "JSON", 4)) || (ctlen == 16 && !strncmp(ct, "application/json", 16))))
        return 0;
    return req->len > 0 && req->body[0] == '{';
}

heat_body_status_t heat_body_decode(apr_pool_t *p, const heat_body_request_t *req, apr_size_t max_json_body_size,
                                    json_t **body, heat_error_t *err)
{
    size_t start, end;
    const char *reason, *message;
    heat_pyjson_status_t st;
    json_t *v;

    *body = NULL;
    if (!heat_body_is_json(req))
        return HEAT_BODY_NONE;
    if (req->len > max_json_body_size) {
        heat_error_set(err, 400, "RequestLimitExceeded",
                       apr_psprintf(p, "Request limit exceeded: JSON body size (%" APR_SIZE_T_FMT " bytes) exceeds "
                                       "maximum allowed size (%" APR_SIZE_T_FMT " bytes).",
                                    req->len, max_json_body_size));
        return HEAT_BODY_ERROR;
    }
    /* jsonutils.loads: bytes are decoded as UTF-8 first; a UnicodeDecodeError is a ValueError */
    if (!heat_py_utf8_check(req->body, req->len, &start, &end, &reason)) {
        heat_error_set(err, 400, "HTTPBadRequest", heat_py_utf8_error(p, req->body, start, end, reason));
        return HEAT_BODY_ERROR;
    }
    v = heat_pyjson_loads_nodes(p, req->body, req->len, heat_nodes_start(p, max_json_body_size), &st, &message);
    if (!v) {
        if (st == HEAT_PYJSON_TOO_MANY)
            heat_error_set(err, 400, "RequestLimitExceeded",
                           apr_psprintf(p, "Request limit exceeded: the JSON body has %s.", message));
        else
            heat_error_set(err, 400, "HTTPBadRequest", message);
        return HEAT_BODY_ERROR;
    }
    *body = v;
    return HEAT_BODY_OK;
}
