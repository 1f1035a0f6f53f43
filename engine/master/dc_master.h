/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_master.h - stable citizen keys across loads.
 *
 * A national load is many deliveries. Once a citizen_key is given, other
 * systems key on it: a later load must keep it whenever the citizen still
 * exists, retire it with a pointer when the citizen is merged into
 * another, and never give it to anyone else. This module decides the keys
 * of a new generation of clusters from the keys of the previous one; it
 * knows nothing of files or records (the persistent master stores the
 * rows and clusters and calls it once per load).
 *
 * The rule (docs/OUTPUTS.md states the one-run key contract; this is its
 * extension across loads):
 *   1. Every pair (new cluster C, previous key K) with n > 0 rows of C
 *      carrying K is a claim of weight n. Claims are granted greedily in
 *      the order: n descending, then K issued earlier (lower generation),
 *      then K's bytes ascending, then C's candidate key ascending; a claim
 *      is granted when neither C nor K has one yet. So a citizen keeps its
 *      key when most of its rows stay together; when two citizens merge,
 *      the key with more rows in the merged citizen survives (ties: the
 *      older key); when a citizen splits, the part with most of its rows
 *      keeps the key.
 *   2. A cluster without a granted claim gets a new key: its candidate
 *      (dc_citizen_key_of its smallest row identity), or, if that key was
 *      ever issued, XXH3-128 of (candidate, counter) for counter = 1, 2...
 *      until a never-issued key appears. Keys are never reused.
 *      Its event is `split` (other = the previous key holding most of its
 *      rows, ties as in 1) when some of its rows had a key, else `new`.
 *   3. A previous key without a granted claim is `merged` into the key of
 *      the cluster holding most of its surviving rows (ties: that
 *      cluster's key ascending), or `retired` when none of its rows
 *      survives.
 * Everything is a function of the inputs' contents: deterministic and
 * independent of thread counts and row order.
 *
 * Threading: a registry is used by one thread at a time.
 */
#ifndef DC_MASTER_H
#define DC_MASTER_H

#include "common/dc_common.h"
#include "run/dc_run.h"

#include <stdio.h>   /* FILE */

/* ---------------------------------------------------- key registry */

/* Every key ever issued, with the generation that issued it. */
typedef struct dc_keyreg dc_keyreg_t;

dc_keyreg_t *dc_keyreg_create(void);
void dc_keyreg_free(dc_keyreg_t *r);
/*! dc_keyreg_add() : record `key` as issued by `generation` (kept if it
 *  was already there). @return 1 if it was new, 0 if already issued. */
int dc_keyreg_add(dc_keyreg_t *r, dc_hash128_t key, uint32_t generation);
/*! dc_keyreg_generation() : the generation that issued `key`, or
 *  UINT32_MAX if it was never issued. */
uint32_t dc_keyreg_generation(const dc_keyreg_t *r, dc_hash128_t key);
size_t dc_keyreg_count(const dc_keyreg_t *r);
/*! dc_keyreg_encode() : append the registry's bytes to `out` (keys in
 *  order: the same registry gives the same bytes). A registry made by
 *  dc_keyreg_decode needs the bytes it was decoded from (`prev`, prevlen:
 *  they are merged with the keys added since, not sorted again); a new
 *  one takes NULL. @return 0, or -1 (dc_seterr) when prev does not fit. */
int dc_keyreg_encode(const dc_keyreg_t *r, const void *prev, size_t prevlen, dc_buf_t *out);
/*! dc_keyreg_decode() : a registry from dc_keyreg_encode bytes (copied).
 *  @return 0 and *out, or -1 (dc_seterr) on damaged bytes. */
int dc_keyreg_decode(const void *data, size_t len, dc_keyreg_t **out);
/*! dc_keyreg_decode_take() : the same, taking b's bytes (b is left empty):
 *  the keys are searched in them, in place (binary search: a national
 *  registry is not copied into a hash map at every load). */
int dc_keyreg_decode_take(dc_buf_t *b, dc_keyreg_t **out);
/*! dc_keyreg_decode_in_place() : the same over bytes that `owner` holds
 *  (a mapped attachment): searched where they are, release(owner) called
 *  by dc_keyreg_free (not on failure). */
int dc_keyreg_decode_in_place(const void *data, size_t len, void *owner, void (*release)(void *),
                              dc_keyreg_t **out);
/*! dc_keyreg_encode_all() : dc_keyreg_encode with the bytes the registry
 *  was decoded from (its own). */
int dc_keyreg_encode_all(const dc_keyreg_t *r, dc_buf_t *out);
/*! dc_keyreg_encode_added() : only the keys added since the decode, in
 *  order (a registry of its own: decode it and dc_keyreg_add_all). */
int dc_keyreg_encode_added(const dc_keyreg_t *r, dc_buf_t *out);
/*! dc_keyreg_added() : how many keys were added since the decode. */
size_t dc_keyreg_added(const dc_keyreg_t *r);
/*! dc_keyreg_add_all() : every key of src, with its generation, into dst. */
void dc_keyreg_add_all(dc_keyreg_t *dst, const dc_keyreg_t *src);

/* -------------------------------------------------- key assignment */

typedef enum dc_key_event_kind {
    DC_KEY_KEPT = 0,   /* cluster: keeps a previous key */
    DC_KEY_NEW,        /* cluster: a new citizen (none of its rows had a key) */
    DC_KEY_SPLIT,      /* cluster: a new key for rows split from `other` */
    DC_KEY_MERGED,     /* previous key: merged into `other` */
    DC_KEY_RETIRED,    /* previous key: no row left */
} dc_key_event_kind_t;

/*! dc_key_event_name() : "kept", "new", "split", "merged", "retired". */
const char *dc_key_event_name(dc_key_event_kind_t k);

typedef struct dc_key_input {
    size_t nrows;                   /* rows of the new generation */
    const uint32_t *cl;             /* row -> new cluster, < ncl */
    const dc_hash128_t *prev;       /* row -> its previous key; {0, 0}: the row is new */
    uint32_t ncl;
    const dc_hash128_t *candidate;  /* cluster -> dc_citizen_key_of(its smallest row identity) */
    size_t nretiring;               /* previous keys whose rows were all removed, if the caller */
    const dc_hash128_t *retiring;   /* knows them (a key of `prev` is never retired) */
} dc_key_input_t;

typedef struct dc_key_event {
    dc_key_event_kind_t kind;
    dc_hash128_t key;     /* the cluster's key (KEPT, NEW, SPLIT) or the previous key (MERGED, RETIRED) */
    dc_hash128_t other;   /* SPLIT: split from; MERGED: merged into; else {0, 0} */
    uint32_t cl;          /* the cluster (KEPT, NEW, SPLIT; UINT32_MAX otherwise) */
} dc_key_event_t;

typedef struct dc_key_result {
    dc_hash128_t *key;        /* cluster -> key (ncl) */
    dc_key_event_t *ev;       /* one event per cluster, in cluster order, then the
                                 MERGED events, then the RETIRED ones, each in key order */
    size_t nev;
} dc_key_result_t;

/*! dc_keys_assign() :
 *  Decide the keys of `in`'s clusters by the rule above; every new key is
 *  added to `reg` with `generation`. @return 0, or -1 (dc_seterr) on an
 *  inconsistent input (a cluster index out of range, a previous key never
 *  issued). */
int dc_keys_assign(const dc_key_input_t *in, dc_keyreg_t *reg, uint32_t generation, dc_key_result_t *out);
void dc_key_result_free(dc_key_result_t *r);

/* ------------------------------------------------- the persistent master */

/* The stages of a load into a master (master.c, docs/MASTER.md), called
 * by the pipeline (engine/pipeline) in this order around the run's own
 * stages. Each returns 0 or -1 with dc_seterr(). */

/*! dc_master_open() : open (create) run->opts.master_dir, lock it, read
 *  its previous generation (rows, keys, model, rules); the master's model
 *  and rules become the run's unless --retrain, --model or --rules. */
int dc_master_open(dc_run_t *run);
/*! dc_master_rows() : after loading: the stored rows of the sources not
 *  delivered are read back, all rows put in canonical order, each with its
 *  previous key; re-delivered sources matched row by row on record_id.
 *  Sets run->dirty and run->anchor for matching. */
int dc_master_rows(dc_run_t *run);
/*! dc_master_keys() : after clustering: stable keys (dc_keys_assign), the
 *  change set (the staged "changes" table), the touched citizens
 *  (run->out_cl, run->out_rec) and the new rows attachment. */
int dc_master_keys(dc_run_t *run);
/*! dc_master_commit() : after the outputs are committed: the delivered
 *  sources, rows, registry, model and rules as the next generation. */
int dc_master_commit(dc_run_t *run);
/*! dc_master_load_free() : the load's state; an uncommitted generation is
 *  dropped and the lock released. NULL-safe. */
void dc_master_load_free(dc_run_t *run);

/*! dc_master_read_all() : the whole master `dir` into an empty run (records
 *  in canonical order, clusters with their keys and probabilities), for
 *  `dancu master export`. Free with dc_master_load_free + dc_run_free. */
int dc_master_read_all(dc_run_t *run, const char *dir);
/*! dc_master_export_json() : OUTDIR/master.json of an export (after
 *  dc_master_read_all and dc_output_begin). */
int dc_master_export_json(dc_run_t *run);
/*! dc_master_info() : what the master holds, as text or JSON, to `f`. */
int dc_master_info(const char *dir, int json, FILE *f);

#endif /* DC_MASTER_H */
