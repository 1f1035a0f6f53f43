/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * vnfold_probe.h - what the two users of the letter table (dc_vnfold.h)
 * make of one code point: the address folder's entry points
 * (address_internal.h: fold, case, keys, diacritic keys, display, marks
 * stripped) and the name decoder's (dc_text.h: decode, canon, the five
 * writers, Telex/VNI, syllable check), on the code point alone and in
 * words around it, and, for the code point as a combining mark, after
 * vowels, đ and digits. Included by check_vnfold.c, which pins these
 * outputs for U+0000..U+024F, U+0300..U+036F, U+1E00..U+1EFF
 * (vnfold_expected.txt).
 *
 * The entry points come through a table of function pointers so that the
 * same probe can run two implementations side by side (it did, old and
 * new tables, in commit 05bd625's check_vnfold_diff).
 */
#ifndef VNFOLD_PROBE_H
#define VNFOLD_PROBE_H

#include "common/dc_common.h"
#include "common/dc_utf8.h"
#include "normalize/dc_text.h"

#include <stdio.h>
#include <string.h>

typedef struct probe_api {
    int (*fold_cp)(uint32_t);
    uint32_t (*lower)(uint32_t);
    uint32_t (*upper)(uint32_t);
    int (*is_combining)(uint32_t);
    size_t (*utf8_fold)(const unsigned char *, size_t, uint32_t *, int *);
    size_t (*key)(const char *, size_t, char *, size_t);
    size_t (*dkey)(const char *, size_t, char *, size_t);
    size_t (*dkey_token)(const char *, size_t, char *, size_t);
    size_t (*word_display)(const char *, size_t, char *, size_t, int);
    size_t (*strip_marks)(const char *, size_t, char *, size_t);
    size_t (*tok_key_flags)(const char *, size_t, char *, int *, unsigned *);
    void (*decode)(const char *, size_t, dc_text_t *);
    void (*canon)(dc_text_t *);
    int (*typed)(dc_text_t *);
    int (*valid)(const dc_token_t *, int);
    void (*put[5])(const dc_text_t *, int, int, dc_buf_t *);
    void (*fold)(const char *, size_t, dc_buf_t *);
    void (*fold_ascii)(const char *, size_t, dc_buf_t *);
    size_t (*tok_ascii)(const dc_token_t *, char *, size_t);
} probe_api_t;

static void probe_bytes(dc_buf_t *o, const char *tag, const char *s, size_t n)
{
    dc_buf_printf(o, " %s[%zu]", tag, n);
    dc_buf_put(o, s, n);
}

/* Everything both users make of string s[0..n). */
static void probe_string(const probe_api_t *a, const char *s, size_t n, dc_buf_t *o)
{
    char out[512];
    size_t l;
    dc_buf_put(o, "\n<", 2);
    dc_buf_put(o, s, n);
    dc_buf_put(o, ">", 1);
    l = a->key(s, n, out, sizeof out);
    probe_bytes(o, "key", out, l);
    l = a->dkey(s, n, out, sizeof out);
    probe_bytes(o, "dkey", out, l);
    l = a->dkey_token(s, n, out, sizeof out);
    probe_bytes(o, "dtok", out, l);
    l = a->word_display(s, n, out, sizeof out, 0);
    probe_bytes(o, "disp0", out, l);
    l = a->word_display(s, n, out, sizeof out, 1);
    probe_bytes(o, "disp1", out, l);
    l = a->strip_marks(s, n, out, sizeof out);
    probe_bytes(o, "strip", out, l);
    int roman = -1;
    unsigned flags = 0;
    l = a->tok_key_flags(s, n, out, &roman, &flags);
    probe_bytes(o, "tokkey", out, l);
    dc_buf_printf(o, " r%d f%u", roman, flags);

    dc_text_t t;
    dc_buf_t b = DC_BUF_INIT;
    a->decode(s, n, &t);
    dc_buf_printf(o, " dec n%d f%u", t.n, (unsigned)t.flags);
    a->put[0](&t, 0, t.n, &b);
    probe_bytes(o, "raw", b.p ? b.p : "", b.len);
    a->canon(&t);
    dc_buf_printf(o, " canon f%u", (unsigned)t.flags);
    for (int w = 0; w < 5; w++) {
        b.len = 0;
        a->put[w](&t, 0, t.n, &b);
        probe_bytes(o, "put", b.p ? b.p : "", b.len);
    }
    for (int j = 0; j < t.n; j++) {
        dc_buf_printf(o, " v%d%d", a->valid(&t.t[j], 0), a->valid(&t.t[j], 1));
        l = a->tok_ascii(&t.t[j], out, sizeof out);
        probe_bytes(o, "tascii", out, l);
    }
    dc_text_t u;
    a->decode(s, n, &u);
    int r = a->typed(&u);
    b.len = 0;
    a->put[0](&u, 0, u.n, &b);
    dc_buf_printf(o, " typed%d f%u", r, (unsigned)u.flags);
    probe_bytes(o, "tx", b.p ? b.p : "", b.len);
    b.len = 0;
    a->fold(s, n, &b);
    probe_bytes(o, "fold", b.p ? b.p : "", b.len);
    b.len = 0;
    a->fold_ascii(s, n, &b);
    probe_bytes(o, "folda", b.p ? b.p : "", b.len);
    dc_buf_free(&b);
}

/* Words around cp: tone placement (ho_, h_à), initials (qu_), finals,
 * case, digits, doubled; cp as a mark after vowels, đ, a digit, an
 * apostrophe, and before or after a tone mark. */
static const char *const probe_ctx[] = {
    "%s", "ho%s", "h%sà", "H%sÀ", "HO%s", "nguy%sn", "qu%s", "thu%s", "Ho%s Thu%s", "12%s", "%s%s",
    "o%sa", "u%sy", "a%s", "A%s", "e%s", "i%s", "u%s", "y%s", "d%s", "đ%s", "ơ%s", "ă%s", "Ê%s",
    "a%s\xcc\x81", "a\xcc\xa3%s", "1%s", "k'%s", "n%s", "ngu%s\xcc\x9b" "\xcc\x81n", NULL};

/* Everything both users make of code point cp (it stands for one unit
 * of the pinned table). */
static void probe_cp(const probe_api_t *a, uint32_t cp, dc_buf_t *o)
{
    char u[8];
    size_t ul = dc_utf8_put(cp, u);
    u[ul] = 0;
    dc_buf_printf(o, "U+%04X fold%d lower%X upper%X comb%d", (unsigned)cp, a->fold_cp(cp), (unsigned)a->lower(cp),
                 (unsigned)a->upper(cp), a->is_combining(cp));
    if (cp >= 0x80) {
        uint32_t dcp = 0;
        int info = -1;
        size_t l = a->utf8_fold((const unsigned char *)u, ul, &dcp, &info);
        dc_buf_printf(o, " u8fold%zu %X %d", l, (unsigned)dcp, info);
    }
    for (int c = 0; probe_ctx[c]; c++) {
        char s[96];
        size_t n = 0;
        for (const char *f = probe_ctx[c]; *f; f++) {
            if (f[0] == '%' && f[1] == 's') {
                memcpy(s + n, u, ul);   /* NUL for U+0000: lengths, not C strings */
                n += ul;
                f++;
            } else {
                s[n++] = *f;
            }
        }
        probe_string(a, s, n, o);
    }
    dc_buf_put(o, "\n", 1);
}

/* The pinned code points: Latin-1, Latin Extended-A and -B, the combining
 * marks, Latin Extended Additional. */
static int probe_next(uint32_t *cp)
{
    if (*cp == 0x24F) *cp = 0x300;
    else if (*cp == 0x36F) *cp = 0x1E00;
    else if (*cp == 0x1EFF) return 0;
    else (*cp)++;
    return 1;
}

#endif /* VNFOLD_PROBE_H */
