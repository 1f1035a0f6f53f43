/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * intern.c - a thread-safe string interner.
 *
 * DESIGN: 256 shards chosen by the top byte of the string's XXH3 hash, each
 * with its own (spin) lock, open-addressing table of ids and string arena, so two
 * threads rarely wait for each other. Ids come from one atomic counter and
 * index a two-level entry table (64 Ki chunks of 64 Ki entries, chunks
 * allocated on demand and published with release stores), so a reader maps
 * an id to its string without any lock. An id is only ever handed out after
 * its entry is complete, under the shard lock; a thread that got the id
 * through any synchronisation (the lock, a thread join) sees the entry.
 *
 * Each string lives in its shard's arena behind a 16-byte header (hash, id,
 * length). A slot holds a pointer to that header and 16 more bits of the
 * hash (a tag) in its top bits, so a probe reads one cache line of the
 * table and, only when the tags agree, the header with the string right
 * behind it: a hit costs two memory accesses, a miss one. The entry table
 * (id -> string) is read only by dc_intern_str and dc_intern_hash.
 * Assumes user-space pointers fit in 48 bits (x86-64, AArch64 with 48-bit
 * virtual addresses); checked when a string is stored.
 *
 * At national scale (dc_intern_reserve of a million strings or more) the
 * shards' tables, the first entry chunks and the strings are carved from
 * three regions on transparent huge pages, set up once by the reserve:
 * lookups there are random reads over gigabytes, and on 4 KB pages each
 * also missed the TLB (10M-people run: 9% less CPU).
 */
#include "common/dc_common.h"

#include <pthread.h>    /* pthread_mutex_t */
#include <sched.h>      /* sched_yield */
#include <stdatomic.h>  /* atomic_uint */
#include <stdlib.h>     /* free */
#include <string.h>     /* memcmp */
#include <xxhash.h>     /* XXH3_64bits */

#define NSHARDS 256
#define CHUNK_BITS 16
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define NCHUNKS (1u << 16)

typedef struct {
    uint64_t hash;
    uint32_t id, len;
} hdr_t;   /* followed by the string and a NUL */

typedef struct {
    const char *s;   /* the string, right after its hdr_t */
} entry_t;

#define PTR_MASK ((1ull << 48) - 1)
#define TAG_OF(h) (((h) >> 32) & 0xFFFFull)

static inline const hdr_t *hdr_of(const char *s) { return (const hdr_t *)s - 1; }

/* A shard's lock: a spin lock (the critical sections are a probe and
 * perhaps an insertion, tens of nanoseconds; a pthread mutex costs two
 * atomic read-modify-writes per call where this costs one and a store),
 * yielding the CPU when held for long (a table being grown). */
enum { SLOTS_HEAP, SLOTS_HUGE, SLOTS_REGION };   /* where a shard's table lives */

typedef struct {
    atomic_uint lk;
    uint64_t *slots;  /* tag << 48 | hdr_t pointer, 0 = empty */
    size_t cap, count;
    int slots_kind;   /* SLOTS_*: how to free it */
    dc_arena_t arena;
    char *cur;        /* strings: the rest of a piece of the string region */
    size_t left;
} shard_t;

static inline void spin_lock(atomic_uint *lk)
{
    while (atomic_exchange_explicit(lk, 1, memory_order_acquire)) {
        for (unsigned i = 0; atomic_load_explicit(lk, memory_order_relaxed); i++) {
            if (i >= 64) sched_yield();
#if defined(__x86_64__) || defined(__i386__)
            else __builtin_ia32_pause();
#endif
        }
    }
}

static inline void spin_unlock(atomic_uint *lk) { atomic_store_explicit(lk, 0, memory_order_release); }

struct dc_intern {
    shard_t shards[NSHARDS];
    _Atomic(entry_t *) chunks[NCHUNKS];
    pthread_mutex_t chunk_mu;
    atomic_uint next_id;
    /* National scale (dc_intern_reserve of REGION_MIN strings or more): the
     * tables, entries and strings are read at random over gigabytes, so
     * they live in regions on huge pages (dc_huge_alloc), where a lookup
     * costs a cache miss but not also a TLB miss. Only the touched pages
     * of a region take memory. */
    uint64_t *slot_region;         /* every shard's table, sized by the reserve */
    entry_t *entry_region;         /* the first nregion_chunks entry chunks */
    unsigned nregion_chunks;
    char *str_region;              /* strings: shards take STR_PIECE bytes at a time */
    size_t str_cap;
    atomic_size_t str_used;
};

#define REGION_MIN ((size_t)1 << 20)   /* strings expected: below, no regions */
#define STR_PIECE ((size_t)64 << 10)
#define STR_BYTES 96                    /* string region bytes per string expected */

dc_intern_t *dc_intern_create(void)
{
    dc_intern_t *in = dc_xcalloc(1, sizeof *in);
    for (int i = 0; i < NSHARDS; i++) {
        atomic_init(&in->shards[i].lk, 0);
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
        shard_t *sh = &in->shards[i];
        if (sh->slots_kind == SLOTS_HEAP) free(sh->slots);
        else if (sh->slots_kind == SLOTS_HUGE) dc_huge_free(sh->slots);
        dc_arena_free(&sh->arena);
    }
    for (unsigned i = in->nregion_chunks; i < NCHUNKS; i++) free(atomic_load(&in->chunks[i]));
    dc_huge_free(in->slot_region);
    dc_huge_free(in->entry_region);
    dc_huge_free(in->str_region);
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
 * the slot holding the string or the empty slot where it would go. */
static size_t probe(const shard_t *sh, const char *s, size_t n, uint64_t h)
{
    size_t mask = sh->cap - 1;
    size_t i = (size_t)h & mask;
    uint64_t tag = TAG_OF(h);
    for (;;) {
        uint64_t v = sh->slots[i];
        if (!v) return i;
        if ((v >> 48) == tag) {
            const hdr_t *e = (const hdr_t *)(uintptr_t)(v & PTR_MASK);
            if (e->hash == h && e->len == n && memcmp(e + 1, s, n) == 0) return i;
        }
        i = (i + 1) & mask;
    }
}

/* Move shard sh's entries into `slots` (zeroed, ncap entries, of kind
 * `kind`) and free its old table. */
static void shard_move(shard_t *sh, uint64_t *slots, size_t ncap, int kind)
{
    uint64_t *old = sh->slots;
    size_t ocap = sh->cap;
    int okind = sh->slots_kind;
    /* atomic stores: dc_intern_prefetch reads these two without the lock */
    __atomic_store_n(&sh->slots, slots, __ATOMIC_RELAXED);
    __atomic_store_n(&sh->cap, ncap, __ATOMIC_RELAXED);
    sh->slots_kind = kind;
    for (size_t i = 0; i < ocap; i++) {
        uint64_t v = old[i];
        if (!v) continue;
        size_t j = (size_t)((const hdr_t *)(uintptr_t)(v & PTR_MASK))->hash & (ncap - 1);
        while (sh->slots[j]) j = (j + 1) & (ncap - 1);
        sh->slots[j] = v;
    }
    if (okind == SLOTS_HEAP) free(old);
    else if (okind == SLOTS_HUGE) dc_huge_free(old);
}

static void shard_grow(shard_t *sh)
{
    size_t ncap = sh->cap ? sh->cap * 2 : 1024;
    if (ncap * sizeof(uint64_t) >= ((size_t)2 << 20))
        shard_move(sh, dc_huge_alloc(ncap * sizeof(uint64_t)), ncap, SLOTS_HUGE);
    else
        shard_move(sh, dc_xcalloc(ncap, sizeof(uint64_t)), ncap, SLOTS_HEAP);
}

/* Room for a string record of sz bytes (a multiple of 8) in shard sh,
 * under its lock: from the string region when there is one, else from the
 * shard's arena. */
static void *str_alloc(dc_intern_t *in, shard_t *sh, size_t sz)
{
    if (sh->left < sz && in->str_region && sz <= STR_PIECE) {
        size_t off = atomic_fetch_add_explicit(&in->str_used, STR_PIECE, memory_order_relaxed);
        if (off + STR_PIECE <= in->str_cap) {
            sh->cur = in->str_region + off;
            sh->left = STR_PIECE;
        }
    }
    if (sh->left >= sz) {
        void *p = sh->cur;
        sh->cur += sz;
        sh->left -= sz;
        return p;
    }
    return dc_arena_alloc(&sh->arena, sz);
}

void dc_intern_reserve(dc_intern_t *in, size_t n)
{
    size_t per = n / NSHARDS;
    per += per / 16 + 16;   /* the shards do not fill evenly */
    size_t cap = 1024;
    while ((per + 1) * 4 >= cap * 3) cap *= 2;
    int regions = n >= REGION_MIN && !in->slot_region;
    if (regions) {
        /* before any other thread uses the interner: the regions are set once */
        in->slot_region = dc_huge_alloc(NSHARDS * cap * sizeof(uint64_t));
        unsigned nch = (unsigned)DC_MIN((n + CHUNK_SIZE - 1) / CHUNK_SIZE + 1, (size_t)NCHUNKS);
        in->entry_region = dc_huge_alloc((size_t)nch * CHUNK_SIZE * sizeof(entry_t));
        pthread_mutex_lock(&in->chunk_mu);
        unsigned k = 0;
        while (k < nch && !atomic_load(&in->chunks[k])) {   /* the chunks not made yet */
            atomic_store_explicit(&in->chunks[k], in->entry_region + (size_t)k * CHUNK_SIZE, memory_order_release);
            k++;
        }
        if (k < nch) {   /* chunks were made before the reserve: keep them, give the region up */
            for (unsigned i = 0; i < k; i++) atomic_store(&in->chunks[i], NULL);
            dc_huge_free(in->entry_region);
            in->entry_region = NULL;
            k = 0;
        }
        in->nregion_chunks = k;
        pthread_mutex_unlock(&in->chunk_mu);
        in->str_cap = n * STR_BYTES;
        in->str_region = dc_huge_alloc(in->str_cap);
    }
    for (int i = 0; i < NSHARDS; i++) {
        shard_t *sh = &in->shards[i];
        spin_lock(&sh->lk);
        if (regions && sh->cap < cap) shard_move(sh, in->slot_region + (size_t)i * cap, cap, SLOTS_REGION);
        while ((per + 1) * 4 >= sh->cap * 3) shard_grow(sh);
        spin_unlock(&sh->lk);
    }
}

uint64_t dc_intern_key(const char *s, size_t n) { return XXH3_64bits(s, n); }

uint32_t dc_intern(dc_intern_t *in, const char *s, size_t n)
{
    return n ? dc_intern_with_key(in, s, n, XXH3_64bits(s, n)) : 0;
}

uint32_t dc_intern_with_key(dc_intern_t *in, const char *s, size_t n, uint64_t h)
{
    if (n == 0) return 0;
    shard_t *sh = &in->shards[h >> 56];
    spin_lock(&sh->lk);
    if ((sh->count + 1) * 4 >= sh->cap * 3) shard_grow(sh);
    size_t i = probe(sh, s, n, h);
    uint64_t v = sh->slots[i];
    uint32_t id;
    if (v) {
        id = ((const hdr_t *)(uintptr_t)(v & PTR_MASK))->id;
    } else {
        id = atomic_fetch_add(&in->next_id, 1);
        hdr_t *e = str_alloc(in, sh, (sizeof *e + n + 1 + 7) & ~(size_t)7);
        if ((uintptr_t)e >> 48) dc_die("string interner: pointer beyond 48 bits");
        e->hash = h;
        e->id = id;
        e->len = (uint32_t)n;
        memcpy(e + 1, s, n);
        ((char *)(e + 1))[n] = 0;
        entry_make(in, id)->s = (const char *)(e + 1);
        sh->slots[i] = TAG_OF(h) << 48 | (uint64_t)(uintptr_t)e;
        sh->count++;
    }
    spin_unlock(&sh->lk);
    return id;
}

uint32_t dc_intern_find(dc_intern_t *in, const char *s, size_t n)
{
    if (n == 0) return 0;
    uint64_t h = XXH3_64bits(s, n);
    shard_t *sh = &in->shards[h >> 56];
    spin_lock(&sh->lk);
    uint64_t v = sh->cap ? sh->slots[probe(sh, s, n, h)] : 0;
    uint32_t id = v ? ((const hdr_t *)(uintptr_t)(v & PTR_MASK))->id : 0;
    spin_unlock(&sh->lk);
    return id;
}

const char *dc_intern_str(const dc_intern_t *in, uint32_t id, size_t *len)
{
    const entry_t *e = id ? entry_of(in, id) : NULL;
    if (!e || !e->s) {
        if (len) *len = 0;
        return "";
    }
    if (len) *len = hdr_of(e->s)->len;
    return e->s;
}

uint64_t dc_intern_hash(const dc_intern_t *in, uint32_t id)
{
    const entry_t *e = id ? entry_of(in, id) : NULL;
    return e && e->s ? hdr_of(e->s)->hash : 0;
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
    /* the chunks in use (those of the entry region exist before their ids) */
    uint32_t next = atomic_load(&((dc_intern_t *)in)->next_id);
    for (unsigned i = 0; i < NCHUNKS && (size_t)i * CHUNK_SIZE < next; i++)
        if (atomic_load(&((dc_intern_t *)in)->chunks[i])) total += CHUNK_SIZE * sizeof(entry_t);
    size_t su = atomic_load(&((dc_intern_t *)in)->str_used);
    return total + DC_MIN(su, in->str_cap);   /* (the tables and chunks are counted above) */
}

void dc_intern_prefetch_entry(const dc_intern_t *in, uint32_t id)
{
    if (!id) return;
    const entry_t *c = atomic_load_explicit(&((dc_intern_t *)in)->chunks[id >> CHUNK_BITS], memory_order_acquire);
    if (c) __builtin_prefetch(&c[id & (CHUNK_SIZE - 1)]);
}

void dc_intern_prefetch_str(const dc_intern_t *in, uint32_t id)
{
    const entry_t *e = id ? entry_of(in, id) : NULL;
    if (e && e->s) __builtin_prefetch(hdr_of(e->s));
}

void dc_intern_prefetch(const dc_intern_t *in, const char *s, size_t n)
{
    if (n) dc_intern_prefetch_key(in, XXH3_64bits(s, n));
}

void dc_intern_prefetch_key(const dc_intern_t *in, uint64_t h)
{
    const shard_t *sh = &in->shards[h >> 56];
    /* unlocked, relaxed reads: a table being replaced only makes the hint
     * useless (a prefetch never faults) */
    const uint64_t *slots = __atomic_load_n(&sh->slots, __ATOMIC_RELAXED);
    size_t cap = __atomic_load_n(&sh->cap, __ATOMIC_RELAXED);
    if (slots && cap) __builtin_prefetch(&slots[(size_t)h & (cap - 1)]);
}

void dc_intern_prefetch_hdr(dc_intern_t *in, uint64_t h)
{
    shard_t *sh = &in->shards[h >> 56];
    spin_lock(&sh->lk);   /* the slot table is only read under the lock */
    if (sh->cap) {
        uint64_t v = sh->slots[(size_t)h & (sh->cap - 1)];
        if (v && (v >> 48) == TAG_OF(h)) __builtin_prefetch((const void *)(uintptr_t)(v & PTR_MASK));
    }
    spin_unlock(&sh->lk);
}
