/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_encoding.c - libFuzzer harness for the encoding converters.
 *
 * The first byte picks the encoding (FUZZ_ENC at build time pins one, so
 * that `make fuzz` runs one target per converter). Checks:
 *   - dc_decode never overreads and its output is valid UTF-8;
 *   - on failure the bad offset is inside the input;
 *   - dc_encode of the decoded text then dc_decode again is stable for the
 *     single-byte tables (VISCII), and dc_encode never fails on any input;
 *   - dc_detect_encoding returns a known encoding and a confidence in 0..1;
 *   - on valid UTF-8, dc_utf8_put_nfc (clusters by table, utf8proc between
 *     ASCII bytes for the rest) is utf8proc's NFC byte for byte.
 */
#include "dc_encoding.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
#ifdef FUZZ_ENC
    dc_encoding_t enc = FUZZ_ENC;
#else
    dc_encoding_t enc = (dc_encoding_t)(DC_ENC_UTF8 + data[0] % (DC_ENC__COUNT - 1));
#endif
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    dc_buf_t out = DC_BUF_INIT, back = DC_BUF_INIT, again = DC_BUF_INIT;
    size_t bad = (size_t)-1;
    int rc = dc_decode(enc, in, n, &out, &bad);
    if (rc != 0 && bad >= n) abort();
    if (!dc_utf8_valid(out.p ? out.p : "", out.len)) abort();
    if (rc == 0) {
        dc_encode(enc, out.p ? out.p : "", out.len, &back);
        if (enc == DC_ENC_VISCII || enc == DC_ENC_UTF8) {
            /* every decoded character is representable again */
            if (dc_decode(enc, back.p ? back.p : "", back.len, &again, NULL) != 0) abort();
        }
    }
    /* dc_encode on arbitrary bytes (not UTF-8) must not crash */
    dc_buf_clear(&back);
    dc_encode(enc, in, n, &back);
    double conf = -1;
    dc_encoding_t d = dc_detect_encoding(in, n, &conf);
    if (d <= DC_ENC_AUTO || d >= DC_ENC__COUNT || conf < 0 || conf > 1) abort();
    if (dc_utf8_valid(in, n)) {
        dc_buf_clear(&back);
        dc_utf8_put_nfc(&back, in, n);
        utf8proc_uint8_t *want = NULL;
        utf8proc_ssize_t k = utf8proc_map((const utf8proc_uint8_t *)in, (utf8proc_ssize_t)n, &want,
                                          UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (k >= 0 && ((size_t)k != back.len || (k && memcmp(want, back.p, (size_t)k)))) abort();
        free(want);
    }
    dc_buf_free(&out);
    dc_buf_free(&back);
    dc_buf_free(&again);
    return 0;
}
