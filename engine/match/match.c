/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * match.c - the matching stages of `dancu run` over dc_run_t (dc_match.h):
 * block, score (compare + estimate + weigh), cluster, and the links,
 * review and model outputs.
 */
#include "match/dc_match.h"
#include "normalize/dc_normalize.h"

#include <math.h>     /* floor, log2 */
#include <stdlib.h>   /* free */
#include <string.h>   /* strlen */

#define U_SAMPLE 600000ull
#define U_SEED 0x64616e6375ull   /* "dancu" */
#define EM_MAX_ITER 200
/* random pairs per pair context for the residence u (residence compared
 * only: cheap) */
#define U_CTX_SAMPLE 250000ull

static dc_match_state_t *state(dc_run_t *run)
{
    if (!run->match) run->match = dc_xcalloc(1, sizeof *run->match);
    return run->match;
}

static const char *source_name(const dc_run_t *run, uint32_t s) { return dc_run_source_name(run, s); }

int dc_match_settings(dc_run_t *run)
{
    dc_match_state_t *ms = state(run);
    if (ms->rules.n) return 0;
    int rc = run->opts.rules_file ? dc_rules_load(run->opts.rules_file, &ms->rules)
             : run->opts.rules_text ? dc_rules_parse(run->opts.rules_text, "the master's rules", &ms->rules)
                                    : dc_rules_parse(dc_rules_default_text(), "default rules", &ms->rules);
    if (rc) return -1;
    /* the master's stored records carry no extra column: refused, not ignored */
    if (ms->rules.nextra && run->opts.master_dir)
        return dc_seterr("extra columns (\"column\" in the settings file) are not supported with --master");
    if (ms->rules.names_optional && run->opts.master_dir)
        return dc_seterr("\"require_name no\" (settings file) is not supported with --master: a national "
                         "register's rows have names");
    if (ms->rules.dob_min_year && run->opts.master_dir)
        return dc_seterr("\"dob_min_year\" (settings file) is not supported with --master: the master's "
                         "stored dates were read with the register's range");
    run->opts.load.names_optional = ms->rules.names_optional;
    run->opts.norm.min_year = ms->rules.dob_min_year;
    if (run->norm) dc_norm_shared_set_min_year(run->norm, ms->rules.dob_min_year);
    dc_rules_use(&ms->rules);
    dc_run_opts_t *o = &run->opts;
    if (!o->match_threshold_given && ms->rules.match_threshold >= 0) o->match_threshold = ms->rules.match_threshold;
    if (!o->review_threshold_given && ms->rules.review_threshold >= 0)
        o->review_threshold = ms->rules.review_threshold;
    if (o->review_threshold > o->match_threshold)
        return dc_seterr("the review threshold (%g) exceeds the match threshold (%g): check the settings file "
                         "and --match-threshold, --review-threshold", o->review_threshold, o->match_threshold);
    return 0;
}

int dc_block_run(dc_run_t *run)
{
    dc_match_state_t *ms = state(run);
    if (dc_match_settings(run)) return -1;
    dc_run_stage_begin(run, "block");
    /* exact copies are set aside: only their representative is blocked,
     * compared and counted by the model (engine/match/dedup.c) */
    free(ms->rep);
    free(ms->reps);
    ms->rep = dc_xmalloc((run->nrec ? run->nrec : 1) * sizeof *ms->rep);
    ms->ncopies = dc_match_dedup(run->recs, run->nrec, run->opts.nthreads, ms->rep);
    ms->nreps = run->nrec - ms->ncopies;
    ms->reps = dc_xmalloc((ms->nreps ? ms->nreps : 1) * sizeof *ms->reps);
    for (size_t i = 0, k = 0; i < run->nrec; i++)
        if (ms->rep[i] == i) ms->reps[k++] = (uint32_t)i;
    if (ms->ncopies)
        dc_log(1, "exact copies: %llu rows identical to an earlier row (joined to it, not scored)",
               (unsigned long long)ms->ncopies);
    /* a load into a master: only pairs with a new or changed row, except
     * when the model is estimated again (--retrain): then every pair, for
     * the estimation, and the others are dropped after scoring */
    const uint8_t *dirty = run->opts.retrain ? NULL : run->dirty;
    ms->npairs = dc_block_pairs_sub(run->recs, run->nrec, run->nfull, run->in, &ms->rules, run->opts.nthreads, ms->rep,
                                      dirty, NULL, NULL, &ms->pairs, &ms->bstats);
    dc_run_stage_end(run, ms->npairs);
    dc_log(1, "blocking: %llu candidate pairs (%.2f per record)", (unsigned long long)ms->npairs,
           run->nrec ? (double)ms->npairs / (double)run->nrec : 0.0);
    return 0;
}

typedef struct {
    const dc_run_t *run;
    dc_match_state_t *ms;
} sctx_t;

/* The candidate pairs are sorted by their first record, so the second
 * record and the strings compared are random reads: pipelined by
 * dc_compare_prefetch_ahead(). */
static uint64_t candidate_pair(const void *ctx, size_t k) { return ((const dc_match_state_t *)ctx)->pairs[k]; }

static void cmp_one(void *ctx, size_t p, int tid)
{
    DC_UNUSED(tid);
    sctx_t *s = ctx;
    dc_compare_prefetch_ahead(s->run->in, s->run->recs, candidate_pair, s->ms, p, s->ms->npairs);
    uint64_t pr = s->ms->pairs[p];
    uint8_t lv[DC_COL__COUNT];
    const dc_record_t *a = &s->run->recs[pr >> 32], *b = &s->run->recs[(uint32_t)pr];
    dc_compare(s->run->in, a, b, lv);
    s->ms->pats[p] = dc_levels_pack(lv) | (uint64_t)dc_pair_context(a, b) << DC_PAT_CTX_SHIFT;
}

static void score_one(void *ctx, size_t p, int tid)
{
    DC_UNUSED(tid);
    sctx_t *s = ctx;
    const dc_match_state_t *ms = s->ms;
    if (p + 16 < ms->npairs) {   /* hints, as in cmp_one: records, then term-frequency counts */
        uint64_t q = ms->pairs[p + 16];
        dc_compare_prefetch(s->run->in, &s->run->recs[q >> 32], &s->run->recs[(uint32_t)q], DC_PREFETCH_RECORDS);
    }
    if (p + 6 < ms->npairs && ms->tf.nids) {
        uint64_t q = ms->pairs[p + 6];
        const dc_record_t *a = &s->run->recs[q >> 32], *b = &s->run->recs[(uint32_t)q];
        if (a->name.ascii < ms->tf.nids) __builtin_prefetch(&ms->tf.name_ascii[a->name.ascii]);
        if (b->name.ascii < ms->tf.nids) __builtin_prefetch(&ms->tf.name_ascii[b->name.ascii]);
    }
    uint64_t pr = s->ms->pairs[p];
    uint8_t lv[DC_COL__COUNT];
    dc_levels_unpack(s->ms->pats[p], lv);
    s->ms->score[p] = (float)dc_model_score(&s->ms->model, &s->ms->tf, lv, &s->run->recs[pr >> 32],
                                            &s->run->recs[(uint32_t)pr], NULL);
}

static double prob_weight(double p)
{
    if (p <= 0) return -INFINITY;
    if (p >= 1) return INFINITY;
    return log2(p / (1 - p));
}

/* --labels, read once (before estimation: labelled pairs supervise EM). */
static int load_labels(dc_run_t *run, dc_match_state_t *ms)
{
    if (!run->opts.labels_file || ms->has_labels) return 0;
    size_t nsrc = run->load.nsources + run->nxsrc;
    const char **names = dc_xcalloc(nsrc ? nsrc : 1, sizeof *names);
    for (size_t s = 0; s < nsrc; s++) names[s] = source_name(run, (uint32_t)s);
    int rc = dc_labels_load(run->opts.labels_file, run->recs, run->nrec, run->in, names, nsrc, &ms->labels);
    free(names);
    if (rc) return -1;
    ms->has_labels = 1;
    dc_log(1, "labels: %zu match, %zu non_match pairs (%zu naming rows not among the inputs, skipped)",
           ms->labels.nmust, ms->labels.ncannot, ms->labels.unknown);
    return 0;
}

int dc_score_run(dc_run_t *run)
{
    dc_match_state_t *ms = state(run);
    sctx_t s = {run, ms};
    dc_run_stage_begin(run, "compare");
    ms->pats = dc_xmalloc((ms->npairs ? ms->npairs : 1) * sizeof *ms->pats);
    dc_parallel_for(run->opts.nthreads, ms->npairs, 4096, cmp_one, &s);
    dc_run_stage_end(run, ms->npairs);

    dc_run_stage_begin(run, "estimate");
    if (run->opts.model_in) {
        if (dc_model_load(run->opts.model_in, &ms->model)) return -1;
        dc_log(1, "model: loaded from %s (estimation skipped)", run->opts.model_in);
    } else if (run->opts.model_text) {
        dc_model_init_default(&ms->model);
        if (dc_model_parse_json(run->opts.model_text, strlen(run->opts.model_text), &ms->model))
            return dc_seterr("the master's model: %s", dc_geterr());
        dc_log(1, "model: the master's (estimation skipped; --retrain to estimate a new one)");
    } else {
        dc_model_init_default(&ms->model);
        uint64_t sample = U_SAMPLE;
        /* pairs of distinct rows: exact copies are neither sampled nor counted */
        double nr = (double)ms->nreps;
        double all = nr * (nr - 1) / 2;
        if (all < (double)sample) sample = (uint64_t)all;
        dc_model_estimate_u_sel(&ms->model, run->recs, ms->reps, ms->nreps, run->in, sample, U_SEED,
                                run->opts.nthreads);
        dc_model_u_dob_exact(&ms->model, run->recs, ms->reps, ms->nreps);
        dc_model_estimate_u_ctx(&ms->model, run->recs, ms->reps, ms->nreps, run->in, U_CTX_SAMPLE, U_SEED,
                                run->opts.nthreads);
        if (load_labels(run, ms)) return -1;
        /* labelled pairs: their level patterns, bit 63 set for "match" */
        size_t nsup = ms->labels.nmust + ms->labels.ncannot;
        uint64_t *sup = dc_xmalloc((nsup ? nsup : 1) * sizeof *sup);
        for (size_t k = 0; k < nsup; k++) {
            int match = k < ms->labels.nmust;
            uint64_t pr = match ? ms->labels.must[k] : ms->labels.cannot[k - ms->labels.nmust];
            uint8_t lv[DC_COL__COUNT];
            const dc_record_t *a = &run->recs[pr >> 32], *b = &run->recs[(uint32_t)pr];
            dc_compare(run->in, a, b, lv);
            sup[k] = dc_levels_pack(lv) | (uint64_t)dc_pair_context(a, b) << DC_PAT_CTX_SHIFT |
                     (uint64_t)match << 63;
        }
        dc_model_estimate_em_sup(&ms->model, ms->pats, ms->npairs, all, sup, nsup, EM_MAX_ITER);
        free(sup);
        dc_log(1, "model: EM %d iterations%s, candidate match share %.4f, prior %.3g",
               ms->model.em_iterations, ms->model.em_converged ? "" : " (not converged)",
               ms->model.lambda_cand, ms->model.lambda);
        for (int c = 0; c < DC_CTX__N; c++)
            if (ms->model.ctx[c].own)
                dc_log(1, "model: context %s: %llu candidate pairs, match share %.4f, prior %.3g",
                       dc_context_name(c), (unsigned long long)ms->model.ctx[c].pairs,
                       ms->model.ctx[c].lambda_cand, ms->model.ctx[c].lambda);
    }
    if (ms->model.tf_enabled) {
        dc_tf_build_sel(&ms->tf, run->recs, run->nrec, run->in, run->opts.nthreads, run->tf_count);
        if (run->tf_add && run->tf_add(run, &ms->tf)) return -1;
    }
    dc_run_stage_end(run, ms->npairs);

    dc_run_stage_begin(run, "score");
    ms->score = dc_xmalloc((ms->npairs ? ms->npairs : 1) * sizeof *ms->score);
    dc_parallel_for(run->opts.nthreads, ms->npairs, 4096, score_one, &s);
    ms->match_weight = prob_weight(run->opts.match_threshold);
    ms->review_weight = prob_weight(run->opts.review_threshold);
    if (run->dirty && run->opts.retrain) {   /* estimated on every pair: keep those with a dirty row */
        size_t k = 0;
        for (size_t p = 0; p < ms->npairs; p++) {
            uint64_t pr = ms->pairs[p];
            if (!run->dirty[pr >> 32] && !run->dirty[(uint32_t)pr]) continue;
            ms->pairs[k] = pr;
            ms->pats[k] = ms->pats[p];
            ms->score[k++] = ms->score[p];
        }
        dc_log(1, "master: %llu of %llu scored pairs hold a new or changed row", (unsigned long long)k,
               (unsigned long long)ms->npairs);
        ms->npairs = k;
    }
    memset(ms->whist, 0, sizeof ms->whist);
    for (size_t p = 0; p < ms->npairs; p++) {
        double f = floor(((double)ms->score[p] - DC_WHIST_LO) / DC_WHIST_WIDTH);
        int bin = f < 0 || f != f ? 0 : f >= DC_WHIST_NBINS ? DC_WHIST_NBINS - 1 : (int)f;
        ms->whist[bin]++;
    }
    dc_run_stage_end(run, ms->npairs);
    return 0;
}

/* Citizen keys of clusters [k * 4096, (k + 1) * 4096): the key of each
 * cluster's smallest row identity (dc_run.h, the key contract). Members
 * are few (1-2 on average); each reads its record_id from the interner. */
static void keys_block(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    const dc_run_t *run = ctx;
    const dc_clusters_t *cl = &run->cl;
    uint32_t a = (uint32_t)(k * 4096), b = (uint32_t)DC_MIN((size_t)a + 4096, (size_t)cl->ncl);
    for (uint32_t c = a; c < b; c++) {
        if (c + 16 < cl->ncl) __builtin_prefetch(&run->recs[cl->members[cl->off[c + 16]]]);
        if (c + 8 < cl->ncl) dc_intern_prefetch_entry(run->in, run->recs[cl->members[cl->off[c + 8]]].record_id);
        if (c + 4 < cl->ncl) dc_intern_prefetch_str(run->in, run->recs[cl->members[cl->off[c + 4]]].record_id);
        const char *bs = NULL, *br = NULL;
        size_t nbs = 0, nbr = 0;
        for (uint32_t m = cl->off[c]; m < cl->off[c + 1]; m++) {
            const dc_record_t *r = &run->recs[cl->members[m]];
            const char *s = source_name(run, r->source);
            size_t ns = strlen(s), nr;
            const char *rid = dc_intern_str(run->in, r->record_id, &nr);
            if (!bs || dc_row_identity_cmp(s, ns, rid, nr, bs, nbs, br, nbr) < 0) {
                bs = s, nbs = ns;
                br = rid, nbr = nr;
            }
        }
        cl->key[c] = dc_citizen_key_of(bs, nbs, br, nbr);
    }
    /* out of core: clusters are numbered by their first record and no
     * member precedes it: later blocks touch nothing before cluster b's */
    if (b < cl->ncl && cl->members[cl->off[a]] < cl->members[cl->off[b]])
        dc_spilled_drop(&run->recs[cl->members[cl->off[a]]],
                        (size_t)(cl->members[cl->off[b]] - cl->members[cl->off[a]]) * sizeof *run->recs);
}

int dc_cluster_run(dc_run_t *run)
{
    dc_match_state_t *ms = state(run);
    dc_run_stage_begin(run, "cluster");
    if (load_labels(run, ms)) return -1;
    dc_cluster(run->in, run->recs, run->nrec, run->anchor, ms->rep, ms->rules.cannot_link, ms->has_labels ? &ms->labels : NULL,
               ms->pairs, ms->score, ms->npairs,
               ms->match_weight, &run->cl,
               &ms->refused, &ms->nrefused, &ms->cstats);
    dc_parallel_for(run->opts.nthreads, ((size_t)run->cl.ncl + 4095) / 4096, 1, keys_block, run);
    dc_run_stage_end(run, run->cl.ncl);
    if (ms->has_labels)
        dc_log(1, "labels: %llu unions made by match labels, %llu refused by non_match labels, %llu match labels "
                  "against non_match labels (joined)",
               (unsigned long long)ms->cstats.label_joins, (unsigned long long)ms->cstats.label_refused,
               (unsigned long long)ms->cstats.label_conflicts);
    dc_log(1, "clustering: %llu links accepted, %llu refused (cannot-link), %u clusters",
           (unsigned long long)ms->cstats.accepted, (unsigned long long)ms->cstats.refused,
           run->cl.ncl);
    return 0;
}

/* -------------------------------------------------------------- outputs */

static dc_table_t *open_table(dc_run_t *run, const dc_match_sink_t *sink, const char *name,
                              const char *const *cols, size_t ncols)
{
    if (sink) return sink->table(sink->ud, name, cols, ncols);
    return dc_table_open(run->opts.outdir, name, run->opts.jsonl ? DC_FMT_JSONL : DC_FMT_CSV,
                         run->opts.compress, cols, ncols);
}

/* Finish a table: commit it ourselves unless the sink owns it. */
static int close_table(const dc_match_sink_t *sink, dc_table_t *t, int rc)
{
    if (sink) return rc;
    if (rc) { dc_table_abort(t); return -1; }
    return dc_table_commit(t);
}

/* Rows [a, b) of links (one per record, in input order). */
static int links_rows(void *ctx, dc_table_t *t, size_t a, size_t b, int tid)
{
    DC_UNUSED(tid);
    const dc_run_t *run = ctx;
    for (size_t i = a; i < b; i++) {
        if (i + 8 < b) dc_intern_prefetch_entry(run->in, run->recs[i + 8].record_id);
        if (i + 4 < b) dc_intern_prefetch_str(run->in, run->recs[i + 4].record_id);
        if (run->out_rec && !run->out_rec[i]) continue;
        const dc_record_t *r = &run->recs[i];
        size_t len;
        const char *rid = dc_intern_str(run->in, r->record_id, &len);
        dc_table_cstr(t, source_name(run, r->source));
        dc_table_str(t, rid, len);
        char key[DC_CITIZEN_KEY_LEN + 1];
        dc_citizen_key_format(run->cl.key[run->cl.of[i]], key);
        if ((i & 4095) == 4095) dc_spilled_drop(&run->recs[i - 4095], 4096 * sizeof *run->recs);   /* out of core */
        dc_table_str(t, key, DC_CITIZEN_KEY_LEN);
        dc_table_f64(t, run->cl.prob[i], 4);
        if (dc_table_end_row(t)) return -1;
    }
    return 0;
}

static int write_links(dc_run_t *run, const dc_match_sink_t *sink)
{
    static const char *const cols[] = {"source", "record_id", "citizen_key", "match_probability"};
    dc_table_t *t = open_table(run, sink, "links", cols, 4);
    if (!t) return -1;
    /* formatted in blocks on all threads, written in order while the next
     * blocks are formatted: the file does not depend on the thread count */
    int rc = dc_table_write_blocks(t, run->opts.nthreads, run->nrec, 16384, links_rows, run);
    return close_table(sink, t, rc);
}

int dc_match_write_links(dc_run_t *run, const dc_match_sink_t *sink) { return write_links(run, sink); }

static int write_review(dc_run_t *run, const dc_match_sink_t *sink)
{
    dc_match_state_t *ms = run->match;
    const char *cols[7 + 2 * DC_COL__COUNT];
    char names[2 * DC_COL__COUNT][32];
    size_t nc = 0;
    static const char *const head[] = {"source_a", "record_id_a", "source_b", "record_id_b",
                                       "match_probability", "match_weight", "decision"};
    for (size_t i = 0; i < 7; i++) cols[nc++] = head[i];
    for (int c = 0; c < dc_col_count(); c++) {
        snprintf(names[2 * c], sizeof names[0], "%s_level", dc_col_name((dc_col_t)c));
        snprintf(names[2 * c + 1], sizeof names[0], "%s_weight", dc_col_name((dc_col_t)c));
        cols[nc++] = names[2 * c];
        cols[nc++] = names[2 * c + 1];
    }
    dc_table_t *t = open_table(run, sink, "review", cols, nc);
    if (!t) return -1;
    /* pairs in the review band whose records ended in different clusters,
     * and refused links, in (weight desc, i, j) order */
    uint8_t *refused = dc_xcalloc(ms->npairs ? ms->npairs : 1, 1);
    for (size_t k = 0; k < ms->nrefused; k++) refused[ms->refused[k]] = 1;
    size_t cap = 0, nsel = 0;
    uint64_t *sel = NULL;
    for (size_t p = 0; p < ms->npairs; p++) {
        uint32_t i = (uint32_t)(ms->pairs[p] >> 32), j = (uint32_t)ms->pairs[p];
        int band = ms->score[p] >= ms->review_weight && ms->score[p] < ms->match_weight &&
                   run->cl.of[i] != run->cl.of[j];
        if (!band && !refused[p]) continue;
        float f = ms->score[p];
        uint32_t x;
        memcpy(&x, &f, sizeof x);
        x = (x & 0x80000000u) ? ~x : x | 0x80000000u;
        sel = dc_grow(sel, &cap, nsel + 1, sizeof *sel);
        sel[nsel++] = ((uint64_t)~x << 32) | (uint32_t)p;
    }
    dc_sort_u64(sel, nsel);
    free(ms->review_top);
    ms->nreview_top = DC_MIN(nsel, (size_t)DC_REVIEW_PAGE_MAX);
    ms->review_top = dc_xcalloc(ms->nreview_top ? ms->nreview_top : 1, sizeof *ms->review_top);
    int rc = 0;
    for (size_t k = 0; k < nsel && !rc; k++) {
        size_t p = (uint32_t)sel[k];
        const dc_record_t *a = &run->recs[ms->pairs[p] >> 32], *b = &run->recs[(uint32_t)ms->pairs[p]];
        uint8_t lv[DC_COL__COUNT];
        double w[DC_COL__COUNT];
        dc_levels_unpack(ms->pats[p], lv);
        double total = dc_model_score(&ms->model, &ms->tf, lv, a, b, w);
        if (k < ms->nreview_top) {
            dc_review_pair_t *rp = &ms->review_top[k];
            rp->a = (uint32_t)(ms->pairs[p] >> 32);
            rp->b = (uint32_t)ms->pairs[p];
            rp->weight = (float)total;
            rp->refused = refused[p];
            for (int c = 0; c < dc_col_count(); c++) {
                rp->w[c] = (float)w[c];
                rp->lv[c] = lv[c];
            }
        }
        dc_table_cstr(t, source_name(run, a->source));
        dc_table_cstr(t, dc_intern_str(run->in, a->record_id, NULL));
        dc_table_cstr(t, source_name(run, b->source));
        dc_table_cstr(t, dc_intern_str(run->in, b->record_id, NULL));
        dc_table_f64(t, dc_weight_prob(total), 4);
        dc_table_f64(t, total, 3);
        dc_table_cstr(t, refused[p] ? "cannot_link" : "review");
        for (int c = 0; c < dc_col_count(); c++) {
            dc_table_cstr(t, dc_level_name((dc_col_t)c, lv[c]));
            dc_table_f64(t, w[c], 3);
        }
        rc = dc_table_end_row(t);
    }
    free(sel);
    free(refused);
    ms->review_rows = nsel;
    return close_table(sink, t, rc);
}

/* Every candidate pair with its probability, in pair order (--scores:
 * calibration and threshold studies). */
static int write_scores(dc_run_t *run, const dc_match_sink_t *sink)
{
    static const char *const cols[] = {"source_a", "record_id_a", "source_b", "record_id_b",
                                       "match_probability", "match_weight"};
    dc_match_state_t *ms = run->match;
    dc_table_t *t = open_table(run, sink, "scores", cols, 6);
    if (!t) return -1;
    int rc = 0;
    for (size_t p = 0; p < ms->npairs && !rc; p++) {
        const dc_record_t *a = &run->recs[ms->pairs[p] >> 32], *b = &run->recs[(uint32_t)ms->pairs[p]];
        dc_table_cstr(t, source_name(run, a->source));
        dc_table_cstr(t, dc_intern_str(run->in, a->record_id, NULL));
        dc_table_cstr(t, source_name(run, b->source));
        dc_table_cstr(t, dc_intern_str(run->in, b->record_id, NULL));
        dc_table_f64(t, dc_weight_prob(ms->score[p]), 6);
        dc_table_f64(t, ms->score[p], 3);
        rc = dc_table_end_row(t);
    }
    return close_table(sink, t, rc);
}

static int write_model(dc_run_t *run, const dc_match_sink_t *sink, const char *run_json)
{
    dc_match_state_t *ms = run->match;
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t jw, *j = &jw;
    dc_jw_init(j, &b, 0);
    dc_jw_open(j, '{', DC_JW_LINES);
    dc_model_json(&ms->model, j);
    dc_jw_key(j, "thresholds");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_key(j, "match_probability");
    dc_jw_g(j, run->opts.match_threshold, 6);
    dc_jw_key(j, "review_probability");
    dc_jw_g(j, run->opts.review_threshold, 6);
    dc_jw_close(j);
    dc_buf_t st = DC_BUF_INIT;   /* non-default scoring settings, for `dancu explain` */
    dc_rules_scoring_text(&ms->rules, &st);
    if (st.len) {
        dc_jw_key(j, "settings");
        dc_jw_str(j, st.p);
    }
    dc_buf_free(&st);
    dc_jw_key(j, "blocking");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_u64(j, "max_block", ms->rules.max_block);
    dc_jw_kv_u64(j, "window", ms->rules.window);
    dc_jw_key(j, "drop_cannot_link");
    dc_jw_bool(j, ms->rules.drop_cannot_link);
    dc_jw_kv_u64(j, "rule_pairs", ms->bstats.raw_pairs);
    dc_jw_kv_u64(j, "dropped_cannot_link", ms->bstats.dropped_cannot_link);
    dc_jw_kv_u64(j, "pairs", ms->npairs);
    dc_jw_key(j, "rules");
    dc_jw_open(j, '[', DC_JW_LINES);
    for (size_t r = 0; r < ms->rules.n; r++) {
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_key(j, "rule");
        dc_jw_str(j, ms->rules.r[r].text);
        if (r < ms->bstats.nrules) dc_rule_stats_json(&ms->bstats.rule[r], j);
        dc_jw_close(j);
    }
    dc_jw_close(j);
    dc_jw_close(j);
    dc_jw_key(j, "clustering");
    dc_jw_open(j, '{', DC_JW_INLINE);
    dc_jw_kv_u64(j, "accepted_pairs", ms->cstats.accepted);
    dc_jw_kv_u64(j, "unions", ms->cstats.unions);
    dc_jw_kv_u64(j, "refused_cannot_link", ms->cstats.refused);
    dc_jw_kv_u64(j, "clusters", ms->cstats.clusters);
    dc_jw_kv_u64(j, "singletons", ms->cstats.singletons);
    dc_jw_kv_u64(j, "largest", ms->cstats.largest);
    dc_jw_kv_u64(j, "review_rows", ms->review_rows);
    dc_jw_kv_u64(j, "exact_copies", ms->cstats.copies);
    dc_jw_close(j);
    if (ms->has_labels) {
        dc_jw_key(j, "labels");
        dc_jw_open(j, '{', DC_JW_INLINE);
        dc_jw_kv_u64(j, "match", ms->labels.nmust);
        dc_jw_kv_u64(j, "non_match", ms->labels.ncannot);
        dc_jw_kv_u64(j, "unknown_rows", ms->labels.unknown);
        dc_jw_kv_u64(j, "unions", ms->cstats.label_joins);
        dc_jw_kv_u64(j, "refused", ms->cstats.label_refused);
        dc_jw_kv_u64(j, "conflicts", ms->cstats.label_conflicts);
        dc_jw_close(j);
    }
    /* what `dancu explain` needs to load the same records again */
    dc_jw_key(j, "run");
    if (run_json && *run_json) dc_jw_raw(j, run_json, strlen(run_json));
    else dc_jw_raw(j, "{}", 2);
    dc_jw_close(j);
    dc_buf_putc(&b, '\n');
    dc_outfile_t *f;
    if (sink) {
        f = sink->file(sink->ud, "model.json");
    } else {
        dc_buf_t path = DC_BUF_INIT;
        dc_buf_printf(&path, "%s/model.json", run->opts.outdir);
        f = dc_outfile_open(path.p, 0);
        dc_buf_free(&path);
    }
    int rc = -1;
    if (f) {
        rc = dc_outfile_buf(f, &b);
        if (!sink) {
            if (rc == 0) rc = dc_outfile_commit(f);
            else dc_outfile_abort(f);
        }
    }
    dc_buf_free(&b);
    return rc;
}

int dc_match_write(dc_run_t *run, const dc_match_sink_t *sink, const char *run_json)
{
    dc_run_stage_begin(run, "write-match");
    /* review and model first: the pairs are then freed, so that writing
     * links (and every later stage) runs without them */
    int rc = write_review(run, sink);
    if (!rc) rc = write_model(run, sink, run_json);
    if (!rc && run->opts.write_scores) rc = write_scores(run, sink);
    dc_match_release_pairs(run);
    if (!rc) rc = write_links(run, sink);
    free(run->cl.prob);   /* printed in links only */
    run->cl.prob = NULL;
    dc_run_stage_end(run, run->nrec);
    return rc;
}

void dc_match_release_pairs(dc_run_t *run)
{
    dc_match_state_t *ms = run->match;
    if (!ms) return;
    free(ms->pairs);
    free(ms->pats);
    free(ms->score);
    free(ms->refused);
    free(ms->rep);
    free(ms->reps);
    ms->rep = ms->reps = NULL;
    ms->pairs = ms->pats = NULL;
    ms->score = NULL;
    ms->refused = NULL;
    ms->nrefused = 0;
    dc_tf_free(&ms->tf);
}

void dc_match_free(dc_run_t *run)
{
    dc_match_state_t *ms = run->match;
    if (!ms) return;
    dc_match_release_pairs(run);
    dc_rules_free(&ms->rules);
    dc_labels_free(&ms->labels);
    dc_block_stats_free(&ms->bstats);
    free(ms->review_top);
    free(ms);
    run->match = NULL;
}
