/* heat_pool.h: pools that several threads of a child allocate from at run time.
 *
 * httpd's pchild has an allocator without a mutex: it is meant for child_init, before the
 * worker threads run. A pool that threads create subpools in or allocate from later (each
 * under its own lock, but different locks for different users) needs an allocator of its own
 * guarded by a mutex, or two users can corrupt the shared free lists. */
#ifndef HEAT_POOL_H
#define HEAT_POOL_H

#include <apr_pools.h>

/* A subpool of parent (call while single-threaded, e.g. in child_init) with its own allocator
 * guarded by a thread mutex: creating and destroying its subpools, and allocating from
 * distinct subpools, is then safe from any thread. Allocating from *out itself still needs one
 * caller at a time. Destroyed with parent. */
apr_status_t heat_pool_create_shared(apr_pool_t **out, apr_pool_t *parent);

/* Whether p's allocator is guarded by a mutex (for tests). */
int heat_pool_is_shared(apr_pool_t *p);

#endif
