/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_vnfold.c - tests of engine/normalize/vnfold.c, the one letter
 * table of dc_vnfold.h: every entry derived again from utf8proc's
 * canonical decompositions by the rules the header states, over all of
 * Unicode; the way back (compose, modifiers); and the outputs of both
 * users of the table (the address folder, the name decoder) pinned for
 * every code point U+0000..U+024F, U+0300..U+036F, U+1E00..U+1EFF, alone,
 * in words and as a combining mark (vnfold_probe.h): vnfold_expected.txt
 * holds one XXH3-64 of the probe's output per code point, written when
 * the two users still had their own tables (the differential test
 * check_vnfold_diff of commit 05bd625 ran both side by side and wrote
 * them), so any change of an output fails.
 *
 * DC_VNFOLD_PRINT=1 ./build/tests/check_vnfold prints the table as
 * vnfold.c holds it (sections @LOW@, @MARK@, @VIET@, @VOWELS@), to paste
 * after a change of the rules; DC_VNFOLD_PIN_WRITE=FILE writes the pins
 * of the current outputs, after an intended change of them (say which in
 * the commit). */
#include "dc_test.h"
#include "normalize/address_internal.h"
#include "normalize/dc_vnfold.h"
#include "vnfold_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

/* The rules of dc_vnfold.h, written again from Unicode. */
static const uint32_t tone_marks[6] = {0, 0x300, 0x309, 0x303, 0x301, 0x323};

static int tone_of_mark(uint32_t m)
{
    for (int t = 1; t < 6; t++)
        if (tone_marks[t] == m) return t;
    return 0;
}

/* The letter code a modifier makes of a plain vowel (the alphabet). */
static unsigned mod_letter(unsigned base, uint32_t mod)
{
    if (mod == 0x302) return base == 'a' ? DC_L_A_CIRC : base == 'e' ? DC_L_E_CIRC : base == 'o' ? DC_L_O_CIRC : 0;
    if (mod == 0x306) return base == 'a' ? DC_L_A_BREVE : 0;
    if (mod == 0x31B) return base == 'o' ? DC_L_O_HORN : base == 'u' ? DC_L_U_HORN : 0;
    return 0;
}

static int is_vowel(unsigned c) { return c && strchr("aeiouy", (int)c) != NULL; }

static uint16_t other_case(uint32_t cp, int up)
{
    uint32_t o = (uint32_t)(up ? utf8proc_tolower((utf8proc_int32_t)cp) : utf8proc_toupper((utf8proc_int32_t)cp));
    return o == cp ? 0 : (uint16_t)o;
}

static dc_vnfold_t derive(uint32_t cp)
{
    dc_vnfold_t e = {0, 0, 0, 0, 0};
    int up = utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_LU;
    if (cp < 0x80) {
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') {
            e.ascii = e.letter = (uint8_t)(cp | 0x20);
            e.flags = (uint8_t)(DC_VF_NAME | (up ? DC_VF_UPPER : 0));
            e.other = other_case(cp, up);
        }
        return e;
    }
    if (cp == 0x110 || cp == 0x111 || cp == 0xD0) {   /* đ Đ, and Ð read as Đ in names */
        e.letter = DC_L_D_BAR;
        e.flags = (uint8_t)(DC_VF_NAME | (up ? DC_VF_UPPER : 0));
        if (cp != 0xD0) {
            e.ascii = 'd';
            e.other = other_case(cp, up);
        }
        return e;
    }
    utf8proc_int32_t d[8];
    int last = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, d, 8, UTF8PROC_DECOMPOSE, &last);
    if (k <= 0 || k > 8) return e;
    if (cp >= 0x300 && cp < 0x370) {
        if (k == 1 && tone_of_mark((uint32_t)d[0])) {
            e.tone = (uint8_t)tone_of_mark((uint32_t)d[0]);
            e.flags = DC_VF_TONE_MARK;
        } else if (cp == 0x302 || cp == 0x306 || cp == 0x31B) {
            e.flags = DC_VF_MOD_MARK;
        }
        return e;
    }
    if (k < 2 || d[0] >= 0x80 || ((d[0] | 0x20) < 'a' || (d[0] | 0x20) > 'z')) return e;
    unsigned base = (unsigned)(d[0] | 0x20);
    int tone = 0, extra = 0;
    uint32_t mod = 0;
    for (utf8proc_ssize_t i = 1; i < k; i++) {
        uint32_t m = (uint32_t)d[i];
        if (m < 0x300 || m >= 0x370) return e;          /* not letter + combining marks */
        if (tone_of_mark(m) && !tone) tone = tone_of_mark(m);
        else if (mod_letter(base, m) && !mod) mod = m;
        else extra++;
    }
    int name = is_vowel(base) && !extra;
    int folded = (cp >= 0xC0 && cp < 0x180) || name;    /* Latin-1, Extended-A, the alphabet */
    uint16_t other = other_case(cp, up);
    if (!folded || (other && other < 0x80)) return e;   /* İ: its lower case is i + U+0307 */
    e.ascii = (uint8_t)base;
    e.other = other;
    e.tone = (uint8_t)tone;
    e.flags = (uint8_t)(up ? DC_VF_UPPER : 0);
    if (name) {
        e.letter = (uint8_t)(mod ? mod_letter(base, mod) : base);
        e.flags |= DC_VF_NAME;
    }
    return e;
}

static int same(const dc_vnfold_t *a, const dc_vnfold_t *b)
{
    return a->other == b->other && a->ascii == b->ascii && a->letter == b->letter && a->tone == b->tone &&
           a->flags == b->flags;
}

static int is_zero(const dc_vnfold_t *a)
{
    static const dc_vnfold_t z = {0, 0, 0, 0, 0};
    return same(a, &z);
}

/* -------------------------------------------------------------- printing */

static void print_entry(uint32_t cp, const dc_vnfold_t *e)
{
    static const char *const lname[8] = {"0", "AB", "AC", "EC", "OC", "OH", "UH", "DB"};
    char ascii[8], letter[8], flags[16] = "";
    snprintf(ascii, sizeof ascii, e->ascii ? "'%c'" : "0", e->ascii);
    if (e->letter >= 'a') snprintf(letter, sizeof letter, "'%c'", e->letter);
    else snprintf(letter, sizeof letter, "%s", e->letter < 8 ? lname[e->letter] : "?");
    const char *fl[4] = {"U", "N", "T", "M"};
    for (int b = 0; b < 4; b++)
        if (e->flags & (1 << b)) {
            if (*flags) strcat(flags, "|");
            strcat(flags, fl[b]);
        }
    if (!*flags) strcpy(flags, "0");
    char other[16];
    snprintf(other, sizeof other, e->other ? "0x%04X" : "0", (unsigned)e->other);
    printf("    [0x%04X - 0x%04X] = {%s, %s, %s, %d, %s},\n", (unsigned)cp,
           cp >= DC_VNFOLD_VIET_BASE ? DC_VNFOLD_VIET_BASE : cp >= DC_VNFOLD_MARK_BASE ? DC_VNFOLD_MARK_BASE : 0,
           other, ascii, letter, e->tone, flags);
}

static void print_table(void)
{
    const struct { const char *name; uint32_t lo, hi; } rg[3] = {
        {"LOW", 0, DC_VNFOLD_LOW_END},
        {"MARK", DC_VNFOLD_MARK_BASE, DC_VNFOLD_MARK_BASE + DC_VNFOLD_MARK_N},
        {"VIET", DC_VNFOLD_VIET_BASE, DC_VNFOLD_VIET_BASE + DC_VNFOLD_VIET_N},
    };
    for (int i = 0; i < 3; i++) {
        printf("@%s@\n", rg[i].name);
        for (uint32_t cp = rg[i].lo; cp < rg[i].hi; cp++) {
            dc_vnfold_t e = derive(cp);
            if (!is_zero(&e)) print_entry(cp, &e);
        }
    }
    printf("@VOWELS@\n");
    static const char base[12] = "aaaeeiooouuy";
    static const uint32_t mod[12] = {0, 0x306, 0x302, 0, 0x302, 0, 0, 0x302, 0x31B, 0, 0x31B, 0};
    for (int v = 0; v < 12; v++) {
        printf("    {");
        for (int t = 0; t < 6; t++) {
            uint32_t c[2];
            for (int up = 0; up < 2; up++) {
                utf8proc_int32_t d[3] = {up ? base[v] - 32 : base[v], (utf8proc_int32_t)mod[v],
                                         (utf8proc_int32_t)tone_marks[t]};
                utf8proc_uint8_t src[16];
                utf8proc_ssize_t n = 0;
                for (int j = 0; j < 3; j++)
                    if (d[j]) n += utf8proc_encode_char(d[j], src + n);
                src[n] = 0;
                utf8proc_uint8_t *r = utf8proc_NFC(src);
                utf8proc_int32_t cp0 = 0;
                utf8proc_ssize_t l = r ? utf8proc_iterate(r, -1, &cp0) : 0;
                c[up] = l > 0 && r[l] == 0 ? (uint32_t)cp0 : 0;
                free(r);
            }
            printf("{0x%04X, 0x%04X}%s", (unsigned)c[0], (unsigned)c[1], t < 5 ? ", " : "");
        }
        printf("},\n");
    }
}

/* ---------------------------------------------------------------- tests */

/* Every code point of Unicode: the table holds exactly the derived entry
 * (zero outside its ranges). */
START_TEST(test_table_is_derived)
{
    int bad = 0, name = 0, nonascii_name = 0, folded = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xD800 && cp < 0xE000) continue;
        dc_vnfold_t want = derive(cp);
        const dc_vnfold_t *got = dc_vnfold_get(cp);
        static const dc_vnfold_t z = {0, 0, 0, 0, 0};
        if (!got) got = &z;
        if (!same(got, &want)) {
            if (bad++ < 10)
                fprintf(stderr, "U+%04X: table {%04X %d %d %d %d} derived {%04X %d %d %d %d}\n", (unsigned)cp,
                        got->other, got->ascii, got->letter, got->tone, got->flags, want.other, want.ascii,
                        want.letter, want.tone, want.flags);
        }
        if (want.flags & DC_VF_NAME) {
            name++;
            if (cp >= 0x80 && cp != 0xD0) nonascii_name++;
        }
        if (want.ascii) folded++;
    }
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(nonascii_name, 134);   /* the 134 precomposed letters with đ/Đ */
    ck_assert_int_eq(name, 134 + 52 + 1);   /* + ASCII letters + Ð */
    ck_assert_int_gt(folded, name);         /* ç ñ ö ... fold in addresses only */
}
END_TEST

/* Fixed points written by hand: a regression in the rules shows here even
 * if the table and its derivation moved together. */
START_TEST(test_known_letters)
{
    const dc_vnfold_t *e = dc_vnfold_get(0x1EC7);   /* ệ */
    ck_assert_int_eq(e->ascii, 'e');
    ck_assert_int_eq(e->letter, DC_L_E_CIRC);
    ck_assert_int_eq(e->tone, DC_TONE_DOT);
    ck_assert_int_eq(e->flags, DC_VF_NAME);
    ck_assert_uint_eq(e->other, 0x1EC6);
    e = dc_vnfold_get(0xC0);   /* À */
    ck_assert_int_eq(e->tone, DC_TONE_GRAVE);
    ck_assert_int_eq(e->flags, DC_VF_NAME | DC_VF_UPPER);
    e = dc_vnfold_get(0xE7);   /* ç: folded, not a name letter */
    ck_assert_int_eq(e->ascii, 'c');
    ck_assert_int_eq(e->flags, 0);
    e = dc_vnfold_get(0xD0);   /* Ð: Đ in names, no letter in addresses */
    ck_assert_int_eq(e->ascii, 0);
    ck_assert_int_eq(e->letter, DC_L_D_BAR);
    e = dc_vnfold_get(0x1E0D);   /* ḍ: outside both scopes */
    ck_assert_ptr_null(e);
    e = dc_vnfold_get(0x1CE);   /* ǎ: Extended-B outside the alphabet */
    ck_assert_int_eq(e->ascii, 0);
    e = dc_vnfold_get(0x341);   /* combining acute tone mark (singleton of U+0301) */
    ck_assert_int_eq(e->flags, DC_VF_TONE_MARK);
    ck_assert_int_eq(e->tone, DC_TONE_ACUTE);
    ck_assert_int_eq(dc_vnfold_get(0x31B)->flags, DC_VF_MOD_MARK);
    ck_assert_int_eq(dc_vnfold_get(0x308)->flags, 0);
}
END_TEST

/* compose() inverts the table for every letter of the alphabet. */
START_TEST(test_compose)
{
    int n = 0;
    for (uint32_t cp = 0; cp < 0x1F00; cp++) {
        const dc_vnfold_t *e = dc_vnfold_get(cp);
        if (!e || !(e->flags & DC_VF_NAME) || cp == 0xD0) continue;
        ck_assert_uint_eq(dc_vnfold_compose(e->letter, e->tone, e->flags & DC_VF_UPPER), cp);
        n++;
    }
    ck_assert_int_eq(n, 134 + 52);
    ck_assert_uint_eq(dc_vnfold_compose('n', DC_TONE_TILDE, 0), 0);   /* no ñ in the alphabet */
    ck_assert_uint_eq(dc_vnfold_compose(DC_L_O_HORN, DC_TONE_HOOK, 1), 0x1EDE);
    ck_assert_uint_eq(dc_vnfold_compose('o', 6, 0), 0);
    ck_assert_uint_eq(dc_vnfold_apply_mod('u', 0x31B), DC_L_U_HORN);
    ck_assert_uint_eq(dc_vnfold_apply_mod('e', 0x306), 0);
    ck_assert_uint_eq(dc_vnfold_apply_mod(DC_L_A_BREVE, 0x302), 0);
    for (unsigned l = 0; l < 128; l++)
        for (uint32_t m = 0x300; m < 0x370; m++)
            ck_assert_uint_eq(dc_vnfold_apply_mod(l, m), mod_letter(l, m));
}
END_TEST

/* ---------------------------------------------------------- pinned outputs */

static const probe_api_t api = {
    dc_addr__fold_cp, dc_addr__lower, dc_addr__upper, dc_addr__is_combining, dc_addr__utf8_fold,
    dc_addr__key, dc_addr__dkey, dc_addr__dkey_token, dc_addr__word_display, dc_addr__strip_marks,
    dc_addr__tok_key_flags,
    dc_text_decode, dc_text_canon, dc_text_decode_typed, dc_token_valid_syllable,
    {dc_text_put_exact, dc_text_put_ascii, dc_text_put_display, dc_text_put_phon, dc_text_put_compact},
    dc_text_fold, dc_text_fold_ascii, dc_token_ascii};

#define PIN_FILE DANCU_SRCDIR "/tests/unit/vnfold_expected.txt"

static uint64_t probe_hash(uint32_t cp, dc_buf_t *b)
{
    b->len = 0;
    probe_cp(&api, cp, b);
    return XXH3_64bits(b->p, b->len);
}

START_TEST(test_outputs_pinned)
{
    FILE *f = fopen(PIN_FILE, "r");
    ck_assert_msg(f != NULL, "cannot read %s", PIN_FILE);
    dc_buf_t b = DC_BUF_INIT;
    unsigned pcp;
    unsigned long long want;
    uint32_t cp = 0;
    int n = 0, bad = 0, more = 1;
    while (more && fscanf(f, "%x %llx", &pcp, &want) == 2) {
        ck_assert_uint_eq(pcp, cp);   /* the file lists every probed code point, in order */
        if (probe_hash(cp, &b) != (uint64_t)want && bad++ < 3)
            fprintf(stderr, "U+%04X: outputs changed:\n%.*s\n", (unsigned)cp, (int)(b.len < 4000 ? b.len : 4000), b.p);
        n++;
        more = probe_next(&cp);
    }
    fclose(f);
    dc_buf_free(&b);
    ck_assert_int_eq(n, 0x250 + 0x70 + 0x100);
    ck_assert_int_eq(bad, 0);
}
END_TEST

/* The probe sees what the pins are about: a changed fold, tone or case
 * changes the hash of its code point. */
START_TEST(test_probe_sensitive)
{
    dc_buf_t b = DC_BUF_INIT;
    probe_api_t alt = api;
    uint64_t h = probe_hash(0xE0, &b);   /* à */
    b.len = 0;
    probe_cp(&alt, 0xE0, &b);
    ck_assert_uint_eq(XXH3_64bits(b.p, b.len), h);
    alt.lower = dc_addr__upper;
    b.len = 0;
    probe_cp(&alt, 0xC0, &b);
    ck_assert_uint_ne(XXH3_64bits(b.p, b.len), probe_hash(0xC0, &b));
    ck_assert_uint_ne(probe_hash(0xE0, &b), probe_hash(0xE1, &b));
    dc_buf_free(&b);
}
END_TEST

static int write_pins(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    dc_buf_t b = DC_BUF_INIT;
    uint32_t cp = 0;
    do fprintf(f, "%04X %016llx\n", (unsigned)cp, (unsigned long long)probe_hash(cp, &b));
    while (probe_next(&cp));
    dc_buf_free(&b);
    return fclose(f) != 0;
}

static Suite *vnfold_suite(void)
{
    Suite *s = suite_create("vnfold");
    TCase *tc = dc_test_tcase("table");
    tcase_add_test(tc, test_table_is_derived);
    tcase_add_test(tc, test_known_letters);
    tcase_add_test(tc, test_compose);
    tcase_add_test(tc, test_outputs_pinned);
    tcase_add_test(tc, test_probe_sensitive);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (getenv("DC_VNFOLD_PRINT")) {
        print_table();
        return 0;
    }
    const char *pin = getenv("DC_VNFOLD_PIN_WRITE");
    if (pin) return write_pins(pin);
    return dc_test_main(vnfold_suite(), "vnfold");
}
