/* heat_pool.c: pools with an allocator and mutex of their own (heat_pool.h). */
#include "heat_pool.h"

#include <apr_allocator.h>
#include <apr_thread_mutex.h>

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
