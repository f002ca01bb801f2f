/* heat_cfn_params.h: the request parameters as heat-api-cfn reads them:
 * webob's req.params (the query's pairs, then the form body's) and heat/api/aws/utils.py's
 * AWS list extraction. */
#ifndef HEAT_CFN_PARAMS_H
#define HEAT_CFN_PARAMS_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

/* req.params[name] / .get(name): webob's NestedMultiDict looks in the query first and takes its
 * last value there, else the form body's last value. params holds heat_param_t, the first
 * n_query of them from the query string. NULL when absent. */
const char *heat_cfn_param(const apr_array_header_t *params, int n_query, const char *name);

/* api_utils.extract_param_pairs(params, prefix, keyname, valuename): every pair named
 * "<prefix>.member.<N>.<field>" (regex match, so the name may go on after a newline),
 * grouped by the integer N in ascending order (stable), later fields winning within a
 * member; members lacking keyname or valuename are dropped; {key: value}, a later member
 * winning on the same key (which keeps its first position, as a Python dict does).
 * A new object owned by p. */
json_t *heat_cfn_param_pairs(apr_pool_t *p, const apr_array_header_t *params, const char *prefix,
                             const char *keyname, const char *valuename);

#endif
