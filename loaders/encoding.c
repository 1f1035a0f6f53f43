/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * encoding.c - Vietnamese legacy encodings <-> UTF-8 NFC (dc_encoding.h).
 *
 * Tables are built once (pthread_once) from the embedded reference files
 * (engine/ref/sources/encodings.md):
 *   enc_glibc_VISCII.csv, enc_glibc_TCVN5712-1.csv, enc_glibc_CP1258.csv
 *       byte -> Unicode (glibc charmaps, LGPL-2.1-or-later)
 *   enc_vn_letters.csv
 *       the 134 Vietnamese letters in VNI-Windows, TCVN3 (ABC), VISCII,
 *       TCVN 5712 VN1 and CP1258 (duydev/vietnamese-conversion e65962e, MIT,
 *       and glibc)
 *
 * Decoding maps every byte to a short UTF-8 string (a letter, or combining
 * marks for VNI modifier bytes, the TCVN3 tone bytes and the CP1258 tone
 * bytes) and composes the result to NFC when a combining mark was emitted.
 *
 * TCVN3 (ABC) has bytes for the lower-case toned letters only: upper case
 * was a font switch (.VnTimeH), so an upper-case "Ễ" is stored as the byte of
 * "ễ". Decoding restores the case from the word and its neighbours (see
 * tcvn3_case()): a word whose other letters are upper case ("NGUYÔN"), or an
 * all-toned word next to such a word, is upper-cased; a word starting with a
 * toned letter next to Title-case words ("Thị ¸nh") gets a capital. Encoding
 * writes upper-case toned letters with the lower-case byte, as ABC files do.
 * Bytes 0x80-0x9F (and the VN1 upper-case positions) decode as TCVN 5712 VN1,
 * a superset of VN3, so VN1 files read correctly too.
 */
#include "dc_encoding.h"
#include "ref/dc_ref.h"

#include <pthread.h>   /* pthread_once */
#include <stdlib.h>    /* free, strtoul, bsearch, qsort */
#include <string.h>    /* memcmp, memcpy */
#include <strings.h>   /* strcasecmp */
#include <utf8proc.h>  /* utf8proc_map, utf8proc_decompose_char */

/* ------------------------------------------------------------- tables */

enum {
    D_DEF = 1,        /* byte defined */
    D_COMB = 2,       /* emits a combining mark: NFC needed */
    D_LETTER = 4,
    D_UPPER = 8,
    D_LOWER = 16,
    D_AMBIG = 32,     /* TCVN3: lower-case toned letter that also stands for upper case */
};

typedef struct {
    uint8_t len, flags;
    char s[6];        /* UTF-8 */
    uint8_t ulen;     /* D_AMBIG: upper-case form */
    char us[4];
} dec_t;

typedef struct {
    uint32_t cp;
    uint8_t len;
    uint8_t b[3];
} enc_t;

typedef struct {
    dec_t dec[256];
    enc_t *enc;       /* sorted by cp */
    size_t nenc, encap;
    int needs_nfc;    /* some byte emits a combining mark */
} codec_t;

static codec_t codecs[DC_ENC__COUNT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* Vietnamese-letter lookup for the syllable validator: code point ->
 * compact letter code and tone. */
typedef struct {
    uint32_t cp;
    char code;   /* 'a'..'z' or one of the VN_* codes below */
    uint8_t tone;
} vnlet_t;
static vnlet_t *vnlets;
static size_t nvnlets;
/* vnlet_find() for cp < VNLET_DIRECT: index + 1 into vnlets, 0 = none
 * (filled from the same bsearch, so the answers are the same) */
enum { VNLET_DIRECT = 0x1F00 };
static uint16_t vnlet_idx[VNLET_DIRECT];

static size_t put_utf8(char *dst, uint32_t cp)
{
    return (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)dst);
}

static uint32_t parse_cp(const char *s)
{
    /* "U+1EA0" (first code point only) */
    if (s[0] != 'U' || s[1] != '+') dc_die("encoding tables: bad code point '%s'", s);
    return (uint32_t)strtoul(s + 2, NULL, 16);
}

static int parse_bytes(const char *s, uint8_t *b, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        if (end == s || v > 255 || n == max) dc_die("encoding tables: bad byte list '%s'", s);
        b[n++] = (uint8_t)v;
        s = end;
        while (*s == ' ') s++;
    }
    return n;
}

static void enc_add(codec_t *c, uint32_t cp, const uint8_t *b, int n)
{
    for (size_t i = 0; i < c->nenc; i++)
        if (c->enc[i].cp == cp) return;   /* first entry wins */
    c->enc = dc_grow(c->enc, &c->encap, c->nenc + 1, sizeof *c->enc);
    enc_t *e = &c->enc[c->nenc++];
    e->cp = cp;
    e->len = (uint8_t)n;
    memcpy(e->b, b, (size_t)n);
}

static int cmp_enc(const void *a, const void *b)
{
    uint32_t x = ((const enc_t *)a)->cp, y = ((const enc_t *)b)->cp;
    return x < y ? -1 : x > y;
}

static void dec_set_cps(dec_t *d, const uint32_t *cps, int n)
{
    d->len = 0;
    d->flags = D_DEF;
    for (int i = 0; i < n; i++) {
        char tmp[4];
        size_t k = put_utf8(tmp, cps[i]);
        if (d->len + k > sizeof d->s) dc_die("encoding tables: entry too long");
        memcpy(d->s + d->len, tmp, k);
        d->len += (uint8_t)k;
        utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cps[i]);
        if (cat == UTF8PROC_CATEGORY_MN) d->flags |= D_COMB;
        if (cat == UTF8PROC_CATEGORY_LU) d->flags |= D_LETTER | D_UPPER;
        if (cat == UTF8PROC_CATEGORY_LL) d->flags |= D_LETTER | D_LOWER;
    }
}

/* Load a glibc byte_to_unicode table into `c` (single-byte entries decode;
 * all entries encode). */
static void load_glibc(codec_t *c, const char *file, int encode_ctrl)
{
    dc_ref_csv_t r;
    dc_ref_csv_open(&r, file, ',');
    int cb = dc_ref_csv_col(&r, "bytes_hex"), cu = dc_ref_csv_col(&r, "unicode_codepoints");
    while (dc_ref_csv_next(&r)) {
        uint8_t b[3];
        int n = parse_bytes(r.f[cb], b, 3);
        uint32_t cp = parse_cp(r.f[cu]);
        if (n == 1) dec_set_cps(&c->dec[b[0]], &cp, 1);
        if (cp < 0x20 && cp != 0x09 && cp != 0x0A && cp != 0x0D && !encode_ctrl) continue;
        enc_add(c, cp, b, n);
    }
    dc_ref_csv_close(&r);
}

/* Canonical decomposition of one code point; returns the count. */
static int decompose(uint32_t cp, uint32_t *out, int max)
{
    utf8proc_int32_t buf[8];
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 8, UTF8PROC_DECOMPOSE, &last);
    if (n < 1 || n > max) { out[0] = cp; return 1; }
    for (int i = 0; i < n; i++) out[i] = (uint32_t)buf[i];
    return (int)n;
}

static uint32_t first_cp(const char *s)
{
    utf8proc_int32_t cp = 0;
    utf8proc_iterate((const utf8proc_uint8_t *)s, -1, &cp);
    return (uint32_t)cp;
}

static int is_tone_mark(uint32_t m)
{
    return m == 0x300 || m == 0x301 || m == 0x303 || m == 0x309 || m == 0x323;
}

static void add_vnlet(uint32_t cp)
{
    uint32_t d[4];
    int n = decompose(cp, d, 4);
    char code = 0;
    uint8_t tone = 0;
    uint32_t base = utf8proc_tolower((utf8proc_int32_t)d[0]);
    if (base == 0x111) code = 'D';                 /* đ */
    else if (base < 0x80) code = (char)base;
    else return;
    for (int i = 1; i < n; i++) {
        if (is_tone_mark(d[i])) tone = 1;
        else if (d[i] == 0x302) code = code == 'a' ? 'A' : code == 'e' ? 'E' : 'O';   /* â ê ô */
        else if (d[i] == 0x306) code = 'B';                                        /* ă */
        else if (d[i] == 0x31B) code = code == 'o' ? 'P' : 'W';                     /* ơ ư */
    }
    nvnlets++;
    vnlets = dc_xrealloc(vnlets, nvnlets * sizeof *vnlets);
    vnlets[nvnlets - 1] = (vnlet_t){cp, code, tone};
}

static int cmp_vnlet(const void *a, const void *b)
{
    uint32_t x = ((const vnlet_t *)a)->cp, y = ((const vnlet_t *)b)->cp;
    return x < y ? -1 : x > y;
}

static void build_tables(void)
{
    /* ASCII is itself in every encoding (VISCII overrides six controls). */
    for (int e = DC_ENC_UTF8; e < DC_ENC__COUNT; e++) {
        codec_t *c = &codecs[e];
        for (uint32_t b = 0; b < 0x80; b++) dec_set_cps(&c->dec[b], &b, 1);
    }
    load_glibc(&codecs[DC_ENC_VISCII], "enc_glibc_VISCII.csv", 1);
    load_glibc(&codecs[DC_ENC_CP1258], "enc_glibc_CP1258.csv", 0);
    /* TCVN3 decodes as VN1 (a superset); its encoder is built below. */
    codec_t tmp_vn1;
    memset(&tmp_vn1, 0, sizeof tmp_vn1);
    load_glibc(&tmp_vn1, "enc_glibc_TCVN5712-1.csv", 0);
    memcpy(codecs[DC_ENC_TCVN3].dec + 0x80, tmp_vn1.dec + 0x80, 0x80 * sizeof *tmp_vn1.dec);
    free(tmp_vn1.enc);

    codec_t *vni = &codecs[DC_ENC_VNI], *tc = &codecs[DC_ENC_TCVN3];
    codec_t *vis = &codecs[DC_ENC_VISCII], *cp = &codecs[DC_ENC_CP1258];
    for (uint32_t b = 0x20; b < 0x7F; b++) {
        uint8_t bb = (uint8_t)b;
        enc_add(vni, b, &bb, 1);
        enc_add(tc, b, &bb, 1);
    }
    static const uint8_t ctl[] = {0x09, 0x0A, 0x0D};
    for (size_t i = 0; i < sizeof ctl; i++) {
        enc_add(vni, ctl[i], &ctl[i], 1);
        enc_add(tc, ctl[i], &ctl[i], 1);
    }

    /* The 134 letters. Pass 1: single-byte VNI letters; pass 2: the rest. */
    dc_ref_csv_t r;
    for (int pass = 1; pass <= 2; pass++) {
        dc_ref_csv_open(&r, "enc_vn_letters.csv", ',');
        int cu = dc_ref_csv_col(&r, "unicode_codepoint"), cv = dc_ref_csv_col(&r, "vni_windows_bytes");
        int ct = dc_ref_csv_col(&r, "tcvn3_abc_bytes_duydev");
        int cc = dc_ref_csv_col(&r, "cp1258_bytes_glibc_decomposed");
        int cs = dc_ref_csv_col(&r, "viscii_byte_glibc");
        while (dc_ref_csv_next(&r)) {
            uint32_t u = parse_cp(r.f[cu]);
            uint8_t b[3];
            int n = parse_bytes(r.f[cv], b, 3);
            if (pass == 1) {
                if (n == 1) dec_set_cps(&vni->dec[b[0]], &u, 1);
                continue;
            }
            add_vnlet(u);
            enc_add(vni, u, b, n);
            if (n == 2) {
                /* modifier byte = marks of the letter beyond those of its base */
                uint32_t base = b[0] < 0x80 ? b[0] : first_cp(vni->dec[b[0]].s);
                uint32_t dl[4], db[4];
                int nl = decompose(u, dl, 4), nb = decompose(base, db, 4);
                if (!(vni->dec[b[0]].flags & D_DEF) || nl <= nb || memcmp(dl, db, (size_t)nb * 4))
                    dc_die("encoding tables: VNI entry U+%04X is not base + modifier", u);
                dec_t d;
                memset(&d, 0, sizeof d);
                dec_set_cps(&d, dl + nb, nl - nb);
                dec_t *m = &vni->dec[b[1]];
                if ((m->flags & D_DEF) && (m->len != d.len || memcmp(m->s, d.s, d.len)))
                    dc_die("encoding tables: VNI modifier byte %02X is inconsistent", b[1]);
                *m = d;
            }
            n = parse_bytes(r.f[cc], b, 3);
            enc_add(cp, u, b, n);
            n = parse_bytes(r.f[cs], b, 3);
            enc_add(vis, u, b, n);
            n = parse_bytes(r.f[ct], b, 3);
            if (n == 1) {
                enc_add(tc, u, b, n);
            } else {
                /* upper-case toned letter: ABC writes the lower-case byte */
                uint32_t lo = (uint32_t)utf8proc_tolower((utf8proc_int32_t)u);
                for (int k = 0xA0; k < 256; k++) {
                    dec_t *d = &tc->dec[k];
                    if ((d->flags & D_DEF) && d->len && first_cp(d->s) == lo && d->len == put_utf8((char[4]){0}, lo)) {
                        uint8_t kb = (uint8_t)k;
                        enc_add(tc, u, &kb, 1);
                        d->flags |= D_AMBIG;
                        d->ulen = (uint8_t)put_utf8(d->us, u);
                        break;
                    }
                }
            }
        }
        dc_ref_csv_close(&r);
    }
    /* plain ASCII letters for the syllable validator */
    for (uint32_t ch = 'A'; ch <= 'Z'; ch++) add_vnlet(ch);
    for (uint32_t ch = 'a'; ch <= 'z'; ch++) add_vnlet(ch);
    add_vnlet(0x110);
    add_vnlet(0x111);
    qsort(vnlets, nvnlets, sizeof *vnlets, cmp_vnlet);
    if (nvnlets >= UINT16_MAX) dc_die("encoding tables: too many letters");
    for (uint32_t u = 0; u < VNLET_DIRECT; u++) {
        vnlet_t key = {u, 0, 0};
        const vnlet_t *v = bsearch(&key, vnlets, nvnlets, sizeof *vnlets, cmp_vnlet);
        vnlet_idx[u] = v ? (uint16_t)(v - vnlets + 1) : 0;
    }

    for (int e = DC_ENC_UTF8; e < DC_ENC__COUNT; e++) {
        codec_t *c = &codecs[e];
        for (int b = 0; b < 256; b++)
            if (c->dec[b].flags & D_COMB) c->needs_nfc = 1;
        if (c->nenc) qsort(c->enc, c->nenc, sizeof *c->enc, cmp_enc);
    }
    /* Sanity: every one of the 134 letters is encodable in every legacy codec. */
    for (int e = DC_ENC_TCVN3; e < DC_ENC__COUNT; e++)
        if (codecs[e].nenc < 134) dc_die("encoding tables: %s has only %zu entries", dc_encoding_name(e), codecs[e].nenc);
}

static void tables_init(void)
{
    pthread_once(&tables_once, build_tables);
}

/* ---------------------------------------------------------------- names */

static const char *const enc_names[DC_ENC__COUNT] = {"auto", "utf-8", "tcvn3", "vni", "viscii", "cp1258"};

const char *dc_encoding_name(dc_encoding_t e)
{
    return (unsigned)e < DC_ENC__COUNT ? enc_names[e] : "?";
}

int dc_encoding_parse(const char *name, dc_encoding_t *out)
{
    static const struct { const char *s; dc_encoding_t e; } alias[] = {
        {"auto", DC_ENC_AUTO}, {"utf-8", DC_ENC_UTF8}, {"utf8", DC_ENC_UTF8},
        {"tcvn3", DC_ENC_TCVN3}, {"abc", DC_ENC_TCVN3}, {"tcvn", DC_ENC_TCVN3},
        {"tcvn5712", DC_ENC_TCVN3}, {"vni", DC_ENC_VNI}, {"vni-windows", DC_ENC_VNI},
        {"viscii", DC_ENC_VISCII}, {"cp1258", DC_ENC_CP1258}, {"windows-1258", DC_ENC_CP1258},
    };
    for (size_t i = 0; i < DC_ARRAY_LEN(alias); i++)
        if (!strcasecmp(name, alias[i].s)) { *out = alias[i].e; return 0; }
    return -1;
}

/* ---------------------------------------------------------------- UTF-8 */

/* Length of the valid UTF-8 prefix of s[0..n) (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF). */
static size_t utf8_valid_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else return i;
        if (i + k >= n) return i;   /* truncated */
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (size_t j = 2; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return i;
        i += k + 1;
    }
    return i;
}

int dc_utf8_valid(const char *s, size_t n)
{
    return utf8_valid_prefix((const unsigned char *)s, n) == n;
}

int dc_utf8_nfc_fast(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        if (c < 0x80) { p++; continue; }
        if (c >= 0xC2 && c <= 0xCB) {            /* U+0080..U+02FF: NFC-stable */
            if (p + 1 < e && (p[1] & 0xC0) == 0x80) { p += 2; continue; }
            return 0;
        }
        if (c == 0xE1 && p + 2 < e && p[1] >= 0xB8 && p[1] <= 0xBB && (p[2] & 0xC0) == 0x80) {
            p += 3;                               /* U+1E00..U+1EFF: precomposed Latin */
            continue;
        }
        return 0;
    }
    return 1;
}

/* Append NFC(s[0..n)) to out with utf8proc, whole string. */
static void put_nfc_slow(dc_buf_t *out, const char *s, size_t n)
{
    utf8proc_uint8_t *dst = NULL;
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &dst,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k < 0) {   /* cannot happen on valid input; keep the bytes */
        dc_buf_put(out, s, n);
        return;
    }
    dc_buf_put(out, dst, (size_t)k);
    free(dst);
}

/* NFC by clusters. Text that is not already NFC is, in practice, Vietnamese
 * with combining marks (NFD input; VNI and CP1258 decode to base letter +
 * combining marks): a starter from the NFC-stable set of dc_utf8_nfc_fast()
 * (ASCII, U+0080..U+02FF, U+1E00..U+1EFF) followed by a run of combining
 * marks U+0300..U+036F. Such a cluster cannot interact with its neighbours
 * (they are NFC-stable starters, none of which composes with a preceding
 * starter), so NFC(text) is the concatenation of the stable characters and
 * NFC(cluster) of each cluster, computed by utf8proc on the cluster alone
 * and remembered in a small per-thread table (a handful of distinct
 * clusters make up Vietnamese text). Anything else (other scripts,
 * punctuation such as U+2019 or U+2013, a mark without a base, a long
 * cluster) is composed by utf8proc from the last ASCII byte before it to
 * the next ASCII byte after it: the point before an ASCII byte is an NFC
 * boundary (canonical class 0, never the second character of a
 * composition), so the pieces concatenate to NFC of the whole, and one
 * curly apostrophe no longer sends a whole chunk through utf8proc.
 * check_encoding.c compares this with utf8proc on every stable starter
 * followed by marks and on text mixing them with other characters. */
enum { NFC_CL_MAX = 22, NFC_CACHE = 256 };
typedef struct {
    uint8_t klen, vlen;
    char k[NFC_CL_MAX], v[NFC_CL_MAX * 3];
} nfc_slot_t;
static _Thread_local nfc_slot_t nfc_cache[NFC_CACHE];   /* 23 KB per thread */

static void put_cluster(dc_buf_t *out, const unsigned char *c, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 16777619u;
    nfc_slot_t *sl = &nfc_cache[(h ^ (h >> 15)) & (NFC_CACHE - 1)];
    if (sl->klen == n && memcmp(sl->k, c, n) == 0) {
        dc_buf_put(out, sl->v, sl->vlen);
        return;
    }
    size_t at = out->len;
    put_nfc_slow(out, (const char *)c, n);
    size_t vl = out->len - at;
    if (vl <= sizeof sl->v) {
        sl->klen = (uint8_t)n;
        sl->vlen = (uint8_t)vl;
        memcpy(sl->k, c, n);
        memcpy(sl->v, out->p + at, vl);
    }
}

/* Append NFC(s[0..n)) to out; s must be valid UTF-8. */
static void put_nfc(dc_buf_t *out, const char *s_, size_t n)
{
    const unsigned char *s = (const unsigned char *)s_, *p = s, *e = p + n, *run = p, *last = NULL;
    const unsigned char *q_in = NULL;   /* the last ASCII byte seen */
    size_t q_out = 0;                   /* out->len for the input before it */
    size_t start = out->len;
    while (p < e) {
        unsigned c = *p;
        size_t k;
        if (c < 0x80) {
            q_in = p;
            q_out = out->len + (size_t)(p - run);
            k = 1;
        } else if (c >= 0xC2 && c <= 0xCB && p + 1 < e && (p[1] & 0xC0) == 0x80) {
            k = 2;
        } else if (c == 0xE1 && p + 2 < e && p[1] >= 0xB8 && p[1] <= 0xBB && (p[2] & 0xC0) == 0x80) {
            k = 3;
        } else {
            if (last && (c == 0xCC || c == 0xCD) && p + 1 < e && p[1] >= 0x80 && p[1] <= (c == 0xCC ? 0xBF : 0xAF)) {
                const unsigned char *m = p + 2;   /* run of U+0300..U+036F */
                while (m + 1 < e && ((m[0] == 0xCC && m[1] >= 0x80 && m[1] <= 0xBF) ||
                                     (m[0] == 0xCD && m[1] >= 0x80 && m[1] <= 0xAF)))
                    m += 2;
                if ((size_t)(m - last) <= NFC_CL_MAX) {
                    dc_buf_put(out, run, (size_t)(last - run));
                    put_cluster(out, last, (size_t)(m - last));
                    run = p = m;
                    last = NULL;
                    continue;
                }
            }
            /* utf8proc from the last ASCII byte (or the start) to the next one */
            const unsigned char *a = s;
            if (!q_in) out->len = start;
            else if (q_in >= run) dc_buf_put(out, run, (size_t)(q_in - run));
            else out->len = q_out;   /* a cluster after q_in was written: taken back */
            if (q_in) a = q_in;
            const unsigned char *b = p + 1;
            while (b < e && *b >= 0x80) b++;
            put_nfc_slow(out, (const char *)a, (size_t)(b - a));
            run = p = b;
            last = NULL;
            q_in = NULL;   /* b is ASCII (or the end): seen next */
            continue;
        }
        last = p;
        p += k;
    }
    dc_buf_put(out, run, (size_t)(e - run));
}

void dc_utf8_put_nfc(dc_buf_t *out, const char *s, size_t n)
{
    put_nfc(out, s, n);
}

static int decode_utf8(const char *in, size_t n, dc_buf_t *out, size_t *bad_off)
{
    if (dc_utf8_nfc_fast(in, n)) {
        dc_buf_put(out, in, n);
        return 0;
    }
    size_t ok = utf8_valid_prefix((const unsigned char *)in, n);
    if (ok < n) {
        put_nfc(out, in, ok);
        if (bad_off) *bad_off = ok;
        return -1;
    }
    put_nfc(out, in, n);
    return 0;
}

/* ------------------------------------------------------- legacy decode */

/* TCVN3 case restoration: for each input byte of a word, whether an
 * ambiguous (lower-case toned) letter must be upper-cased. Writes up[i]. */
typedef struct { size_t s, e; int U, L, A, first_amb, first_up; int cls; } word_t;

static int tc_is_letter(const dec_t *d, unsigned char b)
{
    return (d[b].flags & (D_LETTER | D_COMB)) != 0;
}

static int is_sep(unsigned char b)
{
    return b == '\n' || b == '\r' || b == '\t' || b == ',' || b == ';' || b == '|' || b == '"';
}

/* class of a determinate word: 2 CAPS, 1 Title, -1 lower, 0 unknown */
static int word_class(const word_t *w)
{
    if (w->U >= 2 && w->L == 0) return 2;
    if (w->first_up && w->L > 0) return 1;
    if (w->L > 0) return -1;
    return 0;
}

static void tcvn3_case(const unsigned char *in, size_t n, unsigned char *up)
{
    const dec_t *d = codecs[DC_ENC_TCVN3].dec;
    memset(up, 0, n);
    size_t i = 0;
    size_t seg_start_word = 0;
    word_t *w = NULL;
    size_t nw = 0, wcap = 0;
    size_t *segof = NULL, segcap = 0;
    size_t seg = 0;
    while (i < n) {
        if (is_sep(in[i])) { seg++; i++; continue; }
        if (!tc_is_letter(d, in[i])) { i++; continue; }
        word_t x = {i, i, 0, 0, 0, 0, 0, 0};
        int firstletter = 1;
        while (i < n && tc_is_letter(d, in[i])) {
            uint8_t f = d[in[i]].flags;
            if (f & D_AMBIG) { x.A++; if (firstletter) x.first_amb = 1; }
            else if (f & D_UPPER) { x.U++; if (firstletter) x.first_up = 1; }
            else if (f & D_LOWER) x.L++;
            if (f & D_LETTER) firstletter = 0;
            i++;
        }
        x.e = i;
        w = dc_grow(w, &wcap, nw + 1, sizeof *w);
        segof = dc_grow(segof, &segcap, nw + 1, sizeof *segof);
        x.cls = word_class(&x);
        segof[nw] = seg;
        w[nw++] = x;
    }
    DC_UNUSED(seg_start_word);
    for (size_t k = 0; k < nw; k++) {
        word_t *x = &w[k];
        if (!x->A) continue;
        /* neighbour class: nearest determinate word before, then after, in the same segment */
        int prev = 0, next = 0, nb;
        for (size_t j = k; j-- > 0 && segof[j] == segof[k];)
            if (w[j].cls) { prev = w[j].cls; break; }
        for (size_t j = k + 1; j < nw && segof[j] == segof[k]; j++)
            if (w[j].cls) { next = w[j].cls; break; }
        /* CAPS only when no neighbour says otherwise ("TP. Hà Nội") */
        if ((prev == 2 || next == 2) && prev != 1 && prev != -1 && next != 1 && next != -1) nb = 2;
        else if (prev == 1 || next == 1) nb = 1;
        else nb = prev ? prev : next;
        int first_in_seg = k == 0 || segof[k - 1] != segof[k];
        int all = 0, first = 0;
        if (x->U >= 2 && x->L == 0) all = 1;
        else if (x->U == 1 && x->L == 0) all = nb == 2;
        else if (x->U == 0 && x->L == 0) { all = nb == 2; first = nb == 1 || (nb != 2 && first_in_seg); }
        else if (x->U == 0 && x->L > 0 && x->first_amb) first = nb == 1 || first_in_seg;
        if (all) {
            for (size_t j = x->s; j < x->e; j++) up[j] = 1;
        } else if (first) {
            up[x->s] = 1;
        }
    }
    free(w);
    free(segof);
}

/* Decode legacy bytes. strict: stop at the first undefined byte (return -1,
 * *bad_off); lenient: write U+FFFD and count into *nbad. */
static int decode_legacy(dc_encoding_t enc, const char *in_, size_t n, dc_buf_t *out, size_t *bad_off,
                         size_t *nbad, int strict)
{
    const codec_t *c = &codecs[enc];
    const unsigned char *in = (const unsigned char *)in_;
    unsigned char upbuf[256], *up = NULL;
    if (enc == DC_ENC_TCVN3) {
        int any = 0;
        for (size_t i = 0; i < n; i++)
            if (c->dec[in[i]].flags & D_AMBIG) { any = 1; break; }
        if (any) {
            up = n <= sizeof upbuf ? upbuf : dc_xmalloc(n);
            tcvn3_case(in, n, up);
        }
    }
    size_t start = out->len;
    int comb = 0, rc = 0;
    /* worst case 6 bytes a byte (dec_t.s); each letter is copied as a
     * whole dec_t.s (6 bytes) and the pointer advanced by its length */
    dc_buf_reserve(out, n * sizeof c->dec[0].s + 8);
    char *o = out->p + out->len;
    const int ascii_same = enc != DC_ENC_VISCII;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = in[i];
        const dec_t *d = &c->dec[ch];
        if (DC_LIKELY(ch < 0x80 && ascii_same && (d->flags & D_DEF))) {
            *o++ = (char)ch;
            continue;
        }
        if (DC_UNLIKELY(!(d->flags & D_DEF))) {
            if (strict) {
                if (bad_off) *bad_off = i;
                rc = -1;
                break;
            }
            if (nbad) (*nbad)++;
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
            continue;
        }
        if (up && up[i] && (d->flags & D_AMBIG)) {
            memcpy(o, d->us, sizeof d->us);
            o += d->ulen;
        } else {
            memcpy(o, d->s, sizeof d->s);
            o += d->len;
        }
        comb |= d->flags & D_COMB;
    }
    out->len = (size_t)(o - out->p);
    if (up && up != upbuf) free(up);
    if (comb) {
        size_t len = out->len - start;
        char stack[1024];
        char *tmp = len <= sizeof stack ? stack : dc_xmalloc(len);
        memcpy(tmp, out->p + start, len);
        out->len = start;
        put_nfc(out, tmp, len);
        if (tmp != stack) free(tmp);
    }
    return rc;
}

int dc_decode(dc_encoding_t enc, const char *in, size_t n, dc_buf_t *out, size_t *bad_off)
{
    if (enc == DC_ENC_UTF8 || enc == DC_ENC_AUTO) return decode_utf8(in, n, out, bad_off);
    if ((unsigned)enc >= DC_ENC__COUNT) return dc_seterr("unknown encoding %d", (int)enc);
    tables_init();
    return decode_legacy(enc, in, n, out, bad_off, NULL, 1);
}

/* --------------------------------------------------------------- encode */

static const enc_t *enc_find(const codec_t *c, uint32_t cp)
{
    enc_t key = {cp, 0, {0}};
    return bsearch(&key, c->enc, c->nenc, sizeof *c->enc, cmp_enc);
}

size_t dc_encode(dc_encoding_t enc, const char *in, size_t n, dc_buf_t *out)
{
    if (enc == DC_ENC_UTF8 || enc == DC_ENC_AUTO || (unsigned)enc >= DC_ENC__COUNT) {
        size_t ok = utf8_valid_prefix((const unsigned char *)in, n);
        put_nfc(out, in, ok);
        size_t bad = 0;
        for (size_t i = ok; i < n; i++) {   /* invalid bytes -> '?' */
            size_t k = utf8_valid_prefix((const unsigned char *)in + i, n - i);
            if (k) { put_nfc(out, in + i, k); i += k - 1; }
            else { dc_buf_putc(out, '?'); bad++; }
        }
        return bad;
    }
    tables_init();
    const codec_t *c = &codecs[enc];
    utf8proc_uint8_t *nfc = NULL;
    size_t ok = utf8_valid_prefix((const unsigned char *)in, n);
    utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)ok, &nfc,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    size_t replaced = n - ok;   /* undecodable input bytes count as replaced */
    if (k < 0) return replaced;
    utf8proc_ssize_t i = 0;
    while (i < k) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t l = utf8proc_iterate(nfc + i, k - i, &cp);
        if (l <= 0) break;
        i += l;
        const enc_t *e = enc_find(c, (uint32_t)cp);
        if (e) {
            dc_buf_put(out, e->b, e->len);
            continue;
        }
        uint32_t d[4];
        decompose((uint32_t)cp, d, 4);
        e = d[0] != (uint32_t)cp ? enc_find(c, d[0]) : NULL;
        if (e) dc_buf_put(out, e->b, e->len);
        else dc_buf_putc(out, '?');
        replaced++;
    }
    for (size_t j = ok; j < n; j++) dc_buf_putc(out, '?');
    free(nfc);
    return replaced;
}

/* ------------------------------------------------------------ detection */

/* Compact letters: a..z plain; A â, B ă, E ê, O ô, P ơ, W ư, D đ. */
static const char *const onsets[] = {
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
    "b", "c", "d", "D", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
};
static const char *const nuclei[] = {
    "a", "B", "A", "e", "E", "i", "o", "O", "P", "u", "W", "y",
    "ai", "ao", "au", "ay", "Au", "Ay", "eo", "Eu", "ia", "iE", "iu", "oa", "oB", "oe", "oi", "Oi",
    "Pi", "ua", "uA", "uE", "ui", "uO", "uP", "uy", "Wa", "Wi", "Wu", "WP", "yE",
    "iEu", "yEu", "oai", "oay", "oao", "oeo", "uAy", "uOi", "uya", "uyE", "uyu", "WPi", "WPu",
};
static const char *const codas[] = {"", "c", "ch", "m", "n", "ng", "nh", "p", "t"};

static int is_vowel_code(char c)
{
    return strchr("aeiouyABEOPW", c) != NULL;
}

static int in_list(const char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && !memcmp(list[i], s, len)) return 1;
    return 0;
}

/* Is the compact letter string w[0..n) one Vietnamese syllable? */
static int syllable_ok(const char *w, size_t n)
{
    for (size_t oi = 0; oi < DC_ARRAY_LEN(onsets); oi++) {
        size_t ol = strlen(onsets[oi]);
        if (ol > n || memcmp(w, onsets[oi], ol)) continue;
        size_t v = ol;
        while (v < n && is_vowel_code(w[v])) v++;
        if (v == ol) {
            /* "gi" + coda ("gìn") and "qu": the i/u belongs to the onset */
            if (!(ol == 2 && (w[0] == 'g' || w[0] == 'q'))) continue;
            if (!in_list(codas, DC_ARRAY_LEN(codas), w + v, n - v) || v == n) continue;
            return 1;
        }
        if (!in_list(nuclei, DC_ARRAY_LEN(nuclei), w + ol, v - ol)) continue;
        if (in_list(codas, DC_ARRAY_LEN(codas), w + v, n - v)) return 1;
    }
    return 0;
}

/* syllable_ok() remembered: detection scores the same few thousand
 * syllables over and over. A word of at most 7 letters packs into its key
 * (bytes and length), so a hit is exact. Per thread, direct-mapped. */
static int syllable_ok_memo(const char *w, size_t n)
{
    enum { MEMO = 4096 };
    static _Thread_local uint64_t key[MEMO];
    static _Thread_local uint8_t val[MEMO];
    if (!n || n > 7) return syllable_ok(w, n);
    uint64_t k = (uint64_t)n << 56;
    for (size_t i = 0; i < n; i++) k |= (uint64_t)(unsigned char)w[i] << (8 * i);
    size_t slot = (size_t)((k * 0x9E3779B97F4A7C15ull) >> 52) & (MEMO - 1);
    if (key[slot] == k) return val[slot];
    int r = syllable_ok(w, n);
    key[slot] = k;
    val[slot] = (uint8_t)r;
    return r;
}

static const vnlet_t *vnlet_find(uint32_t cp)
{
    if (cp < VNLET_DIRECT) return vnlet_idx[cp] ? &vnlets[vnlet_idx[cp] - 1] : NULL;
    vnlet_t key = {cp, 0, 0};
    return bsearch(&key, vnlets, nvnlets, sizeof *vnlets, cmp_vnlet);
}

/* Score UTF-8 text: tokens holding a non-ASCII character, and how many of
 * them are one plausible Vietnamese syllable. */
static void score_text(const char *s, size_t n, size_t *tokens, size_t *good)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t i = 0, len = (utf8proc_ssize_t)n;
    char w[16];
    size_t wl = 0;
    int nonascii = 0, bad = 0, tones = 0;
    for (;;) {
        utf8proc_int32_t cp = ' ';
        if (i < len) {
            utf8proc_ssize_t l = utf8proc_iterate(p + i, len - i, &cp);
            if (l <= 0) { l = 1; cp = 0xFFFD; }
            i += l;
        }
        int letter_like = cp >= 0x80 || (cp < 0x80 && ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'));
        if (letter_like) {
            if (cp >= 0x80) nonascii = 1;
            const vnlet_t *v = vnlet_find((uint32_t)cp);
            if (!v) bad = 1;
            else {
                if (wl < sizeof w) w[wl] = v->code;
                wl++;
                tones += v->tone;
            }
            continue;
        }
        if (wl || bad) {
            if (nonascii) {
                (*tokens)++;
                if (!bad && tones <= 1 && wl <= 7 && syllable_ok_memo(w, wl)) (*good)++;
            }
        }
        wl = 0;
        nonascii = bad = tones = 0;
        if (i >= len) break;
    }
}

dc_encoding_t dc_detect_encoding(const char *sample, size_t n, double *confidence)
{
    tables_init();
    if (n >= 3 && !memcmp(sample, "\xEF\xBB\xBF", 3)) {
        if (confidence) *confidence = 1.0;
        return DC_ENC_UTF8;
    }
    /* ignore a sequence cut at the end of the sample */
    size_t ok = utf8_valid_prefix((const unsigned char *)sample, n);
    int cut = ok < n && n - ok < 4 && (unsigned char)sample[ok] >= 0xC2 && (unsigned char)sample[ok] <= 0xF4;
    for (size_t i = ok + 1; cut && i < n; i++)
        if (((unsigned char)sample[i] & 0xC0) != 0x80) cut = 0;
    if (ok == n || cut) {
        if (confidence) *confidence = 1.0;
        return DC_ENC_UTF8;
    }
    static const dc_encoding_t cand[] = {DC_ENC_UTF8, DC_ENC_TCVN3, DC_ENC_VNI, DC_ENC_VISCII, DC_ENC_CP1258};
    double best = -1, second = -1;
    dc_encoding_t be = DC_ENC_UTF8;
    dc_buf_t b = DC_BUF_INIT;
    for (size_t k = 0; k < DC_ARRAY_LEN(cand); k++) {
        size_t nbad = 0, tokens = 0, good = 0;
        dc_buf_clear(&b);
        if (cand[k] == DC_ENC_UTF8) {
            /* lenient UTF-8: every invalid byte is one bad token */
            size_t i = 0;
            while (i < n) {
                size_t v = utf8_valid_prefix((const unsigned char *)sample + i, n - i);
                if (v) { put_nfc(&b, sample + i, v); i += v; }
                else { dc_buf_put(&b, "\xEF\xBF\xBD", 3); nbad++; i++; }
            }
        } else {
            decode_legacy(cand[k], sample, n, &b, NULL, &nbad, 0);
        }
        score_text(b.p ? b.p : "", b.len, &tokens, &good);
        double total = (double)tokens + (double)nbad;
        double sc = total > 0 ? (double)good / total : 0;
        if (sc > best) { second = best; best = sc; be = cand[k]; }
        else if (sc > second) second = sc;
    }
    dc_buf_free(&b);
    if (confidence) {
        double margin = best - (second < 0 ? 0 : second);
        double m = margin >= 0.2 ? 1.0 : margin / 0.2;
        *confidence = best <= 0 ? 0 : best * (0.5 + 0.5 * m);
    }
    return be;
}
