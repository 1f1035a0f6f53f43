/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pool.c - fork/join helpers on pthreads.
 *
 * DESIGN: dancu's stages are bulk-synchronous: each stage splits its work
 * over N threads and joins before the next stage starts. So instead of a
 * long-lived pool with a queue, dc_pool_run starts N-1 threads, runs share 0
 * on the caller and joins. Thread creation costs microseconds and a run has
 * a few dozen such calls. dc_parallel_for adds a dynamic schedule through
 * one atomic counter; no lock is ever held while user code runs.
 */
#include "common/dc_common.h"

#include <pthread.h>    /* pthread_create, pthread_join */
#include <stdatomic.h>  /* atomic_size_t */
#include <stdlib.h>     /* free */
#include <unistd.h>     /* sysconf */

dc_bounds_t dc_threads_bounds(void) { return (dc_bounds_t){0, 1024}; }

int dc_nthreads_default(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

typedef struct {
    dc_pool_fn fn;
    void *ctx;
    int tid, nthreads;
} pool_arg_t;

static void *pool_main(void *p)
{
    pool_arg_t *a = p;
    a->fn(a->ctx, a->tid, a->nthreads);
    return NULL;
}

void dc_pool_run(int nthreads, dc_pool_fn fn, void *ctx)
{
    if (nthreads <= 1) { fn(ctx, 0, 1); return; }
    pthread_t *th = dc_xcalloc((size_t)nthreads, sizeof *th);
    pool_arg_t *args = dc_xcalloc((size_t)nthreads, sizeof *args);
    char *started = dc_xcalloc((size_t)nthreads, 1);
    for (int i = 1; i < nthreads; i++) {
        args[i] = (pool_arg_t){fn, ctx, i, nthreads};
        started[i] = pthread_create(&th[i], NULL, pool_main, &args[i]) == 0;
    }
    fn(ctx, 0, nthreads);
    for (int i = 1; i < nthreads; i++) {
        if (started[i]) pthread_join(th[i], NULL);
        else fn(ctx, i, nthreads); /* could not start: run its share here */
    }
    free(started);
    free(args);
    free(th);
}

typedef struct {
    dc_for_fn fn;
    void *ctx;
    size_t n, grain;
    atomic_size_t next;
} for_ctx_t;

static void for_worker(void *p, int tid, int nthreads)
{
    DC_UNUSED(nthreads);
    for_ctx_t *f = p;
    for (;;) {
        size_t lo = atomic_fetch_add(&f->next, f->grain);
        if (lo >= f->n) break;
        size_t hi = DC_MIN(lo + f->grain, f->n);
        for (size_t i = lo; i < hi; i++) f->fn(f->ctx, i, tid);
    }
}

void dc_parallel_for(int nthreads, size_t n, size_t grain, dc_for_fn fn, void *ctx)
{
    for_ctx_t f;
    f.fn = fn;
    f.ctx = ctx;
    f.n = n;
    f.grain = grain ? grain : 1;
    atomic_init(&f.next, 0);
    if (nthreads > 1 && n > f.grain) dc_pool_run(nthreads, for_worker, &f);
    else for_worker(&f, 0, 1);
}
