/* heat_query.h: query strings and form bodies as webob reads them, and URL quoting as Python's
 * urllib writes it; shared by both APIs and the EC2 signature checks. */
#ifndef HEAT_QUERY_H
#define HEAT_QUERY_H

#include <apr_pools.h>
#include <apr_tables.h>

/* One query or form pair, decoded (webob req.params keeps them in order, repeats included). */
typedef struct {
    const char *name;
    const char *value;
} heat_param_t;

/* Parses an application/x-www-form-urlencoded string (query) into heat_param_t pairs,
 * keeping blank values, '+' as space. */
apr_array_header_t *heat_query_parse(apr_pool_t *p, const char *query);
/* urlencode(pairs, doseq) as Python writes it (quote_plus). */
const char *heat_query_urlencode(apr_pool_t *p, const apr_array_header_t *pairs);
/* Python's urllib.parse.quote(s, safe): letters, digits, "_.-~" and safe stay. */
const char *heat_query_quote(apr_pool_t *p, const char *s, const char *safe);

#endif
