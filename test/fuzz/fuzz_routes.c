/* fuzz_routes.c: the way from a request line to a route, for both APIs. Input lines: method,
 * raw path (percent-encoded, as in the request line), raw query string, Accept header. The
 * path is decoded, negotiated and matched as the glue does; the query is parsed as webob does
 * and its Action picks the CFN route. */
#include "fuzz_common.h"

#include "heat_cfn.h"
#include "heat_handlers.h"
#include "heat_cfn_params.h"
#include "heat_front.h"
#include "heat_pycompat.h"
#include "heat_routes.h"
#include "heat_util.h"

static heat_routes_t *native, *cfn;

static void check_match(const heat_route_match_t *m)
{
    /* the API promises params is never NULL and allowed is set for OPTIONS / REJECT */
    if (!m->params)
        abort();
    if (m->result == HEAT_ROUTE_MATCHED && !m->route)
        abort();
    if ((m->result == HEAT_ROUTE_OPTIONS || m->result == HEAT_ROUTE_REJECT) && !m->allowed)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    size_t raw_len;
    const char *method = fuzz_field(p, &data, &size, NULL);
    const char *raw_path = fuzz_field(p, &data, &size, &raw_len);
    const char *query = fuzz_field(p, &data, &size, NULL);
    const char *accept = fuzz_field(p, &data, &size, NULL);
    const char *err = NULL, *path, *action;
    apr_array_header_t *params;
    heat_negotiation_t neg;
    heat_route_match_t m;

    if (!native) {
        apr_pool_t *root = fuzz_root_pool();
        if (heat_native_routes_create(root, &native) || heat_cfn_routes_create(root, &cfn))
            abort();
    }
    path = heat_unquote(p, raw_path, strlen(raw_path), 0, &err);
    if (!path)
        path = heat_unquote(p, raw_path, strlen(raw_path), 0, NULL);
    params = heat_query_parse(p, query);
    action = heat_cfn_param(params, params->nelts, "Action");

    heat_front_negotiate(p, path, *accept ? accept : NULL, &neg);
    if (neg.result == HEAT_NEG_ROUTE && neg.path_info) {
        heat_routes_match(native, p, method, neg.path_info, &m);
        check_match(&m);
        heat_routes_cfn_match(cfn, p, method, neg.path_info, action, &m);
        check_match(&m);
    }
    /* and the path as given, without negotiation */
    heat_routes_match(native, p, method, path, &m);
    check_match(&m);
    heat_routes_cfn_match(cfn, p, method, path, action, &m);
    check_match(&m);

    (void)heat_front_quote_path(p, path);
    (void)heat_query_quote(p, path, "/");
    (void)heat_query_urlencode(p, params);
    (void)heat_cfn_param_pairs(p, params, "Parameters", "ParameterKey", "ParameterValue");
    (void)heat_py_utf8_check(path, strlen(path), NULL, NULL, NULL);
    (void)heat_front_valid_request_id(query);
    apr_pool_destroy(p);
    return 0;
}
