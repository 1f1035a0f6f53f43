/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_ref.h - reference data compiled into the dancu binary.
 *
 * Every file under engine/ref/data/ is embedded at build time (assembler
 * .incbin, see engine/ref/mkblobs.sh), so the binary needs no data files at
 * run time and never reads anything outside its own inputs. Each file's
 * source and licence are recorded in engine/ref/SOURCES.md.
 */
#ifndef DC_REF_H
#define DC_REF_H

#include <stddef.h>

typedef struct dc_ref_file {
    const char *name;            /* file name under engine/ref/data/ */
    const unsigned char *data;   /* contents, followed by a NUL byte */
    size_t len;                  /* bytes, without the NUL */
} dc_ref_file_t;

extern const dc_ref_file_t dc_ref_files[];
extern const size_t dc_ref_nfiles;

/*! dc_ref_get() : contents of the embedded file `name` (NUL-terminated),
 *  or NULL if there is none; `len` may be NULL. */
const char *dc_ref_get(const char *name, size_t *len);

#endif /* DC_REF_H */
