/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_csv.c - libFuzzer harness for the loader's CSV dialect.
 *
 * The first input byte picks the delimiter and max_field; the rest is the
 * data. Checks the invariants the parallel loader relies on:
 *   - dc_csv_cut never cuts inside a record: parsing the cut prefix record
 *     by record ends exactly at the cut;
 *   - cutting the same data with every chunk size gives the same records
 *     as parsing it whole;
 *   - fields stay inside their record, lengths are consistent.
 */
#include "dc_loader_int.h"

#include <stdlib.h>
#include <string.h>

static size_t parse_count(const char *p, size_t n, char delim, size_t max_field, const uint8_t *cls,
                          dc_csv_rec_t *rec, dc_buf_t *sc, uint64_t *hash)
{
    const char *end = p + n, *q = p;
    size_t nrec = 0;
    while (q < end) {
        dc_buf_clear(sc);
        const char *nx = dc_csv_parse(q, end, delim, max_field, cls, rec, sc);
        if (nx <= q || nx > end) abort();
        for (size_t i = 0; i < rec->nf; i++) {
            const dc_csv_field_t *f = &rec->f[i];
            if (f->in_scratch && f->off + f->len > sc->len) abort();
            const char *fp = f->in_scratch ? (sc->p ? sc->p + f->off : "") : f->p;
            if (!f->in_scratch && (fp < q || fp + f->len > nx)) abort();
            if (f->in_scratch && f->off + f->len > sc->len) abort();
            *hash = *hash * 31 + dc_hash64(fp, f->len) + i;
        }
        q = nx;
        nrec++;
    }
    return nrec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static const char delims[] = {',', ';', '\t', '|'};
    char delim = delims[data[0] & 3];
    size_t max_field = 4 + (data[0] >> 2);
    const char *buf = (const char *)data + 1;
    size_t n = size - 1;
    uint8_t cls[256];
    dc_csv_classes(cls, delim, (data[0] & 0x80) ? DC_ENC_VISCII : DC_ENC_UTF8);
    dc_csv_rec_t rec = {0};
    dc_buf_t sc = DC_BUF_INIT;

    /* whole-buffer reference: cut repeatedly at eof like the reader does */
    uint64_t h_ref = 0, h_chunk = 0;
    size_t pos = 0, nref = 0;
    while (pos < n) {
        int unterm;
        size_t cut = dc_csv_cut(buf + pos, n - pos, 1, max_field, delim, &unterm);
        if (cut == 0 || cut > n - pos) abort();
        if (!unterm) nref += parse_count(buf + pos, cut, delim, max_field, cls, &rec, &sc, &h_ref);
        else nref++, h_ref = h_ref * 7 + cut;
        pos += cut;
    }
    /* streaming: a window growing by `step` bytes, as with small chunk sizes */
    for (size_t step = 1; step <= 64 && step <= n; step *= 4) {
        size_t start = 0, avail = 0, nrec = 0;
        h_chunk = 0;
        while (start < n) {
            avail = DC_MIN(n - start, DC_MAX(avail, step));
            int eof = start + avail == n, unterm;
            size_t cut = dc_csv_cut(buf + start, avail, eof, max_field, delim, &unterm);
            if (cut == 0) {
                if (eof) abort();
                avail += step;
                continue;
            }
            if (!unterm) nrec += parse_count(buf + start, cut, delim, max_field, cls, &rec, &sc, &h_chunk);
            else nrec++, h_chunk = h_chunk * 7 + cut;
            start += cut;
            avail -= cut;
        }
        if (nrec != nref || h_chunk != h_ref) abort();
    }
    dc_csv_rec_free(&rec);
    dc_buf_free(&sc);
    return 0;
}
