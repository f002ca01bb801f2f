/* heat_yaml.h: YAML as heat-api loads it (heat/common/template_format.py `yaml_loader`), on
 * libyaml, into jansson values shaped as heat-engine receives them over RPC.
 *
 * heat's loader is PyYAML 6's CSafeLoader (libyaml underneath) with YAML 1.1 implicit typing
 * (bool yes/no/on/off, null ~, octal 017, base-60 1:30, floats that need a dot and a signed
 * exponent, merge keys, ...) and one change: `!!str` and `!!timestamp` nodes are plain strings.
 * When the C loader fails, heat parses the text once more with the pure-Python SafeLoader and
 * reports *that* exception's str(); heat_yaml_load reproduces that message from libyaml's error
 * (problem, context and marks, with PyYAML's snippets), mapping libyaml's wording to PyYAML's.
 *
 * The values are what heat-engine sees after oslo.messaging serialises the Python objects
 * (jsonutils.to_primitive + json.dumps): dict keys that are not strings become strings (1 -> "1",
 * True -> "true", None -> "null", 1.5 -> "1.5"), !!binary bytes become UTF-8 text, !!set becomes
 * a list of its members, !!omap / !!pairs become lists of [key, value] lists. Mapping keys follow
 * Python dict semantics: a later duplicate replaces the value and keeps the first position, and
 * 1, 1.0 and true are the same key.
 *
 * Deliberate differences (mod_heat cannot carry the value, or heat-api fails later with a 500):
 * .inf, -.inf, .nan (JSON has no such numbers; Python's json writes Infinity/NaN), integers
 * beyond 64 bits, !!binary data that is not UTF-8, recursive aliases, nesting deeper than
 * HEAT_YAML_MAX_DEPTH and aliases expanding beyond HEAT_YAML_MAX_EXPANSION nodes are refused with
 * HEAT_YAML_UNSUPPORTED (a 400 for the API layer), instead of reaching heat-engine as
 * non-standard JSON or crashing the RPC serialiser. A document whose JSON, aliases expanded,
 * would exceed a byte bound is refused with HEAT_YAML_TOO_LARGE (RequestLimitExceeded for the
 * API layer): PyYAML shares an aliased object, but heat-api writes it out once per reference
 * into the RPC message. The bound is checked after parsing, before any value is built; an
 * aliased scalar's JSON string is shared, as PyYAML shares the str.
 *
 * Where libyaml and PyYAML's pure-Python parser disagree, heat's behaviour is followed as far
 * as libyaml's information allows: PyYAML's stricter scanner (tabs, block scalar headers, tag
 * handles) is replayed to report its error; `{key:[1]}`, which only PyYAML reads, is read (and
 * dates in such a document fail as they do in heat-api). Known remaining differences, all in
 * malformed documents: unknown directives (PyYAML ignores them), ',' '[' ']' inside tags, ':?'
 * in flow collections, a required key on the last line that opens an unclosed '[' or '{', a
 * "\ud800" escape (PyYAML keeps the lone surrogate), and PyYAML's RecursionError on documents
 * nested some 300 levels deep that also hold a syntax error. !!set members keep their order
 * (Python's set order is its hash order).
 *
 * This header also holds the few Python compatibility helpers the core shares (float repr, repr
 * of a str, UTF-8 decoding errors worded as Python's codec). */
#ifndef HEAT_YAML_H
#define HEAT_YAML_H

#include <apr_hash.h>
#include <apr_pools.h>
#include <jansson.h>
#include <stddef.h>

#include "heat_json.h"

/* Bounds (see above). Depth counts nested collections; heat-api's own serialiser gives up
 * (RecursionError, a 500) a little below 500 nested mappings. */
#define HEAT_YAML_MAX_DEPTH 512
#define HEAT_YAML_MAX_EXPANSION 1000000
/* Expanded JSON size allowed by heat_yaml_load / heat_yaml_load_bytes: 8 x heat's default
 * max_template_size (templates use 8 x the configured max_template_size, heat_template.c).
 * The size counts each scalar's bytes plus 4 (quotes, separator) and 4 per collection. */
#define HEAT_YAML_EXPANSION_FACTOR 8
#define HEAT_YAML_MAX_EXPANDED_BYTES ((size_t)HEAT_YAML_EXPANSION_FACTOR * 524288)
/* What aliases may add to the expanded JSON (each alias counts its node's expanded size, the
 * way parents count their children), per request: the documents loaded with one node budget
 * (a template and its environment) share it; without a budget it does not apply. heat's default
 * max_template_size, so that the RPC message, and the memory bound of the README's "Limits",
 * stay a small multiple of the body limit. Normal alias use (a block of properties repeated a
 * few times) adds some KiB. */
#define HEAT_YAML_MAX_ALIAS_BYTES ((size_t)524288)

typedef enum {
    HEAT_YAML_OK = 0,
    HEAT_YAML_ERROR,       /* a yaml.YAMLError: message = str(exc), as heat reports it */
    HEAT_YAML_EXCEPTION,   /* another Python exception raised while constructing (type: "ValueError"
                              for `!!int x` or `0b_`, "KeyError" for `!!bool 1`, "IndexError"
                              for `!!int ''`); heat does not catch these as YAML errors */
    HEAT_YAML_UNSUPPORTED, /* mod_heat refuses the document (see above); message says why */
    HEAT_YAML_TOO_LARGE,   /* expanded by its aliases, the JSON would exceed the byte bound:
                              expanded and limit say by how much; with aliases set, what the
                              aliases add exceeds HEAT_YAML_MAX_ALIAS_BYTES (the request's
                              documents together) */
    HEAT_YAML_TOO_MANY     /* more nodes than the budget left: message "too many nodes (at most <limit>
                              JSON values and YAML nodes per request)", limit set */
} heat_yaml_status_t;

typedef struct {
    heat_yaml_status_t status;
    const char *type;    /* Python class: "ScannerError", "ParserError", "ComposerError",
                            "ConstructorError", "ReaderError", "ValueError", "KeyError", ... */
    const char *message; /* str(exc) (for KeyError the repr of the key, as Python prints it) */
    size_t expanded;     /* HEAT_YAML_TOO_LARGE: the expanded size (saturating at SIZE_MAX) */
    size_t limit;        /* HEAT_YAML_TOO_LARGE: the bound */
    int aliases;         /* HEAT_YAML_TOO_LARGE: the bound on what aliases add (expanded: the
                            bytes they add to this request's documents) */
} heat_yaml_error_t;

/* yaml.load(text, Loader=yaml_loader) for a Python str (text is UTF-8; it may contain NUL
 * characters, len is the byte length). Returns the value (JSON null for an empty document:
 * heat turns that into {} itself), owned by p: it is released when p is cleared, so json_incref
 * it to keep it longer. On failure returns NULL and fills err (may be NULL). Positions in
 * messages count characters, as Python does, and the stream is named "<unicode string>". */
json_t *heat_yaml_load(apr_pool_t *p, const char *text, size_t len, heat_yaml_error_t *err);

/* The same for a Python bytes object (a template fetched from template_url): UTF-8, or UTF-16
 * with a byte order mark, decoded with Python's codec errors; the stream is "<byte string>". */
json_t *heat_yaml_load_bytes(apr_pool_t *p, const char *data, size_t len, heat_yaml_error_t *err);

/* The same two with another bound on the expanded JSON size (bytes). */
json_t *heat_yaml_load_max(apr_pool_t *p, const char *text, size_t len, size_t max_bytes, heat_yaml_error_t *err);
json_t *heat_yaml_load_bytes_max(apr_pool_t *p, const char *data, size_t len, size_t max_bytes,
                                 heat_yaml_error_t *err);

/* And with a node budget (heat_json.h; NULL: none): every scalar, collection and alias of the
 * document draws from it as it is parsed, and the parse stops with HEAT_YAML_TOO_MANY when it
 * runs out (before any later syntax error). A document that fails spends nothing. */
json_t *heat_yaml_load_nodes(apr_pool_t *p, const char *text, size_t len, size_t max_bytes, heat_nodes_t *nodes,
                             heat_yaml_error_t *err);
json_t *heat_yaml_load_bytes_nodes(apr_pool_t *p, const char *data, size_t len, size_t max_bytes,
                                   heat_nodes_t *nodes, heat_yaml_error_t *err);

/* yaml.safe_load (PyYAML's pure-Python SafeLoader), for oslo.policy's policy files: the same
 * parser, errors and dict semantics (a later duplicate key replaces the value, merge keys), with
 * SafeLoader's own typing where heat's loader differs: a timestamp is a datetime.date or a
 * datetime.datetime (an invalid one raises what construct_yaml_timestamp raises). Nothing is
 * converted for RPC, so the values JSON cannot carry are kept and their Python type is told by
 * a heat_yaml_pyinfo_t: a date, a datetime, an integer beyond 64 bits, inf and nan are JSON
 * strings of their YAML text, !!binary data is a JSON string of its bytes (refused if it is not
 * UTF-8), a !!set is a JSON array of its members. Mapping keys that are not str are written as
 * JSON writes them (1 -> "1", True -> "true", None -> "null"); the pyinfo says which they were.
 * A str key and another key with the same text (1 and "1") share one JSON member: the later
 * value and its key's type win (Python keeps both). */
typedef struct {
    apr_hash_t *types;     /* json_t * -> Python type name (read with heat_yaml_pytype) */
    apr_hash_t *key_types; /* json_t * of a mapping -> apr_hash_t: JSON key -> Python type name */
} heat_yaml_pyinfo_t;

typedef struct {
    size_t max_bytes;           /* bound on the expanded JSON size; 0: HEAT_YAML_MAX_EXPANDED_BYTES */
    heat_nodes_t *nodes;        /* node budget (NULL: none) */
    int safe_load;              /* yaml.safe_load instead of heat's yaml_loader (see above) */
    heat_yaml_pyinfo_t *pyinfo; /* safe_load: filled in (from p) when not NULL; emptied on failure */
} heat_yaml_options_t;

/* heat_yaml_load_nodes (a Python str) with the options above (NULL: heat's loader, default
 * bound). */
json_t *heat_yaml_load_opts(apr_pool_t *p, const char *text, size_t len, const heat_yaml_options_t *opts,
                            heat_yaml_error_t *err);

/* The Python type of v when its JSON type does not tell it ("datetime.date", "bytes", "set",
 * ...), else NULL. v must be a value of the loaded document, which is still alive. */
const char *heat_yaml_pytype(const heat_yaml_pyinfo_t *info, const json_t *v);

/* The Python type of mapping's key when it was not a str ("int", "bool", "NoneType", ...),
 * else NULL. */
const char *heat_yaml_key_pytype(const heat_yaml_pyinfo_t *info, const json_t *mapping, const char *key);

/* The Python compatibility helpers (repr, UTF-8, len(str)) are in heat_pycompat.h. */

#endif
