/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * precision.c - precision of a run's links without a truth file
 * (dc_match.h: dc_prec_*; `dancu sample`, `dancu precision`).
 *
 * DESIGN. The unit is a linked row: every row of a citizen with two rows
 * or more, but the citizen's first row in links.csv (its anchor), paired
 * with that anchor. The run says each such pair is one person; a person
 * labels a sample of them, and the share of "match" estimates the
 * precision of the links. Units are stratified by the row's
 * match_probability (dc_prec_stratum): the bands where the model is sure
 * hold most links and few errors, the bands near the threshold few links
 * and most errors, so a stratified sample spends labels where the
 * uncertainty is.
 *
 * Allocation (dc_prec_allocate): n labels shared equally among the
 * non-empty strata, a stratum never given more than it holds, what it
 * cannot take shared again among the others. Within a stratum the units
 * are taken in the order of a seeded hash of their row identity
 * (dc_prec_unit_order): the same run and seed draw the same sample,
 * whatever the order of links.csv or the thread count.
 *
 * Estimate (dc_prec_estimate): per stratum the share p_h = x_h / n_h with
 * its Wilson score interval; overall the stratified estimate
 * p = sum W_h p_h (W_h = N_h / N, the stratum's share of the units) with
 * the normal interval p +- z sqrt(V), where V = sum W_h^2 q_h (1 - q_h) /
 * (n_h + z^2) * f_h, q_h = (x_h + z^2/2) / (n_h + z^2) the Wilson-adjusted
 * share (so that a stratum labelled all "match" still has a variance)
 * and f_h = (N_h - n_h) / (N_h - 1) the finite population correction (a
 * stratum labelled whole is known exactly). A non-empty stratum without
 * any label makes the estimate unknown and the interval take its whole
 * range (its share counted 0 in the lower bound and 1 in the upper).
 */
#include "match/dc_match.h"

#include <math.h>     /* sqrt */
#include <string.h>   /* memset */

const double dc_prec_edges[DC_PREC_NSTRATA + 1] = {0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0};

int dc_prec_stratum(double p)
{
    if (!(p >= 0)) return 0;
    for (int h = DC_PREC_NSTRATA - 1; h > 0; h--)
        if (p >= dc_prec_edges[h]) return h;
    return 0;
}

uint64_t dc_prec_unit_order(uint64_t seed, const char *src, size_t ns, const char *rid, size_t nr)
{
    uint64_t h = dc_hash64_seed(src, ns, seed ^ 0x73616D706C65ull);   /* "sample" */
    return dc_hash64_seed(rid, nr, h);
}

void dc_prec_allocate(const uint64_t N[DC_PREC_NSTRATA], uint64_t n, uint64_t out[DC_PREC_NSTRATA])
{
    memset(out, 0, DC_PREC_NSTRATA * sizeof *out);
    uint64_t left = n;
    for (;;) {
        int open = 0;
        for (int h = 0; h < DC_PREC_NSTRATA; h++) open += out[h] < N[h];
        if (!open || !left) break;
        uint64_t share = left / (uint64_t)open, extra = left % (uint64_t)open;
        /* strata in order; the remainder goes to the first open ones */
        for (int h = 0; h < DC_PREC_NSTRATA; h++) {
            if (out[h] >= N[h]) continue;
            uint64_t want = share + (extra ? 1 : 0);
            if (extra) extra--;
            uint64_t take = DC_MIN(want, N[h] - out[h]);
            out[h] += take;
            left -= take;
        }
    }
}

void dc_wilson(uint64_t x, uint64_t n, double z, double *lo, double *hi)
{
    if (!n) { *lo = 0; *hi = 1; return; }
    double p = (double)x / (double)n, nn = (double)n, z2 = z * z;
    double c = (p + z2 / (2 * nn)) / (1 + z2 / nn);
    double d = z / (1 + z2 / nn) * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
    *lo = c - d < 0 ? 0 : c - d;
    *hi = c + d > 1 ? 1 : c + d;
}

void dc_prec_estimate(const dc_prec_counts_t *c, double z, dc_prec_result_t *r)
{
    memset(r, 0, sizeof *r);
    uint64_t total = 0;
    for (int h = 0; h < DC_PREC_NSTRATA; h++) total += c->N[h];
    r->units = total;
    double p = 0, var = 0, lo_open = 0, hi_open = 0, z2 = z * z;
    int known = total > 0;
    for (int h = 0; h < DC_PREC_NSTRATA; h++) {
        dc_wilson(c->x[h], c->n[h], z, &r->lo[h], &r->hi[h]);
        r->p[h] = c->n[h] ? (double)c->x[h] / (double)c->n[h] : -1;
        if (!c->N[h]) continue;
        double w = (double)c->N[h] / (double)total;
        r->labelled += c->n[h];
        if (!c->n[h]) {   /* unknown stratum: its whole range */
            known = 0;
            hi_open += w;
            continue;
        }
        p += w * r->p[h];
        double q = ((double)c->x[h] + z2 / 2) / ((double)c->n[h] + z2);
        double f = c->N[h] > 1 ? (double)(c->N[h] - DC_MIN(c->n[h], c->N[h])) / (double)(c->N[h] - 1) : 0;
        var += w * w * q * (1 - q) / ((double)c->n[h] + z2) * f;
    }
    double half = z * sqrt(var);
    r->precision = known ? p : -1;
    r->lo_all = p - half + lo_open;
    r->hi_all = p + half + hi_open;
    if (r->lo_all < 0) r->lo_all = 0;
    if (r->hi_all > 1) r->hi_all = 1;
    if (!total) { r->lo_all = 0; r->hi_all = 1; }
}
