/* heat_yaml.c: heat's YAML loader on libyaml (see heat_yaml.h).
 *
 * The shape follows PyYAML, so that the same inputs give the same values and the same errors:
 *   1. libyaml events are composed into a node graph (anchors shared, tags resolved with
 *      PyYAML's YAML 1.1 implicit resolvers), as yaml/composer.py does;
 *   2. the graph is constructed as yaml/constructor.py SafeConstructor does, with heat's two
 *      overrides (!!str, !!timestamp). Collections are built breadth first, the order in which
 *      PyYAML runs its constructor generators, so the first error reported is PyYAML's;
 *   3. Python values become jansson values as oslo's to_primitive + json.dumps would write them.
 * Errors are rendered as str(MarkedYAMLError) with PyYAML's snippets. libyaml's messages were
 * ported from PyYAML but reworded; the table in libyaml_error() maps them back. heat reports the
 * error of its second, pure-Python parse, which is stricter than libyaml in a few places
 * (py_stricter_before replays those) and reads `{a:[1]}`, which libyaml refuses
 * (patch_for_pyyaml). Line and column are derived from the character index, as Python counts.
 *
 * Memory: the node graph lives in the pool; the libyaml parser is deleted by a pool cleanup, each
 * event is deleted as soon as it has been copied; every jansson value is owned (heat_json_own) by
 * the pool from the moment it exists or is reachable from an owned value. */
#include "heat_yaml.h"

#include "heat_pycompat.h"

#include <apr_hash.h>
#include <apr_strings.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "heat_json.h"

/* Byte offset of character number idx (clamped to len). */
static size_t char_offset(const char *s, size_t len, size_t idx)
{
    size_t i = 0, n = 0;
    while (i < len) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            if (n == idx)
                return i;
            n++;
        }
        i++;
    }
    return len;
}

/* =====================================================================================
 * Loader state
 * ===================================================================================== */

#define TAG_NULL "tag:yaml.org,2002:null"
#define TAG_BOOL "tag:yaml.org,2002:bool"
#define TAG_INT "tag:yaml.org,2002:int"
#define TAG_FLOAT "tag:yaml.org,2002:float"
#define TAG_BINARY "tag:yaml.org,2002:binary"
#define TAG_TIMESTAMP "tag:yaml.org,2002:timestamp"
#define TAG_OMAP "tag:yaml.org,2002:omap"
#define TAG_PAIRS "tag:yaml.org,2002:pairs"
#define TAG_SET "tag:yaml.org,2002:set"
#define TAG_STR "tag:yaml.org,2002:str"
#define TAG_SEQ "tag:yaml.org,2002:seq"
#define TAG_MAP "tag:yaml.org,2002:map"
#define TAG_MERGE "tag:yaml.org,2002:merge"
#define TAG_VALUE "tag:yaml.org,2002:value"

/* A position: the character index as libyaml counts it in the original text (BOM excluded).
 * Python's line and column are derived from it when an error is rendered: libyaml moves its
 * end-of-stream mark to a new line, and the text libyaml parses may have been patched. */
typedef struct {
    size_t index;
} ymark_t;

typedef enum { YN_SCALAR, YN_SEQ, YN_MAP } ykind_t;

/* Python objects as the constructor sees them. Collections are jansson containers from the
 * start (they are shared by aliases, as Python's objects are). */
/* PY_DATE: a datetime.date, which only heat's pure-Python fallback parse makes (see
 * patch_for_pyyaml) and which heat-api cannot serialise. PY_DATETIME: a datetime.datetime, kept
 * only by safe_load (heat-api sends its strftime text). s holds their YAML text. */
typedef enum {
    PY_NONE, PY_BOOL, PY_INT, PY_FLOAT, PY_STR, PY_BYTES, PY_LIST, PY_DICT, PY_SET, PY_DATE, PY_DATETIME
} pytype_t;

typedef struct {
    pytype_t t;
    int big;          /* PY_INT beyond 64 bits */
    long long i;      /* PY_INT, PY_BOOL */
    double d;         /* PY_FLOAT */
    const char *s;    /* PY_STR, PY_BYTES, PY_DATE, PY_DATETIME, a big PY_INT's text */
    size_t len;
    json_t *j;        /* PY_LIST, PY_DICT, PY_SET */
} pyobj_t;

typedef struct ynode ynode_t;
struct ynode {
    ykind_t kind;
    const char *tag;
    const char *value; /* scalar, NUL-terminated, may hold NULs */
    size_t len;
    ynode_t **items;   /* sequence: n items; mapping: n pairs, key at 2i, value at 2i+1 */
    size_t n, cap;
    ymark_t start;
    unsigned long weight;     /* nodes in the expanded tree, saturating */
    size_t bytes;             /* JSON bytes of the expanded tree (an estimate), saturating */
    int constructed;
    int shared;               /* may be referenced more than once: anchored, or merged (<<) */
    pyobj_t obj;
    json_t *json;             /* a scalar's JSON value, shared by every reference to it */
};

typedef struct {
    apr_pool_t *p;    /* the current parse pass's pool, then the result's (a child of base) */
    apr_pool_t *base; /* the caller's pool */
    apr_pool_t *patchpool; /* holds ptext and spaces of the latest patch */
    size_t max_bytes; /* expanded JSON size allowed */
    const char *text; /* UTF-8 */
    size_t len;
    const char *name; /* "<unicode string>" or "<byte string>" */
    size_t bom;       /* 1 if text starts with U+FEFF (Python's pointer counts it) */
    /* What libyaml parses: the text with a space inserted before each character listed in
     * spaces (character indexes of the original, ascending). See patch_for_pyyaml(). */
    const char *ptext;
    size_t plen;
    size_t *spaces;
    size_t nspaces;
    int constructing; /* the stream has been parsed: errors now are constructor errors */
    int has_scan_limit; /* PyYAML has scanned up to here when the error at hand occurs */
    size_t scan_limit;
    /* heat's second, pure-Python parse uses SafeLoader's own timestamp constructor: the first
     * exception it would raise there, reported instead of a later constructor error */
    const char *alt_type, *alt_message;
    heat_yaml_error_t *err;
    int safe;                 /* yaml.safe_load (heat_yaml_options_t.safe_load) */
    heat_yaml_pyinfo_t *info; /* safe_load's Python types (NULL: not asked for) */
    int failed;
    const char *unsupported; /* first deferred refusal (heat would fail later, at RPC time) */
    apr_hash_t *anchors;
    heat_nodes_t *nodes; /* the request's node budget (NULL: not counted) */
    size_t nodes_start;  /* its count before this document */
    unsigned long expansion;
    size_t alias_bytes; /* JSON bytes the aliases of this document add (an estimate) */
    unsigned long unique;
    /* every container made for a node, with the one reference the constructor holds (released by
     * containers_cleanup); cleared on failure, which breaks reference loops */
    json_t **containers;
    size_t ncontainers, capcontainers;
    apr_pool_t *scratch; /* one mapping's entries and key index, cleared once it is filled */
    /* breadth-first construction queue */
    ynode_t **queue;
    size_t qhead, qtail, qcap;
} yctx_t;

static void fail(yctx_t *c, heat_yaml_status_t status, const char *type, const char *message)
{
    if (c->failed)
        return;
    c->failed = 1;
    if (c->err) {
        c->err->status = status;
        c->err->type = type;
        c->err->message = message;
    }
}

static void defer_unsupported(yctx_t *c, const char *message)
{
    if (!c->unsupported)
        c->unsupported = message;
}

/* ---- PyYAML error rendering ---- */

static int is_break_cp(unsigned long cp)
{
    return cp == 0 || cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

/* Mark.__str__: position and get_snippet(indent=4, max_length=75). */
static char *render_mark(yctx_t *c, const ymark_t *m)
{
    /* Python's buffer is the text plus "\0"; work on code points. */
    size_t nchars = heat_py_strlen(c->text, c->len);
    size_t pointer = m->index + c->bom;
    size_t start, end, i;
    const char *head = "", *tail = "";
    unsigned long *cps;
    const unsigned char *u = (const unsigned char *)c->text;
    char *snip, *o;
    size_t pos = 0, k = 0, line = 0, column = 0;

    if (pointer > nchars)
        pointer = nchars;
    cps = apr_palloc(c->p, (nchars + 1) * sizeof *cps);
    while (pos < c->len) {
        pos += heat_utf8_decode((const char *)(u + pos), c->len - pos, &cps[k]);
        k++;
    }
    cps[nchars] = 0;
    /* Reader.forward(): \r\n is one break, the BOM takes no column */
    for (i = 0; i < pointer; i++) {
        unsigned long ch = cps[i];
        if (ch == '\n' || ch == 0x85 || ch == 0x2028 || ch == 0x2029 || (ch == '\r' && cps[i + 1] != '\n')) {
            line++;
            column = 0;
        }
        else if (ch != 0xFEFF)
            column++;
    }
    start = pointer;
    while (start > 0 && !is_break_cp(cps[start - 1])) {
        start--;
        if (pointer - start > 36) { /* > max_length/2 - 1 = 36.5 */
            head = " ... ";
            start += 5;
            break;
        }
    }
    end = pointer;
    while (end < nchars + 1 && !is_break_cp(cps[end])) {
        end++;
        if (end - pointer > 36) {
            tail = " ... ";
            end -= 5;
            break;
        }
    }
    snip = o = apr_palloc(c->p, (end - start) * 4 + 1);
    for (i = start; i < end; i++)
        o += heat_utf8_put(o, cps[i]);
    *o = '\0';
    return apr_psprintf(c->p, "  in \"%s\", line %lu, column %lu:\n    %s%s%s\n%*s^", c->name,
                        (unsigned long)line + 1, (unsigned long)column + 1, head, snip, tail,
                        (int)(4 + pointer - start + strlen(head)), "");
}

/* str(MarkedYAMLError(context, context_mark, problem, problem_mark, note)) */
static char *render_error(yctx_t *c, const char *context, const ymark_t *cm, const char *problem,
                          const ymark_t *pm, const char *note)
{
    const char *parts[5];
    int n = 0, i;
    char *out;

    if (context)
        parts[n++] = context;
    if (cm && (!problem || !pm || cm->index != pm->index))
        parts[n++] = render_mark(c, cm);
    if (problem)
        parts[n++] = problem;
    if (pm)
        parts[n++] = render_mark(c, pm);
    if (note)
        parts[n++] = note;
    out = "";
    for (i = 0; i < n; i++)
        out = apr_pstrcat(c->p, out, i ? "\n" : "", parts[i], NULL);
    return out;
}

/* An error PyYAML's stricter scanner raises where libyaml goes on. */
typedef struct {
    size_t index;          /* problem position (original text) */
    const char *context;   /* NULL: "while scanning for the next token" without a mark */
    size_t context_index;
    const char *problem;
} stricter_t;

static int py_stricter_before(yctx_t *c, size_t limit, stricter_t *out);
static apr_status_t parser_cleanup(void *data);

/* Raises a yaml.YAMLError. PyYAML's pure-Python scanner accepts a tab only inside quoted and
 * block scalars and comments; libyaml skips tabs between tokens and in plain scalars. So when
 * the first problem libyaml (or the composer) finds lies after such a tab, PyYAML stopped at the
 * tab. Constructor errors come after the whole stream was scanned. */
static void fail_marked(yctx_t *c, const char *type, const char *context, const ymark_t *cm,
                        const char *problem, const ymark_t *pm)
{
    size_t limit = (c->constructing || !pm) ? (size_t)-1 : c->has_scan_limit ? c->scan_limit : pm->index;
    stricter_t st;
    if (!c->failed && py_stricter_before(c, limit, &st)) {
        ymark_t m, cmk;
        m.index = st.index;
        cmk.index = st.context_index;
        fail(c, HEAT_YAML_ERROR, "ScannerError",
             render_error(c, st.context ? st.context : "while scanning for the next token", st.context ? &cmk : NULL,
                          st.problem, &m, NULL));
        return;
    }
    if (c->constructing && c->alt_type) {
        fail(c, HEAT_YAML_EXCEPTION, c->alt_type, c->alt_message);
        return;
    }
    fail(c, HEAT_YAML_ERROR, type, render_error(c, context, cm, problem, pm, NULL));
}

/* repr() of the character at a libyaml mark ('\x00' at the end, as PyYAML's peek() gives). */
static const char *char_repr_at(yctx_t *c, size_t index)
{
    size_t off;
    unsigned long cp;
    size_t w;
    if (index + c->bom >= heat_py_strlen(c->text, c->len))
        return "'\\x00'";
    off = char_offset(c->text, c->len, index + c->bom);
    w = heat_utf8_decode(c->text + off, c->len - off, &cp);
    return heat_py_repr(c->p, c->text + off, w);
}

static unsigned long char_at(yctx_t *c, size_t index)
{
    size_t off;
    unsigned long cp;
    if (index + c->bom >= heat_py_strlen(c->text, c->len))
        return 0;
    off = char_offset(c->text, c->len, index + c->bom);
    heat_utf8_decode(c->text + off, c->len - off, &cp);
    return cp;
}

static int digit_value(char ch);

/* A libyaml index in the patched text -> the index in the original text. */
static size_t orig_index(const yctx_t *c, size_t i)
{
    size_t k;
    for (k = 0; k < c->nspaces; k++)
        if (c->spaces[k] + k < i) /* where the k-th inserted space sits */
            continue;
        else
            break;
    return i - k;
}

static ymark_t mark_of(const yctx_t *c, yaml_mark_t m)
{
    ymark_t r;
    r.index = orig_index(c, m.index);
    return r;
}

/* The mark one character further on the same line. */
static ymark_t mark_next(ymark_t m)
{
    m.index++;
    return m;
}

static const char *token_id(yaml_token_type_t t)
{
    switch (t) {
    case YAML_STREAM_START_TOKEN: return "'<stream start>'";
    case YAML_STREAM_END_TOKEN: return "'<stream end>'";
    case YAML_VERSION_DIRECTIVE_TOKEN:
    case YAML_TAG_DIRECTIVE_TOKEN: return "'<directive>'";
    case YAML_DOCUMENT_START_TOKEN: return "'<document start>'";
    case YAML_DOCUMENT_END_TOKEN: return "'<document end>'";
    case YAML_BLOCK_SEQUENCE_START_TOKEN: return "'<block sequence start>'";
    case YAML_BLOCK_MAPPING_START_TOKEN: return "'<block mapping start>'";
    case YAML_BLOCK_END_TOKEN: return "'<block end>'";
    case YAML_FLOW_SEQUENCE_START_TOKEN: return "'['";
    case YAML_FLOW_SEQUENCE_END_TOKEN: return "']'";
    case YAML_FLOW_MAPPING_START_TOKEN: return "'{'";
    case YAML_FLOW_MAPPING_END_TOKEN: return "'}'";
    case YAML_BLOCK_ENTRY_TOKEN: return "'-'";
    case YAML_FLOW_ENTRY_TOKEN: return "','";
    case YAML_KEY_TOKEN: return "'?'";
    case YAML_VALUE_TOKEN: return "':'";
    case YAML_ALIAS_TOKEN: return "'<alias>'";
    case YAML_ANCHOR_TOKEN: return "'<anchor>'";
    case YAML_TAG_TOKEN: return "'<tag>'";
    case YAML_SCALAR_TOKEN: return "'<scalar>'";
    default: return "'<unknown>'";
    }
}

/* PyYAML's scan_block_scalar_indicators + scan_block_scalar_ignored_line, replayed from the
 * block scalar's '|' or '>' (it is stricter than libyaml: no '#' or tab right after the
 * indicators). Returns 1 with the problem and its position if PyYAML fails there. */
static int py_block_header_error(yctx_t *c, size_t start, size_t *at, const char **problem)
{
    size_t i = start + 1;
    unsigned long ch = char_at(c, i);

    if (ch == '+' || ch == '-') {
        ch = char_at(c, ++i);
        if (ch >= '0' && ch <= '9') {
            if (ch == '0')
                goto zero;
            ch = char_at(c, ++i);
        }
    }
    else if (ch >= '0' && ch <= '9') {
        if (ch == '0')
            goto zero;
        ch = char_at(c, ++i);
        if (ch == '+' || ch == '-')
            ch = char_at(c, ++i);
    }
    if (!(ch == ' ' || is_break_cp(ch))) {
        *at = i;
        *problem = apr_psprintf(c->p, "expected chomping or indentation indicators, but found %s", char_repr_at(c, i));
        return 1;
    }
    while (char_at(c, i) == ' ')
        i++;
    if (char_at(c, i) == '#')
        while (!is_break_cp(char_at(c, i)))
            i++;
    if (!is_break_cp(char_at(c, i))) {
        *at = i;
        *problem = apr_psprintf(c->p, "expected a comment or a line break, but found %s", char_repr_at(c, i));
        return 1;
    }
    return 0;
zero:
    *at = i;
    *problem = "expected indentation indicator in the range 1-9, but found 0";
    return 1;
}

static void block_scalar_error(yctx_t *c, const ymark_t *start, const ymark_t *libyaml_mark,
                               const char *libyaml_problem)
{
    size_t at;
    const char *problem;
    ymark_t m;
    if (py_block_header_error(c, start->index, &at, &problem)) {
        m.index = at;
        fail_marked(c, "ScannerError", "while scanning a block scalar", start, problem, &m);
    }
    else
        fail_marked(c, "ScannerError", "while scanning a block scalar", start, libyaml_problem, libyaml_mark);
}

static int is_alnum_dash(unsigned long ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '-' || ch == '_';
}

static int is_uri_char(unsigned long ch)
{
    return is_alnum_dash(ch) || (ch && ch < 0x80 && strchr("-;/?:@&=+$,_.!~*'()[]%", (int)ch));
}

static int is_blankz_notab(unsigned long ch)
{
    return ch == ' ' || is_break_cp(ch);
}

/* PyYAML's scan_tag (with scan_tag_handle, scan_tag_uri) replayed from the tag's start, for the
 * error PyYAML reports; libyaml words and places tag errors differently. Returns 1 and fills out
 * if PyYAML fails on this tag. */
static int py_tag_problem(yctx_t *c, size_t start, stricter_t *out)
{
    size_t i = start, k;
    unsigned long ch = char_at(c, i + 1);

    out->context = "while scanning a tag";
    out->context_index = start;
    if (char_at(c, i) != '!')
        return 0;
    if (ch == '<') {
        i += 2;
    }
    else if (ch == 0 || ch == ' ' || ch == '\t' || is_break_cp(ch)) {
        i += 1;
        goto check_end;
    }
    else {
        int use_handle = 0;
        size_t length = 1;
        while (!is_blankz_notab(ch)) {
            if (ch == '!') {
                use_handle = 1;
                break;
            }
            length++;
            ch = char_at(c, i + length);
        }
        if (use_handle) {
            /* scan_tag_handle: '!' [alnum-_]* '!' */
            k = i + 1;
            ch = char_at(c, k);
            if (ch != ' ') {
                while (is_alnum_dash(ch))
                    ch = char_at(c, ++k);
                if (ch != '!') {
                    out->index = k;
                    out->problem = apr_psprintf(c->p, "expected '!', but found %s", char_repr_at(c, k));
                    return 1;
                }
                k++;
            }
            i = k;
        }
        else
            i += 1;
    }
    /* scan_tag_uri */
    k = i;
    while (is_uri_char(ch = char_at(c, k))) {
        if (ch == '%') {
            int d;
            k++;
            for (d = 0; d < 2; d++) {
                unsigned long h = char_at(c, k + (size_t)d);
                if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                    out->index = k;
                    out->problem = apr_psprintf(c->p, "expected URI escape sequence of 2 hexadecimal numbers, "
                                                      "but found %s", char_repr_at(c, k + (size_t)d));
                    return 1;
                }
            }
            k += 2;
        }
        else
            k++;
    }
    if (k == i) {
        out->index = k;
        out->context = "while parsing a tag";
        out->problem = apr_psprintf(c->p, "expected URI, but found %s", char_repr_at(c, k));
        return 1;
    }
    i = k;
    if (char_at(c, start + 1) == '<') {
        if (char_at(c, i) != '>') {
            out->index = i;
            out->context = "while parsing a tag";
            out->problem = apr_psprintf(c->p, "expected '>', but found %s", char_repr_at(c, i));
            return 1;
        }
        i++;
    }
check_end:
    ch = char_at(c, i);
    if (!is_blankz_notab(ch)) {
        out->index = i;
        out->problem = apr_psprintf(c->p, "expected ' ', but found %s", char_repr_at(c, i));
        return 1;
    }
    return 0;
}

static int py_tag_error(yctx_t *c, const ymark_t *start)
{
    stricter_t st;
    ymark_t m, cm;
    if (!py_tag_problem(c, start->index, &st))
        return 0;
    m.index = st.index;
    cm.index = st.context_index;
    fail_marked(c, "ScannerError", st.context, &cm, st.problem, &m);
    return 1;
}

/* The first place before limit where PyYAML's scanner fails and libyaml's does not: a tab
 * outside a quoted scalar, block scalar or comment (between libyaml's tokens, or inside a plain
 * scalar; right after a tag it is the tag's error), or a block scalar header PyYAML refuses.
 * Scans c->ptext with libyaml's scanner. */
static int py_stricter_before(yctx_t *c, size_t limit, stricter_t *out)
{
    yaml_parser_t *scanner;
    uint32_t *cps;
    size_t n = 0, off = 0, maxend = 0, i, tab = 0, prev_tag_start = (size_t)-1, prev_tag_end = (size_t)-1;
    int found = 0, done = 0, header = 0;

    if (!memchr(c->ptext, '\t', c->plen) && !memchr(c->ptext, '|', c->plen) && !memchr(c->ptext, '>', c->plen) &&
        !memchr(c->ptext, '!', c->plen))
        return 0;
    cps = apr_palloc(c->p, (c->plen + 2) * sizeof *cps);
    while (off < c->plen) {
        unsigned long cp;
        off += heat_utf8_decode(c->ptext + off, c->plen - off, &cp);
        cps[n++] = (uint32_t)cp;
    }
    cps[n] = 0;
    /* libyaml indexes exclude the BOM */
    if (c->bom) {
        cps++;
        n--;
    }
    scanner = apr_pcalloc(c->p, sizeof *scanner);
    if (!yaml_parser_initialize(scanner))
        return 0;
    apr_pool_cleanup_register(c->p, scanner, parser_cleanup, apr_pool_cleanup_null);
    yaml_parser_set_input_string(scanner, (const unsigned char *)c->ptext, c->plen);
    while (!found && !done) {
        yaml_token_t tok;
        size_t gap_end, tstart, tend;
        int ok = yaml_parser_scan(scanner, &tok);
        if (!ok) {
            /* the rest up to the error holds tokens libyaml had not handed out yet (a pending
             * simple key) or the failing token: quoted text is skipped below */
            gap_end = scanner->problem_mark.index;
            if (gap_end < maxend)
                gap_end = maxend;
            tstart = tend = gap_end;
            done = 1;
        }
        else {
            tstart = tok.start_mark.index;
            tend = tok.end_mark.index;
            gap_end = tstart;
            done = tok.type == YAML_STREAM_END_TOKEN;
        }
        /* the gap libyaml skipped: blanks, comments, line breaks */
        for (i = maxend; i < gap_end && i < n && !found; i++) {
            if (cps[i] == '#' && (i == 0 || cps[i - 1] == ' ' || cps[i - 1] == '\t' || is_break_cp(cps[i - 1])))
                while (i + 1 < gap_end && !is_break_cp(cps[i + 1]))
                    i++;
            else if (!ok && (cps[i] == '"' || cps[i] == '\'') &&
                     (i == 0 || strchr(" \t[{,:?-", (int)cps[i - 1]) || is_break_cp(cps[i - 1]))) {
                uint32_t q = cps[i];
                for (i++; i < gap_end && cps[i] != q; i++)
                    if (q == '"' && cps[i] == '\\')
                        i++;
            }
            else if (cps[i] == '\t') {
                tab = i;
                found = 1;
            }
        }
        if (ok && !found && tok.type == YAML_SCALAR_TOKEN) {
            if (tok.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
                for (i = tstart; i < tend && i < n; i++)
                    if (cps[i] == '\t') {
                        tab = i;
                        found = 1;
                        break;
                    }
            }
            else if (tok.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                     tok.data.scalar.style == YAML_FOLDED_SCALAR_STYLE) {
                size_t at;
                const char *problem;
                if (py_block_header_error(c, orig_index(c, tstart), &at, &problem)) {
                    out->index = at;
                    out->context = "while scanning a block scalar";
                    out->context_index = orig_index(c, tstart);
                    out->problem = problem;
                    found = header = 1;
                }
            }
        }
        if (ok && !found && tok.type == YAML_TAG_TOKEN) {
            prev_tag_start = tstart;
            prev_tag_end = tend;
            /* PyYAML's tag handles are [0-9A-Za-z_-] only */
            if (py_tag_problem(c, orig_index(c, tstart), out))
                found = header = 1;
        }
        if (ok)
            yaml_token_delete(&tok);
        if (tend > maxend)
            maxend = tend;
        if (orig_index(c, tstart) > limit)
            done = 1;
    }
    apr_pool_cleanup_run(c->p, scanner, parser_cleanup);
    if (!found)
        return 0;
    if (header)
        return out->index < limit;
    if (tab == prev_tag_end && py_tag_problem(c, orig_index(c, prev_tag_start), out)) {
        /* scan_tag wants a space, line break or end after the tag (or failed before) */
    }
    else {
        out->index = orig_index(c, tab);
        out->context = NULL;
        out->problem = "found character '\\t' that cannot start any token";
    }
    return out->index < limit;
}

/* Maps libyaml's error to the exception PyYAML's pure-Python SafeLoader raises (heat reports that
 * one). The marks agree in all but a few places, adjusted below. */
static void libyaml_error(yctx_t *c, yaml_parser_t *parser)
{
    const char *ctx = parser->context;
    const char *prob = parser->problem ? parser->problem : "unknown error";
    ymark_t cm = mark_of(c, parser->context_mark), pm = mark_of(c, parser->problem_mark);
    const ymark_t *cmp = ctx ? &cm : NULL;
    const char *tok = "'<unknown>'";

    c->has_scan_limit = 0;

    if (parser->tokens.head != parser->tokens.tail) {
        tok = token_id(parser->tokens.head->type);
        if (parser->error == YAML_PARSER_ERROR) {
            /* PyYAML's scanner has produced that whole token before its parser objects */
            c->has_scan_limit = 1;
            c->scan_limit = orig_index(c, parser->tokens.head->end_mark.index);
        }
    }

    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        fail(c, HEAT_YAML_EXCEPTION, "MemoryError", "");
        return;
    case YAML_READER_ERROR:
        /* The input was checked as Python's reader does before libyaml saw it. */
        fail(c, HEAT_YAML_ERROR, "ReaderError",
             apr_psprintf(c->p, "%s\n  in \"%s\", position %lu", prob, c->name,
                          (unsigned long)parser->problem_offset));
        return;
    case YAML_SCANNER_ERROR:
        if (!strcmp(prob, "found character that cannot start any token")) {
            fail_marked(c, "ScannerError", "while scanning for the next token", NULL,
                        apr_psprintf(c->p, "found character %s that cannot start any token", char_repr_at(c, pm.index)),
                        &pm);
            return;
        }
        if (!strcmp(prob, "block sequence entries are not allowed in this context")) {
            fail_marked(c, "ScannerError", NULL, NULL, "sequence entries are not allowed here", &pm);
            return;
        }
        if (!strcmp(prob, "mapping keys are not allowed in this context")) {
            fail_marked(c, "ScannerError", NULL, NULL, "mapping keys are not allowed here", &pm);
            return;
        }
        if (!strcmp(prob, "mapping values are not allowed in this context")) {
            fail_marked(c, "ScannerError", NULL, NULL, "mapping values are not allowed here", &pm);
            return;
        }
        if (!strcmp(prob, "found a tab character that violates indentation") ||
            !strcmp(prob, "found a tab character where an indentation space is expected")) {
            fail_marked(c, "ScannerError", "while scanning for the next token", NULL,
                        "found character '\\t' that cannot start any token", &pm);
            return;
        }
        if (ctx && (!strcmp(ctx, "while scanning a tag") || !strcmp(ctx, "while parsing a tag")) &&
            py_tag_error(c, &cm))
            return;
        if (ctx && !strcmp(ctx, "while scanning a block scalar")) {
            block_scalar_error(c, &cm, &pm, prob);
            return;
        }
        if (!strcmp(prob, "found unexpected document indicator")) {
            fail_marked(c, "ScannerError", "while scanning a quoted scalar", cmp, "found unexpected document separator",
                        &pm);
            return;
        }
        if (!strcmp(prob, "found unknown escape character")) {
            ymark_t at = mark_next(pm); /* PyYAML points after the backslash */
            fail_marked(c, "ScannerError", "while scanning a double-quoted scalar", cmp,
                        apr_psprintf(c->p, "found unknown escape character %s", char_repr_at(c, at.index)), &at);
            return;
        }
        if (!strcmp(prob, "did not find expected hexdecimal number")) {
            /* pm is at the first digit; the escape letter is just before it */
            unsigned long letter = pm.index ? char_at(c, pm.index - 1) : 'x';
            size_t n = letter == 'u' ? 4 : letter == 'U' ? 8 : 2, k;
            for (k = 0; k < n; k++) {
                unsigned long d = char_at(c, pm.index + k);
                if (!((d >= '0' && d <= '9') || (d >= 'a' && d <= 'f') || (d >= 'A' && d <= 'F')))
                    break;
            }
            fail_marked(c, "ScannerError", "while scanning a double-quoted scalar", cmp,
                        apr_psprintf(c->p, "expected escape sequence of %lu hexadecimal numbers, but found %s",
                                     (unsigned long)n, char_repr_at(c, pm.index + k)),
                        &pm);
            return;
        }
        if (!strcmp(prob, "found invalid Unicode character escape code")) {
            /* PyYAML calls chr(code): above U+10FFFF that is a ValueError (an OverflowError past
             * INT_MAX), not a YAML error. (A surrogate escape loads in PyYAML, and heat would use
             * the pure-Python result: not reproduced.) pm is at the first hex digit. */
            unsigned long letter = pm.index ? char_at(c, pm.index - 1) : 'U', code = 0;
            size_t n = letter == 'u' ? 4 : letter == 'U' ? 8 : 2, k;
            for (k = 0; k < n; k++)
                code = code * 16 + (unsigned long)digit_value((char)char_at(c, pm.index + k));
            if (code > 0x7FFFFFFFUL)
                fail(c, HEAT_YAML_EXCEPTION, "OverflowError", "Python int too large to convert to C int");
            else
                fail(c, HEAT_YAML_EXCEPTION, "ValueError", "chr() arg not in range(0x110000)");
            return;
        }
        if (!strcmp(prob, "did not find expected alphabetic or numeric character")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected alphabetic or numeric character, but found %s",
                                     char_repr_at(c, pm.index)),
                        &pm);
            return;
        }
        if (!strcmp(prob, "did not find the expected '>'")) {
            fail_marked(c, "ScannerError", "while parsing a tag", cmp,
                        apr_psprintf(c->p, "expected '>', but found %s", char_repr_at(c, pm.index)), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected whitespace or line break") && ctx &&
            !strcmp(ctx, "while scanning a tag")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected ' ', but found %s", char_repr_at(c, pm.index)), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected '!'")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected '!', but found %s", char_repr_at(c, pm.index)), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected tag URI")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected URI, but found %s", char_repr_at(c, pm.index)), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected comment or line break")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected a comment or a line break, but found %s",
                                     char_repr_at(c, pm.index)),
                        &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected digit or '.' character")) {
            fail_marked(c, "ScannerError", "while scanning a directive", cmp,
                        apr_psprintf(c->p, "expected a digit or '.', but found %s", char_repr_at(c, pm.index)),
                        &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected version number")) {
            fail_marked(c, "ScannerError", "while scanning a directive", cmp,
                        apr_psprintf(c->p, "expected a digit, but found %s", char_repr_at(c, pm.index)), &pm);
            return;
        }
        if (!strcmp(prob, "could not find expected directive name") ||
            !strcmp(prob, "found unexpected non-alphabetical character")) {
            fail_marked(c, "ScannerError", ctx, cmp,
                        apr_psprintf(c->p, "expected alphabetic or numeric character, but found %s",
                                     char_repr_at(c, pm.index)),
                        &pm);
            return;
        }
        fail_marked(c, "ScannerError", ctx, cmp, prob, &pm);
        return;
    case YAML_PARSER_ERROR:
        if (!strcmp(prob, "did not find expected <document start>")) {
            fail_marked(c, "ParserError", NULL, NULL,
                        apr_psprintf(c->p, "expected '<document start>', but found %s", tok), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected node content")) {
            fail_marked(c, "ParserError", ctx, cmp,
                        apr_psprintf(c->p, "expected the node content, but found %s", tok), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected '-' indicator") || !strcmp(prob, "did not find expected key")) {
            fail_marked(c, "ParserError", ctx, cmp, apr_psprintf(c->p, "expected <block end>, but found %s", tok),
                        &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected ',' or ']'")) {
            fail_marked(c, "ParserError", ctx, cmp, apr_psprintf(c->p, "expected ',' or ']', but got %s", tok), &pm);
            return;
        }
        if (!strcmp(prob, "did not find expected ',' or '}'")) {
            fail_marked(c, "ParserError", ctx, cmp, apr_psprintf(c->p, "expected ',' or '}', but got %s", tok), &pm);
            return;
        }
        if (!strcmp(prob, "found duplicate %YAML directive")) {
            fail_marked(c, "ParserError", NULL, NULL, "found duplicate YAML directive", &pm);
            return;
        }
        if (!strcmp(prob, "found incompatible YAML document")) {
            fail_marked(c, "ParserError", NULL, NULL, "found incompatible YAML document (version 1.* is required)",
                        &pm);
            return;
        }
        if (!strcmp(prob, "found undefined tag handle") || !strcmp(prob, "found duplicate %TAG directive")) {
            /* the handle is the text from the mark up to the second '!' */
            size_t off = char_offset(c->text, c->len, pm.index + c->bom), e = off + 1;
            int undefined = !strcmp(prob, "found undefined tag handle");
            if (!undefined) { /* %TAG !x! prefix: the handle follows the directive name */
                while (off < c->len && c->text[off] != ' ')
                    off++;
                while (off < c->len && c->text[off] == ' ')
                    off++;
                e = off + 1;
            }
            while (e < c->len && c->text[e] != '!' && c->text[e] != ' ')
                e++;
            if (e < c->len && c->text[e] == '!')
                e++;
            fail_marked(c, "ParserError", undefined ? "while parsing a node" : NULL, undefined ? cmp : NULL,
                        apr_psprintf(c->p, undefined ? "found undefined tag handle %s" : "duplicate tag handle %s",
                                     heat_py_repr(c->p, c->text + off, e - off)),
                        &pm);
            return;
        }
        fail_marked(c, "ParserError", ctx, cmp, prob, &pm);
        return;
    default:
        fail(c, HEAT_YAML_ERROR, "YAMLError", prob);
        return;
    }
}

/* =====================================================================================
 * Resolver (yaml/resolver.py, implicit resolvers of YAML 1.1)
 * ===================================================================================== */

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int is_digit_(char ch)
{
    return is_digit(ch) || ch == '_';
}

/* (:[0-5]?[0-9])+ from s[*i]; at least one group. */
static int match_sexagesimal(const char *s, size_t len, size_t *i)
{
    int groups = 0;
    while (*i < len && s[*i] == ':') {
        size_t k = *i + 1, n = 0;
        while (k + n < len && is_digit(s[k + n]))
            n++;
        if (n == 1 || (n == 2 && s[k] <= '5'))
            *i = k + n;
        else
            return 0;
        groups++;
    }
    return groups > 0;
}

/* [eE][-+][0-9]+ to the end, or nothing */
static int match_exponent_end(const char *s, size_t len, size_t i)
{
    if (i == len)
        return 1;
    if (s[i] != 'e' && s[i] != 'E')
        return 0;
    i++;
    if (i >= len || (s[i] != '-' && s[i] != '+'))
        return 0;
    i++;
    if (i >= len)
        return 0;
    while (i < len && is_digit(s[i]))
        i++;
    return i == len;
}

static int match_float(const char *s, size_t len)
{
    size_t i = 0, j;
    if (len == 0)
        return 0;
    /* \.(nan|NaN|NAN) and \.[0-9][0-9_]*(exp)? */
    if (s[0] == '.') {
        if (len == 4 && (!memcmp(s, ".nan", 4) || !memcmp(s, ".NaN", 4) || !memcmp(s, ".NAN", 4)))
            return 1;
        if (len == 4 && (!memcmp(s, ".inf", 4) || !memcmp(s, ".Inf", 4) || !memcmp(s, ".INF", 4)))
            return 1;
        if (len >= 2 && is_digit(s[1])) {
            i = 2;
            while (i < len && is_digit_(s[i]))
                i++;
            return match_exponent_end(s, len, i);
        }
        return 0;
    }
    if (s[0] == '-' || s[0] == '+') {
        i = 1;
        if (len == 5 && (!memcmp(s + 1, ".inf", 4) || !memcmp(s + 1, ".Inf", 4) || !memcmp(s + 1, ".INF", 4)))
            return 1;
    }
    if (i >= len || !is_digit(s[i]))
        return 0;
    i++;
    while (i < len && is_digit_(s[i]))
        i++;
    j = i;
    /* [-+]?[0-9][0-9_]*\.[0-9_]*(exp)? */
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit_(s[i]))
            i++;
        return match_exponent_end(s, len, i);
    }
    /* [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
    i = j;
    if (!match_sexagesimal(s, len, &i))
        return 0;
    if (i >= len || s[i] != '.')
        return 0;
    i++;
    while (i < len && is_digit_(s[i]))
        i++;
    return i == len;
}

static int match_int(const char *s, size_t len)
{
    size_t i = 0;
    if (len && (s[0] == '-' || s[0] == '+'))
        i = 1;
    if (i >= len)
        return 0;
    if (s[i] == '0') {
        if (i + 1 == len)
            return 1; /* 0 */
        if (s[i + 1] == 'b') {
            size_t k = i + 2;
            if (k >= len)
                return 0;
            for (; k < len; k++)
                if (s[k] != '0' && s[k] != '1' && s[k] != '_')
                    return 0;
            return 1;
        }
        if (s[i + 1] == 'x') {
            size_t k = i + 2;
            if (k >= len)
                return 0;
            for (; k < len; k++)
                if (!(is_digit_(s[k]) || (s[k] >= 'a' && s[k] <= 'f') || (s[k] >= 'A' && s[k] <= 'F')))
                    return 0;
            return 1;
        }
        {
            size_t k;
            for (k = i + 1; k < len; k++)
                if (!((s[k] >= '0' && s[k] <= '7') || s[k] == '_'))
                    return 0;
            return 1;
        }
    }
    if (s[i] < '1' || s[i] > '9')
        return 0;
    i++;
    while (i < len && is_digit_(s[i]))
        i++;
    if (i == len)
        return 1;
    return match_sexagesimal(s, len, &i) && i == len;
}

/* The timestamp regexps: the implicit resolver's (resolver = 1) and SafeConstructor's
 * timestamp_regexp (resolver = 0), which also yields the fields. */
typedef struct {
    int year, month, day, has_time, hour, minute, second, has_tz_sign, tz_neg, tz_hour, tz_minute;
} ts_t;

static int digits_at(const char *s, size_t len, size_t *i, int min, int max, int *value)
{
    int n = 0, v = 0;
    while (*i < len && n < max && is_digit(s[*i])) {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        n++;
    }
    *value = v;
    return n >= min;
}

static int match_timestamp(const char *s, size_t len, int resolver, ts_t *t)
{
    size_t i = 0, mark;
    int two_month, two_day;
    memset(t, 0, sizeof *t);
    if (!digits_at(s, len, &i, 4, 4, &t->year) || i >= len || s[i++] != '-')
        return 0;
    mark = i;
    if (!digits_at(s, len, &i, 1, 2, &t->month) || i >= len || s[i++] != '-')
        return 0;
    two_month = i - mark == 3;
    mark = i;
    if (!digits_at(s, len, &i, 1, 2, &t->day))
        return 0;
    two_day = i - mark == 2;
    if (i == len)
        return !resolver || (two_month && two_day); /* a date alone: YYYY-MM-DD for the resolver */
    if (s[i] == 'T' || s[i] == 't')
        i++;
    else if (s[i] == ' ' || s[i] == '\t')
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
    else
        return 0;
    t->has_time = 1;
    if (!digits_at(s, len, &i, 1, 2, &t->hour) || i >= len || s[i++] != ':' ||
        !digits_at(s, len, &i, 2, 2, &t->minute) || i >= len || s[i++] != ':' ||
        !digits_at(s, len, &i, 2, 2, &t->second))
        return 0;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i]))
            i++;
    }
    mark = i;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i < len && s[i] == 'Z')
        i++;
    else if (i < len && (s[i] == '-' || s[i] == '+')) {
        t->has_tz_sign = 1;
        t->tz_neg = s[i] == '-';
        i++;
        if (!digits_at(s, len, &i, 1, 2, &t->tz_hour))
            return 0;
        if (i < len && s[i] == ':') {
            size_t save = i++;
            if (!digits_at(s, len, &i, 2, 2, &t->tz_minute) || (i < len && is_digit(s[i])))
                i = save;
        }
    }
    else
        i = mark;
    return i == len;
}

static int match_timestamp_resolver(const char *s, size_t len)
{
    ts_t t;
    return match_timestamp(s, len, 1, &t);
}

static int match_bool(const char *s, size_t len)
{
    static const char *const words[] = {"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE",
                                        "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"};
    size_t k;
    for (k = 0; k < sizeof words / sizeof *words; k++)
        if (strlen(words[k]) == len && !memcmp(words[k], s, len))
            return 1;
    return 0;
}

static int match_null(const char *s, size_t len)
{
    return len == 0 || (len == 1 && s[0] == '~') ||
           (len == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* Python's re `$` also matches before a final newline. */
static int fullmatch(int (*m)(const char *, size_t), const char *s, size_t len)
{
    return m(s, len) || (len > 0 && s[len - 1] == '\n' && m(s, len - 1));
}

/* BaseResolver.resolve for a plain (implicit) scalar: the resolvers registered for its first
 * character, in registration order (bool, float, int, merge, null, timestamp, value). A
 * timestamp resolves to a tag whose constructor heat replaced by the str one, so it is left
 * to the default. */
static const char *resolve_scalar(const char *v, size_t len)
{
    char c0;
    if (len == 0)
        return TAG_NULL;
    c0 = v[0];
    if (strchr("yYnNtTfFoO", c0) && fullmatch(match_bool, v, len))
        return TAG_BOOL;
    if (strchr("-+0123456789.", c0) && fullmatch(match_float, v, len))
        return TAG_FLOAT;
    if (strchr("-+0123456789", c0) && fullmatch(match_int, v, len))
        return TAG_INT;
    if (c0 == '<' && (len == 2 || (len == 3 && v[2] == '\n')) && v[1] == '<')
        return TAG_MERGE;
    if (strchr("~nN", c0) && fullmatch(match_null, v, len))
        return TAG_NULL;
    if (strchr("0123456789", c0) && fullmatch(match_timestamp_resolver, v, len))
        return TAG_TIMESTAMP; /* heat constructs it as a str */
    if (c0 == '=' && (len == 1 || (len == 2 && v[1] == '\n')))
        return TAG_VALUE;
    return TAG_STR;
}

static const int days_in_month[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* The value SafeConstructor.construct_yaml_timestamp makes of a valid timestamp, as heat-api
 * passes it on: a datetime becomes to_primitive's strftime('%Y-%m-%dT%H:%M:%S.%f') text (the
 * zone dropped), a date stays a date (which heat-api then fails to serialise). */
static void timestamp_object(yctx_t *c, const char *v, size_t len, pyobj_t *o)
{
    ts_t t;
    char frac[7] = "000000";
    const char *dot;
    size_t k;
    if (!match_timestamp(v, len, 0, &t) && !(len && v[len - 1] == '\n' && match_timestamp(v, len - 1, 0, &t)))
        return;
    if (!t.has_time || c->safe) {
        o->t = t.has_time ? PY_DATETIME : PY_DATE; /* o->s keeps the text */
        return;
    }
    dot = memchr(v, '.', len);
    if (dot)
        for (k = 0; k < 6 && dot + 1 + k < v + len && is_digit(dot[1 + k]); k++)
            frac[k] = dot[1 + k];
    o->t = PY_STR;
    o->s = apr_psprintf(c->p, "%04d-%02d-%02dT%02d:%02d:%02d.%s", t.year, t.month, t.day, t.hour, t.minute, t.second,
                        frac);
    o->len = strlen(o->s);
}

/* What SafeConstructor.construct_yaml_timestamp would raise for this text, or NULL. */
static const char *timestamp_exception(yctx_t *c, const char *v, size_t len, const char **type)
{
    ts_t t;
    int leap;
    *type = "ValueError";
    if (!match_timestamp(v, len, 0, &t) && !(len && v[len - 1] == '\n' && match_timestamp(v, len - 1, 0, &t))) {
        *type = "AttributeError";
        return "'NoneType' object has no attribute 'groupdict'";
    }
    if (t.has_time && t.has_tz_sign) {
        long secs = (long)t.tz_hour * 3600 + (long)t.tz_minute * 60;
        if (secs >= 86400) {
            long total = t.tz_neg ? -secs : secs;
            long days = total >= 0 ? total / 86400 : -((-total + 86399) / 86400);
            long rest = total - days * 86400;
            return apr_psprintf(c->p, "offset must be a timedelta strictly between -timedelta(hours=24) and "
                                      "timedelta(hours=24), not datetime.timedelta(days=%ld%s).",
                                days, rest ? apr_psprintf(c->p, ", seconds=%ld", rest) : "");
        }
    }
    if (t.year < 1)
        return apr_psprintf(c->p, "year %d is out of range", t.year);
    if (t.month < 1 || t.month > 12)
        return "month must be in 1..12";
    leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
    if (t.day < 1 || t.day > days_in_month[t.month - 1] + (t.month == 2 && leap))
        return "day is out of range for month";
    if (t.has_time) {
        if (t.hour > 23)
            return "hour must be in 0..23";
        if (t.minute > 59)
            return "minute must be in 0..59";
        if (t.second > 59)
            return "second must be in 0..59";
    }
    return NULL;
}

/* =====================================================================================
 * Composer (yaml/composer.py)
 * ===================================================================================== */

static const char *node_id(const ynode_t *n)
{
    return n->kind == YN_SCALAR ? "scalar" : n->kind == YN_SEQ ? "sequence" : "mapping";
}

static void node_add(yctx_t *c, ynode_t *parent, ynode_t *child)
{
    if (parent->n == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 8;
        ynode_t **items = apr_palloc(c->p, cap * sizeof *items);
        if (parent->n)
            memcpy(items, parent->items, parent->n * sizeof *items);
        parent->items = items;
        parent->cap = cap;
    }
    parent->items[parent->n++] = child;
}

static unsigned long weight_add(unsigned long a, unsigned long b)
{
    unsigned long s = a + b;
    return (s < a || s > HEAT_YAML_MAX_EXPANSION + 1UL) ? HEAT_YAML_MAX_EXPANSION + 1UL : s;
}

static size_t bytes_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

typedef struct {
    ynode_t **stack;
    size_t depth, cap;
    ynode_t *root;
    int documents;
} compose_t;

static void compose_attach(yctx_t *c, compose_t *cs, ynode_t *node)
{
    if (cs->depth == 0)
        cs->root = node;
    else {
        ynode_t *parent = cs->stack[cs->depth - 1];
        node_add(c, parent, node);
        parent->weight = weight_add(parent->weight, node->weight);
        parent->bytes = bytes_add(parent->bytes, node->bytes);
    }
}

static int compose_anchor(yctx_t *c, const yaml_char_t *anchor, ynode_t *node, const yaml_mark_t *mark)
{
    ynode_t *first;
    if (!anchor)
        return 1;
    first = apr_hash_get(c->anchors, anchor, APR_HASH_KEY_STRING);
    if (first) {
        ymark_t m = mark_of(c, *mark);
        fail_marked(c, "ComposerError",
                    apr_psprintf(c->p, "found duplicate anchor %s; first occurrence",
                                 heat_py_repr(c->p, (const char *)anchor, strlen((const char *)anchor))),
                    &first->start, "second occurrence", &m);
        return 0;
    }
    apr_hash_set(c->anchors, apr_pstrdup(c->p, (const char *)anchor), APR_HASH_KEY_STRING, node);
    node->shared = 1;
    return 1;
}

/* Handles one event; returns 0 on error (c->failed set). */
static int compose_event(yctx_t *c, compose_t *cs, yaml_event_t *ev)
{
    ynode_t *node;

    c->has_scan_limit = 1;
    c->scan_limit = orig_index(c, ev->end_mark.index);

    /* every node and alias is counted as it comes: a document over the request's budget stops
     * here, before its tree grows further (a syntax error further on is not reached) */
    if ((ev->type == YAML_ALIAS_EVENT || ev->type == YAML_SCALAR_EVENT || ev->type == YAML_SEQUENCE_START_EVENT ||
         ev->type == YAML_MAPPING_START_EVENT) &&
        !heat_nodes_take(c->nodes)) {
        fail(c, HEAT_YAML_TOO_MANY, "RequestLimitExceeded",
             apr_psprintf(c->p, "too many nodes (at most %" APR_SIZE_T_FMT " JSON values and YAML nodes per request)",
                          (apr_size_t)c->nodes->limit));
        if (c->err)
            c->err->limit = c->nodes->limit;
        return 0;
    }

    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++cs->documents > 1) {
            ymark_t m = mark_of(c, ev->start_mark);
            fail_marked(c, "ComposerError", "expected a single document in the stream", &cs->root->start,
                        "but found another document", &m);
            return 0;
        }
        return 1;
    case YAML_ALIAS_EVENT: {
        const char *anchor = (const char *)ev->data.alias.anchor;
        node = apr_hash_get(c->anchors, anchor, APR_HASH_KEY_STRING);
        if (!node) {
            ymark_t m = mark_of(c, ev->start_mark);
            fail_marked(c, "ComposerError", NULL, NULL,
                        apr_psprintf(c->p, "found undefined alias %s", heat_py_repr(c->p, anchor, strlen(anchor))), &m);
            return 0;
        }
        /* An alias to a node still being composed (an ancestor) is allowed here, as in PyYAML:
         * a merge key can make the loop disappear. Loops left in the value are refused after
         * construction (check_graph). */
        /* too much expansion is refused once the whole stream parsed (a syntax error further on
         * is what heat would report); composing goes on cheaply, aliases are pointers */
        c->expansion = weight_add(c->expansion, node->weight);
        c->alias_bytes = bytes_add(c->alias_bytes, node->bytes);
        compose_attach(c, cs, node);
        return 1;
    }
    case YAML_SCALAR_EVENT: {
        const char *tag = (const char *)ev->data.scalar.tag;
        node = apr_pcalloc(c->p, sizeof *node);
        node->kind = YN_SCALAR;
        node->start = mark_of(c, ev->start_mark);
        node->len = ev->data.scalar.length;
        node->value = apr_pstrmemdup(c->p, (const char *)ev->data.scalar.value, node->len);
        node->weight = 1;
        /* quotes and separator: what json.dumps writes around it (escapes not counted) */
        node->bytes = bytes_add(node->len, 4);
        if (!tag || !strcmp(tag, "!"))
            node->tag = ev->data.scalar.plain_implicit ? resolve_scalar(node->value, node->len) : TAG_STR;
        else
            node->tag = apr_pstrdup(c->p, tag);
        if (!compose_anchor(c, ev->data.scalar.anchor, node, &ev->start_mark))
            return 0;
        compose_attach(c, cs, node);
        return 1;
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        int seq = ev->type == YAML_SEQUENCE_START_EVENT;
        const char *tag = (const char *)(seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag);
        const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor;
        if (cs->depth >= HEAT_YAML_MAX_DEPTH) {
            fail(c, HEAT_YAML_UNSUPPORTED, "RecursionError",
                 apr_psprintf(c->p, "collections nested deeper than %d levels (line %lu, column %lu) are not supported",
                              HEAT_YAML_MAX_DEPTH, (unsigned long)ev->start_mark.line + 1,
                              (unsigned long)ev->start_mark.column + 1));
            return 0;
        }
        node = apr_pcalloc(c->p, sizeof *node);
        node->kind = seq ? YN_SEQ : YN_MAP;
        node->start = mark_of(c, ev->start_mark);
        node->weight = 1;
        node->bytes = 4;
        node->tag = (!tag || !strcmp(tag, "!")) ? (seq ? TAG_SEQ : TAG_MAP) : apr_pstrdup(c->p, tag);
        if (!compose_anchor(c, anchor, node, &ev->start_mark))
            return 0;
        if (cs->depth == cs->cap) {
            size_t cap = cs->cap ? cs->cap * 2 : 16;
            ynode_t **stack = apr_palloc(c->p, cap * sizeof *stack);
            if (cs->depth)
                memcpy(stack, cs->stack, cs->depth * sizeof *stack);
            cs->stack = stack;
            cs->cap = cap;
        }
        cs->stack[cs->depth++] = node;
        return 1;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        node = cs->stack[--cs->depth];
        if (node->kind == YN_MAP)
            node->n /= 2; /* pairs */
        compose_attach(c, cs, node);
        return 1;
    default:
        return 1;
    }
}

/* =====================================================================================
 * Constructor (yaml/constructor.py SafeConstructor + heat's overrides)
 * ===================================================================================== */

static pyobj_t py_none(void)
{
    pyobj_t o;
    memset(&o, 0, sizeof o);
    o.t = PY_NONE;
    return o;
}

static void ctor_error(yctx_t *c, const char *context, const ymark_t *cm, const char *problem, const ymark_t *pm)
{
    fail_marked(c, "ConstructorError", context, cm, problem, pm);
}

static void py_exception(yctx_t *c, const char *type, const char *message)
{
    fail(c, HEAT_YAML_EXCEPTION, type, message);
}

/* SafeConstructor.construct_scalar: a mapping with a `=` key stands for its value. */
static int construct_scalar(yctx_t *c, ynode_t *node, const char **value, size_t *len)
{
    size_t k;
    int guard = 0;
    while (node->kind == YN_MAP && guard++ < HEAT_YAML_MAX_DEPTH) {
        ynode_t *found = NULL;
        for (k = 0; k < node->n; k++)
            if (!strcmp(node->items[2 * k]->tag, TAG_VALUE)) {
                found = node->items[2 * k + 1];
                break;
            }
        if (!found)
            break;
        node = found;
    }
    if (node->kind != YN_SCALAR) {
        ctor_error(c, NULL, NULL, apr_psprintf(c->p, "expected a scalar node, but found %s", node_id(node)),
                   &node->start);
        return 0;
    }
    *value = node->value;
    *len = node->len;
    return 1;
}

/* Python's str.strip() whitespace for the characters int() and float() skip. */
static size_t py_space_len(const unsigned char *s, size_t len)
{
    unsigned long cp;
    size_t w;
    if (!len)
        return 0;
    if (s[0] == ' ' || (s[0] >= 0x09 && s[0] <= 0x0D) || (s[0] >= 0x1C && s[0] <= 0x1F))
        return 1;
    if (s[0] < 0x80)
        return 0;
    w = heat_utf8_decode((const char *)(s), len, &cp);
    if (cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
        cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000)
        return w;
    return 0;
}

static void py_strip(const char **s, size_t *len)
{
    size_t w;
    while (*len && (w = py_space_len((const unsigned char *)*s, *len)) > 0) {
        *s += w;
        *len -= w;
    }
    /* trailing: step back over one character at a time */
    while (*len) {
        size_t k = *len - 1;
        while (k > 0 && ((unsigned char)(*s)[k] & 0xC0) == 0x80)
            k--;
        if (py_space_len((const unsigned char *)*s + k, *len - k) == *len - k)
            *len = k;
        else
            break;
    }
}

static int digit_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A' + 10;
    return 99;
}

/* int(s, base) of Python 3.11 for the text s (no underscores left: construct_yaml_int removed
 * them). Returns 1 with *out (*big when beyond 64 bits), or 0 having raised ValueError. */
static int py_int(yctx_t *c, const char *arg, size_t arglen, int base, int negate, long long *out, int *big)
{
    const char *s = arg;
    size_t len = arglen, i = 0, digits = 0;
    int neg = 0;
    unsigned long long acc = 0, limit;

    py_strip(&s, &len);
    if (len && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i + 1 < len && s[i] == '0') {
        char x = (char)(s[i + 1] | 0x20);
        if ((base == 16 && x == 'x') || (base == 8 && x == 'o') || (base == 2 && x == 'b'))
            i += 2;
    }
    neg ^= negate; /* the caller's sign * int(arg): computed here so that -2**63 fits */
    *big = 0;
    limit = neg ? (unsigned long long)LLONG_MAX + 1ULL : (unsigned long long)LLONG_MAX;
    for (; i < len; i++, digits++) {
        int d = digit_value(s[i]);
        if (d >= base)
            break;
        if (!*big) {
            if (acc > (limit - (unsigned)d) / (unsigned)base)
                *big = 1;
            else
                acc = acc * (unsigned)base + (unsigned)d;
        }
    }
    if (digits == 0 || i != len) {
        char *r = heat_py_repr(c->p, arg, arglen);
        if (strlen(r) > 200)
            r[200] = '\0'; /* %.200R */
        py_exception(c, "ValueError", apr_psprintf(c->p, "invalid literal for int() with base %d: %s", base, r));
        return 0;
    }
    if (base == 10 && digits > 4300) {
        py_exception(c, "ValueError",
                     apr_psprintf(c->p, "Exceeds the limit (4300 digits) for integer string conversion: value has %lu "
                                        "digits; use sys.set_int_max_str_digits() to increase the limit",
                                  (unsigned long)digits));
        return 0;
    }
    if (!*big)
        *out = neg ? (long long)(0ULL - acc) : (long long)acc;
    return 1;
}

/* Copy of s without '_' (value.replace('_', '')), lowercased if asked (ASCII only). */
static char *strip_underscores(apr_pool_t *p, const char *s, size_t len, size_t *outlen, int lower)
{
    char *o = apr_palloc(p, len + 1);
    size_t i, n = 0;
    for (i = 0; i < len; i++)
        if (s[i] != '_')
            o[n++] = (char)(lower && s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    o[n] = '\0';
    *outlen = n;
    return o;
}

static int mul_add(long long *acc, long long mul, long long add)
{
    long long t;
    if (__builtin_mul_overflow(*acc, mul, &t) || __builtin_add_overflow(t, add, &t))
        return 0;
    *acc = t;
    return 1;
}

/* SafeConstructor.construct_yaml_int */
static int construct_int(yctx_t *c, const char *raw, size_t rawlen, pyobj_t *o)
{
    size_t len;
    char *v = strip_underscores(c->p, raw, rawlen, &len, 0);
    long long sign = 1, r = 0;
    int big = 0;

    if (len == 0) {
        py_exception(c, "IndexError", "string index out of range");
        return 0;
    }
    if (v[0] == '-')
        sign = -1;
    if (v[0] == '+' || v[0] == '-') {
        v++;
        len--;
    }
    *o = py_none();
    o->t = PY_INT;
    if (len == 1 && v[0] == '0')
        return 1;
    if (len >= 2 && v[0] == '0' && v[1] == 'b') {
        if (!py_int(c, v + 2, len - 2, 2, sign < 0, &r, &big))
            return 0;
    }
    else if (len >= 2 && v[0] == '0' && v[1] == 'x') {
        if (!py_int(c, v + 2, len - 2, 16, sign < 0, &r, &big))
            return 0;
    }
    else if (len == 0) {
        py_exception(c, "IndexError", "string index out of range");
        return 0;
    }
    else if (v[0] == '0') {
        if (!py_int(c, v, len, 8, sign < 0, &r, &big))
            return 0;
    }
    else if (memchr(v, ':', len)) {
        /* digits = [int(part) for part in value.split(':')]; sum(digit * 60**k) */
        long long parts[64];
        size_t np = 0, start = 0, k;
        int overflow = 0;
        for (k = 0; k <= len; k++)
            if (k == len || v[k] == ':') {
                long long d = 0;
                int dbig = 0;
                if (!py_int(c, v + start, k - start, 10, 0, &d, &dbig))
                    return 0;
                if (np < 64)
                    parts[np] = d;
                if (dbig || np >= 64)
                    overflow = 1;
                np++;
                start = k + 1;
            }
        r = 0;
        if (!overflow) {
            long long base = 1;
            for (k = np; k-- > 0;) {
                long long term;
                if (__builtin_mul_overflow(parts[k], base, &term) || __builtin_add_overflow(r, term, &r)) {
                    overflow = 1;
                    break;
                }
                if (k > 0 && __builtin_mul_overflow(base, 60, &base)) {
                    /* any further nonzero digit overflows; zeros are fine */
                    size_t m;
                    for (m = 0; m < k; m++)
                        if (parts[m])
                            overflow = 1;
                    break;
                }
            }
        }
        big = overflow;
        if (!big && !mul_add(&r, sign, 0))
            big = 1;
    }
    else {
        if (!py_int(c, v, len, 10, sign < 0, &r, &big))
            return 0;
    }
    o->i = r;
    o->big = big;
    if (big) {
        /* safe_load keeps it as its text */
        o->s = raw;
        o->len = rawlen;
    }
    return 1;
}

/* float(s) of Python for ASCII text: [sign] (digits[.digits] | .digits)[(e|E)[sign]digits],
 * inf, infinity, nan (any case), surrounded by whitespace. */
static int py_float(yctx_t *c, const char *arg, size_t arglen, double *out)
{
    const char *s = arg;
    size_t len = arglen, i = 0, nd = 0;
    char *buf;

    py_strip(&s, &len);
    if (len && (s[0] == '+' || s[0] == '-'))
        i = 1;
    if (len - i == 3 && !strncasecmp(s + i, "inf", 3)) {
        *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    if (len - i == 8 && !strncasecmp(s + i, "infinity", 8)) {
        *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    if (len - i == 3 && !strncasecmp(s + i, "nan", 3)) {
        *out = NAN;
        return 1;
    }
    while (i < len && is_digit(s[i])) {
        i++;
        nd++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && is_digit(s[i])) {
            i++;
            nd++;
        }
    }
    if (nd && i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t save = i, ne = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < len && is_digit(s[i])) {
            i++;
            ne++;
        }
        if (!ne)
            i = save;
    }
    if (!nd || i != len) {
        py_exception(c, "ValueError",
                     apr_psprintf(c->p, "could not convert string to float: %s", heat_py_repr(c->p, arg, arglen)));
        return 0;
    }
    buf = apr_pstrmemdup(c->p, s, len);
    *out = strtod(buf, NULL); /* the C locale's '.', as httpd runs */
    return 1;
}

/* SafeConstructor.construct_yaml_float */
static int construct_float(yctx_t *c, const char *raw, size_t rawlen, pyobj_t *o)
{
    size_t len;
    char *v = strip_underscores(c->p, raw, rawlen, &len, 1);
    double sign = 1, r;

    if (len == 0) {
        py_exception(c, "IndexError", "string index out of range");
        return 0;
    }
    if (v[0] == '-')
        sign = -1;
    if (v[0] == '+' || v[0] == '-') {
        v++;
        len--;
    }
    *o = py_none();
    o->t = PY_FLOAT;
    if (len == 4 && !memcmp(v, ".inf", 4))
        r = HUGE_VAL;
    else if (len == 4 && !memcmp(v, ".nan", 4)) {
        o->d = NAN;
        return 1;
    }
    else if (memchr(v, ':', len)) {
        /* digits = [float(part) for part in value.split(':')]; sum(digit * 60**k) */
        size_t np = 1, start = 0, k, m = 0;
        double *parts, base = 1;
        for (k = 0; k < len; k++)
            np += v[k] == ':';
        parts = apr_palloc(c->p, np * sizeof *parts);
        for (k = 0; k <= len; k++)
            if (k == len || v[k] == ':') {
                if (!py_float(c, v + start, k - start, &parts[m++]))
                    return 0;
                start = k + 1;
            }
        r = 0.0;
        for (k = np; k-- > 0;) {
            r += parts[k] * base;
            base *= 60;
        }
    }
    else if (!py_float(c, v, len, &r))
        return 0;
    o->d = sign * r;
    return 1;
}

/* binascii.a2b_base64 (non-strict) as base64.decodebytes uses it. */
static int construct_binary(yctx_t *c, ynode_t *node, const char *v, size_t len, pyobj_t *o)
{
    static const signed char table[256] = {
        ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,  ['G'] = 7,  ['H'] = 8,
        ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16,
        ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
        ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32,
        ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40,
        ['o'] = 41, ['p'] = 42, ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
        ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
        ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
    }; /* value + 1; 0 = not in the alphabet */
    unsigned char *out = apr_palloc(c->p, len / 4 * 3 + 4);
    size_t i, n = 0;
    int quad = 0, pads = 0;
    unsigned leftchar = 0;

    /* .encode('ascii') first: the error names the run of non-ASCII characters */
    for (i = 0; i < len && (unsigned char)v[i] < 0x80; i++)
        ;
    if (i < len) {
        size_t run_end = i, cs = heat_py_strlen(v, i), ce;
        const char *msg;
        while (run_end < len && (unsigned char)v[run_end] >= 0x80)
            run_end++;
        ce = heat_py_strlen(v, run_end);
        if (ce == cs + 1) {
            unsigned long cp;
            char esc[24];
            heat_utf8_decode(v + i, len - i, &cp);
            snprintf(esc, sizeof esc, cp < 0x100 ? "\\x%02lx" : cp < 0x10000 ? "\\u%04lx" : "\\U%08lx", cp);
            msg = apr_psprintf(c->p, "'ascii' codec can't encode character '%s' in position %lu: ordinal not in "
                                     "range(128)", esc, (unsigned long)cs);
        }
        else
            msg = apr_psprintf(c->p, "'ascii' codec can't encode characters in position %lu-%lu: ordinal not in "
                                     "range(128)", (unsigned long)cs, (unsigned long)ce - 1);
        ctor_error(c, NULL, NULL, apr_psprintf(c->p, "failed to convert base64 data into ascii: %s", msg),
                   &node->start);
        return 0;
    }
    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)v[i];
        int val;
        if (ch == '=') {
            if (quad >= 2 && quad + ++pads >= 4)
                goto done;
            continue;
        }
        val = table[ch] - 1;
        if (val < 0)
            continue;
        pads = 0;
        switch (quad) {
        case 0:
            quad = 1;
            leftchar = (unsigned)val;
            break;
        case 1:
            quad = 2;
            out[n++] = (unsigned char)((leftchar << 2) | ((unsigned)val >> 4));
            leftchar = (unsigned)val & 0x0f;
            break;
        case 2:
            quad = 3;
            out[n++] = (unsigned char)((leftchar << 4) | ((unsigned)val >> 2));
            leftchar = (unsigned)val & 0x03;
            break;
        default:
            quad = 0;
            out[n++] = (unsigned char)((leftchar << 6) | (unsigned)val);
            leftchar = 0;
            break;
        }
    }
    if (quad != 0) {
        const char *msg = quad == 1 ? apr_psprintf(c->p, "Invalid base64-encoded string: number of data characters "
                                                         "(%lu) cannot be 1 more than a multiple of 4",
                                                   (unsigned long)(n / 3 * 4 + 1))
                                    : "Incorrect padding";
        ctor_error(c, NULL, NULL, apr_psprintf(c->p, "failed to decode base64 data: %s", msg), &node->start);
        return 0;
    }
done:
    *o = py_none();
    o->t = PY_BYTES;
    o->s = (const char *)out;
    o->len = n;
    return 1;
}

static void enqueue(yctx_t *c, ynode_t *node)
{
    if (c->qtail == c->qcap) {
        size_t cap = c->qcap ? c->qcap * 2 : 64;
        ynode_t **q = apr_palloc(c->p, cap * sizeof *q);
        if (c->qtail)
            memcpy(q, c->queue, c->qtail * sizeof *q);
        c->queue = q;
        c->qcap = cap;
    }
    c->queue[c->qtail++] = node;
}

/* BaseConstructor.construct_object. Collections get their (empty) container at once and are
 * filled later, in queue order, as PyYAML's state generators are. */
static int construct_object(yctx_t *c, ynode_t *node, pyobj_t *o)
{
    const char *tag = node->tag, *v;
    size_t len;

    if (node->constructed) {
        *o = node->obj;
        return 1;
    }
    if (!strcmp(tag, TAG_SEQ) || !strcmp(tag, TAG_OMAP) || !strcmp(tag, TAG_PAIRS) || !strcmp(tag, TAG_SET) ||
        !strcmp(tag, TAG_MAP)) {
        *o = py_none();
        if (!strcmp(tag, TAG_MAP)) {
            o->t = PY_DICT;
            o->j = json_object();
        }
        else {
            o->t = !strcmp(tag, TAG_SET) ? PY_SET : PY_LIST;
            o->j = json_array();
        }
        if (!o->j) {
            py_exception(c, "MemoryError", "");
            return 0;
        }
        if (c->ncontainers == c->capcontainers) {
            size_t cap = c->capcontainers ? c->capcontainers * 2 : 64;
            json_t **a = apr_palloc(c->p, cap * sizeof *a);
            if (c->ncontainers)
                memcpy(a, c->containers, c->ncontainers * sizeof *a);
            c->containers = a;
            c->capcontainers = cap;
        }
        c->containers[c->ncontainers++] = o->j;
        enqueue(c, node);
    }
    else if (!strcmp(tag, TAG_STR) || !strcmp(tag, TAG_TIMESTAMP)) {
        if (!construct_scalar(c, node, &v, &len))
            return 0;
        *o = py_none();
        o->t = PY_STR;
        o->s = v;
        o->len = len;
        if (!strcmp(tag, TAG_TIMESTAMP) && node->kind == YN_SCALAR) {
            const char *type, *msg = timestamp_exception(c, node->value, node->len, &type);
            if (msg && (c->nspaces || c->safe)) {
                /* heat uses the pure-Python SafeLoader's result: it raised here */
                py_exception(c, type, msg);
                return 0;
            }
            if (msg && !c->alt_type) {
                c->alt_type = type;
                c->alt_message = msg;
            }
            if (c->nspaces || c->safe)
                timestamp_object(c, node->value, node->len, o);
        }
    }
    else if (!strcmp(tag, TAG_NULL)) {
        if (!construct_scalar(c, node, &v, &len))
            return 0;
        *o = py_none();
    }
    else if (!strcmp(tag, TAG_BOOL)) {
        char *lower;
        size_t i;
        if (!construct_scalar(c, node, &v, &len))
            return 0;
        lower = apr_pstrmemdup(c->p, v, len);
        for (i = 0; i < len; i++)
            if (lower[i] >= 'A' && lower[i] <= 'Z')
                lower[i] = (char)(lower[i] + 32);
        *o = py_none();
        o->t = PY_BOOL;
        if (len == strlen(lower) && (!strcmp(lower, "yes") || !strcmp(lower, "true") || !strcmp(lower, "on")))
            o->i = 1;
        else if (len == strlen(lower) && (!strcmp(lower, "no") || !strcmp(lower, "false") || !strcmp(lower, "off")))
            o->i = 0;
        else {
            /* bool_values[value.lower()]: a KeyError, str() of it is the key's repr */
            py_exception(c, "KeyError", heat_py_repr(c->p, lower, len));
            return 0;
        }
    }
    else if (!strcmp(tag, TAG_INT)) {
        if (!construct_scalar(c, node, &v, &len) || !construct_int(c, v, len, o))
            return 0;
    }
    else if (!strcmp(tag, TAG_FLOAT)) {
        if (!construct_scalar(c, node, &v, &len) || !construct_float(c, v, len, o))
            return 0;
    }
    else if (!strcmp(tag, TAG_BINARY)) {
        if (!construct_scalar(c, node, &v, &len) || !construct_binary(c, node, v, len, o))
            return 0;
    }
    else {
        ctor_error(c, NULL, NULL,
                   apr_psprintf(c->p, "could not determine a constructor for the tag %s",
                                heat_py_repr(c->p, tag, strlen(tag))),
                   &node->start);
        return 0;
    }
    node->obj = *o;
    node->constructed = 1;
    return 1;
}

/* ---- Python objects -> JSON (oslo to_primitive, then json.dumps) ---- */

static json_t *to_json(yctx_t *c, const pyobj_t *o);

/* A node's value for a container: a text scalar's JSON string is made once and shared by every
 * alias of it, as PyYAML shares the str (a copy per alias made a 100 KB scalar aliased 2,000
 * times cost 200 MB). Only scalars that can be referenced twice keep theirs: a cleanup per
 * scalar cost more than the string itself. */
static json_t *node_json(yctx_t *c, ynode_t *node, const pyobj_t *o)
{
    json_t *j;
    if (node->kind != YN_SCALAR || !node->shared || (o->t != PY_STR && o->t != PY_BYTES))
        return to_json(c, o);
    if (node->json)
        return json_incref(node->json);
    j = to_json(c, o);
    if (json_is_string(j))
        node->json = heat_json_own(c->p, json_incref(j));
    return j;
}

/* safe_load: records v's Python type in the pyinfo (see heat_yaml.h). */
static json_t *typed(yctx_t *c, json_t *v, const char *type)
{
    if (v && c->info) {
        json_t **k = apr_palloc(c->base, sizeof *k);
        *k = v;
        apr_hash_set(c->info->types, k, sizeof *k, type);
    }
    return v;
}

/* Python's str() of inf and nan. */
static const char *nonfinite_str(double d)
{
    return isnan(d) ? "nan" : d > 0 ? "inf" : "-inf";
}

/* The Python type name of a dict key that is not a str (NULL for a str). */
static const char *key_type_name(const pyobj_t *o)
{
    switch (o->t) {
    case PY_NONE:
        return "NoneType";
    case PY_BOOL:
        return "bool";
    case PY_INT:
        return "int";
    case PY_FLOAT:
        return "float";
    case PY_BYTES:
        return "bytes";
    case PY_DATE:
        return "datetime.date";
    case PY_DATETIME:
        return "datetime.datetime";
    default:
        return NULL;
    }
}

static json_t *to_json(yctx_t *c, const pyobj_t *o)
{
    if (c->safe) {
        /* the objects JSON cannot carry stay, with their type in the pyinfo */
        if (o->t == PY_INT && o->big)
            return typed(c, json_stringn(o->s, o->len), "int");
        if (o->t == PY_FLOAT && !isfinite(o->d))
            return typed(c, json_string(nonfinite_str(o->d)), "float");
        if (o->t == PY_BYTES && heat_py_utf8_check(o->s, o->len, NULL, NULL, NULL))
            return typed(c, json_stringn(o->s, o->len), "bytes");
        if (o->t == PY_DATE || o->t == PY_DATETIME)
            return typed(c, json_stringn(o->s, o->len), key_type_name(o));
        if (o->t == PY_SET)
            return typed(c, json_incref(o->j), "set");
    }
    switch (o->t) {
    case PY_NONE:
        return json_null();
    case PY_BOOL:
        return json_boolean(o->i);
    case PY_INT:
        if (o->big) {
            defer_unsupported(c, "integers beyond 64 bits are not supported");
            return json_null();
        }
        return json_integer(o->i);
    case PY_FLOAT:
        if (!isfinite(o->d)) {
            defer_unsupported(c, "infinity and NaN are not valid JSON and are not supported");
            return json_null();
        }
        return json_real(o->d);
    case PY_STR:
        return json_stringn(o->s, o->len);
    case PY_BYTES:
        if (!heat_py_utf8_check(o->s, o->len, NULL, NULL, NULL)) {
            defer_unsupported(c, "!!binary data that is not UTF-8 text is not supported");
            return json_null();
        }
        return json_stringn(o->s, o->len);
    case PY_DATE:
        defer_unsupported(c, "a date in a document that only PyYAML's pure-Python parser reads cannot be sent "
                             "to heat-engine (heat-api fails on it too)");
        return json_null();
    default:
        return json_incref(o->j);
    }
}

/* The key json.dumps writes for a (to_primitive'd) dict key; NULL if it has none. */
static const char *key_string(yctx_t *c, const pyobj_t *o, size_t *len)
{
    char buf[40];
    const char *s;
    if (c->safe && ((o->t == PY_INT && o->big) || o->t == PY_DATE || o->t == PY_DATETIME)) {
        *len = o->len;
        return o->s;
    }
    if (c->safe && o->t == PY_FLOAT && !isfinite(o->d)) {
        *len = strlen(nonfinite_str(o->d));
        return nonfinite_str(o->d);
    }
    switch (o->t) {
    case PY_NONE:
        s = "null";
        break;
    case PY_BOOL:
        s = o->i ? "true" : "false";
        break;
    case PY_INT:
        if (o->big) {
            defer_unsupported(c, "integers beyond 64 bits are not supported");
            return NULL;
        }
        s = apr_psprintf(c->p, "%" APR_INT64_T_FMT, (apr_int64_t)o->i);
        break;
    case PY_FLOAT:
        if (!isfinite(o->d)) {
            defer_unsupported(c, "infinity and NaN are not valid JSON and are not supported");
            return NULL;
        }
        s = apr_pstrdup(c->p, heat_py_float_fmt(buf, o->d, 0));
        break;
    case PY_STR:
        *len = o->len;
        return o->s;
    case PY_BYTES:
        if (!heat_py_utf8_check(o->s, o->len, NULL, NULL, NULL)) {
            defer_unsupported(c, "!!binary data that is not UTF-8 text is not supported");
            return NULL;
        }
        *len = o->len;
        return o->s;
    case PY_DATE:
        defer_unsupported(c, "a date in a document that only PyYAML's pure-Python parser reads cannot be sent "
                             "to heat-engine (heat-api fails on it too)");
        return NULL;
    default:
        return NULL;
    }
    *len = strlen(s);
    return s;
}

/* Python's hash/equality class of a hashable key: 1 == 1.0 == True, 0 == False. */
static const char *key_identity(yctx_t *c, apr_pool_t *p, const pyobj_t *o, size_t *len)
{
    static const char prefix_str[] = "S", prefix_bytes[] = "Y";
    const char *s;
    char *buf;
    switch (o->t) {
    case PY_NONE:
        s = "N";
        break;
    case PY_BOOL:
        s = o->i ? "I1" : "I0";
        break;
    case PY_INT:
        /* beyond 64 bits the document is refused anyway: never equal to anything */
        s = o->big ? apr_psprintf(p, "B%lu", (unsigned long)++c->unique) : apr_psprintf(p, "I%" APR_INT64_T_FMT, (apr_int64_t)o->i);
        break;
    case PY_FLOAT:
        if (isfinite(o->d) && o->d == floor(o->d) && fabs(o->d) < 9.2e18)
            s = apr_psprintf(p, "I%" APR_INT64_T_FMT, (apr_int64_t)o->d);
        else if (isnan(o->d))
            s = apr_psprintf(p, "NaN%lu", (unsigned long)++c->unique); /* nan != nan */
        else {
            char hex[48];
            snprintf(hex, sizeof hex, "F%a", o->d);
            s = apr_pstrdup(p, hex);
        }
        break;
    case PY_STR:
    case PY_BYTES:
    case PY_DATE:
    case PY_DATETIME:
        /* the text may hold NUL characters */
        buf = apr_palloc(p, o->len + 2);
        buf[0] = o->t == PY_STR ? prefix_str[0] : o->t == PY_DATE ? 'D' : o->t == PY_DATETIME ? 'T' : prefix_bytes[0];
        memcpy(buf + 1, o->s, o->len);
        buf[o->len + 1] = '\0';
        *len = o->len + 1;
        return buf;
    default:
        return NULL;
    }
    *len = strlen(s);
    return s;
}

/* SafeConstructor.flatten_mapping: merge keys, in place on the node (as PyYAML does). */
static int flatten_mapping(yctx_t *c, ynode_t *node, int depth)
{
    ynode_t **merge = NULL;
    size_t nmerge = 0, capmerge = 0, index = 0;

    if (depth > HEAT_YAML_MAX_DEPTH) {
        fail(c, HEAT_YAML_UNSUPPORTED, "RecursionError",
             apr_psprintf(c->p, "merge keys nested deeper than %d levels are not supported", HEAT_YAML_MAX_DEPTH));
        return 0;
    }
#define MERGE_ADD(k, v)                                                         \
    do {                                                                        \
        if (nmerge == capmerge) {                                               \
            size_t cap_ = capmerge ? capmerge * 2 : 16;                         \
            ynode_t **m_ = apr_palloc(c->p, cap_ * 2 * sizeof *m_);             \
            if (nmerge)                                                         \
                memcpy(m_, merge, nmerge * 2 * sizeof *m_);                     \
            merge = m_;                                                         \
            capmerge = cap_;                                                    \
        }                                                                       \
        merge[2 * nmerge] = (k);                                                \
        merge[2 * nmerge + 1] = (v);                                            \
        (v)->shared = 1;                                                        \
        nmerge++;                                                               \
    } while (0)

    while (index < node->n) {
        ynode_t *key = node->items[2 * index], *value = node->items[2 * index + 1];
        if (!strcmp(key->tag, TAG_MERGE)) {
            memmove(node->items + 2 * index, node->items + 2 * index + 2,
                    (node->n - index - 1) * 2 * sizeof *node->items);
            node->n--;
            if (value->kind == YN_MAP) {
                size_t k;
                if (!flatten_mapping(c, value, depth + 1))
                    return 0;
                for (k = 0; k < value->n; k++)
                    MERGE_ADD(value->items[2 * k], value->items[2 * k + 1]);
            }
            else if (value->kind == YN_SEQ) {
                size_t k, s;
                for (s = 0; s < value->n; s++) {
                    ynode_t *sub = value->items[s];
                    if (sub->kind != YN_MAP) {
                        ctor_error(c, "while constructing a mapping", &node->start,
                                   apr_psprintf(c->p, "expected a mapping for merging, but found %s", node_id(sub)),
                                   &sub->start);
                        return 0;
                    }
                    if (!flatten_mapping(c, sub, depth + 1))
                        return 0;
                }
                /* submerge.reverse(): later mappings first, so earlier ones win */
                for (s = value->n; s-- > 0;) {
                    ynode_t *sub = value->items[s];
                    for (k = 0; k < sub->n; k++)
                        MERGE_ADD(sub->items[2 * k], sub->items[2 * k + 1]);
                }
            }
            else {
                ctor_error(c, "while constructing a mapping", &node->start,
                           apr_psprintf(c->p, "expected a mapping or list of mappings for merging, but found %s",
                                        node_id(value)),
                           &value->start);
                return 0;
            }
        }
        else if (!strcmp(key->tag, TAG_VALUE)) {
            key->tag = TAG_STR;
            index++;
        }
        else
            index++;
    }
#undef MERGE_ADD
    if (nmerge) {
        ynode_t **items = apr_palloc(c->p, (nmerge + node->n) * 2 * sizeof *items);
        memcpy(items, merge, nmerge * 2 * sizeof *items);
        if (node->n)
            memcpy(items + 2 * nmerge, node->items, node->n * 2 * sizeof *items);
        node->items = items;
        node->n += nmerge;
        node->cap = node->n * 2;
    }
    return 1;
}

/* One entry of a Python dict being built. */
typedef struct {
    pyobj_t key, value;
    ynode_t *vnode;
} entry_t;

/* SafeConstructor.construct_mapping into an ordered list of entries with dict semantics. */
static int construct_mapping(yctx_t *c, ynode_t *node, entry_t **out, size_t *nout)
{
    entry_t *entries;
    apr_hash_t *index;
    size_t k, n = 0;

    if (node->kind == YN_MAP && !flatten_mapping(c, node, 0))
        return 0;
    if (node->kind != YN_MAP) {
        ctor_error(c, NULL, NULL, apr_psprintf(c->p, "expected a mapping node, but found %s", node_id(node)),
                   &node->start);
        return 0;
    }
    /* entries and index live until the mapping is filled (fill_collection clears c->scratch) */
    entries = apr_palloc(c->scratch, (node->n + 1) * sizeof *entries);
    index = apr_hash_make(c->scratch);
    for (k = 0; k < node->n; k++) {
        pyobj_t key, value;
        const char *id;
        size_t idlen = 0;
        entry_t *existing;
        if (!construct_object(c, node->items[2 * k], &key))
            return 0;
        id = key_identity(c, c->scratch, &key, &idlen);
        if (!id) {
            ctor_error(c, "while constructing a mapping", &node->start, "found unhashable key",
                       &node->items[2 * k]->start);
            return 0;
        }
        if (!construct_object(c, node->items[2 * k + 1], &value))
            return 0;
        existing = apr_hash_get(index, id, (apr_ssize_t)idlen);
        if (existing) {
            existing->value = value; /* the first key object and position stay */
            existing->vnode = node->items[2 * k + 1];
        }
        else {
            entries[n].key = key;
            entries[n].value = value;
            entries[n].vnode = node->items[2 * k + 1];
            apr_hash_set(index, id, (apr_ssize_t)idlen, &entries[n]);
            n++;
        }
    }
    *out = entries;
    *nout = n;
    return 1;
}

/* A collection directly inside itself (jansson would refuse the reference silently). */
static int self_loop(yctx_t *c, const pyobj_t *item, const json_t *container)
{
    if ((item->t == PY_LIST || item->t == PY_DICT || item->t == PY_SET) && item->j == container) {
        defer_unsupported(c, "a recursive alias (a collection that contains itself) is not supported");
        return 1;
    }
    return 0;
}

/* safe_load: the Python type of mapping j's key ks (NULL: a str), before its value is set; a
 * value it replaces (1 and "1") leaves the pyinfo, as its memory may be reused. */
static void note_key(yctx_t *c, json_t *j, const char *ks, size_t klen, const char *type)
{
    json_t **mk, *old = json_object_getn(j, ks, klen);
    apr_hash_t *keys = apr_hash_get(c->info->key_types, &j, sizeof j);

    if (old)
        apr_hash_set(c->info->types, &old, sizeof old, NULL);
    if (!keys && !type)
        return;
    if (!keys) {
        keys = apr_hash_make(c->base);
        mk = apr_palloc(c->base, sizeof *mk);
        *mk = j;
        apr_hash_set(c->info->key_types, mk, sizeof *mk, keys);
    }
    /* keys with a NUL are cut there, as json_object_foreach gives them */
    apr_hash_set(keys, apr_pstrndup(c->base, ks, klen), APR_HASH_KEY_STRING, type);
}

/* Runs the "generator" of one collection node: fills its container. */
static int fill_collection(yctx_t *c, ynode_t *node)
{
    const char *tag = node->tag;
    json_t *j = node->obj.j;
    size_t k;

    if (!strcmp(tag, TAG_SEQ)) {
        if (node->kind != YN_SEQ) {
            ctor_error(c, NULL, NULL, apr_psprintf(c->p, "expected a sequence node, but found %s", node_id(node)),
                       &node->start);
            return 0;
        }
        for (k = 0; k < node->n; k++) {
            pyobj_t item;
            if (!construct_object(c, node->items[k], &item))
                return 0;
            if (!self_loop(c, &item, j))
                json_array_append_new(j, node_json(c, node->items[k], &item));
        }
        return 1;
    }
    if (!strcmp(tag, TAG_OMAP) || !strcmp(tag, TAG_PAIRS)) {
        const char *what = !strcmp(tag, TAG_OMAP) ? "while constructing an ordered map" : "while constructing pairs";
        if (node->kind != YN_SEQ) {
            ctor_error(c, what, &node->start, apr_psprintf(c->p, "expected a sequence, but found %s", node_id(node)),
                       &node->start);
            return 0;
        }
        for (k = 0; k < node->n; k++) {
            ynode_t *sub = node->items[k];
            pyobj_t key, value;
            json_t *pair;
            if (sub->kind != YN_MAP) {
                ctor_error(c, what, &node->start,
                           apr_psprintf(c->p, "expected a mapping of length 1, but found %s", node_id(sub)),
                           &sub->start);
                return 0;
            }
            if (sub->n != 1) {
                ctor_error(c, what, &node->start,
                           apr_psprintf(c->p, "expected a single mapping item, but found %lu items",
                                        (unsigned long)sub->n),
                           &sub->start);
                return 0;
            }
            if (!construct_object(c, sub->items[0], &key) || !construct_object(c, sub->items[1], &value))
                return 0;
            pair = json_array();
            json_array_append_new(pair, to_json(c, &key));
            json_array_append_new(pair, to_json(c, &value));
            json_array_append_new(j, pair);
        }
        return 1;
    }
    {
        /* map and set */
        entry_t *entries;
        size_t n;
        if (!construct_mapping(c, node, &entries, &n)) {
            apr_pool_clear(c->scratch);
            return 0;
        }
        for (k = 0; k < n; k++) {
            if (!strcmp(tag, TAG_SET))
                json_array_append_new(j, to_json(c, &entries[k].key));
            else {
                size_t klen = 0;
                const char *ks = key_string(c, &entries[k].key, &klen);
                /* a second key with the same text (1 and "1") replaces the value and keeps the
                 * first position, as json.loads does in heat-engine */
                if (ks && !self_loop(c, &entries[k].value, j)) {
                    if (c->info)
                        note_key(c, j, ks, klen, key_type_name(&entries[k].key));
                    json_object_setn_new(j, ks, klen, node_json(c, entries[k].vnode, &entries[k].value));
                }
            }
        }
        apr_pool_clear(c->scratch);
        return 1;
    }
}

/* Reference loops (an alias inside the collection it names) and the nesting depth of the value
 * as heat-engine would receive it, aliases expanded: an iterative depth-first walk over the
 * containers, each visited once. Returns 0 (with c->unsupported set) to refuse the value. */
typedef struct {
    json_t *j;
    json_t **kids;
    size_t nkids, next;
    size_t height; /* levels of containers below and including j */
} walk_t;

typedef struct {
    int done;
    size_t height;
} seen_t;

static int collect_kids(yctx_t *c, walk_t *w)
{
    size_t n = json_is_array(w->j) ? json_array_size(w->j) : json_object_size(w->j), k = 0;
    w->kids = apr_palloc(c->p, (n + 1) * sizeof *w->kids);
    if (json_is_array(w->j)) {
        size_t i;
        json_t *v;
        json_array_foreach(w->j, i, v)
            if (json_is_array(v) || json_is_object(v))
                w->kids[k++] = v;
    }
    else {
        const char *key;
        json_t *v;
        json_object_foreach(w->j, key, v)
            if (json_is_array(v) || json_is_object(v))
                w->kids[k++] = v;
    }
    w->nkids = k;
    w->next = 0;
    w->height = 1;
    return 1;
}

static int check_graph(yctx_t *c, json_t *root)
{
    apr_hash_t *seen = apr_hash_make(c->p);
    walk_t *stack;
    size_t depth = 0, cap = 64;
    seen_t *st;

    if (!json_is_array(root) && !json_is_object(root))
        return 1;
    stack = apr_palloc(c->p, cap * sizeof *stack);
    st = apr_pcalloc(c->p, sizeof *st);
    apr_hash_set(seen, &root, sizeof root, st);
    stack[0].j = root;
    collect_kids(c, &stack[0]);
    depth = 1;
    while (depth) {
        walk_t *w = &stack[depth - 1];
        if (w->next < w->nkids) {
            json_t *kid = w->kids[w->next++];
            seen_t *ks = apr_hash_get(seen, &kid, sizeof kid);
            if (ks && !ks->done) {
                defer_unsupported(c, "a recursive alias (a collection that contains itself) is not supported");
                return 0;
            }
            if (ks) {
                if (ks->height + 1 > w->height)
                    w->height = ks->height + 1;
                continue;
            }
            if (depth >= HEAT_YAML_MAX_DEPTH) {
                defer_unsupported(c, apr_psprintf(c->p, "collections nested deeper than %d levels are not supported",
                                                  HEAT_YAML_MAX_DEPTH));
                return 0;
            }
            ks = apr_pcalloc(c->p, sizeof *ks);
            apr_hash_set(seen, apr_pmemdup(c->p, &kid, sizeof kid), sizeof kid, ks);
            if (depth == cap) {
                walk_t *bigger = apr_palloc(c->p, cap * 2 * sizeof *bigger);
                memcpy(bigger, stack, cap * sizeof *stack);
                stack = bigger;
                cap *= 2;
            }
            stack[depth].j = kid;
            collect_kids(c, &stack[depth]);
            depth++;
            continue;
        }
        {
            seen_t *ws = apr_hash_get(seen, &w->j, sizeof w->j);
            ws->done = 1;
            ws->height = w->height;
            if (w->height + depth - 1 > HEAT_YAML_MAX_DEPTH) {
                defer_unsupported(c, apr_psprintf(c->p, "collections nested deeper than %d levels are not supported",
                                                  HEAT_YAML_MAX_DEPTH));
                return 0;
            }
            depth--;
            if (depth && stack[depth - 1].height < w->height + 1)
                stack[depth - 1].height = w->height + 1;
        }
    }
    return 1;
}

/* The constructor's own references to the containers, dropped when the pass's pool goes (one
 * cleanup rather than one per container: a document may have tens of thousands). */
static apr_status_t containers_cleanup(void *data)
{
    yctx_t *c = data;
    size_t k;
    for (k = 0; k < c->ncontainers; k++)
        json_decref(c->containers[k]);
    c->ncontainers = 0;
    return APR_SUCCESS;
}

static json_t *construct_document(yctx_t *c, ynode_t *root)
{
    pyobj_t o;
    json_t *result = NULL;
    int ok;
    size_t k;

    c->constructing = 1;
    if (apr_pool_create(&c->scratch, c->p) != APR_SUCCESS) {
        py_exception(c, "MemoryError", "");
        return NULL;
    }
    apr_pool_cleanup_register(c->p, c, containers_cleanup, apr_pool_cleanup_null);
    ok = construct_object(c, root, &o);
    while (ok && c->qhead < c->qtail)
        ok = fill_collection(c, c->queue[c->qhead++]);
    if (ok) {
        result = heat_json_own(c->p, to_json(c, &o));
        if (!check_graph(c, result) || c->unsupported) {
            fail(c, HEAT_YAML_UNSUPPORTED, "ValueError", c->unsupported);
            ok = 0;
        }
    }
    if (!ok) {
        /* drop every reference between containers, loops included: the pool's own references
         * then free them */
        for (k = 0; k < c->ncontainers; k++) {
            if (json_is_array(c->containers[k]))
                json_array_clear(c->containers[k]);
            else
                json_object_clear(c->containers[k]);
        }
        return NULL;
    }
    return result;
}

/* =====================================================================================
 * Entry points
 * ===================================================================================== */

static apr_status_t parser_cleanup(void *data)
{
    yaml_parser_delete((yaml_parser_t *)data);
    return APR_SUCCESS;
}

/* Reader.check_printable: PyYAML refuses these characters before scanning anything. */
static int check_printable(yctx_t *c)
{
    const unsigned char *u = (const unsigned char *)c->text;
    size_t i = 0, idx = 0;
    while (i < c->len) {
        unsigned long cp;
        size_t w = heat_utf8_decode((const char *)(u + i), c->len - i, &cp);
        if (!(cp == 0x09 || cp == 0x0A || cp == 0x0D || (cp >= 0x20 && cp <= 0x7E) || cp == 0x85 ||
              (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF))) {
            fail(c, HEAT_YAML_ERROR, "ReaderError",
                 apr_psprintf(c->p, "unacceptable character #x%04lx: special characters are not allowed\n"
                                    "  in \"%s\", position %lu",
                              cp, c->name, (unsigned long)idx));
            return 0;
        }
        i += w;
        idx++;
    }
    return 1;
}

/* libyaml 0.2.5 refuses a plain scalar followed by ':' and one of ",[]{}" in a flow collection
 * ("found unexpected ':'"); PyYAML ends the scalar there and reads ':' as the value indicator,
 * so `{key:[1, 2]}` loads in heat (its pure-Python fallback parse succeeds and is used). libyaml
 * reads it so once a space follows the ':': the text is patched and parsed again, and marks are
 * mapped back to the original. Returns 1 if a patch was added.
 * (Known remaining differences, all in malformed input: unknown directives, which PyYAML ignores;
 * ',' '[' ']' in tags; ':?' in flow context; an unclosed '[' or '{' starting the last line.) */
#define MAX_PATCHES 64

static int patch_for_pyyaml(yctx_t *c, yaml_parser_t *parser)
{
    size_t at, k, off, i, nchars;
    size_t *spaces;
    char *pt, *o;
    apr_pool_t *np;

    if (parser->error != YAML_SCANNER_ERROR || !parser->problem || c->nspaces >= MAX_PATCHES)
        return 0;
    if (!strcmp(parser->problem, "found unexpected ':'")) {
        unsigned long next;
        at = orig_index(c, parser->problem_mark.index);
        next = char_at(c, at + 1);
        if (char_at(c, at) != ':' || !next || !strchr(",[]{}", (int)next))
            return 0; /* ":?" : PyYAML reads it otherwise */
        at++;
    }
    else
        return 0;
    for (k = 0; k < c->nspaces; k++)
        if (c->spaces[k] == at)
            return 0;
    /* the new patch gets a pool of its own; the previous one is dropped once copied */
    if (apr_pool_create(&np, c->base) != APR_SUCCESS)
        return 0;
    spaces = apr_palloc(np, (c->nspaces + 1) * sizeof *spaces);
    for (k = 0; k < c->nspaces && c->spaces[k] < at; k++)
        spaces[k] = c->spaces[k];
    spaces[k] = at;
    for (; k < c->nspaces; k++)
        spaces[k + 1] = c->spaces[k];
    c->spaces = spaces;
    c->nspaces++;
    /* rebuild the patched text from the original */
    pt = o = apr_palloc(np, c->len + c->nspaces + 1);
    nchars = heat_py_strlen(c->text, c->len);
    off = 0;
    k = 0;
    for (i = 0; i <= nchars; i++) {
        unsigned long cp;
        size_t w;
        while (k < c->nspaces && i == c->spaces[k] + c->bom) {
            *o++ = ' ';
            k++;
        }
        if (off >= c->len)
            break;
        w = heat_utf8_decode(c->text + off, c->len - off, &cp);
        memcpy(o, c->text + off, w);
        o += w;
        off += w;
    }
    *o = '\0';
    c->ptext = pt;
    c->plen = (size_t)(o - pt);
    if (c->patchpool)
        apr_pool_destroy(c->patchpool);
    c->patchpool = np;
    return 1;
}

/* One libyaml pass over c->ptext. Returns the root (NULL for an empty stream) in *root; 0 on
 * failure, -1 to parse again (a patch was made). */
static int parse_pass(yctx_t *c, ynode_t **root)
{
    yaml_parser_t *parser;
    compose_t cs;
    int done = 0;

    c->anchors = apr_hash_make(c->p);
    c->expansion = 0;
    c->alias_bytes = 0;
    memset(&cs, 0, sizeof cs);
    parser = apr_pcalloc(c->p, sizeof *parser);
    if (!yaml_parser_initialize(parser)) {
        fail(c, HEAT_YAML_EXCEPTION, "MemoryError", "");
        return 0;
    }
    apr_pool_cleanup_register(c->p, parser, parser_cleanup, apr_pool_cleanup_null);
    yaml_parser_set_input_string(parser, (const unsigned char *)c->ptext, c->plen);
    while (!done) {
        yaml_event_t ev;
        int ok;
        if (!yaml_parser_parse(parser, &ev)) {
            if (patch_for_pyyaml(c, parser)) {
                apr_pool_cleanup_run(c->p, parser, parser_cleanup);
                return -1;
            }
            libyaml_error(c, parser);
            apr_pool_cleanup_run(c->p, parser, parser_cleanup);
            return 0;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        ok = compose_event(c, &cs, &ev);
        yaml_event_delete(&ev); /* everything needed was copied into the pool */
        if (!ok) {
            apr_pool_cleanup_run(c->p, parser, parser_cleanup);
            return 0;
        }
    }
    /* free libyaml's buffers now rather than with the pool */
    apr_pool_cleanup_run(c->p, parser, parser_cleanup);
    *root = cs.root;
    return 1;
}

static json_t *load_pass(yctx_t *c);

/* Loads the document; the pass's pool (node tree, constructor state) is destroyed before this
 * returns, so only the jansson value (owned by the caller's pool) outlives it. */
static json_t *load(yctx_t *c)
{
    json_t *result;

    c->nodes_start = c->nodes ? c->nodes->used : 0;
    result = load_pass(c);
    if (result) {
        result = heat_json_own(c->base, json_incref(result));
        if (c->nodes) /* what this document's aliases added, spent from the request's bound */
            c->nodes->alias_bytes = bytes_add(c->nodes->alias_bytes, c->alias_bytes);
    }
    else {
        if (c->nodes)
            c->nodes->used = c->nodes_start; /* a refused document spends nothing */
        if (c->err && c->err->message) /* the pass's pool goes: the error moves to the caller's */
            c->err->message = apr_pstrdup(c->base, c->err->message);
        if (c->err && c->err->type)
            c->err->type = apr_pstrdup(c->base, c->err->type);
        if (c->info) {
            apr_hash_clear(c->info->types);
            apr_hash_clear(c->info->key_types);
        }
    }
    if (c->p != c->base) {
        apr_pool_destroy(c->p);
        c->p = c->base;
    }
    return result;
}

static json_t *load_pass(yctx_t *c)
{
    ynode_t *root = NULL;
    int r;

    if (c->err) {
        c->err->status = HEAT_YAML_OK;
        c->err->type = NULL;
        c->err->message = NULL;
        c->err->expanded = 0;
        c->err->limit = 0;
        c->err->aliases = 0;
    }
    if (!check_printable(c))
        return NULL;
    c->bom = c->len >= 3 && !memcmp(c->text, "\xEF\xBB\xBF", 3);
    c->ptext = c->text;
    c->plen = c->len;
    /* Each pass composes into a pool of its own, destroyed before the next: up to
     * MAX_PATCHES + 1 passes must not keep MAX_PATCHES + 1 node trees. */
    for (;;) {
        apr_pool_t *pass;
        if (apr_pool_create(&pass, c->base) != APR_SUCCESS) {
            fail(c, HEAT_YAML_EXCEPTION, "MemoryError", "");
            return NULL;
        }
        c->p = pass;
        if (c->nodes)
            c->nodes->used = c->nodes_start; /* a pass after a patch counts again from the start */
        if ((r = parse_pass(c, &root)) >= 0)
            break;
        c->p = c->base;
        apr_pool_destroy(pass);
    }
    if (!r)
        return NULL;
    if (c->expansion > HEAT_YAML_MAX_EXPANSION) {
        fail(c, HEAT_YAML_UNSUPPORTED, "MemoryError",
             apr_psprintf(c->p, "aliases expand the document beyond %d nodes", HEAT_YAML_MAX_EXPANSION));
        return NULL;
    }
    /* heat-api would json.dumps the expanded value into one RPC message: bound it before any
     * of it is built */
    if (root && root->bytes > c->max_bytes) {
        fail(c, HEAT_YAML_TOO_LARGE, "RequestLimitExceeded",
             apr_psprintf(c->p, "the document with its aliases expanded (%" APR_SIZE_T_FMT " bytes) exceeds the "
                                "maximum allowed size (%" APR_SIZE_T_FMT " bytes)",
                          (apr_size_t)root->bytes, (apr_size_t)c->max_bytes));
        if (c->err) {
            c->err->expanded = root->bytes;
            c->err->limit = c->max_bytes;
        }
        return NULL;
    }
    /* and what the aliases of the request's documents add together (with a request's budget;
     * alone, a document has the bound above) */
    if (c->nodes) {
        size_t added = bytes_add(c->nodes->alias_bytes, c->alias_bytes);
        if (added > HEAT_YAML_MAX_ALIAS_BYTES) {
            fail(c, HEAT_YAML_TOO_LARGE, "RequestLimitExceeded",
                 apr_psprintf(c->p, "YAML aliases add %" APR_SIZE_T_FMT " bytes to the request's documents, more "
                                    "than the %" APR_SIZE_T_FMT " bytes allowed",
                              (apr_size_t)added, (apr_size_t)HEAT_YAML_MAX_ALIAS_BYTES));
            if (c->err) {
                c->err->expanded = added;
                c->err->limit = HEAT_YAML_MAX_ALIAS_BYTES;
                c->err->aliases = 1;
            }
            return NULL;
        }
    }
    if (!root)
        return heat_json_own(c->p, json_null()); /* an empty stream: yaml.load() gives None */
    return construct_document(c, root);
}

json_t *heat_yaml_load(apr_pool_t *p, const char *text, size_t len, heat_yaml_error_t *err)
{
    return heat_yaml_load_max(p, text, len, HEAT_YAML_MAX_EXPANDED_BYTES, err);
}

json_t *heat_yaml_load_max(apr_pool_t *p, const char *text, size_t len, size_t max_bytes, heat_yaml_error_t *err)
{
    return heat_yaml_load_nodes(p, text, len, max_bytes, NULL, err);
}

json_t *heat_yaml_load_nodes(apr_pool_t *p, const char *text, size_t len, size_t max_bytes, heat_nodes_t *nodes,
                             heat_yaml_error_t *err)
{
    yctx_t c;
    memset(&c, 0, sizeof c);
    c.p = c.base = p;
    c.max_bytes = max_bytes;
    c.nodes = nodes;
    c.text = text ? text : "";
    c.len = text ? len : 0;
    c.name = "<unicode string>";
    c.err = err;
    return load(&c);
}

json_t *heat_yaml_load_opts(apr_pool_t *p, const char *text, size_t len, const heat_yaml_options_t *opts,
                            heat_yaml_error_t *err)
{
    yctx_t c;
    memset(&c, 0, sizeof c);
    c.p = c.base = p;
    c.max_bytes = opts && opts->max_bytes ? opts->max_bytes : HEAT_YAML_MAX_EXPANDED_BYTES;
    c.nodes = opts ? opts->nodes : NULL;
    c.safe = opts && opts->safe_load;
    if (c.safe && opts->pyinfo) {
        c.info = opts->pyinfo;
        c.info->types = apr_hash_make(p);
        c.info->key_types = apr_hash_make(p);
    }
    c.text = text ? text : "";
    c.len = text ? len : 0;
    c.name = "<unicode string>";
    c.err = err;
    return load(&c);
}

const char *heat_yaml_pytype(const heat_yaml_pyinfo_t *info, const json_t *v)
{
    if (!info || !info->types || !v)
        return NULL;
    return apr_hash_get(info->types, &v, sizeof v);
}

const char *heat_yaml_key_pytype(const heat_yaml_pyinfo_t *info, const json_t *mapping, const char *key)
{
    apr_hash_t *keys;
    if (!info || !info->key_types || !mapping || !key)
        return NULL;
    keys = apr_hash_get(info->key_types, &mapping, sizeof mapping);
    return keys ? apr_hash_get(keys, key, APR_HASH_KEY_STRING) : NULL;
}

/* codecs.utf_16_{le,be}_decode of the whole buffer (the BOM is kept, as PyYAML's reader keeps
 * it), to UTF-8. Returns NULL with *reason and *pos on a decoding error. */
static char *utf16_to_utf8(apr_pool_t *p, const unsigned char *d, size_t len, int be, size_t *outlen,
                           const char **reason, size_t *pos)
{
    char *out = apr_palloc(p, len / 2 * 3 + 4), *o = out;
    size_t i = 0;
    while (i + 1 < len) {
        unsigned long u = be ? ((unsigned long)d[i] << 8 | d[i + 1]) : ((unsigned long)d[i + 1] << 8 | d[i]);
        if (u >= 0xD800 && u <= 0xDBFF) {
            unsigned long u2;
            if (i + 3 >= len) {
                *reason = "unexpected end of data";
                *pos = i;
                return NULL;
            }
            u2 = be ? ((unsigned long)d[i + 2] << 8 | d[i + 3]) : ((unsigned long)d[i + 3] << 8 | d[i + 2]);
            if (u2 < 0xDC00 || u2 > 0xDFFF) {
                *reason = "illegal UTF-16 surrogate";
                *pos = i;
                return NULL;
            }
            o += heat_utf8_put(o, 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00));
            i += 4;
            continue;
        }
        if (u >= 0xDC00 && u <= 0xDFFF) {
            *reason = "illegal encoding";
            *pos = i;
            return NULL;
        }
        o += heat_utf8_put(o, u);
        i += 2;
    }
    if (i < len) {
        *reason = "truncated data";
        *pos = i;
        return NULL;
    }
    *outlen = (size_t)(o - out);
    return out;
}

json_t *heat_yaml_load_bytes(apr_pool_t *p, const char *data, size_t len, heat_yaml_error_t *err)
{
    return heat_yaml_load_bytes_max(p, data, len, HEAT_YAML_MAX_EXPANDED_BYTES, err);
}

json_t *heat_yaml_load_bytes_max(apr_pool_t *p, const char *data, size_t len, size_t max_bytes,
                                 heat_yaml_error_t *err)
{
    return heat_yaml_load_bytes_nodes(p, data, len, max_bytes, NULL, err);
}

json_t *heat_yaml_load_bytes_nodes(apr_pool_t *p, const char *data, size_t len, size_t max_bytes,
                                   heat_nodes_t *nodes, heat_yaml_error_t *err)
{
    yctx_t c;
    const unsigned char *d = (const unsigned char *)(data ? data : "");

    memset(&c, 0, sizeof c);
    c.p = c.base = p;
    c.max_bytes = max_bytes;
    c.nodes = nodes;
    c.name = "<byte string>";
    c.err = err;
    if (!data)
        len = 0;
    if (len >= 2 && ((d[0] == 0xFF && d[1] == 0xFE) || (d[0] == 0xFE && d[1] == 0xFF))) {
        int be = d[0] == 0xFE;
        const char *reason = NULL;
        size_t pos = 0;
        c.text = utf16_to_utf8(p, d, len, be, &c.len, &reason, &pos);
        if (!c.text) {
            fail(&c, HEAT_YAML_ERROR, "ReaderError",
                 apr_psprintf(p, "unacceptable character #x%04x: %s\n  in \"<byte string>\", position %lu", d[pos],
                              reason, (unsigned long)pos));
            return NULL;
        }
    }
    else {
        size_t start, end;
        const char *reason;
        if (!heat_py_utf8_check(data, len, &start, &end, &reason)) {
            fail(&c, HEAT_YAML_ERROR, "ReaderError",
                 apr_psprintf(p, "unacceptable character #x%04x: %s\n  in \"<byte string>\", position %lu",
                              d[start], reason, (unsigned long)start));
            return NULL;
        }
        c.text = (const char *)d;
        c.len = len;
    }
    return load(&c);
}
