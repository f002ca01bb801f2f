/* heat_cfn_arn.c: HeatIdentifier's ARNs (see heat_cfn_arn.h). */
#include "heat_cfn_arn.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_query.h"
#include "heat_cfn_params.h"
#include "heat_identifier.h"
#include "heat_json.h"
#include "heat_pycompat.h"
#include "heat_util.h"

/* A field of HeatIdentifier(**identity) as a string, NULL if Python would fail on it. */
static const char *field(apr_pool_t *p, const json_t *identity, const char *key, int required)
{
    const json_t *v = json_object_get(identity, key);
    if (!v)
        return required ? NULL : "";
    if (json_is_string(v))
        return json_string_value(v);
    if (strcmp(key, "stack_id") == 0 && json_is_integer(v))
        return apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)json_integer_value(v)); /* str(stack_id) */
    return NULL;
}

/* The checks of HeatIdentifier.__init__ on the keyword arguments; extra names the one more
 * keyword the subclass takes (event_id), NULL for none. */
static int fields(apr_pool_t *p, const json_t *identity, const char *extra, const char **tenant,
                  const char **name, const char **id, const char **path)
{
    const char *key;
    json_t *v;

    if (!json_is_object(identity))
        return 0;
    json_object_foreach((json_t *)identity, key, v)
        if (strcmp(key, "tenant") && strcmp(key, "stack_name") && strcmp(key, "stack_id") && strcmp(key, "path") &&
            !(extra && strcmp(key, extra) == 0))
            return 0; /* unexpected keyword argument */
    *tenant = field(p, identity, "tenant", 1);
    *name = field(p, identity, "stack_name", 1);
    *id = field(p, identity, "stack_id", 1);
    *path = field(p, identity, "path", 0);
    if (!*tenant || !*name || !*id || !*path || strchr(*name, '/'))
        return 0;
    if (**path && **path != '/')
        *path = apr_pstrcat(p, "/", *path, NULL);
    return 1;
}

const char *heat_cfn_arn(apr_pool_t *p, const json_t *identity)
{
    const char *tenant, *name, *id, *path;

    if (!fields(p, identity, NULL, &tenant, &name, &id, &path))
        return NULL;
    return apr_pstrcat(p, "arn:openstack:heat::", heat_query_quote(p, tenant, ""), ":stacks/",
                       heat_query_quote(p, name, ""), "/", heat_query_quote(p, id, ""), heat_query_quote(p, path, "/"),
                       NULL);
}

const char *heat_cfn_event_id(apr_pool_t *p, const json_t *identity)
{
    const char *tenant, *name, *id, *path, *slash;

    /* EventIdentifier's path has no default */
    if (!json_object_get(identity, "path") || !fields(p, identity, "event_id", &tenant, &name, &id, &path))
        return NULL;
    if (json_is_string(json_object_get(identity, "event_id")))
        return json_string_value(json_object_get(identity, "event_id")); /* path + /events/<id> */
    slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

json_t *heat_cfn_resource_arn_parse(apr_pool_t *p, const char *arn, const char **resource_name,
                                    const char **error)
{
    json_t *identity = heat_identifier_from_arn(p, arn, error), *stack;
    const char *path, *c;
    char *parent;
    int i;

    if (!identity)
        return NULL;
    /* _path_components(): path.lstrip('/').split('/') */
    path = json_string_value(json_object_get(identity, "path"));
    while (*path == '/')
        path++;
    c = strrchr(path, '/');
    *resource_name = c ? c + 1 : path;
    /* stack(): '/'.join(components[:-2]) */
    parent = apr_pstrdup(p, path);
    for (i = 0; i < 2; i++) {
        char *slash = strrchr(parent, '/');
        if (!slash) {
            *parent = '\0';
            break;
        }
        *slash = '\0';
    }
    stack = heat_json_own(p, json_pack("{s:O, s:O, s:O, s:s}", "tenant", json_object_get(identity, "tenant"),
                                       "stack_name", json_object_get(identity, "stack_name"), "stack_id",
                                       json_object_get(identity, "stack_id"), "path",
                                       *parent ? apr_pstrcat(p, "/", parent, NULL) : ""));
    return stack;
}
