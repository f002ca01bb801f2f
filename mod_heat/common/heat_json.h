/* heat_json.h: the few jansson helpers the core shares: pool-owned values (released by a
 * pool cleanup, so no request path can leak a reference) and dumps formatted like Python's
 * json.dumps defaults (", " and ": " separators, non-ASCII as \uXXXX, key order kept). */
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

/* Python's repr(float): the shortest digits that read back the same, exponent form below 1e-4
 * and from 1e16 on ("1e-05", "1e+16"), ".0" added to integers. */
const char *heat_json_py_float(apr_pool_t *p, double d);

/* Python's bool() of the value json.loads would give (NULL: False). */
int heat_json_truthy(const json_t *v);

#endif
