/* heat_template.h: templates and environments as heat-api reads them from a request:
 * heat/common/template_format.py (parse,
 * simple_parse), heat/common/environment_format.py (parse, validate, default_for_missing), and
 * InstantiationData + StackController.prepare_args of heat/api/openstack/v1/stacks.py, up to the
 * args of the create_stack, preview_stack, update_stack, preview_update_stack and
 * validate_template RPC calls (heat/rpc/client.py EngineClient).
 *
 * Differences from heat-api, deliberate and documented where they occur:
 *  - values JSON cannot carry (NaN, Infinity, integers beyond 64 bits, ...) are refused with 400
 *    "Template not in valid format: ..." (or "Environment ..."): see heat_yaml.h, heat_body.h;
 *  - the size of an inline template object is Python's len(str(dict)) computed from the JSON
 *    value; non-ASCII characters that Python would escape in a repr are recognised by an
 *    approximation of str.isprintable() (only matters within a few bytes of the limit);
 *  - template_url is fetched once per request (heat-api fetches it twice on PATCH);
 *  - keys that YAML gives as booleans or null show as "true"/"false"/"null" (their JSON form)
 *    in 'environment has wrong section "..."' where Python prints True/False/None, and in
 *    list-form parameters ([[1, "a"], [true, "b"]]) 1 and true stay distinct keys. */
#ifndef HEAT_TEMPLATE_H
#define HEAT_TEMPLATE_H

#include <apr_pools.h>
#include <jansson.h>

#include "heat_body.h"

#define HEAT_MAX_TEMPLATE_SIZE_DEFAULT 524288

/* A Python exception as heat's code raises it: the class name and str(exc). */
typedef struct {
    const char *type;
    const char *message;
} heat_pyexc_t;

/* How FaultWrapper (and Resource, for TypeError) answer an exception escaping a controller:
 * RequestLimitExceeded and HTTPBadRequest 400 with their message; TypeError the generic 400
 * HTTPBadRequest; ValueError and AttributeError (and their subclasses) 400 without message;
 * anything else 500 without message. */
void heat_pyexc_fault(const heat_pyexc_t *exc, heat_error_t *err);

/* ---- template_format / environment_format ---- */

/* template_format.parse(tmpl_str) for a str (UTF-8 text, as found in a JSON body): the size
 * check (RequestLimitExceeded, message "Request limit exceeded: Template size (<n> bytes)
 * exceeds maximum allowed size (<max> bytes)."), JSON first, then YAML, the mapping check and
 * the version key check. Returns the template (owned by p) or NULL with exc: ValueError with
 * heat's message ("Template format version not found.", "The template is not a JSON object or
 * YAML mapping.", "Error parsing template [root stack] <PyYAML error>", ...), or the other
 * exceptions heat lets escape (KeyError from `!!bool 1`, ...). */
json_t *heat_template_parse(apr_pool_t *p, const char *text, apr_size_t len, apr_size_t max_template_size,
                            heat_pyexc_t *exc);

/* The same for the bytes fetched from template_url: sized on Python's b'...' repr, decoded as
 * UTF-8 for the JSON attempt, YAML read from the bytes ("<byte string>"). */
json_t *heat_template_parse_bytes(apr_pool_t *p, const char *data, apr_size_t len, apr_size_t max_template_size,
                                  heat_pyexc_t *exc);

/* template_format.simple_parse(tmpl_str, tmpl_url) (no size or version check); tmpl_url NULL
 * names the template "[root stack]" in YAML errors. */
json_t *heat_template_simple_parse(apr_pool_t *p, const char *text, apr_size_t len, const char *tmpl_url,
                                   heat_pyexc_t *exc);

/* environment_format.parse(env_str) for a str: YAML only, an empty document is {}, then
 * validate(). Errors are ValueError ("The environment is not a valid YAML mapping data type.",
 * the PyYAML error, 'environment has wrong section "foo"', ...). */
json_t *heat_environment_parse(apr_pool_t *p, const char *text, apr_size_t len, heat_pyexc_t *exc);

/* environment_format.validate(env): every key a known section, no null section. */
int heat_environment_validate(apr_pool_t *p, const json_t *env, heat_pyexc_t *exc);

/* environment_format.default_for_missing(env): adds parameters, resource_registry,
 * parameter_defaults ({}), encrypted_param_names, event_sinks ([]) where missing. */
void heat_environment_default_for_missing(json_t *env);

/* len(str(value)) of the Python object json.loads would give for value (dict, list, str, int,
 * float, True/False/None reprs): the measure heat applies to an inline template object. */
apr_size_t heat_py_repr_size(const json_t *value);

/* ---- InstantiationData ---- */

typedef enum {
    HEAT_INST_CREATE,               /* POST /stacks: stack_name required, converge refused */
    HEAT_INST_PREVIEW,              /* POST /stacks/preview: the same */
    HEAT_INST_UPDATE,               /* PUT /stacks/{name}/{id} */
    HEAT_INST_UPDATE_PATCH,         /* PATCH: existing=true, no template allowed, no_change first */
    HEAT_INST_PREVIEW_UPDATE,       /* PUT .../preview */
    HEAT_INST_PREVIEW_UPDATE_PATCH, /* PATCH .../preview */
    HEAT_INST_VALIDATE              /* POST /validate: template and environment only */
} heat_inst_action_t;

/* Fetches template_url (heat_urlfetch's job). Returns 1 with the body's bytes, or 0 with the
 * reason, which heat-api puts after "Could not retrieve template: " (for example "Failed to
 * retrieve template from <url>" or "Invalid URL scheme ftp"). */
typedef int (*heat_inst_fetch_fn)(void *baton, apr_pool_t *p, const char *url, const char **data,
                                  apr_size_t *len, const char **reason);

/* PATCH update only: the policy check heat-api makes between no_change() and the rest
 * (update_no_change or update_patch). Returns 1 to go on, 0 with err to stop. */
typedef int (*heat_inst_authorize_fn)(void *baton, int no_change, heat_error_t *err);

/* Called right after prepare_args (all actions but validate), where heat-api's update preview
 * reads its show_nested query parameter: it may check it (a 400 here comes before template
 * errors, as in heat-api) and add it to args. Returns 1 to go on, 0 with err to stop. */
typedef int (*heat_inst_args_fn)(void *baton, json_t *args, heat_error_t *err);

typedef struct {
    apr_size_t max_template_size; /* [DEFAULT] max_template_size; 0 = the default */
    heat_inst_fetch_fn fetch;     /* NULL: template_url fails with "template_url is not supported" */
    void *fetch_baton;
    heat_inst_authorize_fn authorize; /* HEAT_INST_UPDATE_PATCH; NULL = allowed */
    void *authorize_baton;
    heat_inst_args_fn after_args;     /* NULL = nothing to add */
    void *after_args_baton;
} heat_inst_conf_t;

/* What the controller sends to heat-engine. Every member is owned by the pool. */
typedef struct {
    json_t *stack_name;        /* create and preview; whatever JSON value the body had */
    json_t *template;          /* usually an object; null for a PATCH without template (adopt
                                  data may hold any type, which heat passes on) */
    json_t *params;            /* the environment, sections completed, parameters merged */
    json_t *files;             /* body.files or {} */
    json_t *environment_files; /* body.environment_files or null */
    json_t *files_container;   /* body.files_container or null */
    json_t *args;              /* the other body keys after prepare_args (timeout_mins an int,
                                  tags a list, PATCH adds existing: true) */
    int no_change;             /* PATCH update: what no_change() found (always 0 in heat 19.0.0,
                                  see heat_template.c) */
} heat_inst_t;

/* Runs heat-api's sequence for the action on the decoded body (a JSON object, which is
 * modified as heat modifies it): prepare_args, stack_name(), template(), environment(), files,
 * and for PATCH no_change() and the authorize callback, in the order heat-api calls them, so
 * that the first error is heat-api's. Returns 1, or 0 with err (status, fault type, message or
 * NULL). */
int heat_inst_build(apr_pool_t *p, json_t *body, heat_inst_action_t action, const heat_inst_conf_t *conf,
                    heat_inst_t *out, heat_error_t *err);

/* The RPC "args" objects, keys in heat's order (rpc/client.py). */
json_t *heat_inst_create_stack_args(apr_pool_t *p, const heat_inst_t *inst);
json_t *heat_inst_preview_stack_args(apr_pool_t *p, const heat_inst_t *inst);
/* update_stack (with template_id: null) or preview_update_stack (without). */
json_t *heat_inst_update_stack_args(apr_pool_t *p, const heat_inst_t *inst, json_t *stack_identity, int preview);
json_t *heat_inst_validate_template_args(apr_pool_t *p, const heat_inst_t *inst, int show_nested,
                                         json_t *ignorable_errors);

#endif
