/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * master_internal.h - what master.c (the stages of a load) and subset.c
 * (the per-source attachments and the rows a delivery reaches) share.
 * Not an API: docs/MASTER.md describes the layout.
 */
#ifndef DC_MASTER_INTERNAL_H
#define DC_MASTER_INTERNAL_H

#include "master/dc_master.h"
#include "match/dc_match.h"
#include "store/dc_store.h"

#define NIL UINT32_MAX
#define ROW_BYTES 20   /* key hi (8), key lo (8), probability (float, 4) */
#define MASTER_LAYOUT "2"   /* attachment "layout": per-source rows, index and term frequencies */

struct dc_master_load {
    dc_store_t *store;
    dc_store_txn_t *txn;
    uint64_t gen;                 /* the generation this load makes */
    dc_keyreg_t *reg;
    dc_buf_t model, rules;        /* the previous generation's ("" when none) */
    dc_store_view_t *srows;       /* per stored source: its rows attachment (previous keys), mapped */
    uint32_t nsrc;                /* stored sources of the previous generation */
    uint64_t nstored;
    /* combined rows (run->recs after dc_master_rows) */
    uint8_t *dirty;
    uint32_t *anchor;
    dc_hash128_t *prev;           /* previous key, {0, 0}: a new row */
    float *pprob;                 /* previous match probability */
    uint32_t *srow;               /* per row of a kept stored source: its row in that source */
    uint8_t *delivered;           /* per row: of a delivered source */
    uint8_t *out_rec, *out_cl;
    uint32_t nload;               /* this load's sources: [0, nload) */
    uint32_t *first, *count;      /* per source index: its rows in run->recs */
    uint32_t *stored;             /* per source index: its stored source (NIL: a new source) */
    int64_t *stored_of;           /* per loaded source: its stored source (a re-delivery), or -1 */
    /* the subset: a delivery reads only the stored rows its keys reach */
    int subset;                   /* 1: run->recs holds the rows reached; 0: every row */
    uint64_t nfull;               /* rows of the new generation */
    uint64_t *dkeys;              /* the delivered rows' keys (dc_block_row_keys, load order) */
    uint32_t *lfirst, *lcount;    /* per loaded source: its rows in load order */
    size_t nloaded;               /* rows loaded */
    dc_buf_t *nrows;              /* per stored source: its new rows attachment (len 0: unchanged) */
    dc_buf_t *lrows;              /* per loaded source: its rows attachment */
    /* rows of re-delivered sources that are gone */
    uint32_t *rm_src;             /* loaded source index */
    uint32_t *rm_rid;             /* record_id, interned */
    dc_hash128_t *rm_key;
    size_t nrm, rmcap;
    uint32_t *oldrid;             /* per row: its stored record_id when it came back under another (0: same) */
    uint8_t *newline;             /* per row: unchanged, but on another line of its re-delivered file */
    uint64_t nchanges, ev[8];     /* events by kind, for the summary */
    char id[33];                  /* the master's identity: 32 hex digits, made by its first load */
    size_t npairs;                /* candidate pairs of this load's blocking (0: an estimated model is empty) */
    dc_cluster_totals_t tot0, tot; /* the master's citizens by size: before (attachment "summary"), after */
};

/*! msub_summary_encode() / msub_summary_decode() : attachment "summary". */
void msub_summary_encode(const dc_cluster_totals_t *t, dc_buf_t *out);
int msub_summary_decode(const dc_buf_t *b, dc_cluster_totals_t *t);
/*! msub_totals() : the master's citizens by size after a load that read a
 *  subset: the previous totals, less the previous citizens it read, plus
 *  its clusters (all rows attachments counted again in the rare case that
 *  the largest citizens all shrank). */
void msub_totals(const dc_run_t *run, dc_master_load_t *m);

/* A rows attachment: magic, row count, then ROW_BYTES per row. */
void msub_row_get(const char *rows, uint64_t r, dc_hash128_t *key, float *prob);
void msub_row_put(dc_buf_t *rows, dc_hash128_t key, float prob);
void msub_rows_begin(dc_buf_t *rows, uint64_t n);

/* The name of a source's attachment of `kind` ('r' rows, 'i' blocking
 * index, 't' term frequencies): kind, ':', 16 hex digits of its name's hash. */
void msub_att_name(char out[24], char kind, const char *source);

/*! msub_read_rows() : every stored source's rows attachment into m->srows,
 *  checked (magic, count, every key issued). */
int msub_read_rows(dc_master_load_t *m, int check_keys);

/*! msub_verify_sources() : every source's index and term frequencies
 *  read and checked (`dancu master export` and `info` read everything). */
int msub_verify_sources(dc_master_load_t *m);

/*! msub_select() : which rows of each kept stored source (not delivered:
 *  kept[s]) a load reads: sel[s][r] = 1. With the blocking index, the
 *  rows sharing a key with a delivered row (whole blocks), then every row
 *  of their citizens; without (rules changed, --retrain, no model yet),
 *  every row (m->subset = 0). */
int msub_select(dc_run_t *run, dc_master_load_t *m, const uint8_t *kept, uint8_t **sel);

/*! msub_index_encode() : a source's blocking index attachment from its
 *  rows' keys (dc_block_row_keys columns, `ncol` of `n` words each, column
 *  c of row r at keys[c * stride + first + r]). */
void msub_index_encode(const dc_rules_t *rules, const uint64_t *keys, size_t stride, size_t first, size_t n,
                       dc_buf_t *out);

/*! msub_tf_add() : the run's tf_add hook: the stored term frequencies of
 *  the sources not delivered. */
int msub_tf_add(dc_run_t *run, void *tf);

#endif /* DC_MASTER_INTERNAL_H */
