/* heat_result.c: the one writer of error results (see heat_result.h). */
#include "heat_result.h"

#include <string.h>

#include "heat_fault.h"
#include "heat_json.h"
#include "heat_webob.h"

void heat_result_error(heat_result_t *res, int status, const char *type, const char *message)
{
    memset(res, 0, sizeof(*res));
    res->status = status;
    res->type = type;
    res->message = message;
}

int heat_result_render(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept)
{
    const heat_cfn_error_t *err;
    heat_webob_body_t b;

    res->location = NULL;
    switch (fmt) {
    case HEAT_RESULT_WEBOB:
        b = heat_webob_body(p, res->status, accept, NULL, res->message, NULL);
        res->content_type = b.content_type;
        res->body = b.body;
        break;
    case HEAT_RESULT_AWS_XML:
    case HEAT_RESULT_AWS_JSON:
        err = res->type ? heat_cfn_error(res->type) : NULL;
        if (!err)
            err = heat_cfn_error("InternalFailure");
        if (fmt == HEAT_RESULT_AWS_JSON) {
            /* heat's JSON serializer writes str(exception): the detail, else the explanation */
            res->status = 200;
            res->status_line = NULL;
            res->content_type = "application/json";
            res->body = heat_json_dump(p, heat_json_own(p, json_string(res->message ? res->message
                                                                                    : err->explanation)), 0);
            break;
        }
        res->status = err->status;
        res->status_line = heat_fault_cfn_status_line(p, err);
        res->content_type = HEAT_CFN_XML_TYPE;
        res->body = heat_fault_cfn_xml(p, err, res->message);
        break;
    case HEAT_RESULT_FAULT:
    default:
        res->content_type = "application/json";
        res->body = heat_fault_json(p, res->status, res->type, res->message, res->traceback);
        break;
    }
    return res->status;
}

int heat_result_fail(apr_pool_t *p, heat_result_t *res, heat_result_format_t fmt, const char *accept,
                     int status, const char *type, const char *message)
{
    heat_result_error(res, status, type, message);
    return heat_result_render(p, res, fmt, accept);
}
