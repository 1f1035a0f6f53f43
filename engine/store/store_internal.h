/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * store_internal.h - what store.c (generations) and segment.c (partition
 * files) share. Not for other modules: use dc_store.h.
 */
#ifndef DC_STORE_INTERNAL_H
#define DC_STORE_INTERNAL_H

#include "store/dc_store.h"

#include <string.h>   /* memcpy */

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the store format is little-endian and this code writes it with memcpy: port it (docs/STORE.md)"
#endif

#define DC_STORE_BOM 0x01020304u   /* byte-order mark: 04 03 02 01 on disk */

/* A partition file being written. */
typedef struct seg_writer seg_writer_t;

/*! seg_writer_open() : create partition file `path` (under a temporary
 *  name until seg_writer_finish) for partition `id` of source `source`. */
seg_writer_t *seg_writer_open(const char *path, uint64_t id, const char *source, const dc_store_opts_t *o);
/*! seg_writer_put() : append records; at most o->part_records in all. */
int seg_writer_put(seg_writer_t *w, const dc_record_t *recs, size_t n, const dc_intern_t *in);
uint32_t seg_writer_nrec(const seg_writer_t *w);
/*! seg_writer_finish() : write the string table, index and trailer,
 *  fsync and rename into place; frees `w`. */
int seg_writer_finish(seg_writer_t *w, uint64_t *size, uint64_t *checksum);
void seg_writer_abort(seg_writer_t *w);

/*! seg_reader_open() : open and check the partition file `path` against
 *  what the manifest says of it (id, source name, records, size,
 *  checksum); see dc_store_part_open(). */
int seg_reader_open(const char *path, const dc_store_partinfo_t *pi, const char *source, uint32_t block_records,
                    dc_intern_t *in, int lazy, dc_store_part_t **out);
/*! seg_reader_verify() : check (decompress) every block. */
int seg_reader_verify(dc_store_part_t *p);

/* Little-endian field access (the host is little-endian: checked above). */
static inline void st_put(unsigned char *p, uint64_t v, unsigned w) { memcpy(p, &v, w); }
static inline uint64_t st_get(const unsigned char *p, unsigned w)
{
    uint64_t v = 0;
    memcpy(&v, p, w);
    return v;
}

#endif /* DC_STORE_INTERNAL_H */
