/* heat_policy.c: oslo.policy 4.0.0's rule language, heat 19.0.0's Enforcer and the policy
 * files, evaluated the way the Python code does (see heat_policy.h). Every behaviour below is
 * checked against the real oslo.policy by test/golden/policy/ (capture_policy.py).
 *
 * Sections: Python value helpers (str(), repr(), float repr, str.lower, str.isspace);
 * Python %-formatting of a check's right side; classification of a generic check's left side
 * (ast.literal_eval); the rule parser (oslo's tokenizer and shift-reduce parser); evaluation;
 * policy files (JSON via jansson, YAML via heat_yaml's safe_load mode); the public API and
 * heat's API-side checks. */
#include "heat_policy.h"

#include "heat_json.h"
#include "heat_log.h"
#include "heat_pycompat.h"
#include "heat_yaml.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ======================================================================================
 * Python value helpers
 * ====================================================================================== */

/* One code point of s (heat_utf8_decode), for the callers below that count in unsigned. */
static unsigned utf8_next(const char *s, apr_size_t len, apr_size_t *used)
{
    unsigned long c;

    *used = heat_utf8_decode(s, len, &c);
    return (unsigned)c;
}

static void buf_puts(apr_array_header_t *buf, const char *s, apr_size_t n)
{
    apr_size_t i;
    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(buf, char) = s[i];
}

static char *buf_done(apr_array_header_t *buf)
{
    APR_ARRAY_PUSH(buf, char) = '\0';
    return buf->elts;
}

static apr_array_header_t *buf_new(apr_pool_t *p)
{
    return apr_array_make(p, 64, 1);
}

static void utf8_put(apr_array_header_t *buf, unsigned c)
{
    char b[4];
    buf_puts(buf, b, heat_utf8_put(b, c));
}

/* str.isspace() (also what re's \s matches in a str pattern). */
static int py_isspace(unsigned c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

/* str.lower() for one code point. Python uses the whole Unicode database; this covers
 * ASCII, Latin-1, Latin Extended-A and Additional, Greek, Cyrillic, Armenian and fullwidth
 * Latin, which is where role names live. (U+0130 lowers to two code points in Python; here
 * to 'i'.) */
static unsigned py_lower_cp(unsigned c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7))
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130)
            return 'i';
        if (c == 0x178)
            return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        if (c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        return (c & 1) ? c : c + 1;
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c : c + 1;
    if (c >= 0x531 && c <= 0x556)
        return c + 48;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return (c & 1) ? c : c + 1;
    if (c == 0x1E9E)
        return 0xDF;
    if (c == 0x2126)
        return 0x3C9;
    if (c == 0x212A)
        return 'k';
    if (c == 0x212B)
        return 0xE5;
    if (c >= 0x2160 && c <= 0x216F)
        return c + 16;
    if (c >= 0x24B6 && c <= 0x24CF)
        return c + 26;
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 32;
    return c;
}

static char *py_lower(apr_pool_t *p, const char *s)
{
    apr_array_header_t *buf = buf_new(p);
    apr_size_t len = strlen(s), i = 0, used;

    while (i < len) {
        unsigned c = utf8_next(s + i, len - i, &used);
        if (used == 1 && (unsigned char)s[i] >= 0x80)
            APR_ARRAY_PUSH(buf, char) = s[i]; /* invalid byte: keep */
        else
            utf8_put(buf, py_lower_cp(c));
        i += used;
    }
    return buf_done(buf);
}

/* repr() of a str (ascii_only: ascii()). */
static void py_repr_str(apr_array_header_t *buf, const char *s, apr_size_t len, int ascii_only)
{
    const char *r = heat_py_repr_ascii(buf->pool, s, len, ascii_only);
    buf_puts(buf, r, strlen(r));
}

/* repr() of a bytes value. */
static void py_repr_bytes(apr_array_header_t *buf, const char *s, apr_size_t len)
{
    char quote = '\'';
    apr_size_t i;
    char tmp[8];

    if (memchr(s, '\'', len) && !memchr(s, '"', len))
        quote = '"';
    APR_ARRAY_PUSH(buf, char) = 'b';
    APR_ARRAY_PUSH(buf, char) = quote;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)quote || c == '\\') {
            APR_ARRAY_PUSH(buf, char) = '\\';
            APR_ARRAY_PUSH(buf, char) = (char)c;
        }
        else if (c == '\t')
            buf_puts(buf, "\\t", 2);
        else if (c == '\n')
            buf_puts(buf, "\\n", 2);
        else if (c == '\r')
            buf_puts(buf, "\\r", 2);
        else if (c < 0x20 || c >= 0x7F)
            buf_puts(buf, tmp, (apr_size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", c));
        else
            APR_ARRAY_PUSH(buf, char) = (char)c;
    }
    APR_ARRAY_PUSH(buf, char) = quote;
}

/* repr(float) (heat_py_float_fmt): add_dot_0 gives repr() ("1.0"), without it complex's
 * parts ("1"); plus_sign forces the sign. */
static void py_float_fmt(apr_array_header_t *buf, double x, int add_dot_0, int plus_sign)
{
    char tmp[HEAT_PY_FLOAT_SIZE];
    const char *r = heat_py_float_fmt(tmp, x, (add_dot_0 ? 0 : HEAT_PY_FLOAT_NO_DOT0) | (plus_sign ? HEAT_PY_FLOAT_PLUS : 0));
    buf_puts(buf, r, strlen(r));
}

static char *py_float_repr(apr_pool_t *p, double x)
{
    apr_array_header_t *buf = buf_new(p);
    py_float_fmt(buf, x, 1, 0);
    return buf_done(buf);
}

/* complex.__repr__ */
static char *py_complex_repr(apr_pool_t *p, double re, double im)
{
    apr_array_header_t *buf = buf_new(p);
    if (re == 0.0 && !signbit(re)) {
        py_float_fmt(buf, im, 0, 0);
        APR_ARRAY_PUSH(buf, char) = 'j';
    }
    else {
        APR_ARRAY_PUSH(buf, char) = '(';
        py_float_fmt(buf, re, 0, 0);
        py_float_fmt(buf, im, 0, 1);
        buf_puts(buf, "j)", 2);
    }
    return buf_done(buf);
}

static void py_repr_json(apr_array_header_t *buf, const json_t *v, int ascii_only);

/* str() (as_repr 0) or repr() of a JSON value as Python sees the decoded value. */
static void py_str_json(apr_array_header_t *buf, const json_t *v, int as_repr, int ascii_only)
{
    char tmp[32];

    switch (json_typeof(v)) {
    case JSON_STRING:
        if (as_repr)
            py_repr_str(buf, json_string_value(v), json_string_length(v), ascii_only);
        else
            buf_puts(buf, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        buf_puts(buf, tmp, (apr_size_t)snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
        break;
    case JSON_REAL:
        py_float_fmt(buf, json_real_value(v), 1, 0);
        break;
    case JSON_TRUE:
        buf_puts(buf, "True", 4);
        break;
    case JSON_FALSE:
        buf_puts(buf, "False", 5);
        break;
    case JSON_NULL:
        buf_puts(buf, "None", 4);
        break;
    case JSON_ARRAY: {
        size_t i;
        APR_ARRAY_PUSH(buf, char) = '[';
        for (i = 0; i < json_array_size(v); i++) {
            if (i)
                buf_puts(buf, ", ", 2);
            py_repr_json(buf, json_array_get(v, i), ascii_only);
        }
        APR_ARRAY_PUSH(buf, char) = ']';
        break;
    }
    case JSON_OBJECT: {
        const char *k;
        json_t *item;
        int first = 1;
        APR_ARRAY_PUSH(buf, char) = '{';
        json_object_foreach((json_t *)v, k, item) {
            if (!first)
                buf_puts(buf, ", ", 2);
            first = 0;
            py_repr_str(buf, k, strlen(k), ascii_only);
            buf_puts(buf, ": ", 2);
            py_repr_json(buf, item, ascii_only);
        }
        APR_ARRAY_PUSH(buf, char) = '}';
        break;
    }
    }
}

static void py_repr_json(apr_array_header_t *buf, const json_t *v, int ascii_only)
{
    py_str_json(buf, v, 1, ascii_only);
}

static char *py_str(apr_pool_t *p, const json_t *v)
{
    apr_array_header_t *buf = buf_new(p);
    py_str_json(buf, v, 0, 0);
    return buf_done(buf);
}

/* Python's type name of a JSON value, for exception messages. */
static const char *py_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return "str";
    case JSON_INTEGER:
        return "int";
    case JSON_REAL:
        return "float";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    case JSON_NULL:
        return "NoneType";
    case JSON_ARRAY:
        return "list";
    case JSON_OBJECT:
        return "dict";
    }
    return "object";
}

/* ======================================================================================
 * Evaluation state and Python %-formatting (match % target)
 * ====================================================================================== */

typedef struct {
    const heat_policy_t *pol;
    apr_pool_t *p;
    const json_t *target;
    const json_t *creds;
    int depth;
    const char *err_type;
    const char *err_msg;
} eval_t;

static int eval_fail(eval_t *e, const char *type, const char *msg)
{
    if (!e->err_type) {
        e->err_type = type;
        e->err_msg = msg;
    }
    return -1;
}

/* Pads (or left-justifies) a formatted field to width characters. */
static void fmt_pad(apr_array_header_t *out, const char *s, apr_size_t len, long width, int left, char fill)
{
    apr_size_t n = heat_py_strlen(s, len);
    long pad = width > (long)n ? width - (long)n : 0, i;

    if (!left)
        for (i = 0; i < pad; i++)
            APR_ARRAY_PUSH(out, char) = fill;
    buf_puts(out, s, len);
    if (left)
        for (i = 0; i < pad; i++)
            APR_ARRAY_PUSH(out, char) = ' ';
}

/* Python's `fmt % target` with target a dict (CPython's PyUnicode_Format): %(key)s looks the
 * key up literally (dots are part of the key; nested parentheses are kept), a key that is
 * missing is a KeyError, which oslo's checks turn into False (return 0). A spec without a key
 * takes the whole dict as its argument, once. Conversions s, r, a and d, i, u with the flags
 * "-+ 0", a width and a precision are supported; other conversions that Python accepts
 * (x, o, e, f, g, c) are reported as an error (documented gap). 1 = ok, -1 = error. */
static int py_format(eval_t *e, const char *fmt, const char **result)
{
    apr_array_header_t *out = buf_new(e->p);
    apr_size_t len = strlen(fmt), i = 0;
    int positional_used = 0;

    while (i < len) {
        const json_t *arg;
        int left = 0, plus = 0, space = 0, zero = 0;
        long width = -1, prec = -1;
        char conv;

        if (fmt[i] != '%') {
            APR_ARRAY_PUSH(out, char) = fmt[i++];
            continue;
        }
        i++;
        if (i >= len)
            return eval_fail(e, "ValueError", "incomplete format");
        if (fmt[i] == '(') {
            int depth = 1;
            apr_size_t start = ++i;
            char *key;
            while (i < len && depth > 0) {
                if (fmt[i] == '(')
                    depth++;
                else if (fmt[i] == ')')
                    depth--;
                i++;
            }
            if (depth > 0)
                return eval_fail(e, "ValueError", "incomplete format key");
            key = apr_pstrmemdup(e->p, fmt + start, i - 1 - start);
            arg = json_object_get(e->target, key);
            if (!arg)
                return 0; /* KeyError */
        }
        else if (fmt[i] == '%') {
            APR_ARRAY_PUSH(out, char) = '%';
            i++;
            continue;
        }
        else
            arg = NULL; /* positional: decided after the flags */
        while (i < len && strchr("-+ #0", fmt[i])) {
            if (fmt[i] == '-')
                left = 1;
            else if (fmt[i] == '+')
                plus = 1;
            else if (fmt[i] == ' ')
                space = 1;
            else if (fmt[i] == '0')
                zero = 1;
            i++;
        }
        if (i < len && fmt[i] == '*')
            return eval_fail(e, "TypeError", "* wants int");
        while (i < len && isdigit((unsigned char)fmt[i])) {
            width = (width < 0 ? 0 : width) * 10 + (fmt[i] - '0');
            i++;
        }
        if (i < len && fmt[i] == '.') {
            i++;
            if (i < len && fmt[i] == '*')
                return eval_fail(e, "TypeError", "* wants int");
            prec = 0;
            while (i < len && isdigit((unsigned char)fmt[i])) {
                prec = prec * 10 + (fmt[i] - '0');
                i++;
            }
        }
        if (i >= len)
            return eval_fail(e, "ValueError", "incomplete format");
        conv = fmt[i++];
        if (!arg && conv != '%') {
            if (positional_used)
                return eval_fail(e, "TypeError", "not enough arguments for format string");
            positional_used = 1;
            arg = e->target;
        }
        switch (conv) {
        case '%':
            APR_ARRAY_PUSH(out, char) = '%';
            break;
        case 's':
        case 'r':
        case 'a': {
            apr_array_header_t *tmp = buf_new(e->p);
            char *s;
            apr_size_t slen;
            py_str_json(tmp, arg, conv != 's', conv == 'a');
            s = buf_done(tmp);
            slen = strlen(s);
            if (prec >= 0) {
                /* truncate to prec characters */
                apr_size_t k = 0, used, n = 0;
                while (k < slen && (long)n < prec) {
                    utf8_next(s + k, slen - k, &used);
                    k += used;
                    n++;
                }
                slen = k;
            }
            fmt_pad(out, s, slen, width, left, ' ');
            break;
        }
        case 'd':
        case 'i':
        case 'u': {
            char num[64];
            long long v;
            int neg;
            apr_array_header_t *tmp = buf_new(e->p);
            char *s;
            if (json_is_integer(arg))
                v = json_integer_value(arg);
            else if (json_is_boolean(arg))
                v = json_is_true(arg) ? 1 : 0;
            else if (json_is_real(arg)) {
                double d = json_real_value(arg);
                if (isnan(d))
                    return eval_fail(e, "ValueError", "cannot convert float NaN to integer");
                if (isinf(d))
                    return eval_fail(e, "OverflowError", "cannot convert float infinity to integer");
                v = (long long)d;
            }
            else
                return eval_fail(e, "TypeError", apr_psprintf(e->p, "%%%c format: a real number is required, not %s",
                                                              conv, py_type(arg)));
            neg = v < 0;
            snprintf(num, sizeof(num), "%llu", neg ? 0ULL - (unsigned long long)v : (unsigned long long)v);
            if (prec >= 0 && (long)strlen(num) < prec) {
                long k;
                for (k = (long)strlen(num); k < prec; k++)
                    APR_ARRAY_PUSH(tmp, char) = '0';
            }
            buf_puts(tmp, num, strlen(num));
            s = buf_done(tmp);
            {
                const char *sign = neg ? "-" : plus ? "+" : space ? " " : "";
                if (zero && !left && width > 0) {
                    long pad = width - (long)strlen(sign) - (long)strlen(s), k;
                    buf_puts(out, sign, strlen(sign));
                    for (k = 0; k < pad; k++)
                        APR_ARRAY_PUSH(out, char) = '0';
                    buf_puts(out, s, strlen(s));
                }
                else {
                    char *full = apr_pstrcat(e->p, sign, s, NULL);
                    fmt_pad(out, full, strlen(full), width, left, ' ');
                }
            }
            break;
        }
        case 'x': case 'X': case 'o': case 'e': case 'E': case 'f': case 'F':
        case 'g': case 'G': case 'c':
            /* valid in Python; not implemented (no policy uses them) */
            return eval_fail(e, "ValueError",
                             apr_psprintf(e->p, "format character '%c' is not supported by mod_heat", conv));
        default:
            return eval_fail(e, "ValueError",
                             apr_psprintf(e->p, "unsupported format character '%c' (0x%x) at index %lu",
                                          conv, (unsigned char)conv, (unsigned long)(i - 1)));
        }
    }
    *result = buf_done(out);
    return 1;
}

/* ======================================================================================
 * The left side of a generic check: ast.literal_eval(kind)
 *
 * GenericCheck tries ast.literal_eval(kind): a literal compares its str() with the expanded
 * right side; a ValueError (any other valid expression, e.g. a name or a dotted path) means
 * a lookup in the creds; a SyntaxError is not caught by oslo and fails the request. So the
 * kind is tokenized and parsed with a small Python expression grammar (a kind never holds a
 * ':' or, in the text form, whitespace, which rules out dicts, slices and lambdas), then
 * converted the way literal_eval converts.
 * ====================================================================================== */

typedef enum { KC_PATH, KC_LITERAL, KC_SYNTAX, KC_UNSUPPORTED } kind_class_t;

typedef enum { PT_END, PT_NAME, PT_NUMBER, PT_STRING, PT_OP } pytok_type_t;

typedef enum { NUM_INT, NUM_FLOAT, NUM_IMAG } num_kind_t;
typedef enum { STR_STR, STR_BYTES, STR_F, STR_UNSUPPORTED } str_kind_t;

typedef struct {
    pytok_type_t type;
    const char *text; /* NAME / OP: the token text */
    /* NUMBER */
    num_kind_t num;
    const char *intdec; /* NUM_INT: the decimal digits */
    double fval;        /* NUM_FLOAT / NUM_IMAG */
    /* STRING */
    str_kind_t skind;
    const char *sval;
    apr_size_t slen;
} pytok_t;

static const char *const py_keywords[] = {
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield", NULL};

static int is_keyword(const char *s)
{
    int i;
    for (i = 0; py_keywords[i]; i++)
        if (!strcmp(py_keywords[i], s))
            return 1;
    return 0;
}

static int is_name_start(unsigned char c)
{
    return isalpha(c) || c == '_' || c >= 0x80;
}

static int is_name_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c >= 0x80;
}

/* digitpart: digit (["_"] digit)* in the given base; returns the end, or NULL on a bad
 * underscore. *digits receives the digits without underscores. */
static const char *scan_digits(const char *s, int base, apr_array_header_t *digits)
{
    int seen = 0;
    while (*s) {
        int ok = base == 16 ? isxdigit((unsigned char)*s)
                 : base == 10 ? isdigit((unsigned char)*s)
                 : base == 8 ? (*s >= '0' && *s <= '7')
                             : (*s == '0' || *s == '1');
        if (ok) {
            APR_ARRAY_PUSH(digits, char) = *s++;
            seen = 1;
        }
        else if (*s == '_' && seen) {
            int nok;
            s++;
            nok = base == 16 ? isxdigit((unsigned char)*s)
                  : base == 10 ? isdigit((unsigned char)*s)
                  : base == 8 ? (*s >= '0' && *s <= '7')
                              : (*s == '0' || *s == '1');
            if (!nok)
                return NULL;
        }
        else
            break;
    }
    return seen ? s : NULL;
}

/* Decimal text of a base-N digit string (Python ints are unbounded). */
static const char *radix_to_decimal(apr_pool_t *p, const char *digits, int base)
{
    /* little-endian limbs of 10^9 */
    apr_array_header_t *limbs = apr_array_make(p, 4, sizeof(unsigned));
    const char *d;
    char *out, *w;
    int i;

    APR_ARRAY_PUSH(limbs, unsigned) = 0;
    for (d = digits; *d; d++) {
        unsigned long long carry = (unsigned long long)(isdigit((unsigned char)*d) ? *d - '0'
                                                        : tolower((unsigned char)*d) - 'a' + 10);
        for (i = 0; i < limbs->nelts; i++) {
            unsigned long long v = (unsigned long long)APR_ARRAY_IDX(limbs, i, unsigned) * (unsigned)base + carry;
            APR_ARRAY_IDX(limbs, i, unsigned) = (unsigned)(v % 1000000000ULL);
            carry = v / 1000000000ULL;
        }
        while (carry) {
            APR_ARRAY_PUSH(limbs, unsigned) = (unsigned)(carry % 1000000000ULL);
            carry /= 1000000000ULL;
        }
    }
    out = w = apr_palloc(p, (apr_size_t)limbs->nelts * 9 + 2);
    w += sprintf(w, "%u", APR_ARRAY_IDX(limbs, limbs->nelts - 1, unsigned));
    for (i = limbs->nelts - 2; i >= 0; i--)
        w += sprintf(w, "%09u", APR_ARRAY_IDX(limbs, i, unsigned));
    return out;
}

/* What may follow a number (CPython 3.11 verify_end_of_number): not an identifier
 * character, except the start of the keywords that can follow a number in valid code
 * (accepted with a DeprecationWarning). */
static int number_end_ok(const char *s)
{
    static const char *const kw[] = {"and", "else", "for", "if", "in", "is", "or", "not", NULL};
    int i;
    if (!is_name_char((unsigned char)*s))
        return 1;
    for (i = 0; kw[i]; i++)
        if (!strncmp(s, kw[i], strlen(kw[i])))
            return 1;
    return 0;
}

/* A number token at *ps (starting with a digit or "."). 0 = SyntaxError. */
static int lex_number(apr_pool_t *p, const char **ps, pytok_t *t)
{
    const char *s = *ps;
    apr_array_header_t *digits = buf_new(p);
    apr_array_header_t *fl = buf_new(p);
    int is_float = 0;

    t->type = PT_NUMBER;
    if (s[0] == '0' && s[1] && strchr("xXoObB", s[1])) {
        int base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
        s += 2;
        if (*s == '_')
            s++;
        s = scan_digits(s, base, digits);
        if (!s || !number_end_ok(s))
            return 0;
        t->num = NUM_INT;
        t->intdec = radix_to_decimal(p, buf_done(digits), base);
        *ps = s;
        return 1;
    }
    if (*s != '.') {
        s = scan_digits(s, 10, digits);
        if (!s)
            return 0;
    }
    buf_puts(fl, digits->elts, (apr_size_t)digits->nelts);
    if (*s == '.') {
        is_float = 1;
        APR_ARRAY_PUSH(fl, char) = '.';
        s++;
        if (isdigit((unsigned char)*s)) {
            apr_array_header_t *frac = buf_new(p);
            s = scan_digits(s, 10, frac);
            if (!s)
                return 0;
            buf_puts(fl, frac->elts, (apr_size_t)frac->nelts);
        }
        else if (digits->nelts == 0)
            return 0;
    }
    if ((*s == 'e' || *s == 'E') && (isdigit((unsigned char)s[1]) || s[1] == '+' || s[1] == '-')) {
        apr_array_header_t *ex = buf_new(p);
        s++;
        APR_ARRAY_PUSH(fl, char) = 'e';
        if (*s == '+' || *s == '-')
            APR_ARRAY_PUSH(fl, char) = *s++;
        if (!isdigit((unsigned char)*s))
            return 0;
        s = scan_digits(s, 10, ex);
        if (!s)
            return 0;
        buf_puts(fl, ex->elts, (apr_size_t)ex->nelts);
        is_float = 1;
    }
    if (*s == 'j' || *s == 'J') {
        s++;
        t->num = NUM_IMAG;
        t->fval = strtod(buf_done(fl), NULL);
    }
    else if (is_float) {
        t->num = NUM_FLOAT;
        t->fval = strtod(buf_done(fl), NULL);
    }
    else {
        const char *dd = buf_done(digits);
        const char *nz = dd;
        while (*nz == '0')
            nz++;
        if (dd[0] == '0' && *nz)
            return 0; /* leading zeros in a decimal integer literal */
        t->num = NUM_INT;
        t->intdec = *nz ? nz : "0";
    }
    if (!number_end_ok(s))
        return 0; /* invalid decimal literal */
    *ps = s;
    return 1;
}

/* A string literal: prefix at s, quote at q. 0 = SyntaxError. */
static int lex_string(apr_pool_t *p, const char **ps, const char *q, pytok_t *t)
{
    const char *s = *ps;
    int raw = 0, bytes = 0, fstr = 0, triple;
    char quote = *q;
    apr_array_header_t *val = buf_new(p);

    for (; s < q; s++) {
        char c = (char)tolower((unsigned char)*s);
        if (c == 'r')
            raw = 1;
        else if (c == 'b')
            bytes = 1;
        else if (c == 'f')
            fstr = 1;
    }
    t->type = PT_STRING;
    t->skind = bytes ? STR_BYTES : fstr ? STR_F : STR_STR;
    triple = q[1] == quote && q[2] == quote;
    s = q + (triple ? 3 : 1);
    for (;;) {
        if (!*s)
            return 0; /* unterminated */
        if (*s == quote && (!triple || (s[1] == quote && s[2] == quote))) {
            s += triple ? 3 : 1;
            break;
        }
        if (*s == '\n' && !triple)
            return 0;
        if (*s == '\\') {
            if (raw) {
                APR_ARRAY_PUSH(val, char) = *s++;
                if (*s)
                    APR_ARRAY_PUSH(val, char) = *s++;
                continue;
            }
            s++;
            switch (*s) {
            case '\n': s++; break;
            case '\\': case '\'': case '"': APR_ARRAY_PUSH(val, char) = *s++; break;
            case 'a': APR_ARRAY_PUSH(val, char) = '\a'; s++; break;
            case 'b': APR_ARRAY_PUSH(val, char) = '\b'; s++; break;
            case 'f': APR_ARRAY_PUSH(val, char) = '\f'; s++; break;
            case 'n': APR_ARRAY_PUSH(val, char) = '\n'; s++; break;
            case 'r': APR_ARRAY_PUSH(val, char) = '\r'; s++; break;
            case 't': APR_ARRAY_PUSH(val, char) = '\t'; s++; break;
            case 'v': APR_ARRAY_PUSH(val, char) = '\v'; s++; break;
            case 'x': {
                unsigned v;
                if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]))
                    return 0;
                v = (unsigned)strtoul(apr_pstrmemdup(p, s + 1, 2), NULL, 16);
                if (bytes)
                    APR_ARRAY_PUSH(val, char) = (char)v;
                else
                    utf8_put(val, v);
                s += 3;
                break;
            }
            case 'u':
            case 'U':
            case 'N':
                if (bytes) {
                    APR_ARRAY_PUSH(val, char) = '\\';
                    break;
                }
                if (*s == 'N') {
                    t->skind = STR_UNSUPPORTED;
                    s++;
                    break;
                }
                {
                    int n = *s == 'u' ? 4 : 8, k;
                    for (k = 1; k <= n; k++)
                        if (!isxdigit((unsigned char)s[k]))
                            return 0;
                    utf8_put(val, (unsigned)strtoul(apr_pstrmemdup(p, s + 1, (apr_size_t)n), NULL, 16));
                    s += n + 1;
                }
                break;
            default:
                if (*s >= '0' && *s <= '7') {
                    unsigned v = 0;
                    int k;
                    for (k = 0; k < 3 && *s >= '0' && *s <= '7'; k++)
                        v = v * 8 + (unsigned)(*s++ - '0');
                    if (bytes)
                        APR_ARRAY_PUSH(val, char) = (char)v;
                    else
                        utf8_put(val, v);
                }
                else
                    APR_ARRAY_PUSH(val, char) = '\\'; /* unknown escape: kept */
            }
            continue;
        }
        if (bytes && (unsigned char)*s >= 0x80)
            return 0; /* bytes can only contain ASCII literal characters */
        APR_ARRAY_PUSH(val, char) = *s++;
    }
    t->slen = (apr_size_t)val->nelts;
    t->sval = buf_done(val);
    *ps = s;
    return 1;
}

static const char *const py_ops[] = {"**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=",
                                     "-=", "->", "//", "/=", ":=", "<<", "<=", "==", ">=", ">>", "@=",
                                     "^=", "|=", "(", ")", "[", "]", "{", "}", ":", ",", ";", "+", "-",
                                     "*", "/", "|", "&", "<", ">", "=", ".", "%", "~", "^", "@", NULL};

/* Tokenizes a kind; NULL = SyntaxError. */
static apr_array_header_t *py_tokenize(apr_pool_t *p, const char *s)
{
    apr_array_header_t *toks = apr_array_make(p, 8, sizeof(pytok_t));
    int depth = 0;

    while (*s == ' ' || *s == '\t') /* literal_eval strips these */
        s++;
    for (;;) {
        pytok_t t;
        memset(&t, 0, sizeof(t));
        while (*s == ' ' || *s == '\t' || *s == '\f')
            s++;
        if (!*s || *s == '#' || *s == '\n' || *s == '\r')
            break;
        if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
            if (!lex_number(p, &s, &t))
                return NULL;
        }
        else if (is_name_start((unsigned char)*s)) {
            const char *st = s;
            while (is_name_char((unsigned char)*s))
                s++;
            if ((*s == '\'' || *s == '"') && s - st <= 2) {
                char *pre = apr_pstrmemdup(p, st, (apr_size_t)(s - st));
                int k, ok = 1;
                for (k = 0; pre[k]; k++)
                    pre[k] = (char)tolower((unsigned char)pre[k]);
                if (strcmp(pre, "r") && strcmp(pre, "u") && strcmp(pre, "b") && strcmp(pre, "f") &&
                    strcmp(pre, "br") && strcmp(pre, "rb") && strcmp(pre, "fr") && strcmp(pre, "rf"))
                    ok = 0;
                if (ok) {
                    const char *q = s;
                    s = st;
                    if (!lex_string(p, &s, q, &t))
                        return NULL;
                    APR_ARRAY_PUSH(toks, pytok_t) = t;
                    continue;
                }
            }
            t.type = PT_NAME;
            t.text = apr_pstrmemdup(p, st, (apr_size_t)(s - st));
        }
        else if (*s == '\'' || *s == '"') {
            if (!lex_string(p, &s, s, &t))
                return NULL;
        }
        else {
            int k;
            for (k = 0; py_ops[k]; k++)
                if (!strncmp(s, py_ops[k], strlen(py_ops[k])))
                    break;
            if (!py_ops[k])
                return NULL; /* $ ? ! ` \ and other invalid characters */
            t.type = PT_OP;
            t.text = py_ops[k];
            s += strlen(py_ops[k]);
            if (strchr("([{", t.text[0]) && !t.text[1])
                depth++;
            else if (strchr(")]}", t.text[0]) && !t.text[1] && --depth < 0)
                return NULL;
        }
        APR_ARRAY_PUSH(toks, pytok_t) = t;
    }
    if (depth != 0)
        return NULL;
    {
        pytok_t end;
        memset(&end, 0, sizeof(end));
        end.type = PT_END;
        APR_ARRAY_PUSH(toks, pytok_t) = end;
    }
    return toks;
}

/* The parsed expression, as far as literal_eval cares. */
typedef enum { AST_CONST, AST_UNARY, AST_BINOP, AST_TUPLE, AST_LIST, AST_SET, AST_SETCALL, AST_OTHER } ast_kind_t;
typedef enum { CV_INT, CV_FLOAT, CV_COMPLEX, CV_STR, CV_BYTES, CV_BOOL, CV_NONE, CV_ELLIPSIS, CV_FSTR, CV_UNSUP } cv_kind_t;

typedef struct pyast pyast_t;
struct pyast {
    ast_kind_t kind;
    char op; /* AST_UNARY: '+', '-', '~', 'n' (not); AST_BINOP: '+', '-', or 'x' (others) */
    cv_kind_t cv;
    const char *intdec;
    double re, im;
    const char *sval;
    apr_size_t slen;
    pyast_t *a, *b;
    apr_array_header_t *elts;
};

typedef struct {
    apr_pool_t *p;
    apr_array_header_t *toks;
    int i;
} pyparser_t;

static pytok_t *pp_peek(pyparser_t *pp)
{
    return &APR_ARRAY_IDX(pp->toks, pp->i, pytok_t);
}

static int pp_is(pyparser_t *pp, pytok_type_t type, const char *text)
{
    pytok_t *t = pp_peek(pp);
    return t->type == type && (!text || !strcmp(t->text, text));
}

static pyast_t *ast_new(pyparser_t *pp, ast_kind_t kind)
{
    pyast_t *a = apr_pcalloc(pp->p, sizeof(*a));
    a->kind = kind;
    return a;
}

static pyast_t *pp_expr(pyparser_t *pp);

/* Comma-separated expressions up to the closing bracket (already past the opening one). */
static int pp_list(pyparser_t *pp, const char *close, apr_array_header_t *elts, int *trailing_comma)
{
    *trailing_comma = 0;
    while (!pp_is(pp, PT_OP, close)) {
        pyast_t *e;
        if (pp_is(pp, PT_OP, "*"))
            pp->i++;
        e = pp_expr(pp);
        if (!e)
            return 0;
        APR_ARRAY_PUSH(elts, pyast_t *) = e;
        if (pp_is(pp, PT_OP, ",")) {
            pp->i++;
            *trailing_comma = 1;
            continue;
        }
        *trailing_comma = 0;
        if (!pp_is(pp, PT_OP, close))
            return 0;
    }
    pp->i++;
    return 1;
}

static pyast_t *pp_atom(pyparser_t *pp)
{
    pytok_t *t = pp_peek(pp);
    pyast_t *a;

    if (t->type == PT_NAME) {
        pp->i++;
        if (!strcmp(t->text, "True") || !strcmp(t->text, "False") || !strcmp(t->text, "None")) {
            a = ast_new(pp, AST_CONST);
            a->cv = t->text[0] == 'N' ? CV_NONE : CV_BOOL;
            a->sval = t->text;
            return a;
        }
        if (is_keyword(t->text))
            return NULL;
        a = ast_new(pp, AST_OTHER);
        a->sval = t->text; /* the name, for set() */
        return a;
    }
    if (t->type == PT_NUMBER) {
        pp->i++;
        a = ast_new(pp, AST_CONST);
        a->cv = t->num == NUM_INT ? CV_INT : t->num == NUM_FLOAT ? CV_FLOAT : CV_COMPLEX;
        a->intdec = t->intdec;
        if (t->num == NUM_FLOAT)
            a->re = t->fval;
        else if (t->num == NUM_IMAG)
            a->re = 0.0, a->im = t->fval;
        return a;
    }
    if (t->type == PT_STRING) {
        apr_array_header_t *val = buf_new(pp->p);
        str_kind_t kind = t->skind;
        int any_bytes = 0, any_str = 0;
        while (pp_peek(pp)->type == PT_STRING) {
            pytok_t *s = pp_peek(pp);
            if (s->skind == STR_BYTES)
                any_bytes = 1;
            else
                any_str = 1;
            if (s->skind == STR_F)
                kind = STR_F;
            else if (s->skind == STR_UNSUPPORTED && kind != STR_F)
                kind = STR_UNSUPPORTED;
            buf_puts(val, s->sval, s->slen);
            pp->i++;
        }
        if (any_bytes && any_str)
            return NULL; /* cannot mix bytes and nonbytes literals */
        a = ast_new(pp, AST_CONST);
        a->cv = kind == STR_F ? CV_FSTR : kind == STR_UNSUPPORTED ? CV_UNSUP : any_bytes ? CV_BYTES : CV_STR;
        a->slen = (apr_size_t)val->nelts;
        a->sval = buf_done(val);
        return a;
    }
    if (t->type == PT_OP && !strcmp(t->text, "...")) {
        pp->i++;
        a = ast_new(pp, AST_CONST);
        a->cv = CV_ELLIPSIS;
        return a;
    }
    if (t->type == PT_OP && (!strcmp(t->text, "(") || !strcmp(t->text, "[") || !strcmp(t->text, "{"))) {
        const char *close = t->text[0] == '(' ? ")" : t->text[0] == '[' ? "]" : "}";
        apr_array_header_t *elts = apr_array_make(pp->p, 2, sizeof(pyast_t *));
        int trailing;
        pp->i++;
        /* "{}" is an empty dict, printed like the empty set display below */
        if (!pp_list(pp, close, elts, &trailing))
            return NULL;
        if (close[0] == ')' && elts->nelts == 1 && !trailing)
            return APR_ARRAY_IDX(elts, 0, pyast_t *); /* parentheses only group */
        a = ast_new(pp, close[0] == ')' ? AST_TUPLE : close[0] == ']' ? AST_LIST : AST_SET);
        a->elts = elts;
        return a;
    }
    return NULL;
}

static pyast_t *pp_primary(pyparser_t *pp)
{
    pyast_t *a = pp_atom(pp);
    int first = 1;
    while (a) {
        int is_set_name = first && a->kind == AST_OTHER && a->sval && !strcmp(a->sval, "set");
        first = 0;
        if (pp_is(pp, PT_OP, ".")) {
            pytok_t *n;
            pp->i++;
            n = pp_peek(pp);
            if (n->type != PT_NAME || is_keyword(n->text))
                return NULL;
            pp->i++;
            a = ast_new(pp, AST_OTHER);
        }
        else if (pp_is(pp, PT_OP, "(")) {
            apr_array_header_t *args = apr_array_make(pp->p, 2, sizeof(pyast_t *));
            pp->i++;
            /* keyword arguments: name=expr */
            while (!pp_is(pp, PT_OP, ")")) {
                pyast_t *e;
                if (pp_is(pp, PT_OP, "*") || pp_is(pp, PT_OP, "**"))
                    pp->i++;
                if (pp_peek(pp)->type == PT_NAME &&
                    APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).type == PT_OP &&
                    !strcmp(APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).text, "="))
                    pp->i += 2;
                e = pp_expr(pp);
                if (!e)
                    return NULL;
                APR_ARRAY_PUSH(args, pyast_t *) = e;
                if (pp_is(pp, PT_OP, ",")) {
                    pp->i++;
                    continue;
                }
                if (!pp_is(pp, PT_OP, ")"))
                    return NULL;
            }
            pp->i++;
            /* set() is the one call literal_eval accepts */
            a = ast_new(pp, is_set_name && args->nelts == 0 ? AST_SETCALL : AST_OTHER);
        }
        else if (pp_is(pp, PT_OP, "[")) {
            apr_array_header_t *idx = apr_array_make(pp->p, 1, sizeof(pyast_t *));
            int trailing;
            pp->i++;
            if (pp_is(pp, PT_OP, "]"))
                return NULL;
            if (!pp_list(pp, "]", idx, &trailing))
                return NULL;
            a = ast_new(pp, AST_OTHER);
        }
        else
            break;
    }
    return a;
}

static pyast_t *pp_factor(pyparser_t *pp);

static pyast_t *pp_power(pyparser_t *pp)
{
    pyast_t *a = pp_primary(pp);
    if (a && pp_is(pp, PT_OP, "**")) {
        pp->i++;
        if (!pp_factor(pp))
            return NULL;
        a = ast_new(pp, AST_OTHER);
    }
    return a;
}

static pyast_t *pp_factor(pyparser_t *pp)
{
    if (pp_is(pp, PT_OP, "+") || pp_is(pp, PT_OP, "-") || pp_is(pp, PT_OP, "~")) {
        char op = pp_peek(pp)->text[0];
        pyast_t *u, *x;
        pp->i++;
        x = pp_factor(pp);
        if (!x)
            return NULL;
        u = ast_new(pp, AST_UNARY);
        u->op = op;
        u->a = x;
        return u;
    }
    return pp_power(pp);
}

/* Binary levels, loosest last; every operator but + and - at the sum level is just "some
 * BinOp" for literal_eval. */
static pyast_t *pp_binary(pyparser_t *pp, int level)
{
    static const char *const levels[][6] = {
        {"|", NULL}, {"^", NULL}, {"&", NULL}, {"<<", ">>", NULL}, {"+", "-", NULL}, {"*", "/", "//", "%", "@", NULL}};
    pyast_t *a;

    if (level == 6)
        return pp_factor(pp);
    a = pp_binary(pp, level + 1);
    while (a) {
        int k, hit = -1;
        for (k = 0; levels[level][k]; k++)
            if (pp_is(pp, PT_OP, levels[level][k]))
                hit = k;
        if (hit < 0)
            break;
        {
            pyast_t *b, *bin;
            char op = level == 4 ? levels[level][hit][0] : 'x';
            pp->i++;
            b = pp_binary(pp, level + 1);
            if (!b)
                return NULL;
            bin = ast_new(pp, AST_BINOP);
            bin->op = op;
            bin->a = a;
            bin->b = b;
            a = bin;
        }
    }
    return a;
}

static pyast_t *pp_comparison(pyparser_t *pp)
{
    pyast_t *a = pp_binary(pp, 0);
    while (a) {
        static const char *const cmp[] = {"==", "!=", "<", "<=", ">", ">=", NULL};
        int k, hit = 0;
        for (k = 0; cmp[k]; k++)
            if (pp_is(pp, PT_OP, cmp[k]))
                hit = 1;
        if (pp_is(pp, PT_NAME, "in") || pp_is(pp, PT_NAME, "is"))
            hit = 1;
        if (pp_is(pp, PT_NAME, "not") && APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).type == PT_NAME &&
            !strcmp(APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).text, "in")) {
            pp->i++;
            hit = 1;
        }
        if (!hit)
            break;
        if (pp_is(pp, PT_NAME, "is") && APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).type == PT_NAME &&
            !strcmp(APR_ARRAY_IDX(pp->toks, pp->i + 1, pytok_t).text, "not"))
            pp->i++;
        pp->i++;
        if (!pp_binary(pp, 0))
            return NULL;
        a = ast_new(pp, AST_OTHER);
    }
    return a;
}

static pyast_t *pp_inversion(pyparser_t *pp)
{
    if (pp_is(pp, PT_NAME, "not")) {
        pp->i++;
        if (!pp_inversion(pp))
            return NULL;
        return ast_new(pp, AST_OTHER);
    }
    return pp_comparison(pp);
}

static pyast_t *pp_boolop(pyparser_t *pp, const char *kw, pyast_t *(*sub)(pyparser_t *))
{
    pyast_t *a = sub(pp);
    while (a && pp_is(pp, PT_NAME, kw)) {
        pp->i++;
        if (!sub(pp))
            return NULL;
        a = ast_new(pp, AST_OTHER);
    }
    return a;
}

static pyast_t *pp_conjunction(pyparser_t *pp)
{
    return pp_boolop(pp, "and", pp_inversion);
}

static pyast_t *pp_expr(pyparser_t *pp)
{
    pyast_t *a = pp_boolop(pp, "or", pp_conjunction);
    if (a && pp_is(pp, PT_NAME, "if")) {
        pp->i++;
        if (!pp_boolop(pp, "or", pp_conjunction) || !pp_is(pp, PT_NAME, "else"))
            return NULL;
        pp->i++;
        if (!pp_expr(pp))
            return NULL;
        a = ast_new(pp, AST_OTHER);
    }
    return a;
}

/* mode='eval': expressions, a bare tuple at the top. */
static pyast_t *pp_eval_input(pyparser_t *pp)
{
    pyast_t *a = pp_expr(pp);
    if (a && pp_is(pp, PT_OP, ",")) {
        apr_array_header_t *elts = apr_array_make(pp->p, 2, sizeof(pyast_t *));
        APR_ARRAY_PUSH(elts, pyast_t *) = a;
        while (pp_is(pp, PT_OP, ",")) {
            pp->i++;
            if (pp_peek(pp)->type == PT_END)
                break;
            a = pp_expr(pp);
            if (!a)
                return NULL;
            APR_ARRAY_PUSH(elts, pyast_t *) = a;
        }
        a = ast_new(pp, AST_TUPLE);
        a->elts = elts;
    }
    if (!a || pp_peek(pp)->type != PT_END)
        return NULL;
    return a;
}

/* literal_eval's conversion. Returns KC_LITERAL with *repr and *str, KC_PATH for a
 * ValueError (malformed node), or KC_UNSUPPORTED for literals mod_heat cannot print
 * (multi-element sets, \N{...} escapes). */
typedef struct {
    cv_kind_t cv;
    const char *intdec;
    double re, im;
    const char *str;
    const char *repr;
} pyval_t;

static kind_class_t lit_convert(apr_pool_t *p, const pyast_t *a, pyval_t *v);

static int lit_num(const pyast_t *a, pyval_t *v)
{
    if (a->kind != AST_CONST || (a->cv != CV_INT && a->cv != CV_FLOAT && a->cv != CV_COMPLEX))
        return 0;
    v->cv = a->cv;
    v->intdec = a->intdec;
    v->re = a->re;
    v->im = a->im;
    return 1;
}

static int lit_signed_num(const pyast_t *a, pyval_t *v, int *neg)
{
    *neg = 0;
    if (a->kind == AST_UNARY && (a->op == '+' || a->op == '-')) {
        if (!lit_num(a->a, v))
            return 0;
        if (a->op == '-') {
            *neg = 1;
            if (v->cv != CV_INT)
                v->re = -v->re, v->im = -v->im;
        }
        return 1;
    }
    return lit_num(a, v);
}

static void lit_finish(apr_pool_t *p, pyval_t *v, int negative_int)
{
    switch (v->cv) {
    case CV_INT:
        v->str = v->repr = (negative_int && strcmp(v->intdec, "0")) ? apr_pstrcat(p, "-", v->intdec, NULL) : v->intdec;
        break;
    case CV_FLOAT:
        v->str = v->repr = py_float_repr(p, v->re);
        break;
    case CV_COMPLEX:
        v->str = v->repr = py_complex_repr(p, v->re, v->im);
        break;
    default:
        break;
    }
}

static kind_class_t lit_container(apr_pool_t *p, const pyast_t *a, pyval_t *v)
{
    apr_array_header_t *buf = buf_new(p);
    int i;
    const char *open = a->kind == AST_TUPLE ? "(" : a->kind == AST_LIST ? "[" : "{";
    const char *close = a->kind == AST_TUPLE ? ")" : a->kind == AST_LIST ? "]" : "}";

    if (a->kind == AST_SET && a->elts->nelts > 1)
        return KC_UNSUPPORTED; /* printed in hash order */
    buf_puts(buf, open, 1);
    for (i = 0; i < a->elts->nelts; i++) {
        pyval_t ev;
        kind_class_t k = lit_convert(p, APR_ARRAY_IDX(a->elts, i, pyast_t *), &ev);
        if (k != KC_LITERAL)
            return k;
        if (i)
            buf_puts(buf, ", ", 2);
        buf_puts(buf, ev.repr, strlen(ev.repr));
    }
    if (a->kind == AST_TUPLE && a->elts->nelts == 1)
        APR_ARRAY_PUSH(buf, char) = ',';
    buf_puts(buf, close, 1);
    v->cv = CV_UNSUP;
    v->str = v->repr = buf_done(buf);
    return KC_LITERAL;
}

static kind_class_t lit_convert(apr_pool_t *p, const pyast_t *a, pyval_t *v)
{
    memset(v, 0, sizeof(*v));
    if (a->kind == AST_CONST) {
        apr_array_header_t *buf;
        v->cv = a->cv;
        switch (a->cv) {
        case CV_STR:
            v->str = a->sval;
            buf = buf_new(p);
            py_repr_str(buf, a->sval, a->slen, 0);
            v->repr = buf_done(buf);
            return KC_LITERAL;
        case CV_BYTES:
            buf = buf_new(p);
            py_repr_bytes(buf, a->sval, a->slen);
            v->str = v->repr = buf_done(buf);
            return KC_LITERAL;
        case CV_BOOL:
        case CV_NONE:
            v->str = v->repr = a->sval;
            return KC_LITERAL;
        case CV_ELLIPSIS:
            v->str = v->repr = "Ellipsis";
            return KC_LITERAL;
        case CV_FSTR:
            return KC_PATH; /* JoinedStr: malformed node */
        case CV_UNSUP:
            return KC_UNSUPPORTED;
        default:
            lit_num(a, v);
            lit_finish(p, v, 0);
            return KC_LITERAL;
        }
    }
    if (a->kind == AST_TUPLE || a->kind == AST_LIST || a->kind == AST_SET)
        return lit_container(p, a, v);
    if (a->kind == AST_SETCALL) {
        v->cv = CV_UNSUP;
        v->str = v->repr = "set()";
        return KC_LITERAL;
    }
    if (a->kind == AST_BINOP && (a->op == '+' || a->op == '-')) {
        pyval_t l, r;
        int lneg;
        double lv;
        memset(&l, 0, sizeof(l));
        memset(&r, 0, sizeof(r));
        if (!lit_signed_num(a->a, &l, &lneg) || !lit_num(a->b, &r))
            return KC_PATH;
        if ((l.cv != CV_INT && l.cv != CV_FLOAT) || r.cv != CV_COMPLEX)
            return KC_PATH;
        if (l.cv == CV_INT) /* int(-0) is 0, so float() of it is +0.0 */
            lv = strcmp(l.intdec, "0") ? strtod(l.intdec, NULL) * (lneg ? -1.0 : 1.0) : 0.0;
        else
            lv = l.re;
        v->cv = CV_COMPLEX;
        if (a->op == '+')
            v->re = lv + r.re, v->im = 0.0 + r.im;
        else
            v->re = lv - r.re, v->im = 0.0 - r.im;
        lit_finish(p, v, 0);
        return KC_LITERAL;
    }
    {
        int neg;
        if (!lit_signed_num(a, v, &neg))
            return KC_PATH;
        lit_finish(p, v, neg);
        return KC_LITERAL;
    }
}

/* Classifies a generic check's kind once, when the rule is parsed. */
static kind_class_t classify_kind(apr_pool_t *p, const char *kind, const char **literal)
{
    apr_array_header_t *toks;
    pyparser_t pp;
    pyast_t *a;
    pyval_t v;
    kind_class_t k;

    *literal = NULL;
    toks = py_tokenize(p, kind);
    if (!toks || APR_ARRAY_IDX(toks, 0, pytok_t).type == PT_END)
        return KC_SYNTAX;
    pp.p = p;
    pp.toks = toks;
    pp.i = 0;
    a = pp_eval_input(&pp);
    if (!a)
        return KC_SYNTAX;
    k = lit_convert(p, a, &v);
    if (k == KC_LITERAL)
        *literal = v.str;
    return k;
}

/* ======================================================================================
 * The rule language (_parser.py)
 * ====================================================================================== */

typedef enum { N_TRUE, N_FALSE, N_RULE, N_ROLE, N_GENERIC, N_HTTP, N_AND, N_OR, N_NOT, N_STR } node_type_t;

typedef struct node node_t;
struct node {
    node_type_t type;
    const char *kind;  /* N_RULE/N_ROLE/N_GENERIC/N_HTTP: the part before ':'; N_STR: the string */
    const char *match; /* the part after ':' */
    kind_class_t kclass; /* N_GENERIC */
    const char *literal; /* N_GENERIC, KC_LITERAL: str(ast.literal_eval(kind)) */
    apr_array_header_t *kids; /* N_AND / N_OR: node_t *; N_NOT: one */
};

/* Shared by every rule; never modified (the parser only extends and/or nodes it made). */
static node_t true_node = {N_TRUE, NULL, NULL, KC_PATH, NULL, NULL};
static node_t false_node = {N_FALSE, NULL, NULL, KC_PATH, NULL, NULL};

static node_t *node_new(apr_pool_t *p, node_type_t type)
{
    node_t *n = apr_pcalloc(p, sizeof(*n));
    n->type = type;
    return n;
}

static node_t *node_list(apr_pool_t *p, node_type_t type, node_t *a, node_t *b)
{
    node_t *n = node_new(p, type);
    n->kids = apr_array_make(p, 4, sizeof(node_t *));
    APR_ARRAY_PUSH(n->kids, node_t *) = a;
    if (b)
        APR_ARRAY_PUSH(n->kids, node_t *) = b;
    return n;
}

/* str() of a check tree, as oslo prints it. */
static void node_str(apr_array_header_t *buf, const node_t *n)
{
    int i;
    switch (n->type) {
    case N_TRUE:
        APR_ARRAY_PUSH(buf, char) = '@';
        break;
    case N_FALSE:
        APR_ARRAY_PUSH(buf, char) = '!';
        break;
    case N_STR:
        buf_puts(buf, n->kind, strlen(n->kind));
        break;
    case N_RULE:
    case N_ROLE:
    case N_GENERIC:
    case N_HTTP:
        buf_puts(buf, n->kind, strlen(n->kind));
        APR_ARRAY_PUSH(buf, char) = ':';
        buf_puts(buf, n->match, strlen(n->match));
        break;
    case N_NOT:
        buf_puts(buf, "not ", 4);
        node_str(buf, APR_ARRAY_IDX(n->kids, 0, node_t *));
        break;
    case N_AND:
    case N_OR:
        APR_ARRAY_PUSH(buf, char) = '(';
        for (i = 0; i < n->kids->nelts; i++) {
            if (i)
                buf_puts(buf, n->type == N_AND ? " and " : " or ", n->type == N_AND ? 5 : 4);
            node_str(buf, APR_ARRAY_IDX(n->kids, i, node_t *));
        }
        APR_ARRAY_PUSH(buf, char) = ')';
        break;
    }
}

static char *node_to_str(apr_pool_t *p, const node_t *n)
{
    apr_array_header_t *buf = buf_new(p);
    node_str(buf, n);
    return buf_done(buf);
}

/* _parse_check: one check without operators. */
static node_t *parse_check(apr_pool_t *p, const char *rule)
{
    const char *colon;
    node_t *n;

    if (!strcmp(rule, "!"))
        return &false_node;
    if (!strcmp(rule, "@"))
        return &true_node;
    colon = strchr(rule, ':');
    if (!colon) {
        heat_log(HEAT_LOG_ERR, "HEAT0800 policy: failed to understand rule %s (the check is False)", rule);
        return &false_node;
    }
    n = node_new(p, N_GENERIC);
    n->kind = apr_pstrmemdup(p, rule, (apr_size_t)(colon - rule));
    n->match = apr_pstrdup(p, colon + 1);
    /* the kinds oslo.policy's entry points register: "http"/"https" (external policy
     * server), then "rule", "role", and the generic check for everything else */
    if (!strcmp(n->kind, "http") || !strcmp(n->kind, "https"))
        n->type = N_HTTP;
    else if (!strcmp(n->kind, "rule"))
        n->type = N_RULE;
    else if (!strcmp(n->kind, "role"))
        n->type = N_ROLE;
    else
        n->kclass = classify_kind(p, n->kind, &n->literal);
    return n;
}

typedef enum { T_LP, T_RP, T_AND, T_OR, T_NOT, T_CHECK, T_AND_EXPR, T_OR_EXPR, T_STRING } tok_t;

typedef struct {
    tok_t tok;
    node_t *node;    /* T_CHECK, T_AND_EXPR, T_OR_EXPR */
    const char *str; /* the other tokens' values: "(", ")", the keyword as written, a string */
} entry_t;

typedef enum { R_WRAP, R_MAKE_AND, R_MIX_OR_AND, R_EXTEND_AND, R_MAKE_OR, R_EXTEND_OR, R_NOT } reduce_t;

/* ParseState.reducers, in the order the metaclass collects them. */
static const struct {
    int len;
    tok_t toks[3];
    reduce_t fn;
} reducers[] = {
    {3, {T_LP, T_OR_EXPR, T_RP}, R_WRAP},
    {3, {T_LP, T_AND_EXPR, T_RP}, R_WRAP},
    {3, {T_LP, T_CHECK, T_RP}, R_WRAP},
    {3, {T_CHECK, T_AND, T_CHECK}, R_MAKE_AND},
    {3, {T_OR_EXPR, T_AND, T_CHECK}, R_MIX_OR_AND},
    {3, {T_AND_EXPR, T_AND, T_CHECK}, R_EXTEND_AND},
    {3, {T_AND_EXPR, T_OR, T_CHECK}, R_MAKE_OR},
    {3, {T_CHECK, T_OR, T_CHECK}, R_MAKE_OR},
    {3, {T_OR_EXPR, T_OR, T_CHECK}, R_EXTEND_OR},
    {2, {T_NOT, T_CHECK}, R_NOT},
};

/* ParseState.shift: push, then reduce greedily until nothing matches. */
static void shift(apr_pool_t *p, apr_array_header_t *st, tok_t tok, node_t *node, const char *str)
{
    entry_t *e = &APR_ARRAY_PUSH(st, entry_t);
    int again = 1;

    e->tok = tok;
    e->node = node;
    e->str = str;
    while (again) {
        size_t r;
        again = 0;
        for (r = 0; r < sizeof(reducers) / sizeof(reducers[0]); r++) {
            int len = reducers[r].len, k;
            entry_t *top;
            node_t *res = NULL;
            tok_t rtok = T_CHECK;
            if (st->nelts < len)
                continue;
            top = &APR_ARRAY_IDX(st, st->nelts - len, entry_t);
            for (k = 0; k < len; k++)
                if (top[k].tok != reducers[r].toks[k])
                    break;
            if (k < len)
                continue;
            switch (reducers[r].fn) {
            case R_WRAP:
                res = top[1].node;
                rtok = T_CHECK;
                break;
            case R_MAKE_AND:
                res = node_list(p, N_AND, top[0].node, top[2].node);
                rtok = T_AND_EXPR;
                break;
            case R_MIX_OR_AND: {
                /* "A or B and C": pop B from the or, and it with C */
                node_t *or_expr = top[0].node;
                node_t *check1 = APR_ARRAY_IDX(or_expr->kids, or_expr->kids->nelts - 1, node_t *);
                node_t *and_expr;
                or_expr->kids->nelts--;
                if (check1->type == N_AND) {
                    and_expr = check1;
                    APR_ARRAY_PUSH(and_expr->kids, node_t *) = top[2].node;
                }
                else
                    and_expr = node_list(p, N_AND, check1, top[2].node);
                APR_ARRAY_PUSH(or_expr->kids, node_t *) = and_expr;
                res = or_expr;
                rtok = T_OR_EXPR;
                break;
            }
            case R_EXTEND_AND:
            case R_EXTEND_OR:
                APR_ARRAY_PUSH(top[0].node->kids, node_t *) = top[2].node;
                res = top[0].node;
                rtok = reducers[r].fn == R_EXTEND_AND ? T_AND_EXPR : T_OR_EXPR;
                break;
            case R_MAKE_OR:
                res = node_list(p, N_OR, top[0].node, top[2].node);
                rtok = T_OR_EXPR;
                break;
            case R_NOT:
                res = node_list(p, N_NOT, top[1].node, NULL);
                rtok = T_CHECK;
                break;
            }
            st->nelts -= len;
            e = &APR_ARRAY_PUSH(st, entry_t);
            e->tok = rtok;
            e->node = res;
            e->str = NULL;
            again = 1;
            break;
        }
    }
}

/* _parse_text_rule: the policy language. Fails closed ("!") when the tokens do not reduce to
 * one; a single non-check token ("and", "(", a quoted string) is returned as oslo returns
 * it: a bare string, which raises when evaluated. */
static node_t *parse_text_rule(apr_pool_t *p, const char *rule)
{
    apr_array_header_t *st;
    apr_size_t len = strlen(rule), i = 0, used;

    if (!*rule)
        return &true_node;
    st = apr_array_make(p, 8, sizeof(entry_t));
    while (i < len) {
        apr_size_t start, end, a, b, k;
        const char *tok, *clean;
        int trail;

        /* _tokenize_re = \s+ */
        while (i < len && py_isspace(utf8_next(rule + i, len - i, &used)))
            i += used;
        if (i >= len)
            break;
        start = i;
        while (i < len && !py_isspace(utf8_next(rule + i, len - i, &used)))
            i += used;
        end = i;
        /* leading parentheses */
        for (a = start; a < end && rule[a] == '('; a++)
            shift(p, st, T_LP, NULL, "(");
        if (a == end)
            continue;
        /* trailing parentheses */
        for (b = end; b > a && rule[b - 1] == ')'; b--)
            ;
        trail = (int)(end - b);
        tok = apr_pstrmemdup(p, rule + a, end - a); /* after lstrip, before rstrip */
        clean = apr_pstrmemdup(p, rule + a, b - a);
        if (b > a) {
            char low[4] = {0};
            if (b - a <= 3)
                for (k = 0; k < b - a; k++)
                    low[k] = (char)tolower((unsigned char)clean[k]);
            if (!strcmp(low, "and"))
                shift(p, st, T_AND, NULL, clean);
            else if (!strcmp(low, "or"))
                shift(p, st, T_OR, NULL, clean);
            else if (!strcmp(low, "not"))
                shift(p, st, T_NOT, NULL, clean);
            else if (strlen(tok) >= 2 && (tok[0] == '"' || tok[0] == '\'') && tok[strlen(tok) - 1] == tok[0])
                shift(p, st, T_STRING, NULL, apr_pstrmemdup(p, tok + 1, strlen(tok) - 2));
            else
                shift(p, st, T_CHECK, parse_check(p, clean), NULL);
        }
        while (trail-- > 0)
            shift(p, st, T_RP, NULL, ")");
    }
    if (st->nelts != 1) {
        heat_log(HEAT_LOG_ERR, "HEAT0801 policy: failed to understand rule %s (it becomes \"!\")", rule);
        return &false_node;
    }
    {
        entry_t *e = &APR_ARRAY_IDX(st, 0, entry_t);
        node_t *n;
        if (e->node)
            return e->node;
        n = node_new(p, N_STR);
        n->kind = e->str;
        return n;
    }
}

/* Whether a file value is "falsy" in Python (None, False, 0, 0.0, "", [], {}). */
#define falsy(v) (!heat_py_truthy(v))

/* _parse_list_rule, for non-string values in policy files: [] or another falsy value allows,
 * the outer list ORs, an inner list ANDs, a bare string in the outer list is a one-check
 * list, strings are single checks (not the policy language), anything else in an inner
 * list is a failed check. A value Python cannot iterate is an error (returned). */
static node_t *list_to_node(apr_pool_t *p, apr_array_header_t *list, node_type_t type)
{
    node_t *n;
    if (list->nelts == 1)
        return APR_ARRAY_IDX(list, 0, node_t *);
    n = node_new(p, type);
    n->kids = list;
    return n;
}

/* A YAML file's value is a Python str only if the loader's pyinfo gives it no other type (a
 * date, bytes, ... are JSON strings there); JSON files have no pyinfo. */
static int py_is_str(const heat_yaml_pyinfo_t *info, const json_t *v)
{
    return json_is_string(v) && !heat_yaml_pytype(info, v);
}

static const char *py_type_of(const heat_yaml_pyinfo_t *info, const json_t *v)
{
    const char *t = heat_yaml_pytype(info, v);
    return t ? t : py_type(v);
}

/* Lists, dicts, sets (JSON arrays) and bytes. */
static int py_iterable(const heat_yaml_pyinfo_t *info, const json_t *v)
{
    const char *t = heat_yaml_pytype(info, v);
    return json_is_array(v) || json_is_object(v) || (t && !strcmp(t, "bytes"));
}

/* The items Python's "for x in value" gives: a list's elements, a dict's keys, a bytes' ints. */
static apr_array_header_t *py_iter(apr_pool_t *p, const heat_yaml_pyinfo_t *info, const json_t *v)
{
    apr_array_header_t *items = apr_array_make(p, 4, sizeof(const json_t *));
    if (json_is_string(v) && heat_yaml_pytype(info, v)) {
        apr_size_t i;
        for (i = 0; i < json_string_length(v); i++)
            APR_ARRAY_PUSH(items, const json_t *) =
                heat_json_own(p, json_integer((unsigned char)json_string_value(v)[i]));
    }
    else if (json_is_array(v)) {
        apr_size_t i;
        for (i = 0; i < json_array_size(v); i++)
            APR_ARRAY_PUSH(items, const json_t *) = json_array_get(v, i);
    }
    else {
        /* a nested mapping's keys as JSON text, those that were not str included (as before
         * heat_yaml read policy files; oslo would see the int, bool, ... itself) */
        const char *k;
        json_t *item;
        json_object_foreach((json_t *)v, k, item)
            APR_ARRAY_PUSH(items, const json_t *) = heat_json_own(p, json_string(k));
    }
    return items;
}

static const char *parse_list_rule(apr_pool_t *p, const heat_yaml_pyinfo_t *info, const json_t *v, node_t **out)
{
    apr_array_header_t *or_list, *outer;
    int i, j;

    if (falsy(v)) {
        *out = &true_node;
        return NULL;
    }
    if (!py_iterable(info, v))
        return apr_psprintf(p, "TypeError: '%s' object is not iterable", py_type_of(info, v));
    or_list = apr_array_make(p, 4, sizeof(node_t *));
    outer = py_iter(p, info, v);
    for (i = 0; i < outer->nelts; i++) {
        const json_t *inner = APR_ARRAY_IDX(outer, i, const json_t *);
        apr_array_header_t *and_list = apr_array_make(p, 4, sizeof(node_t *)), *items;
        if (falsy(inner))
            continue;
        if (py_is_str(info, inner)) {
            APR_ARRAY_PUSH(and_list, node_t *) = parse_check(p, json_string_value(inner));
        }
        else if (py_iterable(info, inner)) {
            items = py_iter(p, info, inner);
            for (j = 0; j < items->nelts; j++) {
                const json_t *r = APR_ARRAY_IDX(items, j, const json_t *);
                /* a non-string fails rule.split(), which _parse_check turns into False */
                APR_ARRAY_PUSH(and_list, node_t *) =
                    py_is_str(info, r) ? parse_check(p, json_string_value(r)) : &false_node;
            }
        }
        else
            return apr_psprintf(p, "TypeError: '%s' object is not iterable", py_type_of(info, inner));
        APR_ARRAY_PUSH(or_list, node_t *) = list_to_node(p, and_list, N_AND);
    }
    *out = or_list->nelts ? list_to_node(p, or_list, N_OR) : &false_node;
    return NULL;
}

/* parse_rule: a string is the policy language, anything else the list form. info: the Python
 * types of a YAML file's values (NULL for JSON). */
static const char *parse_rule_value(apr_pool_t *p, const heat_yaml_pyinfo_t *info, const json_t *v, node_t **out)
{
    if (py_is_str(info, v)) {
        *out = parse_text_rule(p, json_string_value(v));
        return NULL;
    }
    return parse_list_rule(p, info, v, out);
}

/* ======================================================================================
 * Evaluation (_checks.py)
 * ====================================================================================== */

struct heat_policy_t {
    apr_pool_t *pool;
    apr_hash_t *rules;             /* name -> node_t *: file rules, then registered defaults */
    apr_array_header_t *names;     /* the names, in oslo's dict order */
    apr_hash_t *registered;        /* name -> const heat_policy_default_t * */
    int enforce_scope;
    int enforce_new_defaults;
    apr_array_header_t *files;     /* const char *: the files read */
    heat_release_t release;
    const heat_policy_default_t *defaults; /* the release's registered defaults */
    apr_size_t defaults_count;
};

heat_release_t heat_policy_release(const heat_policy_t *pol)
{
    return pol->release;
}

int heat_policy_enforce_scope(const heat_policy_t *pol)
{
    return pol->enforce_scope;
}

int heat_policy_enforce_new_defaults(const heat_policy_t *pol)
{
    return pol->enforce_new_defaults;
}

const heat_policy_default_t *heat_policy_defaults_of(heat_release_t release, apr_size_t *count)
{
    if (release == HEAT_RELEASE_24) {
        *count = heat_policy_defaults_24_count;
        return heat_policy_defaults_24;
    }
    *count = heat_policy_defaults_count;
    return heat_policy_defaults;
}

/* Python's recursion limit ends a rule cycle; inspect.getfullargspec (which oslo calls for
 * every check) reports it as TypeError("unsupported callable"). */
#define HEAT_POLICY_MAX_DEPTH 200

static int eval_node(eval_t *e, const node_t *n);

static const char *not_subscriptable(apr_pool_t *p, const json_t *v)
{
    if (json_is_array(v))
        return "list indices must be integers or slices, not str";
    if (json_is_string(v))
        return "string indices must be integers, not 'str'";
    return apr_psprintf(p, "'%s' object is not subscriptable", py_type(v));
}

/* GenericCheck._find_in_dict: a dotted path into the creds; a list on the way matches when
 * any element does. */
static int find_in_dict(eval_t *e, const json_t *v, char **segs, int nsegs, const char *match)
{
    const json_t *child;

    if (nsegs == 0)
        return strcmp(match, py_str(e->p, v)) == 0;
    if (!json_is_object(v))
        return eval_fail(e, "TypeError", not_subscriptable(e->p, v));
    child = json_object_get(v, segs[0]);
    if (!child)
        return 0; /* KeyError */
    if (json_is_array(child)) {
        apr_size_t i;
        for (i = 0; i < json_array_size(child); i++) {
            int r = find_in_dict(e, json_array_get(child, i), segs + 1, nsegs - 1, match);
            if (r != 0)
                return r;
        }
        return 0;
    }
    return find_in_dict(e, child, segs + 1, nsegs - 1, match);
}

static int eval_generic(eval_t *e, const node_t *n)
{
    const char *match;
    int r = py_format(e, n->match, &match);

    if (r <= 0)
        return r;
    switch (n->kclass) {
    case KC_SYNTAX:
        return eval_fail(e, "SyntaxError", apr_psprintf(e->p, "invalid syntax: %s", n->kind));
    case KC_UNSUPPORTED:
        return 0; /* warned at load */
    case KC_LITERAL:
        return strcmp(match, n->literal) == 0;
    case KC_PATH: {
        apr_array_header_t *segs = apr_array_make(e->p, 4, sizeof(char *));
        char *kind = apr_pstrdup(e->p, n->kind), *dot;
        for (;;) {
            dot = strchr(kind, '.');
            APR_ARRAY_PUSH(segs, char *) = kind;
            if (!dot)
                break;
            *dot = '\0';
            kind = dot + 1;
        }
        return find_in_dict(e, e->creds, (char **)segs->elts, segs->nelts, match);
    }
    }
    return 0;
}

/* RoleCheck: match.lower() in [x.lower() for x in creds['roles']]. */
static int eval_role(eval_t *e, const node_t *n)
{
    const char *match;
    const json_t *roles;
    apr_array_header_t *items;
    int r = py_format(e, n->match, &match), i, found = 0;

    if (r <= 0)
        return r;
    roles = json_object_get(e->creds, "roles");
    if (!roles)
        return 0;
    if (json_is_string(roles)) {
        /* iterating a str gives its characters */
        const char *s = json_string_value(roles);
        apr_size_t len = json_string_length(roles), k = 0, used;
        items = apr_array_make(e->p, 8, sizeof(const json_t *));
        while (k < len) {
            utf8_next(s + k, len - k, &used);
            APR_ARRAY_PUSH(items, const json_t *) = heat_json_own(e->p, json_stringn(s + k, used));
            k += used;
        }
    }
    else if (json_is_array(roles) || json_is_object(roles))
        items = py_iter(e->p, NULL, roles);
    else
        return eval_fail(e, "TypeError", apr_psprintf(e->p, "'%s' object is not iterable", py_type(roles)));
    match = py_lower(e->p, match);
    for (i = 0; i < items->nelts; i++) {
        const json_t *x = APR_ARRAY_IDX(items, i, const json_t *);
        if (!json_is_string(x))
            return eval_fail(e, "AttributeError",
                             apr_psprintf(e->p, "'%s' object has no attribute 'lower'", py_type(x)));
        if (!found && !strcmp(match, py_lower(e->p, json_string_value(x))))
            found = 1; /* Python lowers the whole list first */
    }
    return found;
}

static int eval_node(eval_t *e, const node_t *n)
{
    int i, r;

    switch (n->type) {
    case N_TRUE:
        return 1;
    case N_FALSE:
    case N_HTTP: /* no external policy server: denied (warned at load) */
        return 0;
    case N_STR:
        return eval_fail(e, "AttributeError", "'str' object has no attribute '__call__'");
    case N_NOT:
        r = eval_node(e, APR_ARRAY_IDX(n->kids, 0, node_t *));
        return r < 0 ? r : !r;
    case N_AND:
        for (i = 0; i < n->kids->nelts; i++) {
            r = eval_node(e, APR_ARRAY_IDX(n->kids, i, node_t *));
            if (r <= 0)
                return r;
        }
        return 1;
    case N_OR:
        for (i = 0; i < n->kids->nelts; i++) {
            r = eval_node(e, APR_ARRAY_IDX(n->kids, i, node_t *));
            if (r != 0)
                return r;
        }
        return 0;
    case N_RULE: {
        const node_t *target = apr_hash_get(e->pol->rules, n->match, APR_HASH_KEY_STRING);
        if (!target)
            return 0; /* heat's default rule for missing names is "!" */
        if (++e->depth > HEAT_POLICY_MAX_DEPTH)
            return eval_fail(e, "TypeError", "unsupported callable");
        r = eval_node(e, target);
        e->depth--;
        return r;
    }
    case N_ROLE:
        return eval_role(e, n);
    case N_GENERIC:
        return eval_generic(e, n);
    }
    return 0;
}

static heat_policy_result_t finish(eval_t *e, int r, heat_policy_outcome_t *out)
{
    heat_policy_result_t res = r < 0 ? HEAT_POLICY_ERROR : r ? HEAT_POLICY_ALLOW : HEAT_POLICY_DENY;
    if (out) {
        out->result = res;
        out->error_type = r < 0 ? e->err_type : NULL;
        out->error_message = r < 0 ? e->err_msg : NULL;
    }
    return res;
}

/* Enforcer.enforce: oslo copies system_scope into "system" when it is set. The caller's
 * creds are not modified (they may be shared); NULL creds are an empty dict. */
static const json_t *effective_creds(apr_pool_t *p, const json_t *creds)
{
    const json_t *scope;
    json_t *copy;

    if (!creds)
        return heat_json_own(p, json_object());
    scope = json_object_get(creds, "system_scope");
    if (!heat_py_truthy(scope))
        return creds;
    copy = heat_json_own(p, json_copy((json_t *)creds));
    json_object_set(copy, "system", (json_t *)scope);
    return copy;
}

heat_policy_result_t heat_policy_enforce(const heat_policy_t *pol, apr_pool_t *p, const char *rule,
                                         const json_t *target, const json_t *creds, int flags,
                                         heat_policy_outcome_t *out)
{
    eval_t e;
    const node_t *n;
    const heat_policy_default_t *reg = apr_hash_get(pol->registered, rule, APR_HASH_KEY_STRING);
    json_t *empty = NULL;

    memset(&e, 0, sizeof(e));
    e.pol = pol;
    e.p = p;
    if (!target) {
        empty = heat_json_own(p, json_object());
        target = empty;
    }
    e.target = target;
    if ((flags & HEAT_POLICY_AUTHORIZE) && !reg) {
        eval_fail(&e, HEAT_POLICY_EXC_NOT_REGISTERED, apr_psprintf(p, "Policy %s has not been registered", rule));
        heat_log(HEAT_LOG_ERR, "HEAT0802 policy: %s", e.err_msg);
        return finish(&e, -1, out);
    }
    e.creds = effective_creds(p, creds);
    n = apr_hash_get(pol->rules, rule, APR_HASH_KEY_STRING);
    if (!n) {
        heat_log(HEAT_LOG_DEBUG, "HEAT0803 policy: rule [%s] does not exist", rule);
        return finish(&e, 0, out);
    }
    if (reg && reg->scope_types) {
        /* _enforce_scope */
        const char *token_scope = "project";
        unsigned bit = HEAT_POLICY_SCOPE_PROJECT;
        if (heat_py_truthy(json_object_get(e.creds, "system")))
            token_scope = "system", bit = HEAT_POLICY_SCOPE_SYSTEM;
        else if (heat_py_truthy(json_object_get(e.creds, "domain_id")))
            token_scope = "domain", bit = HEAT_POLICY_SCOPE_DOMAIN;
        if (!(reg->scope_types & bit)) {
            heat_log(HEAT_LOG_DEBUG, "HEAT0804 policy: %s failed scope check: the token is %s scoped but the "
                     "policy requires %s", rule, token_scope, reg->scope_types_str);
            if (pol->enforce_scope) {
                if (flags & HEAT_POLICY_RAISE) {
                    eval_fail(&e, HEAT_POLICY_EXC_INVALID_SCOPE,
                              apr_psprintf(p, "\"%s\": \"%s\" requires a scope of %s, request was made with %s scope.",
                                           reg->name, reg->check_str, reg->scope_types_str, token_scope));
                    return finish(&e, -1, out);
                }
                return finish(&e, 0, out);
            }
        }
    }
    {
        int r = eval_node(&e, n);
        if (r < 0)
            heat_log(HEAT_LOG_ERR, "HEAT0805 policy: evaluating %s raised %s: %s", rule, e.err_type, e.err_msg);
        return finish(&e, r, out);
    }
}

heat_policy_result_t heat_policy_check_is_admin(const heat_policy_t *pol, apr_pool_t *p,
                                                const json_t *creds, heat_policy_outcome_t *out)
{
    return heat_policy_enforce(pol, p, "context_is_admin", NULL, creds, HEAT_POLICY_AUTHORIZE, out);
}

heat_policy_result_t heat_policy_check_text(const heat_policy_t *pol, apr_pool_t *p, const char *text,
                                            const json_t *target, const json_t *creds,
                                            heat_policy_outcome_t *out)
{
    eval_t e;
    memset(&e, 0, sizeof(e));
    e.pol = pol;
    e.p = p;
    e.target = target ? target : heat_json_own(p, json_object());
    e.creds = effective_creds(p, creds);
    return finish(&e, eval_node(&e, parse_text_rule(p, text)), out);
}

const char *heat_policy_rule_str(const heat_policy_t *pol, apr_pool_t *p, const char *name)
{
    const node_t *n = apr_hash_get(pol->rules, name, APR_HASH_KEY_STRING);
    return n ? node_to_str(p, n) : NULL;
}

const char *heat_policy_parse_str(apr_pool_t *p, const char *text)
{
    return node_to_str(p, parse_text_rule(p, text));
}

apr_array_header_t *heat_policy_rule_names(const heat_policy_t *pol, apr_pool_t *p)
{
    return apr_array_copy(p, pol->names);
}

const apr_array_header_t *heat_policy_files(const heat_policy_t *pol)
{
    return pol->files;
}

/* ======================================================================================
 * Policy files (policy.py parse_file_contents, load_rules)
 *
 * oslo tries json.loads, then yaml.safe_load: the template loader's safe_load mode
 * (heat_yaml.h), whose pyinfo tells the Python types JSON cannot (dates, bytes, non-str keys).
 * ====================================================================================== */

typedef struct {
    const char *name;
    int name_is_str; /* a key that is not a str (123, true, ~) names no rule */
    json_t *value;
} fentry_t;

/* parse_file_contents: JSON first, then YAML; "parsed or {}", then .items(). *is_json tells
 * which one read it, *info the YAML values' Python types. */
static const char *policy_entries(apr_pool_t *p, const char *data, apr_size_t len, apr_array_header_t **out,
                                  int *is_json, const heat_yaml_pyinfo_t **info)
{
    json_error_t jerr;
    json_t *j = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    heat_yaml_pyinfo_t *yinfo = NULL;

    *is_json = 0;
    *info = NULL;
    *out = apr_array_make(p, 16, sizeof(fentry_t));
    if (j) {
        *is_json = 1;
        heat_json_own(p, j);
    }
    else {
        heat_yaml_options_t yo;
        heat_yaml_error_t yerr;
        memset(&yo, 0, sizeof(yo));
        yo.safe_load = 1;
        /* the whole file is read at startup (at most 16 MiB, read_file) and aliases share their
         * values, as PyYAML's do: no bound on the expanded size */
        yo.max_bytes = (size_t)-1;
        yo.pyinfo = yinfo = apr_pcalloc(p, sizeof(*yinfo));
        j = heat_yaml_load_opts(p, data, len, &yo, &yerr);
        if (!j) {
            /* oslo raises ValueError(str(e)) for a yaml.YAMLError; other exceptions pass as they are */
            if (yerr.status == HEAT_YAML_ERROR)
                return apr_psprintf(p, "ValueError: %s", yerr.message);
            if (yerr.status == HEAT_YAML_EXCEPTION)
                return apr_psprintf(p, "%s: %s", yerr.type, yerr.message);
            return yerr.message; /* what mod_heat refuses (heat_yaml.h) */
        }
        *info = yinfo;
    }
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            fentry_t *e = &APR_ARRAY_PUSH(*out, fentry_t);
            e->name = k;
            e->name_is_str = !heat_yaml_key_pytype(yinfo, j, k);
            e->value = v;
        }
    }
    else if (heat_py_truthy(j))
        return apr_psprintf(p, "AttributeError: '%s' object has no attribute 'items'", py_type_of(yinfo, j));
    return NULL;
}

static int path_type(apr_pool_t *p, const char *path, apr_filetype_e *type)
{
    apr_finfo_t fi;
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) != APR_SUCCESS)
        return 0;
    *type = fi.filetype;
    return 1;
}

/* oslo.config's find_file: the first directory in which os.path.join(dir, name) exists. */
static const char *find_file(apr_pool_t *p, const apr_array_header_t *dirs, const char *name)
{
    int i;
    apr_filetype_e t;

    for (i = 0; i < dirs->nelts; i++) {
        const char *d = APR_ARRAY_IDX(dirs, i, const char *);
        const char *path = name[0] == '/' ? name
                           : (*d && d[strlen(d) - 1] == '/') ? apr_pstrcat(p, d, name, NULL)
                                                              : apr_pstrcat(p, d, "/", name, NULL);
        if (path_type(p, path, &t))
            return path;
    }
    return NULL;
}

static const char *home_dir(apr_pool_t *p)
{
    const char *home = getenv("HOME");
    struct passwd pw, *res = NULL;
    char buf[1024];

    if (home && *home)
        return apr_pstrdup(p, home);
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res && res->pw_dir)
        return apr_pstrdup(p, res->pw_dir);
    return "~";
}

static const char *abs_path(apr_pool_t *p, const char *path)
{
    char *merged = NULL;
    if (path[0] == '~' && (path[1] == '/' || !path[1]))
        path = apr_pstrcat(p, home_dir(p), path + 1, NULL);
    if (apr_filepath_merge(&merged, NULL, path, 0, p) == APR_SUCCESS && merged)
        return merged;
    return path;
}

apr_array_header_t *heat_policy_search_dirs(apr_pool_t *p, const apr_array_header_t *config_dirs,
                                            const apr_array_header_t *config_files)
{
    apr_array_header_t *dirs = apr_array_make(p, 8, sizeof(const char *));
    const char *home = home_dir(p);
    int i;

    if (config_dirs)
        for (i = 0; i < config_dirs->nelts; i++)
            APR_ARRAY_PUSH(dirs, const char *) = abs_path(p, APR_ARRAY_IDX(config_dirs, i, const char *));
    if (config_files)
        for (i = config_files->nelts - 1; i >= 0; i--) {
            char *f = apr_pstrdup(p, abs_path(p, APR_ARRAY_IDX(config_files, i, const char *)));
            char *slash = strrchr(f, '/');
            if (slash)
                *(slash == f ? slash + 1 : slash) = '\0';
            else
                f = "";
            APR_ARRAY_PUSH(dirs, const char *) = f;
        }
    APR_ARRAY_PUSH(dirs, const char *) = apr_pstrcat(p, home, "/.heat", NULL);
    APR_ARRAY_PUSH(dirs, const char *) = home;
    APR_ARRAY_PUSH(dirs, const char *) = "/etc/heat";
    APR_ARRAY_PUSH(dirs, const char *) = "/etc";
    return dirs;
}

/* ---- building the rule set ---- */

typedef struct {
    heat_policy_t *pol;
    apr_pool_t *p;
    apr_hash_t *file_rules; /* names set by a policy file */
} loader_t;

static void set_rule(heat_policy_t *pol, const char *name, node_t *n)
{
    if (!apr_hash_get(pol->rules, name, APR_HASH_KEY_STRING))
        APR_ARRAY_PUSH(pol->names, const char *) = name;
    apr_hash_set(pol->rules, name, APR_HASH_KEY_STRING, n);
}

static const char *read_file(apr_pool_t *p, const char *path, char **data, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char ebuf[256];
    apr_size_t n;

    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(p, "%s: cannot open: %s", path, apr_strerror(rv, ebuf, sizeof(ebuf)));
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE | APR_FINFO_TYPE, f);
    if (rv == APR_SUCCESS && fi.filetype == APR_DIR)
        rv = APR_EINVAL; /* a directory */
    if (rv == APR_SUCCESS && fi.size > 16 * 1024 * 1024)
        return apr_psprintf(p, "%s: policy file larger than 16 MiB", path);
    if (rv != APR_SUCCESS) {
        apr_file_close(f);
        return apr_psprintf(p, "%s: cannot read: %s", path, apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    n = (apr_size_t)fi.size;
    *data = apr_palloc(p, n + 1);
    if (n > 0 && (rv = apr_file_read_full(f, *data, n, &n)) != APR_SUCCESS && rv != APR_EOF) {
        apr_file_close(f);
        return apr_psprintf(p, "%s: cannot read: %s", path, apr_strerror(rv, ebuf, sizeof(ebuf)));
    }
    (*data)[n] = '\0';
    *len = n;
    apr_file_close(f);
    return NULL;
}

/* _load_policy_file: every value becomes a rule (all of them are parsed, so one bad value
 * fails the file); later files override earlier ones. */
static const char *load_policy_file(loader_t *l, const char *path)
{
    char *data = NULL;
    apr_size_t len = 0;
    apr_array_header_t *entries;
    const char *err;
    int is_json, i;
    const heat_yaml_pyinfo_t *info;
    apr_array_header_t *redundant = apr_array_make(l->p, 4, sizeof(const char *));

    if ((err = read_file(l->p, path, &data, &len)))
        return err;
    if ((err = policy_entries(l->p, data, len, &entries, &is_json, &info)))
        return apr_psprintf(l->p, "%s: %s", path, err);
    if (is_json)
        heat_log(HEAT_LOG_WARNING, "HEAT0810 policy: %s is JSON; JSON-formatted policy files are deprecated "
                 "(oslopolicy-convert-json-to-yaml converts them)", path);
    for (i = 0; i < entries->nelts; i++) {
        fentry_t *e = &APR_ARRAY_IDX(entries, i, fentry_t);
        node_t *n = NULL;
        if ((err = parse_rule_value(l->pol->pool, info, e->value, &n)))
            return apr_psprintf(l->p, "%s: rule %s: %s", path, e->name, err);
        if (!e->name_is_str)
            continue; /* a non-string key names no rule */
        e->name = apr_pstrdup(l->pol->pool, e->name);
        set_rule(l->pol, e->name, n);
        apr_hash_set(l->file_rules, e->name, APR_HASH_KEY_STRING, e->name);
        {
            const heat_policy_default_t *d = apr_hash_get(l->pol->registered, e->name, APR_HASH_KEY_STRING);
            if (d && !strcmp(node_to_str(l->p, n), node_to_str(l->p, parse_text_rule(l->p, d->check_str))))
                APR_ARRAY_PUSH(redundant, const char *) = e->name;
        }
    }
    if (redundant->nelts)
        heat_log(HEAT_LOG_WARNING, "HEAT0811 policy: rules %s in %s are the same as the defaults provided by "
                 "heat; they can be removed from the policy file",
                 apr_array_pstrcat(l->p, redundant, ','), path);
    APR_ARRAY_PUSH(l->pol->files, const char *) = apr_pstrdup(l->pol->pool, path);
    heat_log(HEAT_LOG_DEBUG, "HEAT0812 policy: loaded policy file %s", path);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* _walk_through_policy_directory: the files (not sub-directories) of dir, sorted, without
 * hidden ones. */
static const char *load_policy_dir(loader_t *l, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    apr_array_header_t *names = apr_array_make(l->p, 8, sizeof(const char *));
    char ebuf[256];
    int i;

    rv = apr_dir_open(&d, dir, l->p);
    if (rv != APR_SUCCESS)
        return apr_psprintf(l->p, "%s: cannot read directory: %s", dir, apr_strerror(rv, ebuf, sizeof(ebuf)));
    while ((rv = apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d)) == APR_SUCCESS ||
           rv == APR_INCOMPLETE) {
        const char *full;
        apr_filetype_e t = fi.filetype;
        if (!fi.name || fi.name[0] == '.')
            continue;
        full = apr_pstrcat(l->p, dir, "/", fi.name, NULL);
        if (t == APR_LNK || t == APR_UNKFILE || rv == APR_INCOMPLETE) {
            /* os.walk follows symbolic links to tell directories from files */
            if (!path_type(l->p, full, &t))
                t = APR_REG; /* a broken link is listed as a file (and fails to open) */
        }
        if (t == APR_DIR)
            continue;
        APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(l->p, fi.name);
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_str);
    for (i = 0; i < names->nelts; i++) {
        const char *err = load_policy_file(l, apr_pstrcat(l->p, dir, "/", APR_ARRAY_IDX(names, i, const char *), NULL));
        if (err)
            return err;
    }
    return NULL;
}

/* _handle_deprecated_rule */
static node_t *handle_deprecated(loader_t *l, const heat_policy_default_t *d, node_t *check)
{
    heat_policy_t *pol = l->pol;
    node_t *dep = parse_text_rule(pol->pool, d->deprecated_check_str);

    if (strcmp(d->deprecated_name, d->name) &&
        apr_hash_get(l->file_rules, d->deprecated_name, APR_HASH_KEY_STRING)) {
        /* a renamed policy whose old name is overridden keeps the override (not the case of
         * any heat rule; kept for completeness) */
        node_t *file_rule = apr_hash_get(pol->rules, d->deprecated_name, APR_HASH_KEY_STRING);
        if (file_rule && strcmp(node_to_str(l->p, file_rule), apr_pstrcat(l->p, "rule:", d->name, NULL)) &&
            !apr_hash_get(l->file_rules, d->name, APR_HASH_KEY_STRING))
            return file_rule;
    }
    if (!pol->enforce_new_defaults && strcmp(d->deprecated_check_str, d->check_str) &&
        !apr_hash_get(l->file_rules, d->name, APR_HASH_KEY_STRING))
        return node_list(pol->pool, N_OR, check, dep);
    return check;
}

/* check_rules: warn about references to undefined rules and cycles, as oslo does; plus
 * what mod_heat evaluates differently from oslo (external http checks, literals it cannot
 * print). */
static int refs_undefined(const heat_policy_t *pol, const node_t *n)
{
    int i;
    if (n->type == N_RULE)
        return !apr_hash_get(pol->rules, n->match, APR_HASH_KEY_STRING);
    if (n->type == N_AND || n->type == N_OR)
        for (i = 0; i < n->kids->nelts; i++)
            if (refs_undefined(pol, APR_ARRAY_IDX(n->kids, i, node_t *)))
                return 1;
    return 0;
}

static int has_cycle(const heat_policy_t *pol, apr_pool_t *p, const node_t *n, apr_hash_t *seen, int depth)
{
    int i;
    if (depth > HEAT_POLICY_MAX_DEPTH)
        return 1;
    if (n->type == N_RULE) {
        const node_t *t;
        if (apr_hash_get(seen, n->match, APR_HASH_KEY_STRING))
            return 1;
        apr_hash_set(seen, n->match, APR_HASH_KEY_STRING, n);
        t = apr_hash_get(pol->rules, n->match, APR_HASH_KEY_STRING);
        if (t && has_cycle(pol, p, t, seen, depth + 1))
            return 1;
    }
    if (n->type == N_AND || n->type == N_OR || n->type == N_NOT)
        for (i = 0; i < n->kids->nelts; i++)
            if (has_cycle(pol, p, APR_ARRAY_IDX(n->kids, i, node_t *), apr_hash_copy(p, seen), depth + 1))
                return 1;
    return 0;
}

static void odd_checks(const node_t *n, int *http, int *unsupported)
{
    int i;
    if (n->type == N_HTTP)
        (*http)++;
    else if (n->type == N_GENERIC && n->kclass == KC_UNSUPPORTED)
        (*unsupported)++;
    else if (n->type == N_AND || n->type == N_OR || n->type == N_NOT)
        for (i = 0; i < n->kids->nelts; i++)
            odd_checks(APR_ARRAY_IDX(n->kids, i, node_t *), http, unsupported);
}

static void check_rules(const heat_policy_t *pol, apr_pool_t *p)
{
    apr_array_header_t *undefined = apr_array_make(p, 4, sizeof(const char *));
    apr_array_header_t *cyclic = apr_array_make(p, 4, sizeof(const char *));
    int i;

    for (i = 0; i < pol->names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(pol->names, i, const char *);
        const node_t *n = apr_hash_get(pol->rules, name, APR_HASH_KEY_STRING);
        int http = 0, unsupported = 0;
        if (refs_undefined(pol, n))
            APR_ARRAY_PUSH(undefined, const char *) = name;
        if (has_cycle(pol, p, n, apr_hash_make(p), 0))
            APR_ARRAY_PUSH(cyclic, const char *) = name;
        odd_checks(n, &http, &unsupported);
        if (http)
            heat_log(HEAT_LOG_WARNING, "HEAT0813 policy: rule %s uses an http(s): check; mod_heat does not call "
                     "external policy servers, so that check always fails", name);
        if (unsupported)
            heat_log(HEAT_LOG_WARNING, "HEAT0814 policy: rule %s compares with a Python literal mod_heat cannot "
                     "evaluate (a set, or a \\N{...} escape); that check always fails", name);
    }
    if (undefined->nelts)
        heat_log(HEAT_LOG_WARNING, "HEAT0815 policy: policies %s reference a rule that is not defined",
                 apr_array_pstrcat(p, undefined, ','));
    if (cyclic->nelts)
        heat_log(HEAT_LOG_WARNING, "HEAT0816 policy: policies %s are part of a cyclical reference",
                 apr_array_pstrcat(p, cyclic, ','));
}

const char *heat_policy_load(heat_policy_t **out, apr_pool_t *p, const heat_policy_options_t *o)
{
    heat_policy_t *pol = apr_pcalloc(p, sizeof(*pol));
    loader_t l;
    apr_pool_t *tmp;
    const apr_array_header_t *dirs, *pdirs;
    const char *policy_file = o && o->policy_file ? o->policy_file : "policy.yaml";
    const char *path, *err = NULL;
    apr_size_t i;
    int k;

    *out = NULL;
    apr_pool_create(&tmp, p);
    pol->pool = p;
    pol->rules = apr_hash_make(p);
    pol->names = apr_array_make(p, 128, sizeof(const char *));
    pol->registered = apr_hash_make(p);
    pol->files = apr_array_make(p, 4, sizeof(const char *));
    pol->release = o ? o->release : HEAT_RELEASE_19;
    pol->defaults = heat_policy_defaults_of(pol->release, &pol->defaults_count);
    pol->enforce_scope = !o || o->enforce_scope_unset ? heat_release_policy_enforce_default(pol->release)
                                                      : o->enforce_scope;
    pol->enforce_new_defaults = !o || o->enforce_new_defaults_unset
                                    ? heat_release_policy_enforce_default(pol->release)
                                    : o->enforce_new_defaults;
    for (i = 0; i < pol->defaults_count; i++)
        apr_hash_set(pol->registered, pol->defaults[i].name, APR_HASH_KEY_STRING, &pol->defaults[i]);
    l.pol = pol;
    l.p = tmp;
    l.file_rules = apr_hash_make(tmp);
    dirs = o && o->search_dirs ? o->search_dirs : heat_policy_search_dirs(tmp, NULL, NULL);

    /* pick_default_policy_file: heat's default policy.yaml falls back to an existing
     * policy.json unless the operator set policy_file */
    path = find_file(tmp, dirs, policy_file);
    if (!path && !strcmp(policy_file, "policy.yaml") && !(o && o->policy_file_set))
        path = find_file(tmp, dirs, "policy.json");
    if (path)
        err = load_policy_file(&l, path);
    else
        heat_log(HEAT_LOG_DEBUG, "HEAT0817 policy: the policy file %s could not be found", policy_file);

    if (!err) {
        if (o && o->policy_dirs)
            pdirs = o->policy_dirs;
        else {
            apr_array_header_t *d = apr_array_make(tmp, 1, sizeof(const char *));
            APR_ARRAY_PUSH(d, const char *) = "policy.d";
            pdirs = d;
        }
        /* every directory is checked before any is read, as load_rules does */
        for (k = 0; k < pdirs->nelts && !err; k++) {
            apr_filetype_e t;
            const char *dpath = find_file(tmp, dirs, APR_ARRAY_IDX(pdirs, k, const char *));
            if (dpath && path_type(tmp, dpath, &t) && t != APR_DIR)
                err = apr_psprintf(tmp, "%s is not a directory (policy_dirs)", dpath);
        }
        for (k = 0; k < pdirs->nelts && !err; k++) {
            const char *dpath = find_file(tmp, dirs, APR_ARRAY_IDX(pdirs, k, const char *));
            if (dpath)
                err = load_policy_dir(&l, dpath);
        }
    }
    if (err) {
        err = apr_pstrdup(p, err);
        apr_pool_destroy(tmp);
        return err;
    }

    /* registered defaults fill every name the files do not set */
    for (i = 0; i < pol->defaults_count; i++) {
        const heat_policy_default_t *d = &pol->defaults[i];
        node_t *check;
        if (apr_hash_get(pol->rules, d->name, APR_HASH_KEY_STRING))
            continue;
        check = parse_text_rule(p, d->check_str);
        if (d->deprecated_name)
            check = handle_deprecated(&l, d, check);
        set_rule(pol, d->name, check);
    }
    check_rules(pol, tmp);
    apr_pool_destroy(tmp);
    *out = pol;
    return NULL;
}

void heat_policy_context_error(const heat_policy_outcome_t *err, int cfn, heat_result_t *out)
{
    out->message = NULL;
    if (cfn) {
        out->status = 500;
        out->type = NULL;
        return;
    }
    /* ContextMiddleware runs outside the controller, so a TypeError is not turned into
     * HTTPBadRequest here */
    out->type = err && err->error_type ? err->error_type : "Exception";
    out->status = (!strcmp(out->type, "AttributeError") || !strcmp(out->type, "ValueError")) ? 400 : 500;
}
