/* test_fault.c: the native JSON fault body (native-api.md §8.1, byte for byte as heat-api's
 * FaultWrapper writes it) and the CFN XML error document (cfn-api.md §7.1). */
#include "heat_test.h"

#include <string.h>

#include "heat_fault.h"

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
    suite_add_tcase(s, tc);
    return s;
}
