/* fuzz_ec2.c: heat-api-cfn's ec2token filter without Keystone: the credentials of a signed
 * request, the ec2tokens request body, and Keystone's answer mapped to the AWS error. Input
 * lines: query string, form body, Authorization header, decoded path, X-Subject-Token; the
 * rest is Keystone's JSON answer. */
#include "fuzz_common.h"

#include <apr_tables.h>

#include "heat_api.h"
#include "heat_ec2.h"
#include "heat_json.h"
#include "heat_pycompat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *query = fuzz_field(p, &data, &size, NULL);
    const char *form = fuzz_field(p, &data, &size, NULL);
    const char *authorization = fuzz_field(p, &data, &size, NULL);
    const char *path = fuzz_field(p, &data, &size, NULL);
    const char *subject = fuzz_field(p, &data, &size, NULL);
    apr_array_header_t *params = heat_query_parse(p, query);
    int n_query = params->nelts;
    heat_ec2_credentials_t cr;
    heat_ec2_request_t req;
    heat_ec2_outcome_t out;
    apr_table_t *headers = apr_table_make(p, 4);
    json_t *ps, *answer;

    apr_array_cat(params, heat_query_parse(p, form));
    ps = heat_ec2_params(p, params, n_query);
    heat_ec2_credentials(p, ps, *authorization ? authorization : NULL, &cr);
    (void)heat_ec2_decide(&cr, size & 1);
    apr_table_set(headers, "host", "127.0.0.1:8000");
    apr_table_set(headers, "x-amz-date", "20240101T000000Z");
    apr_table_set(headers, authorization, path);
    memset(&req, 0, sizeof(req));
    req.access = cr.access ? cr.access : "";
    req.signature = cr.signature ? cr.signature : "";
    req.host = "127.0.0.1:8000";
    req.verb = "POST";
    req.path = heat_ec2_path(p, path);
    req.params = ps;
    req.headers = headers;
    req.body = form;
    req.body_len = strlen(form);
    (void)heat_ec2_request_body(p, &req);
    (void)heat_ec2_creds_json(p, req.access, req.signature);
    (void)heat_ec2_header_name(p, authorization);
    (void)heat_ec2_tokens_url(p, heat_py_replace(p, path, "v2.0", "v3"));

    answer = heat_json_own(p, json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL));
    if (answer) {
        heat_ec2_outcome(p, *subject ? subject : NULL, answer, &out);
        if (!out.error && (!out.project_id || !out.project_name || !out.roles))
            abort();
    }
    apr_pool_destroy(p);
    return 0;
}
