/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_master_keys.c - stable citizen keys across loads (engine/master,
 * dc_master.h): kept, new, merged (with the survivor rule and its ties),
 * split (a never-issued key even when the candidate was issued), retired,
 * determinism, refused inputs, and the invariants over random histories. */
#include "dc_test.h"
#include "master/dc_master.h"

#include <stdlib.h>
#include <string.h>

static dc_hash128_t K(uint64_t x) { return (dc_hash128_t){0x1000 + x, x * 7919 + 1}; }
static int eq(dc_hash128_t a, dc_hash128_t b) { return a.hi == b.hi && a.lo == b.lo; }
static const dc_hash128_t Z = {0, 0};

/* One assignment: rows' clusters and previous keys, cluster candidates. */
static dc_key_result_t assign(dc_keyreg_t *reg, uint32_t gen, size_t n, const uint32_t *cl, const dc_hash128_t *prev,
                              uint32_t ncl, const dc_hash128_t *cand)
{
    dc_key_input_t in = {n, cl, prev, ncl, cand, 0, NULL};
    dc_key_result_t r;
    ck_assert_int_eq(dc_keys_assign(&in, reg, gen, &r), 0);
    return r;
}

START_TEST(test_new_then_kept)
{
    dc_keyreg_t *reg = dc_keyreg_create();
    uint32_t cl[] = {0, 0, 1, 2};
    dc_hash128_t prev[4] = {Z, Z, Z, Z}, cand[] = {K(1), K(2), K(3)};
    dc_key_result_t r = assign(reg, 1, 4, cl, prev, 3, cand);
    ck_assert_uint_eq(r.nev, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r.ev[i].kind, DC_KEY_NEW);
        ck_assert(eq(r.key[i], cand[i]));   /* a never-issued candidate is the key */
        ck_assert_uint_eq(dc_keyreg_generation(reg, cand[i]), 1);
    }
    /* the same clusters again: every key kept, nothing else */
    for (int i = 0; i < 4; i++) prev[i] = r.key[cl[i]];
    dc_key_result_t r2 = assign(reg, 2, 4, cl, prev, 3, cand);
    ck_assert_uint_eq(r2.nev, 3);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(r2.ev[i].kind, DC_KEY_KEPT);
        ck_assert(eq(r2.key[i], r.key[i]));
    }
    ck_assert_uint_eq(dc_keyreg_count(reg), 3);
    dc_key_result_free(&r);
    dc_key_result_free(&r2);
    dc_keyreg_free(reg);
}
END_TEST

START_TEST(test_merge_survivor)
{
    dc_keyreg_t *reg = dc_keyreg_create();
    dc_keyreg_add(reg, K(1), 1);
    dc_keyreg_add(reg, K(2), 1);
    dc_keyreg_add(reg, K(3), 2);
    /* 3 rows of K(2) and 1 of K(1) merge: the key with more rows survives */
    uint32_t cl[] = {0, 0, 0, 0};
    dc_hash128_t prev[] = {K(1), K(2), K(2), K(2)}, cand[] = {K(9)};
    dc_key_result_t r = assign(reg, 3, 4, cl, prev, 1, cand);
    ck_assert(eq(r.key[0], K(2)));
    ck_assert_uint_eq(r.nev, 2);
    ck_assert_int_eq(r.ev[0].kind, DC_KEY_KEPT);
    ck_assert_int_eq(r.ev[1].kind, DC_KEY_MERGED);
    ck_assert(eq(r.ev[1].key, K(1)) && eq(r.ev[1].other, K(2)));
    dc_key_result_free(&r);
    /* a tie in rows: the key issued earlier survives (K(3) is of generation 2) */
    dc_hash128_t prev2[] = {K(3), K(3), K(1), K(1)};
    r = assign(reg, 3, 4, cl, prev2, 1, cand);
    ck_assert(eq(r.key[0], K(1)));
    ck_assert(eq(r.ev[1].key, K(3)) && eq(r.ev[1].other, K(1)));
    dc_key_result_free(&r);
    /* a tie in rows and generation: the smaller key */
    dc_hash128_t prev3[] = {K(2), K(1), K(2), K(1)};
    r = assign(reg, 3, 4, cl, prev3, 1, cand);
    ck_assert(eq(r.key[0], K(1)));
    dc_key_result_free(&r);
    ck_assert_uint_eq(dc_keyreg_count(reg), 3);   /* no key minted */
    dc_keyreg_free(reg);
}
END_TEST

START_TEST(test_split)
{
    dc_keyreg_t *reg = dc_keyreg_create();
    dc_keyreg_add(reg, K(1), 1);
    /* K(1)'s 3 rows split 2 + 1: the larger part keeps it; the other part's
     * candidate is K(1) itself (its smallest row was the key's row): it
     * gets a never-issued rehash, marked split from K(1) */
    uint32_t cl[] = {0, 1, 1};
    dc_hash128_t prev[] = {K(1), K(1), K(1)}, cand[] = {K(1), K(5)};
    dc_key_result_t r = assign(reg, 2, 3, cl, prev, 2, cand);
    ck_assert(eq(r.key[1], K(1)));
    ck_assert_int_eq(r.ev[1].kind, DC_KEY_KEPT);
    ck_assert_int_eq(r.ev[0].kind, DC_KEY_SPLIT);
    ck_assert(eq(r.ev[0].other, K(1)));
    ck_assert(!eq(r.key[0], K(1)));
    ck_assert_uint_eq(dc_keyreg_generation(reg, r.key[0]), 2);
    ck_assert_uint_eq(r.nev, 2);
    /* the rehash is a function of the candidate: the same again in a fresh registry */
    dc_keyreg_t *reg2 = dc_keyreg_create();
    dc_keyreg_add(reg2, K(1), 1);
    dc_key_result_t r2 = assign(reg2, 2, 3, cl, prev, 2, cand);
    ck_assert(eq(r2.key[0], r.key[0]));
    dc_key_result_free(&r);
    dc_key_result_free(&r2);
    dc_keyreg_free(reg);
    dc_keyreg_free(reg2);
}
END_TEST

START_TEST(test_retired_and_refused)
{
    dc_keyreg_t *reg = dc_keyreg_create();
    dc_keyreg_add(reg, K(1), 1);
    dc_keyreg_add(reg, K(2), 1);
    uint32_t cl[] = {0};
    dc_hash128_t prev[] = {K(1)}, cand[] = {K(7)}, gone[] = {K(2), K(1), K(2)};
    dc_key_input_t in = {1, cl, prev, 1, cand, 3, gone};
    dc_key_result_t r;
    ck_assert_int_eq(dc_keys_assign(&in, reg, 2, &r), 0);
    ck_assert_uint_eq(r.nev, 2);   /* K(1) still has a row: not retired; K(2) once */
    ck_assert_int_eq(r.ev[1].kind, DC_KEY_RETIRED);
    ck_assert(eq(r.ev[1].key, K(2)));
    ck_assert_str_eq(dc_key_event_name(r.ev[1].kind), "retired");
    dc_key_result_free(&r);
    /* a previous key never issued, a cluster out of range: refused */
    dc_hash128_t bad[] = {K(4)};
    in.prev = bad;
    in.nretiring = 0;
    ck_assert_int_eq(dc_keys_assign(&in, reg, 2, &r), -1);
    uint32_t badcl[] = {1};
    in.prev = prev;
    in.cl = badcl;
    ck_assert_int_eq(dc_keys_assign(&in, reg, 2, &r), -1);
    dc_keyreg_free(reg);
}
END_TEST

/* Random histories: clusters re-drawn each generation from the previous
 * ones (kept, merged, split, rows added and removed); after each: keys
 * unique, kept keys were previous keys, new keys never issued before,
 * every previous key accounted for exactly once, and the result the same
 * for the rows in reverse order. */
START_TEST(test_random_histories)
{
    enum { N = 600 };
    unsigned x = 12345u + (unsigned)_i;
    dc_keyreg_t *reg = dc_keyreg_create();
    static dc_hash128_t issued[N * 16];   /* every key issued, with its generation */
    static uint32_t issued_gen[N * 16];
    size_t nissued = 0;
    uint32_t cl[N], ncl = 0;
    dc_hash128_t prev[N], cand[N];
    size_t n = 0, kinds[5] = {0};
    for (uint32_t gen = 1; gen <= 12; gen++) {
        /* rows: survivors of the last generation and newcomers */
        uint32_t newcl[N];
        dc_hash128_t newprev[N];
        size_t m = 0;
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            if (x % 10 == 0) continue;   /* removed */
            newprev[m] = prev[i];
            newcl[m++] = (x % 7 == 0) ? (x >> 8) % (ncl + 5) : cl[i] % (ncl / 2 + 1);   /* moves, merges */
        }
        while (m < N && m < n + 40) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            newprev[m] = Z;
            newcl[m++] = x % (ncl + 20);
        }
        /* renumber clusters densely */
        uint32_t map[N + 64];
        for (size_t i = 0; i < N + 64; i++) map[i] = UINT32_MAX;
        uint32_t nn = 0;
        for (size_t i = 0; i < m; i++) {
            if (map[newcl[i]] == UINT32_MAX) map[newcl[i]] = nn++;
            newcl[i] = map[newcl[i]];
        }
        for (uint32_t c = 0; c < nn; c++) cand[c] = (dc_hash128_t){gen, c + 1};   /* reused across generations */
        size_t issued_before = dc_keyreg_count(reg);
        dc_hash128_t *gone = malloc((n ? n : 1) * sizeof *gone);
        for (size_t i = 0; i < n; i++) gone[i] = prev[i];
        dc_key_input_t in = {m, newcl, newprev, nn, cand, n, gone};
        dc_key_result_t r;
        ck_assert_int_eq(dc_keys_assign(&in, reg, gen, &r), 0);
        for (size_t e = 0; e < r.nev; e++) kinds[r.ev[e].kind]++;
        /* keys unique; new ones minted now */
        size_t minted = 0;
        for (uint32_t c = 0; c < nn; c++) {
            for (uint32_t d = c + 1; d < nn; d++) ck_assert(!eq(r.key[c], r.key[d]));
            dc_key_event_t *e = &r.ev[c];
            ck_assert_uint_eq(e->cl, c);
            if (e->kind == DC_KEY_KEPT) {
                int found = 0;
                for (size_t i = 0; i < m; i++) found |= newcl[i] == c && eq(newprev[i], r.key[c]);
                ck_assert_msg(found, "a kept key that none of the cluster's rows had");
            } else {
                ck_assert_uint_eq(dc_keyreg_generation(reg, r.key[c]), gen);
                minted++;
            }
        }
        ck_assert_uint_eq(dc_keyreg_count(reg), issued_before + minted);
        /* every previous key: kept by one cluster, or one merged/retired event */
        for (size_t i = 0; i < n; i++) {
            int times = 0;
            for (uint32_t c = 0; c < nn; c++) times += r.ev[c].kind == DC_KEY_KEPT && eq(r.key[c], prev[i]);
            for (size_t e = nn; e < r.nev; e++) times += eq(r.ev[e].key, prev[i]);
            ck_assert_int_eq(times, 1);
        }
        /* the rows in reverse order, against the registry as it was before
         * this generation: the same keys and the same events */
        uint32_t rcl[N];
        dc_hash128_t rprev[N];
        for (size_t i = 0; i < m; i++) rcl[i] = newcl[m - 1 - i], rprev[i] = newprev[m - 1 - i];
        dc_keyreg_t *before = dc_keyreg_create();
        for (size_t i = 0; i < nissued; i++) dc_keyreg_add(before, issued[i], issued_gen[i]);
        dc_key_input_t rin = {m, rcl, rprev, nn, cand, n, gone};
        dc_key_result_t rr;
        ck_assert_int_eq(dc_keys_assign(&rin, before, gen, &rr), 0);
        ck_assert_uint_eq(rr.nev, r.nev);
        for (size_t e = 0; e < r.nev; e++) {
            ck_assert_int_eq(rr.ev[e].kind, r.ev[e].kind);
            ck_assert(eq(rr.ev[e].key, r.ev[e].key) && eq(rr.ev[e].other, r.ev[e].other));
        }
        dc_key_result_free(&rr);
        dc_keyreg_free(before);
        for (uint32_t c = 0; c < nn; c++)
            if (r.ev[c].kind != DC_KEY_KEPT) issued[nissued] = r.key[c], issued_gen[nissued++] = gen;
        free(gone);
        /* the next generation starts from this one */
        n = m;
        ncl = nn;
        for (size_t i = 0; i < m; i++) cl[i] = newcl[i], prev[i] = r.key[newcl[i]];
        dc_key_result_free(&r);
    }
    for (int k = 0; k < 5; k++)   /* the history went through every case */
        ck_assert_msg(kinds[k] > 0, "no %s event in the history", dc_key_event_name((dc_key_event_kind_t)k));
    dc_keyreg_free(reg);
}
END_TEST


/* The registry's bytes: in key order whatever the order of additions, the
 * same after a decode and more additions (merged, not sorted again), and
 * damaged bytes refused. */
START_TEST(test_registry_bytes)
{
    enum { N = 5000 };
    dc_keyreg_t *all = dc_keyreg_create(), *first = dc_keyreg_create();
    uint64_t x = 88172645463325252ull;
    dc_hash128_t *keys = malloc(N * sizeof *keys);
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        keys[i] = (dc_hash128_t){x, x * 0x9E3779B97F4A7C15ull | 1};
        ck_assert_int_eq(dc_keyreg_add(all, keys[i], (uint32_t)(i % 7)), 1);
        if (i < N / 2) ck_assert_int_eq(dc_keyreg_add(first, keys[i], (uint32_t)(i % 7)), 1);
    }
    ck_assert_int_eq(dc_keyreg_add(all, keys[3], 9), 0);   /* issued already: kept as it was */
    dc_buf_t a = DC_BUF_INIT, b = DC_BUF_INIT, prev = DC_BUF_INIT;
    ck_assert_int_eq(dc_keyreg_encode(first, NULL, 0, &prev), 0);
    dc_keyreg_t *r;
    ck_assert_int_eq(dc_keyreg_decode(prev.p, prev.len, &r), 0);
    for (int i = N - 1; i >= N / 2; i--) ck_assert_int_eq(dc_keyreg_add(r, keys[i], (uint32_t)(i % 7)), 1);
    ck_assert_int_eq(dc_keyreg_add(r, keys[0], 5), 0);
    ck_assert_uint_eq(dc_keyreg_count(r), N);
    ck_assert_uint_eq(dc_keyreg_generation(r, keys[N - 1]), (N - 1) % 7);
    ck_assert_int_eq(dc_keyreg_encode(r, NULL, 0, &b), -1);   /* the bytes it came from are needed */
    dc_buf_clear(&b);
    ck_assert_int_eq(dc_keyreg_encode(r, prev.p, prev.len, &b), 0);
    ck_assert_int_eq(dc_keyreg_encode(all, NULL, 0, &a), 0);
    ck_assert_uint_eq(a.len, b.len);
    ck_assert_int_eq(memcmp(a.p, b.p, a.len), 0);
    for (size_t k = 1; k < N; k++) {   /* in key order */
        dc_hash128_t p, q;
        memcpy(&p.hi, a.p + 16 + 16 * (k - 1), 8), memcpy(&p.lo, a.p + 24 + 16 * (k - 1), 8);
        memcpy(&q.hi, a.p + 16 + 16 * k, 8), memcpy(&q.lo, a.p + 24 + 16 * k, 8);
        ck_assert_int_lt(dc_hash128_cmp(p, q), 0);
        uint32_t g;   /* then the generations, in the same order */
        memcpy(&g, a.p + 16 + 16 * (size_t)N + 4 * k, 4);
        ck_assert_uint_eq(g, dc_keyreg_generation(all, q));
    }
    /* two keys swapped, one repeated, a length off: refused */
    dc_keyreg_t *bad;
    char tmp[16];
    memcpy(tmp, b.p + 16, 16), memcpy(b.p + 16, b.p + 32, 16), memcpy(b.p + 32, tmp, 16);
    ck_assert_int_eq(dc_keyreg_decode(b.p, b.len, &bad), -1);
    memcpy(b.p + 16, b.p + 32, 16);
    ck_assert_int_eq(dc_keyreg_decode(b.p, b.len, &bad), -1);
    ck_assert_int_eq(dc_keyreg_decode(a.p, a.len - 1, &bad), -1);
    dc_buf_free(&a);
    dc_buf_free(&b);
    dc_buf_free(&prev);
    dc_keyreg_free(all);
    dc_keyreg_free(first);
    dc_keyreg_free(r);
    free(keys);
}
END_TEST


/* The registry as a base and the keys issued since ("registry" and
 * "registry+" of a master): the added keys alone encode as a registry of
 * their own; a base decoded in place plus that delta, merged with
 * dc_keyreg_add_all, encodes (dc_keyreg_encode_all) to the bytes of every
 * key, with every generation kept; keys already issued are not added twice. */
START_TEST(test_registry_delta)
{
    enum { N = 3000 };
    dc_keyreg_t *all = dc_keyreg_create(), *first = dc_keyreg_create();
    dc_hash128_t *keys = malloc(N * sizeof *keys);
    uint64_t x = 2463534242ull;
    for (int i = 0; i < N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        keys[i] = (dc_hash128_t){x | 1, x * 31};
        dc_keyreg_add(all, keys[i], (uint32_t)(i % 5 + 1));
        if (i < N / 3) dc_keyreg_add(first, keys[i], (uint32_t)(i % 5 + 1));
    }
    dc_buf_t base = DC_BUF_INIT, delta = DC_BUF_INIT, whole = DC_BUF_INIT, want = DC_BUF_INIT;
    ck_assert_int_eq(dc_keyreg_encode(first, NULL, 0, &base), 0);
    ck_assert_int_eq(dc_keyreg_encode(all, NULL, 0, &want), 0);
    /* a load: the base decoded in place, keys added in reverse order */
    dc_keyreg_t *r;
    ck_assert_int_eq(dc_keyreg_decode_take(&base, &r), 0);
    ck_assert_ptr_null(base.p);
    ck_assert_uint_eq(dc_keyreg_added(r), 0);
    for (int i = N - 1; i >= N / 3; i--) dc_keyreg_add(r, keys[i], (uint32_t)(i % 5 + 1));
    ck_assert_int_eq(dc_keyreg_add(r, keys[1], 4), 0);
    ck_assert_uint_eq(dc_keyreg_added(r), N - N / 3);
    ck_assert_int_eq(dc_keyreg_encode_added(r, &delta), 0);
    ck_assert_int_eq(dc_keyreg_encode_all(r, &whole), 0);
    ck_assert_uint_eq(whole.len, want.len);
    ck_assert_int_eq(memcmp(whole.p, want.p, want.len), 0);
    /* the next load: base + delta */
    dc_buf_t b2 = DC_BUF_INIT;
    ck_assert_int_eq(dc_keyreg_encode(first, NULL, 0, &b2), 0);
    dc_keyreg_t *r2, *plus;
    ck_assert_int_eq(dc_keyreg_decode_take(&b2, &r2), 0);
    ck_assert_int_eq(dc_keyreg_decode(delta.p, delta.len, &plus), 0);
    ck_assert_uint_eq(dc_keyreg_count(plus), N - N / 3);
    ck_assert_uint_eq(dc_keyreg_generation(plus, keys[0]), UINT32_MAX);   /* not in the delta */
    dc_keyreg_add_all(r2, plus);
    ck_assert_uint_eq(dc_keyreg_count(r2), N);
    for (int i = 0; i < N; i++) ck_assert_uint_eq(dc_keyreg_generation(r2, keys[i]), (uint32_t)(i % 5 + 1));
    dc_buf_clear(&whole);
    ck_assert_int_eq(dc_keyreg_encode_all(r2, &whole), 0);
    ck_assert_uint_eq(whole.len, want.len);
    ck_assert_int_eq(memcmp(whole.p, want.p, want.len), 0);
    /* and its delta is the same delta again (every key since the base) */
    dc_buf_t d2 = DC_BUF_INIT;
    ck_assert_int_eq(dc_keyreg_encode_added(r2, &d2), 0);
    ck_assert_uint_eq(d2.len, delta.len);
    ck_assert_int_eq(memcmp(d2.p, delta.p, delta.len), 0);
    /* a damaged delta (an entry repeated) is refused */
    dc_keyreg_t *bad = NULL;
    memcpy(delta.p + 16, delta.p + 32, 16);
    ck_assert_int_eq(dc_keyreg_decode(delta.p, delta.len, &bad), -1);
    dc_buf_free(&base), dc_buf_free(&delta), dc_buf_free(&whole), dc_buf_free(&want), dc_buf_free(&b2), dc_buf_free(&d2);
    dc_keyreg_free(all), dc_keyreg_free(first), dc_keyreg_free(r), dc_keyreg_free(r2), dc_keyreg_free(plus);
    free(keys);
}
END_TEST

static Suite *master_keys_suite(void)
{
    Suite *s = suite_create("master_keys");
    TCase *tc = dc_test_tcase("keys");
    tcase_add_test(tc, test_new_then_kept);
    tcase_add_test(tc, test_merge_survivor);
    tcase_add_test(tc, test_split);
    tcase_add_test(tc, test_retired_and_refused);
    tcase_add_test(tc, test_registry_bytes);
    tcase_add_test(tc, test_registry_delta);
    tcase_add_loop_test(tc, test_random_histories, 0, 8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(master_keys_suite(), "master_keys"); }
