/* heat_pool.c: pools with an allocator and mutex of their own (heat_pool.h). */
#include "heat_pool.h"

#include <apr_allocator.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <stdlib.h>

apr_status_t heat_pool_create_shared(apr_pool_t **out, apr_pool_t *parent)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *mutex;
    apr_pool_t *p;
    apr_status_t rv;

    *out = NULL;
    if ((rv = apr_allocator_create(&alloc)) != APR_SUCCESS)
        return rv;
    if ((rv = apr_pool_create_ex(&p, parent, NULL, alloc)) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    /* The pool owns its allocator: destroying the pool frees it (and APR unsets the mutex
     * before the mutex's own cleanup could leave it dangling). */
    apr_allocator_owner_set(alloc, p);
    if ((rv = apr_thread_mutex_create(&mutex, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS) {
        apr_pool_destroy(p);
        return rv;
    }
    apr_allocator_mutex_set(alloc, mutex);
    apr_pool_tag(p, "heat_shared");
    *out = p;
    return APR_SUCCESS;
}

int heat_pool_is_shared(apr_pool_t *p)
{
    apr_allocator_t *a = apr_pool_allocator_get(p);
    return a && apr_allocator_mutex_get(a) != NULL;
}

struct heat_scratch_t {
    apr_threadkey_t *key;
    apr_size_t size;
};

static void scratch_free(void *buf)
{
    free(buf);
}

apr_status_t heat_scratch_create(heat_scratch_t **out, apr_size_t size, apr_pool_t *p)
{
    heat_scratch_t *s = apr_pcalloc(p, sizeof(*s));
    apr_status_t rv = apr_threadkey_private_create(&s->key, scratch_free, p);

    if (rv != APR_SUCCESS)
        s->key = NULL; /* still usable: every fetch then takes its room from the pool */
    s->size = size;
    *out = s;
    return rv;
}

static unsigned char *scratch_get(heat_scratch_t *s)
{
    void *buf = NULL;

    if (!s->key || apr_threadkey_private_get(&buf, s->key) != APR_SUCCESS)
        return NULL;
    if (!buf) {
        buf = malloc(s->size);
        if (buf && apr_threadkey_private_set(buf, s->key) != APR_SUCCESS) {
            free(buf);
            buf = NULL;
        }
    }
    return buf;
}

int heat_scratch_fetch(heat_scratch_t *s, apr_pool_t *p, heat_scratch_fill_fn *fill, void *baton,
                       const char **body, apr_size_t *len)
{
    unsigned char *buf = scratch_get(s);
    unsigned int n;
    int found;

    if (!buf)
        buf = apr_palloc(p, s->size);
    n = (unsigned int)s->size;
    found = fill(baton, buf, &n);
    if (found == 1) {
        *body = apr_pstrmemdup(p, (const char *)buf, n); /* n + 1 bytes */
        *len = n;
    }
    return found;
}
