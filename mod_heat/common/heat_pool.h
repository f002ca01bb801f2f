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

/* A large buffer that each thread keeps for its life (malloc'd on first use, freed at thread
 * exit), for lookups that need room for the largest possible answer but usually get a small
 * one: socache's retrieve. Taking that room from the request pool at every lookup would grow
 * the pool by the whole size each time. */
typedef struct heat_scratch_t heat_scratch_t;

/* In child_init (single-threaded): a scratch of size bytes per thread; its key lives in p.
 * *out is usable even when the thread key cannot be made (the error is returned): fetches
 * then take their room from the request pool. */
apr_status_t heat_scratch_create(heat_scratch_t **out, apr_size_t size, apr_pool_t *p);

/* Fills buf (room for *len bytes) and sets *len to what it wrote; returns 1 found, 0 not
 * found, -1 error. */
typedef int heat_scratch_fill_fn(void *baton, unsigned char *buf, unsigned int *len);

/* Runs fill into the calling thread's scratch and copies a hit into p at its own size
 * (NUL-terminated). When the thread's scratch cannot be had, the room is taken from p.
 * Returns what fill returned; *body and *len are set on a hit only. */
int heat_scratch_fetch(heat_scratch_t *s, apr_pool_t *p, heat_scratch_fill_fn *fill, void *baton,
                       const char **body, apr_size_t *len);

#endif
