/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_store.h - the on-disk record store: normalized records in partition
 * files, a manifest per generation, atomic switches (docs/STORE.md).
 *
 * One folder holds a store. The records of each source (a delivered file)
 * are cut, in input order, into partitions of at most `part_records`
 * records; a partition is one immutable file and the unit of work (a
 * distributed run ships partitions; a re-delivery replaces the partitions
 * of its source and leaves every other file alone). In a partition file
 * the records' strings are resolved into the partition's own string table
 * (segment-local ids, numbered by first appearance), so the bytes do not
 * depend on the process that wrote them; reading re-interns the strings
 * into the caller's dc_intern_t, or leaves the local ids for lazy lookup.
 *
 * A generation is one manifest (the sources with their row counts and
 * load times, the partitions with their sizes and checksums); CURRENT
 * names the generation in force. dc_store_commit() writes the new
 * partitions and manifest beside the old ones, fsyncs them and the folder,
 * then switches by renaming a new CURRENT into place: a process killed at
 * any moment leaves the previous generation intact. After the switch the
 * files of generations older than the previous one are removed.
 *
 * Every file is versioned, little-endian, zstd-compressed per block where
 * that pays, and checksummed (XXH3-64) per block and per file: a corrupt,
 * truncated or foreign file is refused with an error naming the file and
 * the reason, never misread. Messages never hold row data.
 *
 * THREADING CONTRACT
 *   - A dc_store_t is a read-only view of one generation: its accessors
 *     and dc_store_part_open() may be called from any number of threads at
 *     once, as long as no dc_store_commit() runs on it at the same time.
 *   - A dc_store_part_t (a reader of one partition) is used by one thread
 *     at a time; any number of readers, of the same or different
 *     partitions, may be used at once on different threads (they may
 *     intern into one shared dc_intern_t, which is thread-safe).
 *   - One transaction per store at a time, across processes (an exclusive
 *     lock on the folder's LOCK file, taken by dc_store_begin). Writers of
 *     different sources of a transaction may run at once on different
 *     threads; one writer is used by one thread at a time. Call
 *     dc_store_commit() or dc_store_abort() on one thread, after every
 *     writer has ended.
 *   - Readers opened before a commit stay valid after it (the files of
 *     the previous generation are kept, and open files are mapped).
 *
 * Files are created mode 0600, the folder mode 0700.
 */
#ifndef DC_STORE_H
#define DC_STORE_H

#include "common/dc_common.h"
#include "normalize/dc_record.h"

#include <stddef.h>
#include <stdint.h>

/* Format version of partition files (docs/STORE.md). */
#define DC_STORE_VERSION 1
/* Format version of manifests: 2 adds the attachment table (version 1
 * manifests are still read: no attachments). */
#define DC_STORE_MANIFEST_VERSION 2
/* Longest attachment name, bytes. */
#define DC_STORE_ATT_NAME_MAX 64

/* Defaults (docs/STORE.md, "Sizes"). */
#define DC_STORE_PART_RECORDS (1u << 18)   /* records per partition */
#define DC_STORE_BLOCK_RECORDS 4096u       /* records per compressed block */
#define DC_STORE_ZSTD_LEVEL 3

typedef struct dc_store dc_store_t;
typedef struct dc_store_txn dc_store_txn_t;
typedef struct dc_store_writer dc_store_writer_t;
typedef struct dc_store_part dc_store_part_t;

/* Settings of a new store (kept in every manifest; those of an existing
 * store win over the ones given to dc_store_open). Zero fields take the
 * defaults. */
typedef struct dc_store_opts {
    uint32_t part_records;    /* records per partition, 1..2^31 */
    uint32_t block_records;   /* records per block, 1..2^16 */
    int zstd_level;           /* 1..19 */
} dc_store_opts_t;

/* A source of the generation in view (a delivered file). */
typedef struct dc_store_source {
    const char *name;         /* unique in a generation (the "source" column) */
    uint64_t rows;            /* records stored */
    uint64_t loaded_at;       /* Unix time (UTC seconds) of the commit that loaded it */
    uint64_t generation;      /* generation that loaded it */
    uint64_t digest;          /* caller's fingerprint of the delivery (0: none) */
    uint32_t first_part;      /* its partitions: [first_part, first_part + nparts) */
    uint32_t nparts;
} dc_store_source_t;

/* A partition of the generation in view. */
typedef struct dc_store_partinfo {
    uint64_t id;              /* stable: the file p<id>.dcs, never reused */
    uint32_t source;          /* index in the sources */
    uint32_t nrec;
    uint64_t first_row;       /* global row index of its first record in this generation */
    uint64_t size;            /* file bytes */
    uint64_t checksum;        /* the file's XXH3-64 (docs/STORE.md) */
} dc_store_partinfo_t;

/* An attachment of the generation in view: a named blob that the caller
 * keeps beside the records (the master's keys, registry and model), one
 * immutable zstd-compressed file, checksummed, switched atomically with
 * the generation that lists it. */
typedef struct dc_store_attinfo {
    const char *name;         /* 1..DC_STORE_ATT_NAME_MAX bytes, unique */
    uint64_t id;              /* the file a<id>.dca (ids shared with partitions, never reused) */
    uint64_t size;            /* file bytes */
    uint64_t checksum;        /* the file's XXH3-64 (its last 8 bytes) */
    uint64_t generation;      /* generation that wrote it */
} dc_store_attinfo_t;

enum {
    DC_STORE_CREATE = 1 << 0,   /* create the folder/store when missing */
};

/*! dc_store_open() :
 *  Open the store in `dir` at its current generation: reads and checks
 *  CURRENT and the manifest (partition files are checked when opened).
 *  With DC_STORE_CREATE a missing or empty folder becomes an empty store
 *  (generation 0, no CURRENT file until the first commit). `opts` may be
 *  NULL. @return 0 and *out, or -1 (dc_seterr). */
int dc_store_open(const char *dir, int flags, const dc_store_opts_t *opts, dc_store_t **out);
/*! dc_store_close() : NULL is a no-op. Open readers must be closed first. */
void dc_store_close(dc_store_t *s);

uint64_t dc_store_generation(const dc_store_t *s);   /* 0: empty store */
/*! dc_store_created_at() : Unix time of the generation's commit (0: none). */
uint64_t dc_store_created_at(const dc_store_t *s);
uint64_t dc_store_nrecords(const dc_store_t *s);
uint32_t dc_store_nsources(const dc_store_t *s);
const dc_store_source_t *dc_store_source(const dc_store_t *s, uint32_t i);
/*! dc_store_find_source() : index of the source called `name`, or -1. */
int64_t dc_store_find_source(const dc_store_t *s, const char *name);
uint32_t dc_store_npartitions(const dc_store_t *s);
const dc_store_partinfo_t *dc_store_partition(const dc_store_t *s, uint32_t k);
const dc_store_opts_t *dc_store_settings(const dc_store_t *s);
uint32_t dc_store_nattachments(const dc_store_t *s);
const dc_store_attinfo_t *dc_store_attachment_info(const dc_store_t *s, uint32_t i);
/*! dc_store_attachment() : the contents of attachment `name` of the
 *  generation in view, checked (size, checksum, header) and decompressed
 *  into `out` (cleared first). @return 0, 1 when the generation has no
 *  such attachment, or -1 (dc_seterr naming the file: damaged, truncated,
 *  missing). */
int dc_store_attachment(const dc_store_t *s, const char *name, dc_buf_t *out);
/* An attachment's contents in place: a stored (uncompressed) attachment
 * of 64 KiB or more is memory-mapped and checked, not copied; another is
 * read into buf_. */
typedef struct dc_store_view {
    const char *p;   /* the contents, len bytes (read-only) */
    size_t len;
    void *map_;      /* (the mapping, or NULL) */
    size_t maplen_;
    dc_buf_t buf_;   /* (the contents when not mapped) */
} dc_store_view_t;
/*! dc_store_attachment_view() : dc_store_attachment without a copy of a
 *  stored attachment; the same checks. Free with dc_store_view_free (also
 *  after a return of 1 or -1). @return 0, 1 (no such attachment) or -1. */
int dc_store_attachment_view(const dc_store_t *s, const char *name, dc_store_view_t *v);
void dc_store_view_free(dc_store_view_t *v);
const char *dc_store_dir(const dc_store_t *s);

/* ------------------------------------------------------------- reading */

/*! dc_store_part_open() :
 *  Open partition k (0 <= k < dc_store_npartitions) for reading: maps the
 *  file, checks its header, index and checksum against the manifest, and
 *  loads its string table. With `in`, every string is interned into `in`
 *  and records read back carry `in`'s ids; with in == NULL records carry
 *  the partition's local string ids (0 = none), for dc_store_part_string()
 *  (lazy: nothing is interned). Records read back have `source` = the
 *  index of their source in this generation. @return 0 and *out, or -1. */
int dc_store_part_open(const dc_store_t *s, uint32_t k, dc_intern_t *in, dc_store_part_t **out);
/*! dc_store_part_open_lazy() : dc_store_part_open for reading a few
 *  records: the records read carry `in`'s ids, but only the strings of the
 *  records read are interned (each once per reader), not the whole string
 *  table (a load into a master reads a few rows of every partition). */
int dc_store_part_open_lazy(const dc_store_t *s, uint32_t k, dc_intern_t *in, dc_store_part_t **out);
void dc_store_part_close(dc_store_part_t *p);   /* NULL is a no-op */
uint32_t dc_store_part_nrec(const dc_store_part_t *p);
uint32_t dc_store_part_nstrings(const dc_store_part_t *p);
/*! dc_store_part_read() :
 *  Records [lo, lo + n) of the partition into out[0..n) (lo + n <= nrec).
 *  Decodes block by block (one block held at a time: streaming a whole
 *  partition in pieces of any size takes bounded memory). Every block's
 *  checksum is checked before it is used. @return 0 or -1 (dc_seterr). */
int dc_store_part_read(dc_store_part_t *p, uint32_t lo, uint32_t n, dc_record_t *out);
/*! dc_store_part_read_sel() : the records r with sel[r] (sel has nrec
 *  entries) into out, in order. Only those records are decoded (and, with
 *  a lazy reader, only their strings interned); a block without one is
 *  not decompressed. @return 0 or -1 (dc_seterr). */
int dc_store_part_read_sel(dc_store_part_t *p, const uint8_t *sel, dc_record_t *out);
/*! dc_store_part_get() : record `idx` (random access; the last block
 *  decoded is kept, so neighbours are cheap). @return 0 or -1. */
int dc_store_part_get(dc_store_part_t *p, uint32_t idx, dc_record_t *out);
/*! dc_store_part_string() : the string of local id `lid` (0: ""), valid
 *  while the reader is open; NULL for an id out of range. */
const char *dc_store_part_string(const dc_store_part_t *p, uint32_t lid, size_t *len);

/*! dc_store_verify() : open every partition of the generation and check
 *  every block (decompressing it). @return 0, or -1 naming the first
 *  damaged file. */
int dc_store_verify(const dc_store_t *s);

/* ------------------------------------------------------------- writing */

/*! dc_store_begin() :
 *  Start a new generation from the one in view: it holds the same sources
 *  and partitions until changed. Takes the store's lock (fails at once
 *  when another process holds it). @return 0 and *out, or -1. */
int dc_store_begin(dc_store_t *s, dc_store_txn_t **out);
/*! dc_store_txn_drop_source() : remove source `name` and its partitions
 *  from the new generation (a re-delivery: drop, then write it again; the
 *  new one comes last). @return 0, or -1 when there is no such source. */
int dc_store_txn_drop_source(dc_store_txn_t *t, const char *name);
/*! dc_store_writer_begin() :
 *  Start writing source `name` (not in the generation: drop it first) as
 *  new partitions. `digest` is kept in the manifest for the caller (0 if
 *  unused). @return 0 and *out, or -1. */
int dc_store_writer_begin(dc_store_txn_t *t, const char *name, uint64_t digest, dc_store_writer_t **out);
/*! dc_store_writer_put() :
 *  Append records (in input order) whose string ids are ids of `in`.
 *  Their `source` field is not stored (the partition's source is).
 *  Writes a block or a partition file whenever one is full.
 *  @return 0 or -1 (dc_seterr; the writer must then be aborted). */
int dc_store_writer_put(dc_store_writer_t *w, const dc_record_t *recs, size_t n, const dc_intern_t *in);
/*! dc_store_writer_end() : finish the last partition and add the source
 *  to the generation; frees `w`. @return 0 or -1. */
int dc_store_writer_end(dc_store_writer_t *w);
/*! dc_store_writer_abort() : forget the source (its files are removed);
 *  frees `w`. NULL is a no-op. */
void dc_store_writer_abort(dc_store_writer_t *w);
/*! dc_store_txn_attach() :
 *  Write `data` as attachment `name` of the new generation (replacing the
 *  one of that name; a file written and fsynced now, listed at commit).
 *  Not thread-safe with other calls on `t`. @return 0 or -1. */
int dc_store_txn_attach(dc_store_txn_t *t, const char *name, const void *data, size_t len);
/*! dc_store_txn_attach_stored() : the same, never compressed (contents
 *  read in place by dc_store_attachment_view: random keys, indexes). */
int dc_store_txn_attach_stored(dc_store_txn_t *t, const char *name, const void *data, size_t len);
/*! dc_store_txn_generation() : the generation the commit will make. */
uint64_t dc_store_txn_generation(const dc_store_txn_t *t);

/*! dc_store_commit() :
 *  Write the manifest, switch CURRENT to it, remove the files of older
 *  generations than the previous one, release the lock. `s` (the store
 *  the transaction began on) then views the new generation. Frees `t`.
 *  @return 0, or -1 (the store stays at its previous generation; `t` is
 *  freed, except when a writer was still open: then nothing is done and
 *  `t` stays to be committed or aborted). */
int dc_store_commit(dc_store_txn_t *t);
/*! dc_store_abort() : drop the transaction (its files are removed); frees
 *  `t` and releases the lock. NULL is a no-op. */
void dc_store_abort(dc_store_txn_t *t);

/*! dc_store_digest() : a fingerprint of records by their stored values
 *  (strings by content, so the same whatever interner holds them; not
 *  `source`), chained from `h` (start with 0): to check a round trip. */
uint64_t dc_store_digest(uint64_t h, const dc_record_t *recs, size_t n, const dc_intern_t *in);

/* ------------------------------------------------------------- testing */

/*! dc_store_test_hook() : when the environment variable
 *  DANCU_TEST_STORE_KILL_AT is "POINT" or "POINT:N", the process kills
 *  itself with SIGKILL the first (or N-th) time it reaches POINT (kill
 *  tests; the points are listed in docs/STORE.md). No effect otherwise. */
void dc_store_test_hook(const char *point);

#endif /* DC_STORE_H */
