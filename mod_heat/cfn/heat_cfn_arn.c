/* heat_cfn_arn.c: HeatIdentifier's ARNs (see heat_cfn_arn.h). */
#include "heat_cfn_arn.h"

#include <apr_strings.h>
#include <string.h>

#include "heat_query.h"
#include "heat_cfn_params.h"
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

/* urlparse.unquote: %XX decoded (a "%00" stays as it is: C strings end there), bytes that are
 * not UTF-8 replaced by U+FFFD. */
static const char *unquote(apr_pool_t *p, const char *s, apr_size_t len)
{
    return heat_py_utf8_replace(p, heat_unquote(p, s, len, 0, NULL));
}

json_t *heat_cfn_arn_parse(apr_pool_t *p, const char *arn, const char **error)
{
    const char *f[5], *c = arn, *frag, *name, *id, *rest, *tenant, *path;
    int i;

    /* fields = arn.split(':'); at least 6 of them */
    for (i = 0; i < 5; i++) {
        const char *colon = strchr(c, ':');
        if (!colon) {
            *error = apr_psprintf(p, "\"%s\" is not a valid ARN", arn);
            return NULL;
        }
        f[i] = apr_pstrndup(p, c, (apr_size_t)(colon - c));
        c = colon + 1;
    }
    frag = c; /* ':'.join(fields[5:]) */
    if (strcasecmp(f[0], "arn") != 0) {
        *error = apr_psprintf(p, "\"%s\" is not a valid ARN", arn);
        return NULL;
    }
    /* re.match(r'stacks/([^/]+)/([^/]+)(.*)'): (.*) stops at a newline */
    if (strcmp(f[1], "openstack") != 0 || strcmp(f[2], "heat") != 0 || strncmp(frag, "stacks/", 7) != 0) {
        *error = apr_psprintf(p, "\"%s\" is not a valid Heat ARN", arn);
        return NULL;
    }
    name = frag + 7;
    id = name + strcspn(name, "/");
    if (id == name || *id != '/' || !id[1] || id[1] == '/') {
        *error = apr_psprintf(p, "\"%s\" is not a valid Heat ARN", arn);
        return NULL;
    }
    id++;
    rest = id + strcspn(id, "/");
    tenant = unquote(p, f[4], strlen(f[4]));
    path = unquote(p, rest, strcspn(rest, "\n"));
    name = unquote(p, name, (apr_size_t)(id - 1 - name));
    id = unquote(p, id, (apr_size_t)(rest - id));
    if (strchr(name, '/')) {
        *error = "Stack name may not contain \"/\"";
        return NULL;
    }
    if (*path && *path != '/')
        path = apr_pstrcat(p, "/", path, NULL);
    return heat_json_own(p, json_pack("{s:s, s:s, s:s, s:s}", "tenant", tenant, "stack_name", name, "stack_id",
                                      id, "path", path));
}

json_t *heat_cfn_resource_arn_parse(apr_pool_t *p, const char *arn, const char **resource_name,
                                    const char **error)
{
    json_t *identity = heat_cfn_arn_parse(p, arn, error), *stack;
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
