/* heat_json.h: the few jansson helpers the core shares: pool-owned values (released by a
 * pool cleanup, so no request path can leak a reference) and dumps formatted like Python's
 * json.dumps defaults (", " and ": " separators, non-ASCII as \uXXXX, key order kept). */
#ifndef HEAT_JSON_H
#define HEAT_JSON_H

#include <apr_pools.h>
#include <jansson.h>

/* Takes over the caller's reference: json_decref runs when p is cleared. Returns json. */
json_t *heat_json_own(apr_pool_t *p, json_t *json);

/* Python json.dumps(obj) (flags 0), or with indent (JSON_INDENT(n) | JSON_SORT_KEYS, as
 * json.dumps(indent=n, sort_keys=True)). The string lives in p. */
char *heat_json_dump(apr_pool_t *p, const json_t *json, size_t flags);

#endif
