/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * csv.c - the CSV/TSV dialect of the loader (docs/INPUT.md, "CSV dialect"):
 * record cutting for the reader thread, the record parser for the workers,
 * delimiter detection, header mapping and reject escaping.
 *
 * Dialect: RFC 4180 read leniently, as Python's csv module reads it. A
 * quote character is special only at the start of a field (the record's
 * first byte, or just after a delimiter or a LF); there it opens a quoted
 * field, in which "" is a literal quote and delimiters, CR and LF are data,
 * until a lone quote closes it. Anything after the closing quote up to the
 * delimiter is data, and so is a quote anywhere else in a field (`ab"c`
 * reads `ab"c`): one stray quote in an unquoted field never shifts the
 * records after it. The reader finds record boundaries with memchr on the
 * quotes (dc_csv_cut: a LF outside a quoted field ends a record; a quote is
 * looked at only to see whether it opens or closes a quoted field), and
 * the parser (dc_csv_parse) agrees with it byte for byte. Well-formed
 * RFC 4180 input reads as the RFC says.
 */
#include "dc_loader_int.h"
#include "dc_encoding.h"

#include <errno.h>     /* errno */
#include <stdlib.h>    /* free */
#include <string.h>    /* memchr, memrchr */
#include <utf8proc.h>  /* utf8proc_map */
#if defined(__SSE2__)
#include <emmintrin.h> /* _mm_cmpeq_epi8 */
#endif

/* ------------------------------------------------------------- cutting */

/* The cutter's scan (dc_csv_cut, dc_csv_first_record): the end of the
 * last complete record of buf[0..n) (or of the first one, `first`). A
 * quoted field longer than max_field bytes (unescaped) or still open at the
 * end of the input (`eof`) is unterminated: when it is in the first record,
 * *unterm is set and the length of that record's first physical line is
 * returned (0 if that line is not complete yet). */
static size_t cut_scan(const char *buf, size_t n, int eof, size_t max_field, char delim, int first, int *unterm)
{
    size_t pos = 0, last = 0;
    *unterm = 0;
    for (;;) {
        const char *q = pos < n ? memchr(buf + pos, '"', n - pos) : NULL;
        size_t seg_end = q ? (size_t)(q - buf) : n;
        if (seg_end > pos) {   /* outside quoted fields: every LF ends a record */
            const char *lf = first ? memchr(buf + pos, '\n', seg_end - pos) : memrchr(buf + pos, '\n', seg_end - pos);
            if (lf) {
                last = (size_t)(lf - buf) + 1;
                if (first) return last;
            }
        }
        if (!q) break;
        size_t qo = (size_t)(q - buf);
        if (qo > 0 && buf[qo - 1] != delim && buf[qo - 1] != '\n') {   /* inside a field: data */
            pos = qo + 1;
            continue;
        }
        /* an opening quote: the closing one is the first lone quote after it */
        size_t s = qo + 1, pairs = 0, close = 0;
        int found = 0;
        for (;;) {
            const char *q2 = s < n ? memchr(buf + s, '"', n - s) : NULL;
            if (!q2) break;
            size_t o2 = (size_t)(q2 - buf);
            if (o2 + 1 < n && buf[o2 + 1] == '"') { s = o2 + 2; pairs++; continue; }
            if (o2 + 1 == n && !eof) break;   /* maybe the first half of "" */
            close = o2;
            found = 1;
            break;
        }
        int bad;
        if (!found) {
            /* open so far: content n - qo - 1 bytes at least (less pairs),
             * the last one maybe a closing quote */
            if (!eof && n - qo - 1 - pairs <= max_field + 1) return last;   /* read more (or cut before) */
            bad = 1;
        } else {
            bad = close - qo - 1 - pairs > max_field;
        }
        if (bad) {
            if (last > 0) return last;   /* the bad record starts the next call */
            *unterm = 1;
            const char *lf = memchr(buf, '\n', n);
            if (lf) return (size_t)(lf - buf) + 1;
            return eof ? n : 0;
        }
        pos = close + 1;
    }
    if (eof) return n;
    return first ? 0 : last;
}

size_t dc_csv_cut(const char *buf, size_t n, int eof, size_t max_field, char delim, int *unterm)
{
    return cut_scan(buf, n, eof, max_field, delim, 0, unterm);
}

size_t dc_csv_first_record(const char *buf, size_t n, int eof, size_t max_field, char delim, int *unterm)
{
    return cut_scan(buf, n, eof, max_field, delim, 1, unterm);
}

char dc_csv_detect_delimiter(const char *line, size_t n)
{
    static const char cand[] = {',', ';', '\t', '|'};
    size_t cnt[4] = {0, 0, 0, 0};
    int inq = 0;
    for (size_t i = 0; i < n; i++) {
        char c = line[i];
        if (inq) {   /* the dialect's quoting, any candidate ending a field */
            if (c == '"') {
                if (i + 1 < n && line[i + 1] == '"') i++;
                else inq = 0;
            }
            continue;
        }
        if (c == '"' && (i == 0 || memchr(",;\t|\n", line[i - 1], 5))) { inq = 1; continue; }
        if (c == '\n') break;
        for (int k = 0; k < 4; k++)
            if (c == cand[k]) cnt[k]++;
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (cnt[k] > cnt[best]) best = k;
    return cnt[best] ? cand[best] : ',';
}

/* -------------------------------------------------------------- parsing */

/* Byte classes: C_HIGH bytes make the field go through dc_decode; C_U8
 * bytes (UTF-8 leads of U+0080..U+02FF and U+1E00..U+1EFF, always NFC) are
 * checked inline and skipped when the sequence is well formed, so that
 * Vietnamese UTF-8 text is never scanned twice. */
enum { C_PLAIN = 0, C_SPECIAL = 1, C_HIGH = 2, C_U8 = 3 };

void dc_csv_classes(uint8_t cls[256], char delim, dc_encoding_t enc)
{
    memset(cls, C_PLAIN, 256);
    for (int b = 0x80; b < 256; b++) cls[b] = C_HIGH;
    if (enc == DC_ENC_UTF8 || enc == DC_ENC_AUTO) {
        for (int b = 0xC2; b <= 0xCB; b++) cls[b] = C_U8;
        cls[0xE1] = C_U8;
    }
    if (enc == DC_ENC_VISCII) {
        /* VISCII puts letters on six control positions */
        static const uint8_t v[] = {0x02, 0x05, 0x06, 0x14, 0x19, 0x1E};
        for (size_t i = 0; i < sizeof v; i++) cls[v[i]] = C_HIGH;
    }
    cls[(unsigned char)delim] = C_SPECIAL;
    cls['"'] = C_SPECIAL;
    cls['\n'] = C_SPECIAL;
    cls['\r'] = C_SPECIAL;
    cls[0] = C_SPECIAL;
}

void dc_csv_rec_free(dc_csv_rec_t *rec)
{
    free(rec->f);
    memset(rec, 0, sizeof *rec);
}

/* Skip plain bytes: return the first byte at or after p whose class is not
 * C_PLAIN (or end). SSE2 handles 16 bytes per step: delimiter, quote, LF,
 * CR, NUL and bytes >= 0x80 stop it; VISCII (letters on control bytes) uses
 * the table loop only. */
static inline const unsigned char *scan_plain(const unsigned char *p, const unsigned char *end, const uint8_t *cls,
                                              unsigned char d)
{
#if defined(__SSE2__)
    if (cls[0x02] == C_PLAIN) {
        const __m128i vd = _mm_set1_epi8((char)d), vq = _mm_set1_epi8('"'), vn = _mm_set1_epi8('\n');
        const __m128i vr = _mm_set1_epi8('\r'), vz = _mm_setzero_si128();
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vd), _mm_cmpeq_epi8(x, vq)),
                                     _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vn), _mm_cmpeq_epi8(x, vr)),
                                                  _mm_cmpeq_epi8(x, vz)));
            unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, x));
            if (mask) return p + __builtin_ctz(mask);
            p += 16;
        }
    }
#endif
    while (p < end && !cls[*p]) p++;
    return p;
}

/* p is at a byte of class C_HIGH or C_U8: skip a fast-path UTF-8
 * sequence, or one byte and flag the field for decoding. */
static inline const unsigned char *skip_high(const unsigned char *p, const unsigned char *end, const uint8_t *cls,
                                             int *high)
{
    if (cls[*p] == C_U8) {
        if (*p != 0xE1) {
            if (p + 1 < end && (p[1] & 0xC0) == 0x80) return p + 2;
        } else if (p + 2 < end && p[1] >= 0xB8 && p[1] <= 0xBB && (p[2] & 0xC0) == 0x80) {
            return p + 3;
        }
    }
    *high = 1;
    return p + 1;
}

const char *dc_csv_parse(const char *p_, const char *end_, char delim, size_t max_field,
                         const uint8_t *cls, dc_csv_rec_t *rec, dc_buf_t *scratch)
{
    const unsigned char *p = (const unsigned char *)p_, *end = (const unsigned char *)end_;
    const unsigned char *rstart = p;
    const unsigned char d = (unsigned char)delim;
    rec->nf = 0;
    rec->lines = 0;
    rec->nul = rec->too_long = rec->blank = rec->crlf = 0;
    for (;;) {
        if (DC_UNLIKELY(rec->nf == rec->fcap)) rec->f = dc_grow(rec->f, &rec->fcap, rec->nf + 1, sizeof *rec->f);
        dc_csv_field_t *f = &rec->f[rec->nf++];
        const unsigned char *fs = p;
        int high = 0;
        if (p < end && *p != '"') {
            /* unquoted field: the common case, no copy */
            for (;;) {
                p = scan_plain(p, end, cls, d);
                if (p == end) break;
                unsigned c = *p;
                if (cls[c] >= C_HIGH) { p = skip_high(p, end, cls, &high); continue; }
                if (c == d || c == '\n') break;
                if (c == '\r') {
                    if (p + 1 == end || p[1] == '\n') break;
                    p++;
                    continue;
                }
                if (c == 0) { rec->nul = 1; p++; continue; }
                p++;   /* a quote inside an unquoted field: data */
            }
            f->p = (const char *)fs;
            f->len = (uint32_t)DC_MIN((size_t)(p - fs), (size_t)UINT32_MAX);
            f->in_scratch = 0;
            if ((size_t)(p - fs) > max_field) rec->too_long = 1;
            goto field_end;
        }
        if (p < end) {
            /* "quoted" field without "" and nothing after the closing quote:
             * one pass to the closing quote, no copy */
            const unsigned char *q = p + 1;
            uint32_t lines = 0;
            int nul = 0;
            for (;;) {
                q = scan_plain(q, end, cls, d);
                if (q == end || *q == '"') break;
                if (cls[*q] >= C_HIGH) { q = skip_high(q, end, cls, &high); continue; }
                if (*q == '\n') lines++;
                else if (*q == 0) nul = 1;
                q++;
            }
            if (q < end) {
                const unsigned char *nx = q + 1;
                if (nx == end || *nx == d || *nx == '\n' || (*nx == '\r' && (nx + 1 == end || nx[1] == '\n'))) {
                    rec->lines += lines;
                    if (nul) rec->nul = 1;
                    f->p = (const char *)p + 1;
                    f->len = (uint32_t)DC_MIN((size_t)(q - p - 1), (size_t)UINT32_MAX);
                    f->in_scratch = 0;
                    if ((size_t)(q - p - 1) > max_field) rec->too_long = 1;
                    p = nx;
                    goto field_end;
                }
            }
        }
        /* general case: unescape into scratch */
        {
            size_t off = scratch->len;
            int inq = 0;
            p = fs;
            high = 0;
            while (p < end) {
                unsigned c = *p;
                if (inq) {
                    if (c == '"') {
                        if (p + 1 < end && p[1] == '"') { dc_buf_putc(scratch, '"'); p += 2; continue; }
                        inq = 0;
                        p++;
                        continue;
                    }
                    if (c == '\n') rec->lines++;
                } else {
                    if (c == '"' && p == fs) { inq = 1; p++; continue; }   /* opens only at the start */
                    if (c == d || c == '\n') break;
                    if (c == '\r' && (p + 1 == end || p[1] == '\n')) break;
                }
                if (c == 0) rec->nul = 1;
                if (cls[c] >= C_HIGH) high = 1;   /* slow path: let dc_decode check it */
                dc_buf_putc(scratch, (char)c);
                p++;
            }
            f->p = NULL;
            f->off = off;
            f->len = (uint32_t)DC_MIN(scratch->len - off, (size_t)UINT32_MAX);
            f->in_scratch = 1;
            if (scratch->len - off > max_field) rec->too_long = 1;
        }
    field_end:
        f->high = (uint8_t)high;
        if (p == end) break;
        if (*p == d) { p++; continue; }
        if (*p == '\r') { rec->crlf = 1; p++; }
        if (p < end && *p == '\n') { p++; rec->lines++; }
        break;
    }
    size_t used = (size_t)(p - rstart);
    rec->blank = used == 0 || (used == 1 && rstart[0] == '\n') || (used == 2 && rstart[0] == '\r' && rstart[1] == '\n');
    return (const char *)p;
}

/* --------------------------------------------------------------- header */

/* The ASCII letters (lower-cased) and digits of s[0..n). */
static void ascii_key(const char *s, size_t n, dc_buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) dc_buf_putc(out, c);
    }
}

void dc_header_key(const char *s, size_t n, dc_buf_t *out)
{
    size_t a = 0;
    while (a < n && (unsigned char)s[a] < 0x80) a++;
    if (a == n) {   /* ASCII (every synonym, most headers): case folding is lower-casing */
        ascii_key(s, n, out);
        return;
    }
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
                                      UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
    if (k < 0) {   /* not UTF-8: keep ASCII letters and digits only */
        ascii_key(s, n, out);
        return;
    }
    for (utf8proc_ssize_t i = 0; i < k;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate(dst + i, k - i, &cp);
        if (l <= 0) break;
        i += l;
        if (cp == 0x111) cp = 'd';   /* đ (Đ is case-folded to it) */
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) dc_buf_putc(out, (char)cp);
    }
    free(dst);
}

typedef struct { const char *name; int field, part; } syn_t;

/* Canonical names first, then the synonyms of the input contract. */
static const syn_t synonyms[] = {
    {"record_id", DC_F_RECORD_ID, 0}, {"ma_ban_ghi", DC_F_RECORD_ID, 0}, {"id", DC_F_RECORD_ID, 0},
    {"stt", DC_F_RECORD_ID, 0}, {"ma_nhan_khau", DC_F_RECORD_ID, 0},
    {"ma_tinh", DC_F_MA_TINH, 0}, {"tinh", DC_F_MA_TINH, 0}, {"tinh_thanh", DC_F_MA_TINH, 0},
    {"province", DC_F_MA_TINH, 0},
    {"ma_ho", DC_F_MA_HO, 0}, {"so_ho_khau", DC_F_MA_HO, 0}, {"ma_ho_gia_dinh", DC_F_MA_HO, 0},
    {"so_so_ho_khau", DC_F_MA_HO, 0},
    {"quan_he_chu_ho", DC_F_QUAN_HE_CHU_HO, 0}, {"quan_he", DC_F_QUAN_HE_CHU_HO, 0},
    {"qh_chu_ho", DC_F_QUAN_HE_CHU_HO, 0},
    {"ho_ten", DC_F_HO_TEN, 0}, {"ho_va_ten", DC_F_HO_TEN, 0}, {"hoten", DC_F_HO_TEN, 0},
    {"ten_cong_dan", DC_F_HO_TEN, 0},
    {"ho", DC_F_HO_TEN, DC_NAME_PART_HO},
    {"ten_dem", DC_F_HO_TEN, DC_NAME_PART_DEM}, {"dem", DC_F_HO_TEN, DC_NAME_PART_DEM},
    {"ten_lot", DC_F_HO_TEN, DC_NAME_PART_DEM},
    {"ten", DC_F_HO_TEN, DC_NAME_PART_TEN},
    {"ngay_sinh", DC_F_NGAY_SINH, 0}, {"ngaysinh", DC_F_NGAY_SINH, 0},
    {"ngay_thang_nam_sinh", DC_F_NGAY_SINH, 0}, {"nam_sinh", DC_F_NGAY_SINH, 0},
    {"gioi_tinh", DC_F_GIOI_TINH, 0}, {"gt", DC_F_GIOI_TINH, 0}, {"phai", DC_F_GIOI_TINH, 0},
    {"so_dinh_danh", DC_F_SO_DINH_DANH, 0}, {"so_cccd", DC_F_SO_DINH_DANH, 0},
    {"cccd", DC_F_SO_DINH_DANH, 0}, {"so_can_cuoc", DC_F_SO_DINH_DANH, 0},
    {"so_dinh_danh_ca_nhan", DC_F_SO_DINH_DANH, 0},
    {"so_cmnd", DC_F_SO_CMND, 0}, {"cmnd", DC_F_SO_CMND, 0}, {"so_chung_minh", DC_F_SO_CMND, 0},
    {"dan_toc", DC_F_DAN_TOC, 0}, {"dantoc", DC_F_DAN_TOC, 0},
    {"ton_giao", DC_F_TON_GIAO, 0}, {"tongiao", DC_F_TON_GIAO, 0},
    {"quoc_tich", DC_F_QUOC_TICH, 0}, {"quoctich", DC_F_QUOC_TICH, 0},
    {"que_quan", DC_F_QUE_QUAN, 0}, {"quequan", DC_F_QUE_QUAN, 0}, {"nguyen_quan", DC_F_QUE_QUAN, 0},
    {"noi_thuong_tru", DC_F_NOI_THUONG_TRU, 0}, {"dia_chi_thuong_tru", DC_F_NOI_THUONG_TRU, 0},
    {"thuong_tru", DC_F_NOI_THUONG_TRU, 0}, {"dia_chi", DC_F_NOI_THUONG_TRU, 0},
    {"noi_o_hien_tai", DC_F_NOI_O_HIEN_TAI, 0}, {"cho_o_hien_nay", DC_F_NOI_O_HIEN_TAI, 0},
    {"noi_o", DC_F_NOI_O_HIEN_TAI, 0},
    {"ho_ten_cha", DC_F_HO_TEN_CHA, 0}, {"ten_cha", DC_F_HO_TEN_CHA, 0},
    {"ho_ten_me", DC_F_HO_TEN_ME, 0}, {"ten_me", DC_F_HO_TEN_ME, 0},
    {"ho_ten_vo_chong", DC_F_HO_TEN_VO_CHONG, 0}, {"vo_chong", DC_F_HO_TEN_VO_CHONG, 0},
    {"ngay_chet", DC_F_NGAY_CHET, 0}, {"ngay_mat", DC_F_NGAY_CHET, 0},
};

int dc_header_lookup(const char *name, size_t n, int *part)
{
    *part = 0;
    if ((n == 1 && name[0] == '-') || (n == 5 && !memcmp(name, "extra", 5))) return -2;
    dc_buf_t k = DC_BUF_INIT, s = DC_BUF_INIT;
    dc_header_key(name, n, &k);
    int found = -1;
    for (size_t i = 0; i < DC_ARRAY_LEN(synonyms) && k.len; i++) {
        dc_buf_clear(&s);
        dc_header_key(synonyms[i].name, strlen(synonyms[i].name), &s);
        if (s.len == k.len && !memcmp(s.p, k.p, k.len)) {
            found = synonyms[i].field;
            *part = synonyms[i].part;
            break;
        }
    }
    dc_buf_free(&k);
    dc_buf_free(&s);
    return found;
}

int dc_header_map(const char *const *cells, const uint32_t *lens, uint32_t ncols,
                  const char *const *overrides, dc_header_map_t *m)
{
    memset(m, 0, sizeof *m);
    m->ncols = ncols;
    m->field = dc_xcalloc(ncols ? ncols : 1, sizeof *m->field);
    m->part = dc_xcalloc(ncols ? ncols : 1, sizeof *m->part);
    m->extra_col = dc_xcalloc(ncols ? ncols : 1, sizeof *m->extra_col);
    int taken[DC_F__COUNT] = {0}, part_taken[4] = {0};
    dc_buf_t key = DC_BUF_INIT, ok = DC_BUF_INIT;
    int rc = 0;
    for (uint32_t c = 0; c < ncols; c++) {
        dc_buf_clear(&key);
        dc_header_key(cells[c], lens[c], &key);
        int field = -3, part = 0;
        for (size_t o = 0; overrides && overrides[o]; o++) {
            const char *eq = strrchr(overrides[o], '=');
            if (!eq) { rc = dc_seterr("bad mapping '%s' (want COLUMN=FIELD)", overrides[o]); goto out; }
            dc_buf_clear(&ok);
            dc_header_key(overrides[o], (size_t)(eq - overrides[o]), &ok);
            if (ok.len != key.len || (key.len && memcmp(ok.p, key.p, key.len))) continue;
            if (ok.len == 0 && (size_t)(eq - overrides[o]) != lens[c]) continue;
            field = dc_header_lookup(eq + 1, strlen(eq + 1), &part);
            if (field == -1) {
                rc = dc_seterr("bad mapping '%s': unknown field '%s' (see docs/INPUT.md)", overrides[o], eq + 1);
                goto out;
            }
            break;
        }
        if (field == -3) field = key.len ? dc_header_lookup(cells[c], lens[c], &part) : -1;
        if (field == -2) field = -1, part = 0;
        if (field >= 0 && part) {
            if (part_taken[part]) field = -1, part = 0;
            else part_taken[part] = 1;
        } else if (field >= 0) {
            if (taken[field]) field = -1;
            else taken[field] = 1;
        }
        m->field[c] = field;
        m->part[c] = part;
    }
    /* split parts only when there is no full-name column */
    for (uint32_t c = 0; c < ncols; c++) {
        if (m->part[c] && taken[DC_F_HO_TEN]) m->field[c] = -1, m->part[c] = 0;
    }
    m->split = !taken[DC_F_HO_TEN] && part_taken[DC_NAME_PART_TEN];
    if (!taken[DC_F_HO_TEN] && !part_taken[DC_NAME_PART_TEN]) {
        /* a lone ho or ten_dem cannot make a name: carry them through */
        for (uint32_t c = 0; c < ncols; c++)
            if (m->part[c]) m->field[c] = -1, m->part[c] = 0;
    }
    m->has_name = taken[DC_F_HO_TEN] || m->split;
    for (uint32_t c = 0; c < ncols; c++)
        if (m->field[c] < 0) m->extra_col[m->nextra++] = c;
out:
    dc_buf_free(&key);
    dc_buf_free(&ok);
    if (rc) dc_header_map_free(m);
    return rc;
}

void dc_header_map_free(dc_header_map_t *m)
{
    free(m->field);
    free(m->part);
    free(m->extra_col);
    memset(m, 0, sizeof *m);
}

int dc_mapping_file_read(const char *path, char ***list, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return dc_seterr("cannot open mapping file %s: %s", path, strerror(errno));
    dc_buf_t b = DC_BUF_INIT;
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) dc_buf_put(&b, tmp, k);
    int err = ferror(f);
    fclose(f);
    if (err) {
        dc_buf_free(&b);
        return dc_seterr("read error on mapping file %s", path);
    }
    const char *p = b.p ? b.p : "", *end = p + b.len;
    if (b.len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3;
    char delim = dc_csv_detect_delimiter(p, (size_t)(end - p));
    uint8_t cls[256];
    dc_csv_classes(cls, delim, DC_ENC_UTF8);
    dc_csv_rec_t rec = {0};
    dc_buf_t sc = DC_BUF_INIT;
    int rc = 0;
    unsigned long line = 1;
    size_t cap = 0;
    while (p < end) {
        dc_buf_clear(&sc);
        unsigned long here = line;
        p = dc_csv_parse(p, end, delim, 65536, cls, &rec, &sc);
        line += rec.lines;
        if (rec.blank) continue;
        if (rec.nf != 2) { rc = dc_seterr("%s:%lu: a mapping row has two columns: column,field", path, here); break; }
        const char *v[2];
        for (int i = 0; i < 2; i++) v[i] = rec.f[i].in_scratch ? sc.p + rec.f[i].off : rec.f[i].p;
        if (here == 1 && rec.f[0].len == 6 && !memcmp(v[0], "column", 6)) continue;   /* header row */
        dc_buf_t s = DC_BUF_INIT;
        dc_buf_put(&s, v[0], rec.f[0].len);
        dc_buf_putc(&s, '=');
        dc_buf_put(&s, v[1], rec.f[1].len);
        int part;
        if (dc_header_lookup(v[1], rec.f[1].len, &part) == -1) {
            rc = dc_seterr("%s:%lu: unknown field '%.*s' (see docs/INPUT.md)", path, here, (int)rec.f[1].len, v[1]);
            dc_buf_free(&s);
            break;
        }
        *list = dc_grow(*list, &cap, *n + 2, sizeof **list);
        (*list)[(*n)++] = s.p;
        (*list)[*n] = NULL;
    }
    dc_csv_rec_free(&rec);
    dc_buf_free(&sc);
    dc_buf_free(&b);
    return rc;
}

void dc_escape_raw(dc_encoding_t enc, const char *p, size_t n, dc_buf_t *out)
{
    if (n && p[n - 1] == '\n') n--;
    if (n && p[n - 1] == '\r') n--;
    dc_buf_t tmp = DC_BUF_INIT;
    size_t i = 0;
    while (i < n) {
        size_t bad = 0;
        dc_buf_clear(&tmp);
        int rc = dc_decode(enc, p + i, n - i, &tmp, &bad);
        for (size_t k = 0; k < tmp.len; k++) {
            char c = tmp.p[k];
            if (c == '\\') dc_buf_put(out, "\\\\", 2);
            else if (c == 0) dc_buf_put(out, "\\x00", 4);
            else dc_buf_putc(out, c);
        }
        if (rc == 0) break;
        dc_buf_printf(out, "\\x%02X", (unsigned char)p[i + bad]);
        i += bad + 1;
    }
    dc_buf_free(&tmp);
}
