/* test_fault.c: the native JSON fault body (byte for byte as heat-api's FaultWrapper writes
 * it) and the CFN XML error document (heat/api/aws/exception.py HeatAPIException). */
#include "heat_test.h"

#include <string.h>

#include "heat_fault.h"
#include "heat_json.h"
#include "heat_result.h"
#include "heat_webob.h"

START_TEST(fault_json_405_as_heat_api)
{
    /* captured from heat-api 19.0.0: DELETE /v1/t/stacks */
    ck_assert_str_eq(heat_fault_json(heat_test_pool, 405, "HTTPMethodNotAllowed",
                                     "The server could not comply with the request since it is "
                                     "either malformed or otherwise incorrect.", NULL),
                     "{\"code\": 405, \"title\": \"Method Not Allowed\", \"explanation\": \"The server "
                     "could not comply with the request since it is either malformed or otherwise "
                     "incorrect.\", \"error\": {\"type\": \"HTTPMethodNotAllowed\", \"traceback\": null, "
                     "\"message\": \"The server could not comply with the request since it is either "
                     "malformed or otherwise incorrect.\"}}");
}
END_TEST

START_TEST(fault_json_409_example_from_spec)
{
    ck_assert_str_eq(heat_fault_json(heat_test_pool, 409, "StackExists", "The Stack (foo) already exists.", NULL),
                     "{\"code\": 409, \"title\": \"Conflict\", \"explanation\": \"There was a conflict when "
                     "trying to complete your request.\", \"error\": {\"type\": \"StackExists\", "
                     "\"traceback\": null, \"message\": \"The Stack (foo) already exists.\"}}");
}
END_TEST

START_TEST(fault_json_unsafe_has_no_message)
{
    const char *body = heat_fault_json(heat_test_pool, 500, "MessagingTimeout", NULL, NULL);
    ck_assert_ptr_null(strstr(body, "\"message\""));
    ck_assert_ptr_nonnull(strstr(body, "\"type\": \"MessagingTimeout\", \"traceback\": null}"));
}
END_TEST

START_TEST(fault_json_escapes_like_python)
{
    /* Python's json.dumps escapes non-ASCII as \uXXXX and leaves "/" alone */
    const char *body = heat_fault_json(heat_test_pool, 404, "EntityNotFound", "The Stack (\xc3\xa9t\xc3\xa9/x) could not be found.", "tb\nline");
    ck_assert_ptr_nonnull(strstr(body, "\"message\": \"The Stack (\\u00e9t\\u00e9/x) could not be found.\""));
    ck_assert_ptr_nonnull(strstr(body, "\"traceback\": \"tb\\nline\""));
}
END_TEST

START_TEST(cfn_error_documents)
{
    const heat_cfn_error_t *e = heat_cfn_error("InvalidAction");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->status, 400);
    ck_assert_str_eq(heat_fault_cfn_xml(heat_test_pool, e, NULL),
                     "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>The action "
                     "or operation requested is invalid</Message></Error></ErrorResponse>");
    e = heat_cfn_error("InvalidParameterValue");
    ck_assert_str_eq(heat_fault_cfn_xml(heat_test_pool, e, "The Stack (a<b&c) could not be found."),
                     "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameterValue</Code><Message>A bad "
                     "or out-of-range value was supplied:The Stack (a&lt;b&amp;c) could not be found."
                     "</Message></Error></ErrorResponse>");
    e = heat_cfn_error("ActionInProgress");
    ck_assert_ptr_nonnull(strstr(heat_fault_cfn_xml(heat_test_pool, e, NULL), "<Code>InvalidAction</Code>"));
    ck_assert_int_eq(heat_cfn_error("InternalFailure")->status, 500);
    ck_assert_int_eq(heat_cfn_error("AccessDenied")->status, 403);
    ck_assert_ptr_null(heat_cfn_error("NoSuchError"));
}
END_TEST

START_TEST(fault_status_table_as_faultwrapper)
{
    json_t *table = heat_json_own(heat_test_pool, json_load_file(heat_test_golden("fault/status.json"), 0, NULL));
    const char *cls;
    json_t *status;

    ck_assert_ptr_nonnull(table);
    ck_assert_int_gt(json_object_size(table), 70);
    json_object_foreach(table, cls, status) {
        ck_assert_msg(heat_fault_status_of(cls) == json_integer_value(status), "%s: %d, heat-api %d", cls,
                      heat_fault_status_of(cls), (int)json_integer_value(status));
    }
}
END_TEST

START_TEST(fault_remote_rebuild_rules)
{
    heat_result_t f;
    json_t *kw = heat_json_own(heat_test_pool, json_pack("{s:s, s:s}", "entity", "Stack", "name", "x"));
    json_t *svf = heat_json_own(heat_test_pool, json_pack("{s:s, s:s, s:s}", "error", "Property error: ",
                                                           "path", "resources.srv.properties.flavor: ",
                                                           "message", "bad"));
    json_t *one = heat_json_own(heat_test_pool, json_pack("[s]", "positional"));

    heat_result_from_remote(heat_test_pool, "EntityNotFound", "heat.common.exception",
                           "The Stack (x) could not be found.", NULL, kw, "Traceback...", 0, &f);
    ck_assert_int_eq(f.status, 404);
    ck_assert_str_eq(f.type, "EntityNotFound");
    ck_assert_str_eq(f.message, "The Stack (x) could not be found.");
    ck_assert_ptr_null(f.traceback);
    heat_result_from_remote(heat_test_pool, "EntityNotFound", "heat.common.exception", "m", NULL, kw,
                           "Traceback...", 1, &f);
    ck_assert_str_eq(f.traceback, "Traceback...");

    /* the doubled separators users know from real heat */
    heat_result_from_remote(heat_test_pool, "StackValidationFailed", "heat.common.exception",
                           "Property error: resources.srv.properties.flavor: bad", NULL, svf, NULL, 0, &f);
    ck_assert_int_eq(f.status, 400);
    ck_assert_str_eq(f.message, "Property error: : resources.srv.properties.flavor: : bad");

    /* Forbidden('x') serialises args ['x'] and kwargs {action: 'x'}: Forbidden('x', action='x') fails */
    heat_result_from_remote(heat_test_pool, "Forbidden", "heat.common.exception", "m", one,
                           heat_json_own(heat_test_pool, json_pack("{s:s}", "action", "positional")), NULL, 0, &f);
    ck_assert_int_eq(f.status, 500);
    ck_assert_str_eq(f.type, "RemoteError");
    ck_assert_ptr_null(f.message);
    heat_result_from_remote(heat_test_pool, "ResourceFailure", "heat.common.exception", "m", NULL, svf, NULL, 0, &f);
    ck_assert_str_eq(f.type, "RemoteError");
    /* NotFound(msg) takes its message positionally: oslo rebuilds it (show_output of a missing key) */
    heat_result_from_remote(heat_test_pool, "NotFound", "heat.common.exception", "Specified output key nope not found.",
                           one, NULL, NULL, 0, &f);
    ck_assert_int_eq(f.status, 404);
    ck_assert_str_eq(f.type, "NotFound");
    ck_assert_str_eq(f.message, "Specified output key nope not found.");
    /* Error(msg) serialises message= as well: Error(msg, message=msg) cannot be rebuilt */
    heat_result_from_remote(heat_test_pool, "Error", "heat.common.exception", "m", one,
                           heat_json_own(heat_test_pool, json_pack("{s:s}", "message", "m")), NULL, 0, &f);
    ck_assert_str_eq(f.type, "RemoteError");

    heat_result_from_remote(heat_test_pool, "ValueError", "builtins", "bad value", one, NULL, NULL, 0, &f);
    ck_assert_int_eq(f.status, 400);
    ck_assert_str_eq(f.type, "ValueError");
    ck_assert_ptr_null(f.message);
    heat_result_from_remote(heat_test_pool, "TypeError", "builtins", "x() got an unexpected keyword", one, NULL,
                           NULL, 0, &f);
    ck_assert_int_eq(f.status, 400);
    ck_assert_str_eq(f.type, "HTTPBadRequest");
    ck_assert_str_eq(f.message, "The server could not comply with the request since it is either malformed or "
                                "otherwise incorrect.");
    heat_result_from_remote(heat_test_pool, "KeyError", "builtins", "'x'", one, NULL, NULL, 0, &f);
    ck_assert_int_eq(f.status, 500);
    ck_assert_str_eq(f.type, "KeyError");

    heat_result_from_remote(heat_test_pool, "NoSuchMethod", "oslo_messaging.rpc.dispatcher", "m", one, NULL, NULL, 0, &f);
    ck_assert_int_eq(f.status, 500);
    ck_assert_str_eq(f.type, "RemoteError");
    heat_result_render(heat_test_pool, &f, HEAT_RESULT_FAULT, NULL);
    ck_assert_ptr_null(strstr(f.body, "\"message\""));
}
END_TEST

/* One error result, four formats: the writer picks the format, not the error's origin. */
START_TEST(result_render_formats)
{
    heat_result_t r;
    heat_webob_body_t page = heat_webob_body(heat_test_pool, 404, "application/json", NULL, NULL, NULL);

    /* Heat's fault, with the traceback kept */
    heat_result_error(&r, 409, "StackExists", "The Stack (foo) already exists.");
    r.traceback = "tb";
    r.location = "http://stale";
    ck_assert_int_eq(heat_result_render(heat_test_pool, &r, HEAT_RESULT_FAULT, NULL), 409);
    ck_assert_str_eq(r.content_type, "application/json");
    ck_assert_str_eq(r.body, heat_fault_json(heat_test_pool, 409, "StackExists", "The Stack (foo) already exists.",
                                             "tb"));
    ck_assert_ptr_null(r.location);
    ck_assert_ptr_null(r.status_line);

    /* webob's page, by Accept */
    ck_assert_int_eq(heat_result_fail(heat_test_pool, &r, HEAT_RESULT_WEBOB, "application/json", 404, NULL, NULL),
                     404);
    ck_assert_str_eq(r.content_type, page.content_type);
    ck_assert_str_eq(r.body, page.body);

    /* AWS XML: status and status line from the Code */
    ck_assert_int_eq(heat_result_fail(heat_test_pool, &r, HEAT_RESULT_AWS_XML, NULL, 0, "ActionInProgress", "busy"),
                     400);
    ck_assert_str_eq(r.status_line, "400 InvalidAction");
    ck_assert_str_eq(r.content_type, HEAT_CFN_XML_TYPE);
    ck_assert_str_eq(r.body, heat_fault_cfn_xml(heat_test_pool, heat_cfn_error("ActionInProgress"), "busy"));

    /* an unknown Code is InternalFailure */
    heat_result_fail(heat_test_pool, &r, HEAT_RESULT_AWS_XML, NULL, 0, "NoSuchCode", NULL);
    ck_assert_int_eq(r.status, 500);
    ck_assert_str_eq(r.status_line, "500 InternalFailure");

    /* AWS JSON: 200 and str(exception), the detail or else the explanation */
    heat_result_fail(heat_test_pool, &r, HEAT_RESULT_AWS_JSON, NULL, 0, "MissingParameter", "StackName");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_null(r.status_line);
    ck_assert_str_eq(r.content_type, "application/json");
    ck_assert_str_eq(r.body, "\"StackName\"");
    heat_result_fail(heat_test_pool, &r, HEAT_RESULT_AWS_JSON, NULL, 0, "AccessDenied", NULL);
    ck_assert_str_eq(r.body, "\"User is not authorized to perform action\"");
}
END_TEST

Suite *heat_test_fault_suite(void)
{
    Suite *s = suite_create("fault");
    TCase *tc = tcase_create("fault");

    tcase_add_checked_fixture(tc, heat_test_pool_setup, heat_test_pool_teardown);
    tcase_add_test(tc, fault_json_405_as_heat_api);
    tcase_add_test(tc, fault_json_409_example_from_spec);
    tcase_add_test(tc, fault_json_unsafe_has_no_message);
    tcase_add_test(tc, fault_json_escapes_like_python);
    tcase_add_test(tc, cfn_error_documents);
    tcase_add_test(tc, fault_status_table_as_faultwrapper);
    tcase_add_test(tc, fault_remote_rebuild_rules);
    tcase_add_test(tc, result_render_formats);
    suite_add_tcase(s, tc);
    return s;
}
