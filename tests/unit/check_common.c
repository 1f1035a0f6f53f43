/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_common.c - tests of engine/common: buffers, CSV escaping, arena,
 * pool, interner, output files. */
#include "dc_test.h"
#include "common/dc_common.h"
#include "common/dc_json.h"
#include "ref/dc_ref.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

START_TEST(test_buf_csv)
{
    static const struct { const char *in, *out; } cases[] = {
        {"plain", "plain"},
        {"", ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"cr\r", "\"cr\r\""},
        {" lead", "\" lead\""},
        {"Nguyễn Văn An", "Nguyễn Văn An"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dc_buf_t b = DC_BUF_INIT;
        dc_buf_put_csv(&b, cases[i].in, strlen(cases[i].in), ',');
        ck_assert_str_eq(b.len ? b.p : "", cases[i].out);
        dc_buf_free(&b);
    }
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_put_csv(&b, "a;b", 3, ';');
    ck_assert_str_eq(b.p, "\"a;b\"");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_buf_json)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_buf_put_json_str(&b, "a\"b\\c\nd\x01" "é", 10);
    ck_assert_str_eq(b.p, "\"a\\\"b\\\\c\\nd\\u0001é\"");
    dc_buf_clear(&b);
    dc_buf_putu64(&b, 0);
    dc_buf_putc(&b, ' ');
    dc_buf_putu64(&b, 18446744073709551615ull);
    ck_assert_str_eq(b.p, "0 18446744073709551615");
    dc_buf_free(&b);
}
END_TEST

START_TEST(test_arena)
{
    dc_arena_t a;
    dc_arena_init(&a, 64);
    char *ptrs[1000];
    for (int i = 0; i < 1000; i++) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "s%d", i);
        ptrs[i] = dc_arena_strndup(&a, tmp, (size_t)n);
        ck_assert_uint_eq((uintptr_t)ptrs[i] % 8, 0);
    }
    for (int i = 0; i < 1000; i++) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "s%d", i);
        ck_assert_str_eq(ptrs[i], tmp);
    }
    void *big = dc_arena_alloc(&a, 1000);
    memset(big, 1, 1000);
    dc_arena_free(&a);
}
END_TEST

static void sum_fn(void *ctx, size_t i, int tid)
{
    (void)tid;
    atomic_ullong *s = ctx;
    atomic_fetch_add(s, (unsigned long long)i);
}

START_TEST(test_parallel_for)
{
    for (int nt = 1; nt <= 4; nt++) {
        atomic_ullong s;
        atomic_init(&s, 0);
        dc_parallel_for(nt, 100000, 97, sum_fn, &s);
        ck_assert_uint_eq(atomic_load(&s), 100000ull * 99999ull / 2);
    }
}
END_TEST

typedef struct {
    dc_intern_t *in;
    uint32_t ids[4][2000];
} intern_ctx_t;

static void intern_worker(void *p, int tid, int nthreads)
{
    (void)nthreads;
    intern_ctx_t *c = p;
    for (int i = 0; i < 2000; i++) {
        char tmp[32];
        int n = snprintf(tmp, sizeof tmp, "value-%d", i % 1500);
        c->ids[tid][i] = dc_intern(c->in, tmp, (size_t)n);
    }
}

START_TEST(test_intern_threads)
{
    intern_ctx_t *c = calloc(1, sizeof *c);
    c->in = dc_intern_create();
    dc_pool_run(4, intern_worker, c);
    /* same string -> same id in every thread; distinct strings -> distinct ids */
    for (int i = 0; i < 2000; i++) {
        for (int t = 1; t < 4; t++) ck_assert_uint_eq(c->ids[t][i], c->ids[0][i]);
        char tmp[32];
        snprintf(tmp, sizeof tmp, "value-%d", i % 1500);
        ck_assert_str_eq(dc_intern_str(c->in, c->ids[0][i], NULL), tmp);
        ck_assert_uint_eq(dc_intern_find(c->in, tmp, strlen(tmp)), c->ids[0][i]);
        ck_assert_uint_eq(dc_intern_hash(c->in, c->ids[0][i]), dc_hash64(tmp, strlen(tmp)));
    }
    ck_assert_uint_eq(dc_intern_count(c->in), 1501);
    ck_assert_uint_eq(dc_intern(c->in, "", 0), 0);
    ck_assert_uint_eq(dc_intern_find(c->in, "absent", 6), 0);
    ck_assert_str_eq(dc_intern_str(c->in, 0, NULL), "");
    dc_intern_free(c->in);
    free(c);
}
END_TEST

/* dc_intern_reserve: tables sized up front take more strings than reserved
 * (they still grow) and keep ids and finds right. */
START_TEST(test_intern_reserve)
{
    dc_intern_t *in = dc_intern_create();
    size_t empty = dc_intern_bytes(in);
    dc_intern_reserve(in, 100000);
    size_t reserved = dc_intern_bytes(in);
    ck_assert_uint_ge(reserved - empty, 100000 * sizeof(uint64_t));
    char tmp[32];
    for (int i = 0; i < 300000; i++) {
        int n = snprintf(tmp, sizeof tmp, "r%d", i);
        ck_assert_uint_eq(dc_intern(in, tmp, (size_t)n), (uint32_t)i + 1);
    }
    for (int i = 0; i < 300000; i += 997) {
        int n = snprintf(tmp, sizeof tmp, "r%d", i);
        ck_assert_uint_eq(dc_intern_find(in, tmp, (size_t)n), (uint32_t)i + 1);
        ck_assert_str_eq(dc_intern_str(in, (uint32_t)i + 1, NULL), tmp);
    }
    ck_assert_uint_eq(dc_intern_count(in), 300001);
    dc_intern_free(in);
}
END_TEST

/* At national scale (a reserve of a million strings or more) tables,
 * entries and strings live in huge-page regions: strings beyond the
 * string region (long ones here) and ids beyond the entry region go on in
 * the shards' own storage, from two threads at once; a reserve after
 * strings were interned keeps them. */
typedef struct {
    dc_intern_t *in;
    int nper;
} region_ctx_t;

static void region_string(char *b, size_t cap, int i)
{
    snprintf(b, cap, "%d:%0120d", i, i);   /* ~128 bytes: 2M of them outgrow the region */
}

static void region_worker(void *arg, int tid, int nthreads)
{
    region_ctx_t *c = arg;
    char b[160];
    for (int i = tid; i < c->nper * 2; i += nthreads) {
        region_string(b, sizeof b, i);
        dc_intern(c->in, b, strlen(b));
    }
}

START_TEST(test_intern_regions)
{
    region_ctx_t c = {dc_intern_create(), 1000000};   /* 2M strings: every shard grows out of its region table */
    dc_intern_reserve(c.in, (size_t)1 << 20);
    dc_pool_run(2, region_worker, &c);
    ck_assert_uint_eq(dc_intern_count(c.in), 2000001);
    char b[160];
    for (int i = 0; i < 2000000; i += 7) {
        region_string(b, sizeof b, i);
        uint32_t id = dc_intern_find(c.in, b, strlen(b));
        ck_assert_uint_ne(id, 0);
        ck_assert_str_eq(dc_intern_str(c.in, id, NULL), b);
        ck_assert_uint_eq(dc_intern_hash(c.in, id), dc_hash64(b, strlen(b)));
        ck_assert_uint_eq(dc_intern(c.in, b, strlen(b)), id);   /* found again, not added */
    }
    ck_assert_uint_eq(dc_intern_count(c.in), 2000001);
    ck_assert_uint_gt(dc_intern_bytes(c.in), (size_t)2000000 * 128);
    dc_intern_free(c.in);

    dc_intern_t *in = dc_intern_create();   /* strings first, then the reserve */
    for (int i = 0; i < 1000; i++) {
        region_string(b, sizeof b, i);
        ck_assert_uint_eq(dc_intern(in, b, strlen(b)), (uint32_t)i + 1);
    }
    dc_intern_reserve(in, (size_t)1 << 20);
    for (int i = 0; i < 200000; i++) {
        region_string(b, sizeof b, i);
        ck_assert_uint_eq(dc_intern(in, b, strlen(b)), (uint32_t)i + 1);
    }
    for (int i = 0; i < 200000; i += 13) {
        region_string(b, sizeof b, i);
        ck_assert_str_eq(dc_intern_str(in, (uint32_t)i + 1, NULL), b);
    }
    dc_intern_free(in);
}
END_TEST

START_TEST(test_outfile_commit_abort)
{
    char *dir = dc_test_tmpdir("outfile");
    ck_assert_ptr_nonnull(dir);
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    dc_outfile_t *f = dc_outfile_open(path, 0);
    ck_assert_ptr_nonnull(f);
    snprintf(tmp, sizeof tmp, "%s/.out.csv.tmp.%ld", dir, (long)getpid());
    struct stat st;
    ck_assert_int_eq(stat(tmp, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_ne(stat(path, &st), 0); /* not visible before commit */
    for (int i = 0; i < 100000; i++) dc_outfile_write(f, "0123456789\n", 11);
    ck_assert_int_eq(dc_outfile_commit(f), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq((long)st.st_size, 1100000L);
    ck_assert_int_ne(stat(tmp, &st), 0);

    snprintf(path, sizeof path, "%s/aborted.csv", dir);
    f = dc_outfile_open(path, 0);
    dc_outfile_write(f, "x", 1);
    dc_outfile_abort(f);
    ck_assert_int_ne(stat(path, &st), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_outfile_zstd)
{
    char *dir = dc_test_tmpdir("outzst");
    char path[512];
    snprintf(path, sizeof path, "%s/out.csv.zst", dir);
    dc_outfile_t *f = dc_outfile_open(path, DC_OUT_ZSTD);
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 50000; i++) dc_outfile_write(f, "abcdefghij\n", 11);
    ck_assert_int_eq(dc_outfile_commit(f), 0);
    ck_assert_int_eq(dc_test_run("zstd -dc '%s' | wc -c | grep -qx 550000", path), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_ref_files)
{
    /* every embedded file is NUL-terminated and findable by name */
    for (size_t i = 0; i < dc_ref_nfiles; i++) {
        size_t len;
        const char *d = dc_ref_get(dc_ref_files[i].name, &len);
        ck_assert_ptr_nonnull(d);
        ck_assert_uint_eq(len, dc_ref_files[i].len);
        ck_assert_int_eq(d[len], 0);
    }
    ck_assert_ptr_null(dc_ref_get("no-such-file", NULL));
}
END_TEST

START_TEST(test_ref_csv)
{
    dc_ref_csv_t c;
    dc_ref_csv_open(&c, "cccd_province_codes_TT07-2016-BCA.csv", ',');
    int code = dc_ref_csv_col(&c, "cccd_province_code");
    int name = dc_ref_csv_col(&c, "province_name_in_circular");
    ck_assert_int_eq(dc_ref_csv_col_opt(&c, "nope"), -1);
    int rows = 0, hanoi = 0;
    while (dc_ref_csv_next(&c)) {
        rows++;
        ck_assert_uint_eq(c.flen[code], 3);
        if (!strcmp(c.f[code], "001")) hanoi = !strcmp(c.f[name], "Hà Nội");
    }
    ck_assert_int_eq(rows, 63);
    ck_assert(hanoi);
    dc_ref_csv_close(&c);
}
END_TEST

START_TEST(test_table_csv_jsonl)
{
    char *dir = dc_test_tmpdir("table");
    const char *cols[] = {"source", "record_id", "p"};
    for (int fmt = 0; fmt < 2; fmt++) {
        dc_table_t *t = dc_table_open(dir, "t", fmt ? DC_FMT_JSONL : DC_FMT_CSV, 0, cols, 3);
        ck_assert_ptr_nonnull(t);
        dc_table_cstr(t, "a,b.csv");
        dc_table_u64(t, 7);
        dc_table_f64(t, 0.5, 3);
        ck_assert_int_eq(dc_table_end_row(t), 0);
        dc_table_cstr(t, "x");
        dc_table_null(t);
        ck_assert_int_eq(dc_table_end_row(t), -1); /* 2 cells of 3 */
        dc_table_cstr(t, "q\"");
        dc_table_null(t);
        dc_table_f64(t, -0.0, 1);
        ck_assert_int_eq(dc_table_end_row(t), 0);
        ck_assert_uint_eq(dc_table_rows(t), 2);
        ck_assert_int_eq(dc_table_commit(t), 0);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    char *csv = dc_test_read_file(path, NULL);
    ck_assert_str_eq(csv, "source,record_id,p\n\"a,b.csv\",7,0.500\n\"q\"\"\",,0.0\n");
    free(csv);
    snprintf(path, sizeof path, "%s/t.jsonl", dir);
    char *js = dc_test_read_file(path, NULL);
    ck_assert_str_eq(js, "{\"source\":\"a,b.csv\",\"record_id\":7,\"p\":0.500}\n"
                         "{\"source\":\"q\\\"\",\"record_id\":null,\"p\":0.0}\n");
    free(js);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* dc_format_fixed is printf("%.*f") byte for byte: ties, negatives, the
 * sign of values that round to zero, large values (printf fallback). */
START_TEST(test_format_fixed)
{
    static const double fixed[] = {0, 1, -1, 0.5, 0.00005, 0.00015, 0.99995, 0.999949999, 1.00005,
                                   -0.00001, -0.00005, 0.125, 0.1, 0.3, 2.675, 1e-12, 123456.78905,
                                   214748.3647, 3e9, -3e9, 1e300, 0.9731, 7.0 / 3.0};
    char a[400], b[400];
    size_t fast = 0, all = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        for (int d = 0; d <= 10; d++) {
            size_t n = dc_format_fixed(a, fixed[i], d);
            snprintf(b, sizeof b, "%.*f", d, fixed[i]);
            all++;
            if (!n) continue;   /* printf's job */
            fast++;
            ck_assert_msg(strcmp(a, b) == 0, "%.17g with %d decimals: %s, printf %s", fixed[i], d, a, b);
            ck_assert_uint_eq(n, strlen(b));
        }
    ck_assert_uint_gt(fast, all / 2);
    ck_assert_uint_eq(dc_format_fixed(a, 1e300, 2), 0);
    ck_assert_uint_eq(dc_format_fixed(a, 0.00005, 4), 0);   /* near a tie */
    ck_assert_uint_eq(dc_format_fixed(a, 0.5, 3), 5);
    /* probabilities as the run prints them: every float step near ties */
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        double v = (double)(float)((double)(x >> 11) / 9007199254740992.0);
        if (i % 4 == 1) v = (double)(x % 2000001) / 20000.0 - 50.0;   /* exact .xxxx5 ties */
        if (i % 4 == 2) v = -v * 1000.0;
        int d = i % 4 == 3 ? 3 : 4;
        if (!dc_format_fixed(a, v, d)) continue;
        snprintf(b, sizeof b, "%.*f", d, v);
        ck_assert_msg(strcmp(a, b) == 0, "%.17g: %s, printf %s", v, a, b);
    }
}
END_TEST

/* A CSV table cell is dc_buf_put_csv's field, whatever needs quoting. */
START_TEST(test_table_cells_are_csv_fields)
{
    static const char *const cells[] = {"", "plain", " lead", "trail ", "a,b", "say \"hi\"", "\"",
                                        "\"\"", "line\nbreak", "cr\r", "Xã Tân Hòa, Huyện Châu Thành",
                                        "x\"y,z\"", " ", "tab\tin"};
    const size_t n = sizeof cells / sizeof cells[0];
    const char *cols[16];
    for (size_t i = 0; i < n + 2; i++) cols[i] = "c";
    dc_table_t *t = dc_table_mem(DC_FMT_CSV, cols, n + 2);
    dc_buf_t want = DC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        dc_table_cstr(t, cells[i]);
        if (i) dc_buf_putc(&want, ',');
        dc_buf_put_csv(&want, cells[i], strlen(cells[i]), ',');
    }
    dc_table_null(t);
    dc_table_u64(t, 18446744073709551615ull);
    dc_buf_puts(&want, ",,18446744073709551615\n");
    ck_assert_int_eq(dc_table_end_row(t), 0);
    /* through a file: the memory table appended to a real one */
    char *dir = dc_test_tmpdir("cells");
    dc_table_t *f = dc_table_open(dir, "c", DC_FMT_CSV, 0, cols, n + 2);
    ck_assert_int_eq(dc_table_append(f, t), 0);
    ck_assert_int_eq(dc_table_commit(f), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/c.csv", dir);
    char *got = dc_test_read_file(path, NULL);
    const char *body = strchr(got, '\n') + 1;
    ck_assert_str_eq(body, want.p);
    free(got);
    /* every special byte at every position of strings of 0..40 bytes */
    static const char specials[] = {',', '"', '\n', '\r', ' ', 'a', '\xc3'};
    dc_table_t *m = dc_table_mem(DC_FMT_CSV, cols, 1);
    dc_buf_clear(&want);
    for (size_t len = 0; len <= 40; len++)
        for (size_t pos = 0; pos < DC_MAX(len, (size_t)1); pos++)
            for (size_t k = 0; k < sizeof specials; k++) {
                char str[48];
                memset(str, 'x', len);
                if (len) str[pos] = specials[k];
                dc_table_str(m, str, len);
                ck_assert_int_eq(dc_table_end_row(m), 0);
                if (len && str[0] == '\r') {   /* the formula guard (test_table_formula_guard) */
                    char gs[50];
                    gs[0] = '\'';
                    memcpy(gs + 1, str, len);
                    dc_buf_put_csv(&want, gs, len + 1, ',');
                } else {
                    dc_buf_put_csv(&want, str, len, ',');
                }
                dc_buf_putc(&want, '\n');
            }
    dc_table_t *g = dc_table_open(dir, "one", DC_FMT_CSV, 0, cols, 1);
    ck_assert_int_eq(dc_table_append(g, m), 0);
    ck_assert_int_eq(dc_table_commit(g), 0);
    dc_table_abort(m);
    snprintf(path, sizeof path, "%s/one.csv", dir);
    got = dc_test_read_file(path, NULL);
    ck_assert(strcmp(strchr(got, '\n') + 1, want.p) == 0);
    free(got);
    dc_buf_free(&want);
    dc_table_abort(t);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* The rows of a table's file (without its CSV header line), put into a
 * memory table in pieces of any size (dc_table_mem_put) and appended to
 * another table, make the same file, in both formats (`run --resume`
 * copies the load's rejects from its checkpoint so). */
START_TEST(test_table_mem_put)
{
    static const char *const cols[] = {"source", "line", "raw"};
    char *dir = dc_test_tmpdir("table-mem-put");
    for (int f = 0; f < 2; f++) {
        dc_format_t fmt = f ? DC_FMT_JSONL : DC_FMT_CSV;
        dc_table_t *direct = dc_table_open(dir, "direct", fmt, 0, cols, 3);
        for (int i = 0; i < 50; i++) {
            dc_table_cstr(direct, i % 2 ? "a.csv" : "b,\"c\".csv");
            dc_table_u64(direct, (uint64_t)i * 7);
            dc_table_cstr(direct, i % 3 ? "=raw;row" : "");
            ck_assert_int_eq(dc_table_end_row(direct), 0);
        }
        ck_assert_int_eq(dc_table_commit(direct), 0);
        char a[4200], b[4200];
        snprintf(a, sizeof a, "%s/direct.%s", dir, f ? "jsonl" : "csv");
        snprintf(b, sizeof b, "%s/again.%s", dir, f ? "jsonl" : "csv");
        size_t n;
        char *bytes = dc_test_read_file(a, &n);
        ck_assert_ptr_nonnull(bytes);
        size_t body = f ? 0 : (size_t)(strchr(bytes, '\n') + 1 - bytes);
        dc_table_t *again = dc_table_open(dir, "again", fmt, 0, cols, 3);
        dc_table_t *mem = dc_table_mem(fmt, cols, 3);
        for (size_t at = body; at < n; at += 37) {   /* pieces that cut rows anywhere */
            dc_table_mem_put(mem, bytes + at, DC_MIN((size_t)37, n - at), 0);
            ck_assert_int_eq(dc_table_append(again, mem), 0);
        }
        dc_table_mem_put(mem, "", 0, 50);
        ck_assert_int_eq(dc_table_append(again, mem), 0);
        ck_assert_uint_eq(dc_table_rows(again), 50);
        dc_table_abort(mem);
        ck_assert_int_eq(dc_table_commit(again), 0);
        ck_assert(dc_test_files_equal(a, b));
        free(bytes);
    }
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* Rows of block k: "k,i" for i in [lo, hi); fails on row `fail_at`. */
typedef struct {
    size_t fail_at;
    atomic_int used[8];   /* blocks formatted per thread */
} blk_ctx_t;

static int blk_rows(void *ctx, dc_table_t *t, size_t lo, size_t hi, int tid)
{
    blk_ctx_t *c = ctx;
    ck_assert_int_lt(tid, 8);
    atomic_fetch_add(&c->used[tid], 1);
    for (size_t i = lo; i < hi; i++) {
        if (i == c->fail_at) return dc_seterr("row %zu refused", i);
        dc_table_u64(t, i);
        if (i % 3) dc_table_cstr(t, i % 5 ? "plain" : "a,b");
        else dc_table_null(t);
        dc_table_f64(t, (double)i / 7.0, 4);
        if (dc_table_end_row(t)) return -1;
    }
    return 0;
}

/* Blocks formatted on N threads and written in order: the same bytes as
 * one thread writing row by row, for any N and block size; a failing
 * block stops the table with its message. */
START_TEST(test_table_write_blocks)
{
    char *dir = dc_test_tmpdir("tblocks");
    const char *cols[] = {"i", "s", "p"};
    const size_t nrows = 20011;
    char ref[512], path[512];
    snprintf(ref, sizeof ref, "%s/ref.csv", dir);
    dc_table_t *t = dc_table_open(dir, "ref", DC_FMT_CSV, 0, cols, 3);
    blk_ctx_t c0 = {.fail_at = SIZE_MAX};
    ck_assert_int_eq(blk_rows(&c0, t, 0, nrows, 0), 0);
    ck_assert_int_eq(dc_table_commit(t), 0);
    const int threads[] = {1, 2, 3, 8};
    const size_t blocks[] = {1, 7, 1000, 4096, 50000};
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 5; b++) {
            if (blocks[b] == 1 && threads[a] > 2) continue;   /* slow, nothing more to learn */
            char name[32];
            snprintf(name, sizeof name, "t%d_%zu", threads[a], blocks[b]);
            blk_ctx_t c = {.fail_at = SIZE_MAX};
            t = dc_table_open(dir, name, DC_FMT_CSV, 0, cols, 3);
            ck_assert_int_eq(dc_table_write_blocks(t, threads[a], nrows, blocks[b], blk_rows, &c), 0);
            ck_assert_uint_eq(dc_table_rows(t), nrows);
            ck_assert_int_eq(dc_table_commit(t), 0);
            snprintf(path, sizeof path, "%s/%s.csv", dir, name);
            ck_assert_msg(dc_test_files_equal(ref, path), "%s differs", name);
        }
    /* empty */
    t = dc_table_open(dir, "empty", DC_FMT_CSV, 0, cols, 3);
    ck_assert_int_eq(dc_table_write_blocks(t, 2, 0, 100, blk_rows, &c0), 0);
    ck_assert_uint_eq(dc_table_rows(t), 0);
    ck_assert_int_eq(dc_table_commit(t), 0);
    /* a failure in a block on any thread: -1, its message, rows before it only */
    for (int nth = 1; nth <= 3; nth++) {
        blk_ctx_t c = {.fail_at = 15000};
        t = dc_table_open(dir, "fail", DC_FMT_CSV, 0, cols, 3);
        dc_seterr("none");
        ck_assert_int_eq(dc_table_write_blocks(t, nth, nrows, 1000, blk_rows, &c), -1);
        ck_assert_str_eq(dc_geterr(), "row 15000 refused");
        ck_assert_uint_le(dc_table_rows(t), 15000);
        dc_table_abort(t);
    }
    /* zstd (one frame per block): the same decompressed bytes, and the
     * same compressed bytes whatever the threads */
    for (int nth = 1; nth <= 3; nth += 2) {
        char name[16];
        snprintf(name, sizeof name, "z%d", nth);
        t = dc_table_open(dir, name, DC_FMT_CSV, 1, cols, 3);
        blk_ctx_t cz = {.fail_at = SIZE_MAX};
        ck_assert_int_eq(dc_table_write_blocks(t, nth, nrows, 333, blk_rows, &cz), 0);
        ck_assert_int_eq(dc_table_commit(t), 0);
        ck_assert_int_eq(dc_test_run("zstd -q -d -f '%s/%s.csv.zst' -o '%s/%s.csv'", dir, name, dir, name), 0);
        snprintf(path, sizeof path, "%s/%s.csv", dir, name);
        ck_assert(dc_test_files_equal(ref, path));
    }
    char z1[512], z3[512];
    snprintf(z1, sizeof z1, "%s/z1.csv.zst", dir);
    snprintf(z3, sizeof z3, "%s/z3.csv.zst", dir);
    ck_assert(dc_test_files_equal(z1, z3));
    /* rows written after the blocks go on in a frame of their own */
    t = dc_table_open(dir, "zm", DC_FMT_CSV, 1, cols, 3);
    blk_ctx_t cm = {.fail_at = SIZE_MAX};
    ck_assert_int_eq(dc_table_write_blocks(t, 2, 1000, 333, blk_rows, &cm), 0);
    ck_assert_int_eq(blk_rows(&cm, t, 1000, nrows, 0), 0);
    ck_assert_int_eq(dc_table_commit(t), 0);
    ck_assert_int_eq(dc_test_run("zstd -q -d -f '%s/zm.csv.zst' -o '%s/zm.csv'", dir, dir), 0);
    snprintf(path, sizeof path, "%s/zm.csv", dir);
    ck_assert(dc_test_files_equal(ref, path));
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* The strict reader: RFC 8259, no more, no less (but \u0000). */
START_TEST(test_json_reader_strict)
{
    static const char *const good[] = {
        "0", "-0", "1.5", "-0.5e+3", "1E2", "10", "true", "null", "\"\"", "[]", "{}",
        " {\"a\": [1, 2, {\"b\": null}]} \n", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\\u00e9\\/\"",
    };
    static const char *const bad[] = {
        "1.", ".5", "+1", "01", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "-01",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"",
        "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "\"\xc0\xaf\"", "\"a\tb\"",
        "{} x", "[1,]", "{\"a\":1,}", "[1 2]", "tru", "\"abc", "{\"a\" 1}", "",
    };
    dc_arena_t a;
    dc_arena_init(&a, 4096);
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        ck_assert_msg(dc_json_parse(good[i], strlen(good[i]), &a) != NULL, "refused: %s (%s)", good[i], dc_geterr());
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        ck_assert_msg(dc_json_parse(bad[i], strlen(bad[i]), &a) == NULL, "accepted: %s", bad[i]);
    dc_json_t *r = dc_json_parse("\"\\ud83d\\ude00\"", 14, &a);
    ck_assert_str_eq(dc_json_str(r), "\xf0\x9f\x98\x80");
    r = dc_json_parse("-0.5e+3", 7, &a);
    ck_assert(dc_json_num(r, 0) == -500.0);
    dc_arena_free(&a);
}
END_TEST

/* The writer: layouts, numbers, and valid UTF-8 JSON whatever the bytes. */
START_TEST(test_json_writer)
{
    dc_buf_t b = DC_BUF_INIT;
    dc_jw_t j;
    dc_jw_init(&j, &b, 0);
    dc_jw_open(&j, '{', DC_JW_LINES);
    dc_jw_key(&j, "a\xff");
    dc_jw_open(&j, '[', DC_JW_INLINE);
    dc_jw_u64(&j, 1);
    dc_jw_fixed(&j, -0.0, 2);
    dc_jw_g(&j, 0.1, 17);
    dc_jw_fixed(&j, 0.0 / 0.0, 3);
    dc_jw_g(&j, 1.0 / 0.0, 6);
    dc_jw_str(&j, NULL);
    dc_jw_close(&j);
    dc_jw_key(&j, "c");
    dc_jw_open(&j, '{', DC_JW_COMPACT);
    dc_jw_key(&j, "d");
    dc_jw_str(&j, "x\xc3(\"\n");
    dc_jw_key(&j, "e");
    dc_jw_bool(&j, 1);
    dc_jw_close(&j);
    dc_jw_key(&j, "f");
    dc_jw_open(&j, '[', DC_JW_LINES);
    dc_jw_close(&j);
    dc_jw_key(&j, "g");
    dc_jw_open(&j, '{', DC_JW_INLINE);
    dc_jw_key(&j, "h");
    dc_jw_i64(&j, -3);
    dc_jw_wrap(&j);
    dc_jw_key(&j, "i");
    dc_jw_null(&j);
    dc_jw_close(&j);
    dc_jw_close(&j);
    dc_buf_putc(&b, 0);
    ck_assert_str_eq(b.p, "{\n"
                          "  \"a\\ufffd\": [1, 0.00, 0.10000000000000001, null, null, null],\n"
                          "  \"c\": {\"d\":\"x\\ufffd(\\\"\\n\",\"e\":true},\n"
                          "  \"f\": [],\n"
                          "  \"g\": {\"h\": -3,\n"
                          "  \"i\": null}\n"
                          "}");
    dc_arena_t a;
    dc_arena_init(&a, 4096);
    ck_assert_ptr_nonnull(dc_json_parse(b.p, b.len - 1, &a));
    dc_arena_free(&a);
    dc_buf_free(&b);
}
END_TEST


/* OWASP CSV injection: string and header cells starting with = + - @ TAB
 * CR or ' get a leading single quote in CSV (and only there); numbers and
 * JSON Lines are left as they are; dc_table_formula_guard = 0 turns it off. */
START_TEST(test_table_formula_guard)
{
    static const char *const cols[] = {"=col", "b"};
    static const struct { const char *in, *csv; } cases[] = {
        {"=HYPERLINK(\"http://evil.example/\",\"x\")", "\"'=HYPERLINK(\"\"http://evil.example/\"\",\"\"x\"\")\""},
        {"+1", "'+1"}, {"-2", "'-2"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "\"'\rx\""},
        {"'kept", "''kept"}, {"a=b", "a=b"}, {"", ""}, {" =x", "\" =x\""}, {"=a,b", "\"'=a,b\""},
    };
    char *dir = dc_test_tmpdir("formula");
    for (int guard = 1; guard >= 0; guard--) {
        dc_table_formula_guard = guard;
        dc_table_t *t = dc_table_open(dir, "f", DC_FMT_CSV, 0, cols, 2);
        dc_table_t *m = dc_table_mem(DC_FMT_CSV, cols, 2);
        dc_buf_t want = DC_BUF_INIT;
        dc_buf_puts(&want, guard ? "'=col,b\n" : "=col,b\n");
        for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) {
            dc_table_cstr(i % 2 ? m : t, cases[i].in);
            dc_table_i64(i % 2 ? m : t, -5);
            ck_assert_int_eq(dc_table_end_row(i % 2 ? m : t), 0);
            if (i % 2 == 0) {
                if (guard) dc_buf_puts(&want, cases[i].csv);
                else dc_buf_put_csv(&want, cases[i].in, strlen(cases[i].in), ',');
                dc_buf_puts(&want, ",-5\n");
            }
        }
        for (size_t i = 1; i < DC_ARRAY_LEN(cases); i += 2) {
            if (guard) dc_buf_puts(&want, cases[i].csv);
            else dc_buf_put_csv(&want, cases[i].in, strlen(cases[i].in), ',');
            dc_buf_puts(&want, ",-5\n");
        }
        ck_assert_int_eq(dc_table_append(t, m), 0);
        dc_table_abort(m);
        ck_assert_int_eq(dc_table_commit(t), 0);
        char path[512];
        snprintf(path, sizeof path, "%s/f.csv", dir);
        char *got = dc_test_read_file(path, NULL);
        ck_assert_str_eq(got, want.p);
        free(got);
        dc_buf_free(&want);
    }
    dc_table_formula_guard = 1;
    /* JSON Lines: raw */
    dc_table_t *j = dc_table_open(dir, "j", DC_FMT_JSONL, 0, cols, 2);
    dc_table_cstr(j, "=1+1");
    dc_table_cstr(j, "@x");
    ck_assert_int_eq(dc_table_end_row(j), 0);
    ck_assert_int_eq(dc_table_commit(j), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/j.jsonl", dir);
    char *got = dc_test_read_file(path, NULL);
    ck_assert_str_eq(got, "{\"=col\":\"=1+1\",\"b\":\"@x\"}\n");
    free(got);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_format_size_and_default_limit)
{
    static const struct { uint64_t v; const char *s; } cases[] = {
        {0, "0 B"}, {1, "1 B"}, {1023, "1023 B"}, {1024, "1 KiB"}, {1536, "1.5 KiB"},
        {300ull << 20, "300 MiB"}, {(3ull << 30) / 2, "1.5 GiB"}, {5ull << 40, "5 TiB"},
    };
    char b[32];
    for (size_t i = 0; i < DC_ARRAY_LEN(cases); i++) ck_assert_str_eq(dc_format_size(cases[i].v, b), cases[i].s);
    char *dir = dc_test_tmpdir("meminfo");
    char mi[512], v2[512], v1[512];
    snprintf(mi, sizeof mi, "%s/meminfo", dir);
    snprintf(v2, sizeof v2, "%s/memory.max", dir);
    snprintf(v1, sizeof v1, "%s/memory.limit_in_bytes", dir);
    const char *meminfo = "MemFree:  1 kB\nMemTotal:       16777216 kB\n";
    ck_assert_int_eq(dc_test_write_file(mi, meminfo, strlen(meminfo)), 0);
    const char *none[] = {NULL}, *both[] = {v2, v1, NULL};
    uint64_t base;
    ck_assert_uint_eq(dc_memory_default_limit(mi, none, &base), (size_t)((double)(16ull << 30) * 0.8));
    ck_assert_uint_eq(base, 16ull << 30);
    ck_assert_int_eq(dc_test_write_file(v2, "max\n", 4), 0);               /* v2: no limit */
    ck_assert_int_eq(dc_test_write_file(v1, "9223372036854771712\n", 20), 0);   /* v1: no limit */
    ck_assert_uint_eq(dc_memory_default_limit(mi, both, &base), (size_t)((double)(16ull << 30) * 0.8));
    ck_assert_int_eq(dc_test_write_file(v1, "4294967296\n", 11), 0);        /* a 4 GiB container */
    ck_assert_uint_eq(dc_memory_default_limit(mi, both, &base), (size_t)((double)(4ull << 30) * 0.8));
    ck_assert_uint_eq(base, 4ull << 30);
    ck_assert_uint_eq(dc_memory_default_limit("/nonexistent", none, NULL), 0);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* The out-of-core records mapping: dropping its pages takes them out of
 * the process (its RSS falls) and keeps the data, written ones included;
 * outside the registered mapping a drop does nothing. */
/* dc_map128: every key put is found with its first value, absent keys
 * are not, across many growths from an empty map. */
START_TEST(test_map128)
{
    dc_map128_t m;
    dc_map128_init(&m, 0);
    const uint32_t n = 50000;
    for (uint32_t i = 0; i < n; i++) {
        dc_hash128_t k = dc_hash128(&i, sizeof i);
        int added = -1;
        uint32_t *v = dc_map128_put(&m, k, i, &added);
        ck_assert_int_eq(added, 1);
        ck_assert_uint_eq(*v, i);
        v = dc_map128_put(&m, k, i + 1, &added);   /* already there: the first value stays */
        ck_assert_int_eq(added, 0);
        ck_assert_uint_eq(*v, i);
    }
    ck_assert_uint_eq(m.n, n);
    for (uint32_t i = 0; i < 2 * n; i++) {
        dc_hash128_t k = dc_hash128(&i, sizeof i);
        ck_assert_uint_eq(dc_map128_get(&m, k, UINT32_MAX), i < n ? i : UINT32_MAX);
    }
    /* keys equal in their low half (the probe start) are told apart */
    dc_hash128_t a = {1, 42}, b = {2, 42};
    dc_map128_put(&m, a, 7, NULL);
    dc_map128_put(&m, b, 8, NULL);
    ck_assert_uint_eq(dc_map128_get(&m, a, 0), 7);
    ck_assert_uint_eq(dc_map128_get(&m, b, 0), 8);
    ck_assert_uint_eq(dc_map128_get(&m, (dc_hash128_t){0, 0}, 99), 99);
    dc_map128_free(&m);
    ck_assert_uint_eq(dc_map128_get(&m, a, 5), 5);   /* a freed map is empty */
}
END_TEST

START_TEST(test_spilled_drop)
{
    char *tmp = dc_test_tmpdir("spilled");
    char path[4096];
    snprintf(path, sizeof path, "%s/f", tmp);
    size_t n = (size_t)48 << 20;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)n), 0);
    unsigned char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ck_assert_ptr_ne(m, MAP_FAILED);
    unsigned char *anon = dc_xmalloc(n);
    for (size_t i = 0; i < n; i += 4096) m[i] = anon[i] = (unsigned char)(i >> 12);
    dc_spilled_drop(m, n);   /* not registered yet: nothing */
    size_t before = dc_rss_bytes();
    dc_spilled_set(m, n);
    dc_spilled_drop(anon, n);   /* not in the mapping: nothing */
    ck_assert_uint_ge(dc_rss_bytes() + (4u << 20), before);
    dc_spilled_drop(m + 1, n - 1);   /* whole pages only, up to the mapping's end */
    size_t after = dc_rss_bytes();
    ck_assert_msg(after + n / 2 < before, "RSS %zu -> %zu", before, after);
    for (size_t i = 0; i < n; i += 4096) ck_assert_uint_eq(m[i], (unsigned char)(i >> 12));   /* data kept */
    dc_spilled_set(NULL, 0);
    munmap(m, n);
    close(fd);
    free(anon);
    dc_test_run("rm -rf '%s'", tmp);
    free(tmp);
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");
    TCase *tc = dc_test_tcase("core");
    tcase_add_test(tc, test_buf_csv);
    tcase_add_test(tc, test_buf_json);
    tcase_add_test(tc, test_json_reader_strict);
    tcase_add_test(tc, test_json_writer);
    tcase_add_test(tc, test_arena);
    tcase_add_test(tc, test_parallel_for);
    tcase_add_test(tc, test_intern_threads);
    tcase_add_test(tc, test_intern_reserve);
    tcase_add_test(tc, test_intern_regions);
    tcase_add_test(tc, test_outfile_commit_abort);
    tcase_add_test(tc, test_outfile_zstd);
    tcase_add_test(tc, test_ref_files);
    tcase_add_test(tc, test_ref_csv);
    tcase_add_test(tc, test_table_csv_jsonl);
    tcase_add_test(tc, test_format_fixed);
    tcase_add_test(tc, test_table_cells_are_csv_fields);
    tcase_add_test(tc, test_table_formula_guard);
    tcase_add_test(tc, test_format_size_and_default_limit);
    tcase_add_test(tc, test_table_write_blocks);
    tcase_add_test(tc, test_table_mem_put);
    tcase_add_test(tc, test_spilled_drop);
    tcase_add_test(tc, test_map128);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(common_suite(), "common"); }
