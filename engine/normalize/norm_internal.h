/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * norm_internal.h - shared state of the normalize module (not public).
 */
#ifndef NORM_INTERNAL_H
#define NORM_INTERNAL_H

#include "dc_normalize.h"
#include "dc_text.h"

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
enum { CK_NAME = 1, CK_DATE = 2, CK_ADDR = 3, CK_ADDR2 = 4, CK_ADDR3 = 5 };
typedef struct cache_ent {
    uint64_t h;
    uint32_t off, len;   /* key bytes in the cache arena */
    uint8_t kind;
    union {
        dc_name_t name;
        dc_date_t date;
        dc_addr_t addr;
    } u;
} cache_ent_t;

typedef struct cache {
    cache_ent_t *e;
    size_t cap, count, limit;
    char *keys;
    size_t klen, kcap;
    uint64_t hits, misses;
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
    strmap_t ethnic_exact;     /* compact exact key -> code (255 ambiguous) */
    strmap_t ethnic_ascii;     /* compact ascii key -> code (255 ambiguous) */
    strmap_t religion;         /* compact ascii key -> code */
    strmap_t nationality;      /* compact ascii key -> numeric */
    strmap_t province;         /* compact ascii name -> GSO code */
    struct dc_gazetteer *gz;   /* NULL until the address module is merged */
    int *sex_decision;         /* per source: 0 undecided, 1 "1"=male, 2 "1"=female */
    size_t nsex_decision;
};

struct dc_norm_ctx {
    dc_norm_shared_t *sh;
    cache_t cache;
    dc_text_t txt;
    dc_buf_t b1, b2, b3;
};

/* norm_name.c */
void norm_names_load(dc_norm_shared_t *sh);
/* norm_codes.c */
void norm_codes_load(dc_norm_shared_t *sh);
void norm_codes_free(dc_norm_shared_t *sh);

void norm_id12_recheck_sex(dc_record_t *r);

/* cache (normalize.c) */
cache_ent_t *cache_find(cache_t *c, int kind, const char *s, size_t n, uint64_t *h);
void cache_put(cache_t *c, int kind, const char *s, size_t n, uint64_t h, const void *res,
               size_t rsize);

#endif /* NORM_INTERNAL_H */
