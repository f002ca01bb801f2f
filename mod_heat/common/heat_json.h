/* heat_json.h: the few jansson helpers the core shares: pool-owned values (released by a
 * pool cleanup, so no request path can leak a reference) and dumps formatted like Python's
 * json.dumps defaults (", " and ": " separators, non-ASCII as \uXXXX, key order kept).
 *
 * The ownership rule of the whole core (doc/architecture.md, "Calls and results"):
 * - A json_t * a function returns is owned by the request's pool (heat_json_own): the caller
 *   uses it and never decrefs it, unless the function's header says "a new reference".
 * - A json_t * argument is borrowed, except by the functions that hand a value on to its last
 *   user and say "steals" / "takes over" in their header: heat_json_own, jansson's *_new, the
 *   engine calls' args (heat_api_engine, heat_api_rpc), and the replies (heat_api_reply_json,
 *   CFN's reply_result). Pass them json_pack(...) as it is, or json_incref(v) for a value
 *   that stays in use. */
#ifndef HEAT_JSON_H
#define HEAT_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* Takes over the caller's reference: json_decref runs when p is cleared. Returns json. */
json_t *heat_json_own(apr_pool_t *p, json_t *json);

/* Python json.dumps(obj) (flags 0): ", " / ": ", ensure_ascii (every character outside
 * ' '..'~' escaped, \uXXXX in lowercase hex), key order kept, floats as Python's repr (jansson
 * would write 0.1 as 0.10000000000000001). With indent (JSON_INDENT(n) | JSON_SORT_KEYS, as
 * json.dumps(indent=n, sort_keys=True)) jansson writes it; JSON_SORT_KEYS alone sorts the keys
 * as sort_keys=True. The string lives in p. */
char *heat_json_dump(apr_pool_t *p, const json_t *json, size_t flags);

/* ---- the node budget of one request (README "Limits") ----
 * A byte limit does not bound memory: jansson spends some 250 bytes on an empty object and a
 * 1 MiB body holds 320000 of them. So every value the JSON body decoder makes and every node
 * the template and environment parsers of the same request make (JSON values; YAML scalars,
 * collections and aliases) draws from one budget of max_json_body_size / HEAT_NODE_BYTES. The
 * budget is userdata of the request's pool, so the parsers share it without being told. */
#define HEAT_NODE_BYTES 16
/* The least budget, whatever the body limit: small limits still take ordinary bodies. */
#define HEAT_NODES_MIN 4096

typedef struct {
    apr_size_t limit; /* values and nodes allowed */
    apr_size_t used;
    /* JSON bytes that YAML aliases added to the request's documents so far (heat_yaml.c: a
     * template and its environment share HEAT_YAML_MAX_ALIAS_BYTES) */
    apr_size_t alias_bytes;
} heat_nodes_t;

/* max_json_body_size / HEAT_NODE_BYTES (the default body size when 0), at least HEAT_NODES_MIN. */
apr_size_t heat_nodes_limit(apr_size_t max_json_body_size);

/* Starts the request's budget on p: the limit for max_json_body_size, nothing spent. */
heat_nodes_t *heat_nodes_start(apr_pool_t *p, apr_size_t max_json_body_size);

/* The budget of p or of its nearest ancestor that has one; else a new one on p with the default
 * limit. */
heat_nodes_t *heat_nodes_of(apr_pool_t *p);

/* Counts one more node: 0 (and nothing counted) once the budget is spent. NULL is no budget. */
static inline int heat_nodes_take(heat_nodes_t *n)
{
    if (!n)
        return 1;
    if (n->used >= n->limit)
        return 0;
    n->used++;
    return 1;
}

#endif
