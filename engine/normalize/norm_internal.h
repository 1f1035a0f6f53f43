/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_internal.h - shared state of the normalize module (not public).
 */
#ifndef NORM_INTERNAL_H
#define NORM_INTERNAL_H

#include "normalize/dc_normalize.h"
#include "normalize/dc_text.h"

/* A read-only string -> int map (open addressing, built once). */
typedef struct strmap {
    char **key;
    int *val;
    size_t cap, count;
} strmap_t;

void strmap_init(strmap_t *m, size_t expect);
/* Insert; if the key exists with another value and the same priority the
 * value becomes `ambig` (callers resolve priorities before inserting). */
void strmap_put(strmap_t *m, const char *k, size_t n, int v);
int strmap_get(const strmap_t *m, const char *k, size_t n, int dflt);
void strmap_free(strmap_t *m);

/* The cache of one worker: raw value -> result, bounded, cleared when full. */
enum { CK_NAME = 1, CK_DATE = 2, CK_ADDR = 3, CK_SEX = 4, CK_ETHNIC = 5, CK_RELIGION = 6,
       CK_NATION = 7, CK_PROV = 9 };
/* (addresses use CK_ADDR + 8 * province hint: the other kinds avoid 3 mod 8) */
typedef struct cache_ent {
    uint64_t h;
    uint32_t off, len;   /* key bytes in the cache arena */
    uint16_t kind;
    uint32_t aux;        /* names: the relatives' phonetic hash (dc_relname_t.phon) */
    union {
        dc_name_t name;
        dc_date_t date;
        dc_addr_t addr;
        uint32_t code;   /* value | DC_CODE_* flags << 16 */
    } u;
} cache_ent_t;

/* The small-value cache of one worker: direct-mapped, keys stored inline,
 * for the fields with few distinct values (codes) or short ones (dates):
 * its 512 KB (one 64-byte line per slot) stay in the CPU caches where the
 * big table's 27 MB do not. A slot is overwritten on collision. */
#define VC_SLOTS 8192
#define VC_MAXLEN 46
typedef struct vc_ent {
    _Alignas(64) uint64_t h;   /* one cache line per slot */
    union {
        uint32_t code;   /* value | DC_CODE_* flags << 16 */
        dc_date_t date;
    } u;
    uint8_t kind, len;
    char s[VC_MAXLEN];
} vc_ent_t;

typedef struct cache {
    cache_ent_t *e;
    vc_ent_t *vc;
    size_t cap, count, limit;
    char *keys;
    size_t klen, kcap;
    uint64_t hits, misses, clears;
    uint64_t completed;   /* related persons' entries completed for an own name */
} cache_t;

struct dc_norm_shared {
    dc_intern_t *in;
    dc_norm_opts_t opts;
    uint8_t cccd_prov[1000];   /* 1 if the 3-digit code is in TT 07/2016 */
    strmap_t surnames;         /* ascii surname -> 1 */
    strmap_t placeholders;     /* ascii text -> 1 */
    /* compound surnames: ascii tokens joined by spaces, with token count */
    char **compound;
    char **compound_ascii;
    uint8_t *compound_ntok;
    size_t ncompound;
    strmap_t compound_first;   /* ASCII first tokens of the compound surnames */
    strmap_t ethnic_exact;     /* names + variants: compact exact key -> code (255 ambiguous) */
    strmap_t ethnic_ascii;     /* names + variants: compact ascii key -> code (255 ambiguous) */
    strmap_t ethnic_exact2;    /* 1979 "other names" (lower priority) */
    strmap_t ethnic_ascii2;
    strmap_t religion;         /* compact ascii key -> code */
    strmap_t nat_exact;        /* compact exact key -> numeric */
    strmap_t nationality;      /* compact ascii key -> numeric */
    strmap_t province;         /* compact ascii name -> GSO code */
    struct dc_gazetteer *gz;   /* the address module's gazetteer (dc_address.h) */
    int *sex_decision;         /* per source: 0 undecided, 1 "1"=male, 2 "1"=female */
    size_t nsex_decision;
};

/* A direct-mapped per-worker cache of interned short strings (name parts:
 * surnames, given names, ... repeat a lot): saves the shared interner's
 * lock and probe. A slot is overwritten on collision. */
#define TOKC_SLOTS 16384
#define TOKC_MAXLEN 39
typedef struct tokc_ent {
    uint64_t h;
    uint32_t id;
    uint8_t len;
    char s[TOKC_MAXLEN];
} tokc_ent_t;

/* The syllable cache of one worker (norm_name.c): raw bytes of one token
 * of a name -> its key, exact and phonetic forms and DC_TXT_* flags.
 * Direct-mapped, one 128-byte entry per slot (1 MB), overwritten on
 * collision. */
#define SYLC_SLOTS 8192
#define SYLC_RAW 32
#define SYLC_DATA 80
typedef struct sylc_ent {
    _Alignas(64) uint64_t h;   /* dc_hash64 of the raw bytes | 1; 0 empty */
    uint16_t flags;            /* DC_TXT_* of the token alone, after dc_text_canon */
    uint8_t rawlen, klen, xlen, plen;
    uint8_t ok;                /* 0: not one whole token: the name is decoded whole */
    char raw[SYLC_RAW];
    char data[SYLC_DATA];      /* key, exact and phonetic forms, back to back */
} sylc_ent_t;

/* norm_name.c: names in progress (the four name fields of a row) */
#define NAME_JOBS 4
typedef struct name_job name_job_t;
name_job_t *norm_jobs_create(void);
void norm_jobs_free(name_job_t *jobs);

struct dc_norm_ctx {
    dc_norm_shared_t *sh;
    cache_t cache;
    struct dc_addr_cache *addr_tail;   /* address tail cache (dc_address.h), NULL with no_cache */
    name_job_t *jobs;
    tokc_ent_t *tokc;
    sylc_ent_t *sylc;   /* NULL with opts.no_cache */
    dc_buf_t b1;
};

/* norm_name.c */
void norm_names_load(dc_norm_shared_t *sh);
/* norm_codes.c */
void norm_codes_load(dc_norm_shared_t *sh);
void norm_codes_free(dc_norm_shared_t *sh);

void norm_id12_recheck_sex(dc_record_t *r);

/* cache (normalize.c) */
uint32_t norm_intern_short(dc_norm_ctx_t *ctx, const char *s, size_t n);
cache_ent_t *cache_find(cache_t *c, int kind, const char *s, size_t n, uint64_t *h);
/* cache_hash() : the key hash cache_find computes; cache_find_h() : the
 * lookup with it (the row pipeline hashes ahead and prefetches). */
uint64_t cache_hash(int kind, const char *s, size_t n);
cache_ent_t *cache_find_h(cache_t *c, int kind, const char *s, size_t n, uint64_t h);

/* norm_name.c: the cached name paths, on a trimmed non-empty value whose
 * cache_hash(CK_NAME, ...) is h (unused with opts.no_cache). */
size_t norm_trim(const char **s, size_t n);
void norm_name_h(dc_norm_ctx_t *ctx, const char *s, size_t n, uint64_t h, dc_name_t *out);
void norm_relname_h(dc_norm_ctx_t *ctx, const char *s, size_t n, uint64_t h, dc_relname_t *out,
                    uint16_t *flags);
/* The four name fields of a row (own name, father, mother, spouse):
 * s/n trimmed values (n 0 when empty), h their cache_hash(CK_NAME, ...);
 * the same results as norm_name_h and norm_relname_h one after the other,
 * with the interner misses of the names not in the cache overlapped. */
void norm_row_names(dc_norm_ctx_t *ctx, const char *const *s, const size_t *n, const uint64_t *h,
                    dc_name_t *name, dc_relname_t *const *rel);
/* @return the new entry, or NULL when the value was not cached (too long) */
cache_ent_t *cache_put(cache_t *c, int kind, const char *s, size_t n, uint64_t h, const void *res,
                       size_t rsize);

/* In a cached dc_name_t only: computed for a related person (no split into
 * surname, middle and given names, phonetic key not interned); a lookup
 * for a person's own name completes it. Never in a record. */
#define NAME_PARTIAL 0x8000u

#endif /* NORM_INTERNAL_H */
