/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * intern.c - a thread-safe string interner.
 *
 * DESIGN: 256 shards chosen by the top byte of the string's XXH3 hash, each
 * with its own mutex, open-addressing table of ids and string arena, so two
 * threads rarely wait for each other. Ids come from one atomic counter and
 * index a two-level entry table (64 Ki chunks of 64 Ki entries, chunks
 * allocated on demand and published with release stores), so a reader maps
 * an id to its string without any lock. An id is only ever handed out after
 * its entry is complete, under the shard mutex; a thread that got the id
 * through any synchronisation (the mutex, a thread join) sees the entry.
 * A slot holds the id and 32 more bits of the hash (a tag), so that a probe
 * touches an entry (another cache line) only when the tags agree.
 */
#include "dc_common.h"

#include <pthread.h>    /* pthread_mutex_t */
#include <stdatomic.h>  /* atomic_uint */
#include <stdlib.h>     /* free */
#include <string.h>     /* memcmp */
#include <xxhash.h>     /* XXH3_64bits */

#define NSHARDS 256
#define CHUNK_BITS 16
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define NCHUNKS (1u << 16)

typedef struct {
    const char *s;
    uint32_t len;
    uint64_t hash;
} entry_t;

typedef struct {
    pthread_mutex_t mu;
    uint64_t *slots;  /* tag << 32 | id, 0 = empty */
    size_t cap, count;
    dc_arena_t arena;
} shard_t;

struct dc_intern {
    shard_t shards[NSHARDS];
    _Atomic(entry_t *) chunks[NCHUNKS];
    pthread_mutex_t chunk_mu;
    atomic_uint next_id;
};

dc_intern_t *dc_intern_create(void)
{
    dc_intern_t *in = dc_xcalloc(1, sizeof *in);
    for (int i = 0; i < NSHARDS; i++) {
        pthread_mutex_init(&in->shards[i].mu, NULL);
        dc_arena_init(&in->shards[i].arena, 64 * 1024);
    }
    for (unsigned i = 0; i < NCHUNKS; i++) atomic_init(&in->chunks[i], NULL);
    pthread_mutex_init(&in->chunk_mu, NULL);
    atomic_init(&in->next_id, 1);
    return in;
}

void dc_intern_free(dc_intern_t *in)
{
    if (!in) return;
    for (int i = 0; i < NSHARDS; i++) {
        pthread_mutex_destroy(&in->shards[i].mu);
        free(in->shards[i].slots);
        dc_arena_free(&in->shards[i].arena);
    }
    for (unsigned i = 0; i < NCHUNKS; i++) free(atomic_load(&in->chunks[i]));
    pthread_mutex_destroy(&in->chunk_mu);
    free(in);
}

static entry_t *entry_of(const dc_intern_t *in, uint32_t id)
{
    entry_t *c = atomic_load_explicit(&((dc_intern_t *)in)->chunks[id >> CHUNK_BITS],
                                      memory_order_acquire);
    return c ? &c[id & (CHUNK_SIZE - 1)] : NULL;
}

static entry_t *entry_make(dc_intern_t *in, uint32_t id)
{
    unsigned ci = id >> CHUNK_BITS;
    if (ci >= NCHUNKS) dc_die("string interner full (2^32 distinct values)");
    entry_t *c = atomic_load_explicit(&in->chunks[ci], memory_order_acquire);
    if (!c) {
        pthread_mutex_lock(&in->chunk_mu);
        c = atomic_load_explicit(&in->chunks[ci], memory_order_acquire);
        if (!c) {
            c = dc_xcalloc(CHUNK_SIZE, sizeof *c);
            atomic_store_explicit(&in->chunks[ci], c, memory_order_release);
        }
        pthread_mutex_unlock(&in->chunk_mu);
    }
    return &c[id & (CHUNK_SIZE - 1)];
}

/* Probe shard `sh` for s[0..n) with hash h. Returns the slot index: either
 * the slot holding the id or the empty slot where it would go. */
#define TAG_OF(h) ((uint64_t)(uint32_t)((h) >> 24) << 32)

static size_t probe(const dc_intern_t *in, const shard_t *sh, const char *s,
                    size_t n, uint64_t h)
{
    size_t mask = sh->cap - 1;
    size_t i = (size_t)h & mask;
    uint64_t tag = TAG_OF(h);
    for (;;) {
        uint64_t v = sh->slots[i];
        if (!v) return i;
        if ((v & 0xFFFFFFFF00000000ull) == tag) {
            const entry_t *e = entry_of(in, (uint32_t)v);
            if (e->hash == h && e->len == n && memcmp(e->s, s, n) == 0) return i;
        }
        i = (i + 1) & mask;
    }
}

static void shard_grow(dc_intern_t *in, shard_t *sh)
{
    size_t ncap = sh->cap ? sh->cap * 2 : 1024;
    uint64_t *old = sh->slots;
    size_t ocap = sh->cap;
    sh->slots = dc_xcalloc(ncap, sizeof *sh->slots);
    sh->cap = ncap;
    for (size_t i = 0; i < ocap; i++) {
        uint64_t v = old[i];
        if (!v) continue;
        size_t j = (size_t)entry_of(in, (uint32_t)v)->hash & (ncap - 1);
        while (sh->slots[j]) j = (j + 1) & (ncap - 1);
        sh->slots[j] = v;
    }
    free(old);
}

uint32_t dc_intern(dc_intern_t *in, const char *s, size_t n)
{
    if (n == 0) return 0;
    uint64_t h = XXH3_64bits(s, n);
    shard_t *sh = &in->shards[h >> 56];
    pthread_mutex_lock(&sh->mu);
    if ((sh->count + 1) * 4 >= sh->cap * 3) shard_grow(in, sh);
    size_t i = probe(in, sh, s, n, h);
    uint32_t id = (uint32_t)sh->slots[i];
    if (!id) {
        id = atomic_fetch_add(&in->next_id, 1);
        entry_t *e = entry_make(in, id);
        e->s = dc_arena_strndup(&sh->arena, s, n);
        e->len = (uint32_t)n;
        e->hash = h;
        sh->slots[i] = TAG_OF(h) | id;
        sh->count++;
    }
    pthread_mutex_unlock(&sh->mu);
    return id;
}

uint32_t dc_intern_find(dc_intern_t *in, const char *s, size_t n)
{
    if (n == 0) return 0;
    uint64_t h = XXH3_64bits(s, n);
    shard_t *sh = &in->shards[h >> 56];
    pthread_mutex_lock(&sh->mu);
    uint32_t id = sh->cap ? (uint32_t)sh->slots[probe(in, sh, s, n, h)] : 0;
    pthread_mutex_unlock(&sh->mu);
    return id;
}

const char *dc_intern_str(const dc_intern_t *in, uint32_t id, size_t *len)
{
    const entry_t *e = id ? entry_of(in, id) : NULL;
    if (!e || !e->s) {
        if (len) *len = 0;
        return "";
    }
    if (len) *len = e->len;
    return e->s;
}

uint64_t dc_intern_hash(const dc_intern_t *in, uint32_t id)
{
    const entry_t *e = id ? entry_of(in, id) : NULL;
    return e ? e->hash : 0;
}

uint32_t dc_intern_count(const dc_intern_t *in)
{
    return atomic_load(&((dc_intern_t *)in)->next_id);
}

size_t dc_intern_bytes(const dc_intern_t *in)
{
    size_t total = sizeof *in;
    for (int i = 0; i < NSHARDS; i++)
        total += in->shards[i].cap * sizeof *in->shards[i].slots + in->shards[i].arena.total;
    for (unsigned i = 0; i < NCHUNKS; i++)
        if (atomic_load(&((dc_intern_t *)in)->chunks[i])) total += CHUNK_SIZE * sizeof(entry_t);
    return total;
}
