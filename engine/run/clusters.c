/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clusters.c - release of the clusters of a run and the citizen key
 * contract (dc_run.h). Kept apart from run.c so that users of
 * dc_clusters_t need not link the loader. */
#include "run/dc_run.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

void dc_clusters_free(dc_clusters_t *cl)
{
    free(cl->of);
    free(cl->off);
    free(cl->members);
    free(cl->prob);
    free(cl->key);
    memset(cl, 0, sizeof *cl);
}

dc_hash128_t dc_citizen_key_of(const char *source, size_t ns, const char *record_id, size_t nr)
{
    char stack[256];
    char *b = ns + nr + 1 <= sizeof stack ? stack : dc_xmalloc(ns + nr + 1);
    memcpy(b, source, ns);
    b[ns] = 0;
    memcpy(b + ns + 1, record_id, nr);
    dc_hash128_t h = dc_hash128(b, ns + nr + 1);
    if (b != stack) free(b);
    return h;
}

void dc_citizen_key_format(dc_hash128_t key, char out[DC_CITIZEN_KEY_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = 'V';
    out[1] = 'N';
    for (int i = 0; i < 16; i++) {
        out[2 + i] = hex[(key.hi >> (60 - 4 * i)) & 15];
        out[18 + i] = hex[(key.lo >> (60 - 4 * i)) & 15];
    }
    out[DC_CITIZEN_KEY_LEN] = '\0';
}

static int bytes_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

int dc_row_identity_cmp(const char *sa, size_t nsa, const char *ra, size_t nra, const char *sb, size_t nsb,
                        const char *rb, size_t nrb)
{
    int c = bytes_cmp(sa, nsa, sb, nsb);
    return c ? c : bytes_cmp(ra, nra, rb, nrb);
}
