/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * map128.c - a map from 128-bit hashes to 32-bit values (dc_common.h).
 *
 * Linear probing from the key's low 64 bits: keys are XXH3-128 hashes, so
 * their bits are already uniform. Used for citizen keys (the master's key
 * registry, its per-load key maps), where 64 bits would not do.
 */
#include "common/dc_common.h"

#include <stdlib.h>   /* free */

static size_t slot_of(const dc_map128_t *m, dc_hash128_t k)
{
    size_t j = (size_t)k.lo & m->mask;
    while (!dc_hash128_zero(m->key[j]) && !dc_hash128_eq(m->key[j], k)) j = (j + 1) & m->mask;
    return j;
}

static void alloc_slots(dc_map128_t *m, size_t n)
{
    size_t cap = 16;
    while (3 * cap < 4 * n) cap *= 2;
    m->key = dc_xcalloc(cap, sizeof *m->key);
    m->val = dc_xmalloc(cap * sizeof *m->val);
    m->mask = cap - 1;
}

void dc_map128_init(dc_map128_t *m, size_t n)
{
    alloc_slots(m, n);
    m->n = 0;
}

void dc_map128_free(dc_map128_t *m)
{
    free(m->key);
    free(m->val);
    m->key = NULL;
    m->val = NULL;
    m->mask = m->n = 0;
}

static void grow(dc_map128_t *m)
{
    dc_map128_t g;
    alloc_slots(&g, m->mask + 1);   /* twice the slots */
    for (size_t i = 0; i <= m->mask; i++) {
        if (dc_hash128_zero(m->key[i])) continue;
        size_t j = slot_of(&g, m->key[i]);
        g.key[j] = m->key[i];
        g.val[j] = m->val[i];
    }
    free(m->key);
    free(m->val);
    m->key = g.key;
    m->val = g.val;
    m->mask = g.mask;
}

uint32_t *dc_map128_put(dc_map128_t *m, dc_hash128_t k, uint32_t v, int *added)
{
    if (dc_hash128_zero(k)) dc_die("dc_map128_put: the zero key");
    if (4 * (m->n + 1) > 3 * (m->mask + 1)) grow(m);
    size_t j = slot_of(m, k);
    int fresh = dc_hash128_zero(m->key[j]);
    if (fresh) {
        m->key[j] = k;
        m->val[j] = v;
        m->n++;
    }
    if (added) *added = fresh;
    return &m->val[j];
}

uint32_t dc_map128_get(const dc_map128_t *m, dc_hash128_t k, uint32_t none)
{
    if (!m->key || dc_hash128_zero(k)) return none;
    size_t j = slot_of(m, k);
    return dc_hash128_zero(m->key[j]) ? none : m->val[j];
}
