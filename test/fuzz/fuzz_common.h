/* fuzz_common.h: what every libFuzzer target of test/fuzz shares: APR set up once, a fresh
 * pool per input (destroyed after it, so LeakSanitizer sees what a request would leak), the
 * input split into text fields, and a memory file for the APIs that only read paths. */
#ifndef HEAT_FUZZ_COMMON_H
#define HEAT_FUZZ_COMMON_H

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static apr_pool_t *fuzz_root;

/* Runs before LeakSanitizer's exit check (atexit is last-in-first-out): what the targets set up
 * once is released by its pool cleanups (regfree...), as at a graceful restart. */
static void fuzz_teardown(void)
{
    apr_pool_destroy(fuzz_root);
    fuzz_root = NULL;
    apr_terminate();
}

/* The process-wide pool, created on first use; lives until exit. */
static inline apr_pool_t *fuzz_root_pool(void)
{
    if (!fuzz_root) {
        apr_initialize();
        apr_pool_create(&fuzz_root, NULL);
        atexit(fuzz_teardown);
        /* fixed hash seed: a crash must replay the same way */
        json_object_seed(1);
    }
    return fuzz_root;
}

static inline apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;
    apr_pool_create(&p, fuzz_root_pool());
    return p;
}

/* Cuts the next field, up to a newline, off *data; NUL-terminated copy in p (a NUL inside
 * ends the C string, as it would at the glue). The last field takes the rest. */
static inline const char *fuzz_field(apr_pool_t *p, const uint8_t **data, size_t *size, size_t *len)
{
    const uint8_t *nl = memchr(*data, '\n', *size);
    size_t n = nl ? (size_t)(nl - *data) : *size;
    const char *s = apr_pstrmemdup(p, (const char *)*data, n);
    *data += nl ? n + 1 : n;
    *size -= nl ? n + 1 : n;
    if (len)
        *len = n;
    return s;
}

/* A path that reads as the bytes given (a memfd, reused across inputs). NULL if the kernel
 * refuses memfds, which the caller treats as "nothing to test". */
static inline const char *fuzz_memfile(apr_pool_t *p, const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("heat-fuzz", 0)) < 0)
        return NULL;
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        return NULL;
    return apr_psprintf(p, "/proc/self/fd/%d", fd);
}

#endif
