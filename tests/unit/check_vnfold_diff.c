/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_vnfold_diff.c - differential test of the one letter table
 * (dc_vnfold.h): the address folder and the name decoder as they were
 * with their own tables (tests/unit/vnfold_old/, the files at commit
 * bf99ad1, symbols renamed old_*) against the library's, on every code
 * point U+0000..U+024F, U+0300..U+036F, U+1E00..U+1EFF alone, in words and
 * as a combining mark (vnfold_probe.h). Temporary: the old copies go once
 * this passes; check_vnfold keeps the outputs pinned.
 *
 * DC_VNFOLD_PIN_WRITE=FILE writes the pin file (one XXH3-64 of the
 * probe's output per code point) from the OLD implementation. */
#include "dc_test.h"
#include "normalize/address_internal.h"
#include "normalize/dc_text.h"
#include "vnfold_probe.h"

#include <stdlib.h>
#include <xxhash.h>

/* ---- the old name decoder */
#define dc_text_decode old_text_decode
#define dc_text_canon old_text_canon
#define dc_token_valid_syllable old_token_valid_syllable
#define dc_text_decode_typed old_text_decode_typed
#define dc_token_exact old_token_exact
#define dc_token_display old_token_display
#define dc_token_key old_token_key
#define dc_token_ascii old_token_ascii
#define dc_token_phon old_token_phon
#define dc_text_put_exact old_text_put_exact
#define dc_text_put_display old_text_put_display
#define dc_text_put_ascii old_text_put_ascii
#define dc_text_put_compact old_text_put_compact
#define dc_text_put_phon old_text_put_phon
#define dc_text_fold old_text_fold
#define dc_text_fold_ascii old_text_fold_ascii
void dc_text_decode(const char *s, size_t n, dc_text_t *t);
void dc_text_canon(dc_text_t *t);
int dc_text_decode_typed(dc_text_t *t);
int dc_token_valid_syllable(const dc_token_t *k, int check_tone);
void dc_text_put_exact(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_ascii(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_display(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_phon(const dc_text_t *t, int from, int to, dc_buf_t *out);
void dc_text_put_compact(const dc_text_t *t, int from, int to, dc_buf_t *out);
size_t dc_token_ascii(const dc_token_t *k, char *buf, size_t cap);
size_t dc_token_exact(const dc_token_t *k, char *out);
size_t dc_token_display(const dc_token_t *k, char *out);
size_t dc_token_key(const dc_token_t *k, char *out);
size_t dc_token_phon(const dc_token_t *k, char *out);
void dc_text_fold(const char *s, size_t n, dc_buf_t *out);
void dc_text_fold_ascii(const char *s, size_t n, dc_buf_t *out);
#include "vnfold_old/old_norm_text.c"
#undef is_vowel

/* ---- the old address folder */
#define is_vowel old_addr_is_vowel
#define dc_addr__fold_cp old_addr__fold_cp
#define dc_addr__fold_fast old_addr__fold_fast
#define dc_addr__lower old_addr__lower
#define dc_addr__upper old_addr__upper
#define dc_addr__is_combining old_addr__is_combining
#define dc_addr__tok_key_flags old_addr__tok_key_flags
#define dc_addr__key_rules old_addr__key_rules
#define dc_addr__utf8_fold old_addr__utf8_fold
#define dc_addr__tok_key old_addr__tok_key
#define dc_addr__key old_addr__key
#define dc_addr__dkey old_addr__dkey
#define dc_addr__dkey_token old_addr__dkey_token
#define dc_addr__strip_marks old_addr__strip_marks
#define dc_addr__word_display old_addr__word_display
int dc_addr__fold_cp(uint32_t cp);
uint32_t dc_addr__lower(uint32_t cp);
uint32_t dc_addr__upper(uint32_t cp);
int dc_addr__is_combining(uint32_t cp);
size_t dc_addr__tok_key(const char *s, size_t n, char *out, int *roman);
size_t dc_addr__tok_key_flags(const char *s, size_t n, char *out, int *roman, unsigned *flags);
size_t dc_addr__key_rules(char *out, size_t k, int digits, int *roman);
size_t dc_addr__utf8_fold(const unsigned char *s, size_t n, uint32_t *cp, int *info);
size_t dc_addr__key(const char *s, size_t n, char *out, size_t cap);
size_t dc_addr__word_display(const char *s, size_t n, char *out, size_t cap, int proper);
size_t dc_addr__dkey(const char *s, size_t n, char *out, size_t cap);
size_t dc_addr__dkey_token(const char *s, size_t n, char *out, size_t cap);
size_t dc_addr__strip_marks(const char *s, size_t n, char *out, size_t cap);
static inline int dc_addr__fold_fast(uint32_t cp)
{
    if (cp < 0x80) {
        if (cp - 'a' < 26u || cp - '0' < 10u) return (int)cp;
        if (cp - 'A' < 26u) return (int)(cp + 32);
        return 0;
    }
    return dc_addr__fold_cp(cp);
}
#include "vnfold_old/old_address_fold.c"

static const probe_api_t old_api = {
    old_addr__fold_cp, old_addr__lower, old_addr__upper, old_addr__is_combining, old_addr__utf8_fold,
    old_addr__key, old_addr__dkey, old_addr__dkey_token, old_addr__word_display, old_addr__strip_marks,
    old_addr__tok_key_flags,
    old_text_decode, old_text_canon, old_text_decode_typed, old_token_valid_syllable,
    {old_text_put_exact, old_text_put_ascii, old_text_put_display, old_text_put_phon, old_text_put_compact},
    old_text_fold, old_text_fold_ascii, old_token_ascii};

#undef dc_text_decode
#undef dc_text_canon
#undef dc_token_valid_syllable
#undef dc_text_decode_typed
#undef dc_token_ascii
#undef dc_text_put_exact
#undef dc_text_put_display
#undef dc_text_put_ascii
#undef dc_text_put_compact
#undef dc_text_put_phon
#undef dc_text_fold
#undef dc_text_fold_ascii
#undef dc_addr__fold_cp
#undef dc_addr__lower
#undef dc_addr__upper
#undef dc_addr__is_combining
#undef dc_addr__tok_key_flags
#undef dc_addr__utf8_fold
#undef dc_addr__key
#undef dc_addr__dkey
#undef dc_addr__dkey_token
#undef dc_addr__strip_marks
#undef dc_addr__word_display

static const probe_api_t new_api = {
    dc_addr__fold_cp, dc_addr__lower, dc_addr__upper, dc_addr__is_combining, dc_addr__utf8_fold,
    dc_addr__key, dc_addr__dkey, dc_addr__dkey_token, dc_addr__word_display, dc_addr__strip_marks,
    dc_addr__tok_key_flags,
    dc_text_decode, dc_text_canon, dc_text_decode_typed, dc_token_valid_syllable,
    {dc_text_put_exact, dc_text_put_ascii, dc_text_put_display, dc_text_put_phon, dc_text_put_compact},
    dc_text_fold, dc_text_fold_ascii, dc_token_ascii};

START_TEST(test_old_equals_new)
{
    dc_buf_t a = DC_BUF_INIT, b = DC_BUF_INIT;
    int bad = 0, n = 0;
    uint32_t cp = 0;
    do {
        a.len = b.len = 0;
        probe_cp(&old_api, cp, &a);
        probe_cp(&new_api, cp, &b);
        n++;
        if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
            if (bad++ < 5) {
                size_t i = 0;
                while (i < a.len && i < b.len && a.p[i] == b.p[i]) i++;
                size_t from = i > 120 ? i - 120 : 0;
                fprintf(stderr, "U+%04X differs at byte %zu:\nold: %.*s\nnew: %.*s\n", (unsigned)cp, i,
                        (int)(a.len - from < 240 ? a.len - from : 240), a.p + from,
                        (int)(b.len - from < 240 ? b.len - from : 240), b.p + from);
            }
        }
    } while (probe_next(&cp));
    ck_assert_int_eq(n, 0x250 + 0x70 + 0x100);
    ck_assert_int_eq(bad, 0);
    dc_buf_free(&a);
    dc_buf_free(&b);
}
END_TEST

static int write_pins(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) return 1;
    dc_buf_t a = DC_BUF_INIT;
    uint32_t cp = 0;
    do {
        a.len = 0;
        probe_cp(&old_api, cp, &a);
        fprintf(f, "%04X %016llx\n", (unsigned)cp, (unsigned long long)XXH3_64bits(a.p, a.len));
    } while (probe_next(&cp));
    dc_buf_free(&a);
    return fclose(f) != 0;
}

static Suite *vnfold_diff_suite(void)
{
    Suite *s = suite_create("vnfold_diff");
    TCase *tc = dc_test_tcase("old_new");
    tcase_add_test(tc, test_old_equals_new);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    const char *pin = getenv("DC_VNFOLD_PIN_WRITE");
    if (pin) return write_pins(pin);
    return dc_test_main(vnfold_diff_suite(), "vnfold_diff");
}
