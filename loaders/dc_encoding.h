/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * dc_encoding.h - Vietnamese legacy encodings <-> UTF-8, UTF-8 validation
 * and NFC, encoding detection.
 *
 * Tables come from the embedded reference data (engine/ref/data, see
 * engine/ref/SOURCES.md): glibc charmaps for VISCII, TCVN 5712 and CP1258,
 * and the per-letter VNI-Windows / TCVN3 (ABC) table. All functions are
 * thread-safe (tables are built once, on first use, under pthread_once).
 */
#ifndef DC_ENCODING_H
#define DC_ENCODING_H

#include "dc_loader.h"

/*! dc_decode() :
 *  Convert `n` bytes in `enc` (not DC_ENC_AUTO) to UTF-8 NFC, appended to
 *  `out`. For DC_ENC_UTF8 the input is validated and NFD/mixed text is
 *  composed to NFC (utf8proc); ASCII and already-NFC text is copied fast.
 *  @return 0, or -1 if a byte cannot be decoded; then *bad_off (if not
 *  NULL) is its offset and `out` holds a partial result. */
int dc_decode(dc_encoding_t enc, const char *in, size_t n, dc_buf_t *out, size_t *bad_off);

/*! dc_encode() :
 *  Convert UTF-8 (any normalization form) to `enc` bytes, appended to `out`
 *  (used by the generator to write legacy files). Characters with no
 *  representation in `enc` are replaced by their base letter without
 *  diacritics where one exists (as old systems did), else by '?'.
 *  @return the number of characters so replaced. */
size_t dc_encode(dc_encoding_t enc, const char *in, size_t n, dc_buf_t *out);

/*! dc_detect_encoding() :
 *  Guess the encoding of a sample of a file (its first megabytes). Pure
 *  ASCII and valid UTF-8 give DC_ENC_UTF8; otherwise each legacy encoding
 *  is scored by how much of the decoded text is plausible Vietnamese
 *  syllables. @return the best guess; *confidence (0..1) if not NULL. */
dc_encoding_t dc_detect_encoding(const char *sample, size_t n, double *confidence);

/*! dc_utf8_valid() : 1 if s[0..n) is well-formed UTF-8. */
int dc_utf8_valid(const char *s, size_t n);

/*! dc_utf8_nfc_fast() :
 *  1 if s[0..n) is surely valid UTF-8 already in NFC by a cheap test: only
 *  ASCII, U+0080..U+02FF and U+1E00..U+1EFF (all NFC-stable). 0 means "run
 *  dc_decode()" (it may still be valid NFC). */
int dc_utf8_nfc_fast(const char *s, size_t n);

/*! dc_utf8_put_nfc() :
 *  Append the NFC form of s[0..n) (valid UTF-8) to out. Vietnamese text
 *  (stable letters and combining marks U+0300..U+036F) is composed cluster
 *  by cluster from a per-thread table; anything else by utf8proc. */
void dc_utf8_put_nfc(dc_buf_t *out, const char *s, size_t n);

#endif /* DC_ENCODING_H */
