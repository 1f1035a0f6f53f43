/* SPDX-License-Identifier: GPL-3.0-or-later */
/* check_store.c - the on-disk record store (engine/store, docs/STORE.md):
 * round trip of real normalized records (every field, every string, row
 * identity), byte-identical rewrite, partitions and blocks, generations,
 * re-delivery, garbage collection, the lock, corruption of every byte,
 * truncation at every length, foreign and future files, and processes
 * killed (SIGKILL) at every hook of a commit and at random moments. */
#include "dc_test.h"
#include "run/dc_run.h"
#include "store/dc_store.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------ fixtures */

/* Real records: data-samples/mixed-1000 loaded and normalized as `dancu
 * run` does (1,1xx rows in 10 files). */
typedef struct {
    dc_run_t run;
    const char **names;   /* source name per input file */
    size_t nsrc;
} sample_t;

static void sample_load(sample_t *s, const char *set)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/data-samples/%s/exports", DANCU_SRCDIR, set);
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    char *paths[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && n < 64) {
            paths[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
            sprintf(paths[n++], "%s/%s", dir, e->d_name);
        }
    closedir(d);
    for (size_t i = 1; i < n; i++)   /* byte order of names, as dancu does */
        for (size_t j = i; j > 0 && strcmp(paths[j - 1], paths[j]) > 0; j--) {
            char *t = paths[j];
            paths[j] = paths[j - 1];
            paths[j - 1] = t;
        }
    dc_run_opts_t o;
    memset(&o, 0, sizeof o);
    o.nthreads = 2;
    o.max_reject_rate = 2.0;
    o.norm.century_pivot = 30;
    dc_log_level = 0;
    dc_run_init(&s->run, &o);
    ck_assert_int_eq(dc_run_load(&s->run, (const char *const *)paths, n), 0);
    ck_assert_uint_gt(s->run.nrec, 100);
    s->nsrc = s->run.load.nsources;
    s->names = calloc(s->nsrc, sizeof *s->names);
    for (size_t i = 0; i < s->nsrc; i++) s->names[i] = s->run.load.sources[i].name;
    for (size_t i = 0; i < n; i++) free(paths[i]);
}

static void sample_free(sample_t *s)
{
    free(s->names);
    dc_run_free(&s->run);
}

/* Records [lo, hi) of source i in s. */
static void source_range(const sample_t *s, uint32_t src, size_t *lo, size_t *hi)
{
    size_t a = 0;
    while (a < s->run.nrec && s->run.recs[a].source < src) a++;
    size_t b = a;
    while (b < s->run.nrec && s->run.recs[b].source == src) b++;
    *lo = a;
    *hi = b;
}

/* Write every source of s (or only those with `only` set) into store dir. */
static void write_sources(dc_store_t *st, const sample_t *s, const char *rename_prefix)
{
    dc_store_txn_t *t;
    ck_assert_msg(dc_store_begin(st, &t) == 0, "%s", dc_geterr());
    for (uint32_t i = 0; i < s->nsrc; i++) {
        size_t lo, hi;
        source_range(s, i, &lo, &hi);
        char name[512];
        snprintf(name, sizeof name, "%s%s", rename_prefix ? rename_prefix : "", s->names[i]);
        dc_store_writer_t *w;
        ck_assert_int_eq(dc_store_writer_begin(t, name, 1000 + i, &w), 0);
        /* in uneven pieces, to cross block and partition ends anywhere */
        size_t at = lo, step = 1;
        while (at < hi) {
            size_t k = DC_MIN(step, hi - at);
            ck_assert_msg(dc_store_writer_put(w, s->run.recs + at, k, s->run.in) == 0, "%s", dc_geterr());
            at += k;
            step = step * 3 % 41 + 1;
        }
        ck_assert_int_eq(dc_store_writer_end(w), 0);
    }
    ck_assert_msg(dc_store_commit(t) == 0, "%s", dc_geterr());
}

/* Field by field, strings by content (written out here, independently of
 * the store's own field table). */
static const char *S(const dc_intern_t *in, uint32_t id) { return dc_intern_str(in, id, NULL); }
#define EQ(f) ck_assert_msg((uint64_t)a->f == (uint64_t)b->f, "record %zu: " #f, at)
#define EQS(f) ck_assert_msg(strcmp(S(ia, a->f), S(ib, b->f)) == 0, "record %zu: " #f, at)
static void rec_eq(size_t at, const dc_record_t *a, const dc_intern_t *ia, const dc_record_t *b, const dc_intern_t *ib)
{
    EQ(id12); EQ(id12_flags); EQ(code_flags); EQ(sex); EQ(rec_flags); EQ(cmnd); EQ(cmnd_flags); EQ(prov_src);
    EQ(seq); EQ(source); EQS(record_id);
    EQS(name.exact); EQS(name.ascii); EQS(name.phon); EQS(name.sur); EQS(name.mid); EQS(name.given);
    EQS(name.given_phon); EQ(name.flags); EQ(name.ntok); EQ(name.has_diacritics);
#define REL(r) EQS(r.exact); EQS(r.ascii); EQ(r.phon); EQS(r.given);
    REL(father) REL(mother) REL(spouse)
#define ADDR(x) EQS(x.text); EQ(x.ward_old); EQ(x.ward_new); EQ(x.district_old); EQ(x.prov_old); \
    EQ(x.prov_new); EQ(x.conf); EQ(x.flags);
    ADDR(hometown) ADDR(perm) ADDR(cur)
#define DATE(x) EQ(x.y); EQ(x.m); EQ(x.d); EQ(x.prec); EQ(x.flags);
    DATE(dob) DATE(dod)
    EQ(nationality); EQ(ethnic); EQ(religion);
}

/* Every record of the store, streamed partition by partition into `in`. */
static dc_record_t *read_all(const dc_store_t *st, dc_intern_t *in, size_t *n)
{
    size_t total = (size_t)dc_store_nrecords(st);
    dc_record_t *out = calloc(total + 1, sizeof *out);
    size_t at = 0;
    for (uint32_t k = 0; k < dc_store_npartitions(st); k++) {
        const dc_store_partinfo_t *pi = dc_store_partition(st, k);
        ck_assert_uint_eq(pi->first_row, at);
        dc_store_part_t *p;
        ck_assert_msg(dc_store_part_open(st, k, in, &p) == 0, "%s", dc_geterr());
        ck_assert_uint_eq(dc_store_part_nrec(p), pi->nrec);
        uint32_t lo = 0, step = 7;
        while (lo < pi->nrec) {
            uint32_t m = DC_MIN(step, pi->nrec - lo);
            ck_assert_msg(dc_store_part_read(p, lo, m, out + at + lo) == 0, "%s", dc_geterr());
            lo += m;
            step = step * 5 % 53 + 1;
        }
        at += pi->nrec;
        dc_store_part_close(p);
    }
    ck_assert_uint_eq(at, total);
    *n = total;
    return out;
}

static dc_store_opts_t small_opts(void)
{
    dc_store_opts_t o = {97, 16, 3};   /* several partitions per source, several blocks per partition */
    return o;
}

static char *file_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static char *part_path(const dc_store_t *st, uint32_t k)
{
    char name[64];
    snprintf(name, sizeof name, "p%012llu.dcs", (unsigned long long)dc_store_partition(st, k)->id);
    return file_in(dc_store_dir(st), name);
}

static char *man_path(const dc_store_t *st)
{
    char name[64];
    snprintf(name, sizeof name, "m%012llu.dcm", (unsigned long long)dc_store_generation(st));
    return file_in(dc_store_dir(st), name);
}

/* ------------------------------------------------- reading a selection */

/* dc_store_part_read_sel on lazy readers: the selected records of every
 * partition, exactly (field by field, strings by content), and only the
 * strings of those records interned; all, none, and every third record. */
START_TEST(test_read_sel)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "store");
    dc_store_opts_t o = small_opts();
    dc_store_t *st;
    ck_assert_msg(dc_store_open(sd, DC_STORE_CREATE, &o, &st) == 0, "%s", dc_geterr());
    write_sources(st, &s, NULL);
    for (int mode = 0; mode < 4; mode++) {
        dc_intern_t *in = dc_intern_create();
        size_t at = 0, nsel = 0;
        for (uint32_t k = 0; k < dc_store_npartitions(st); k++) {
            const dc_store_partinfo_t *pi = dc_store_partition(st, k);
            uint8_t *sel = calloc(pi->nrec + 1, 1);
            for (uint32_t r = 0; r < pi->nrec; r++)
                sel[r] = mode == 0 ? 1 : mode == 1 ? 0 : mode == 2 ? (at + r) % 3 == 0 : (at + r) % 17 == 5;
            dc_store_part_t *p;
            ck_assert_msg(dc_store_part_open_lazy(st, k, in, &p) == 0, "%s", dc_geterr());
            dc_record_t *got = calloc(pi->nrec + 1, sizeof *got);
            ck_assert_msg(dc_store_part_read_sel(p, sel, got) == 0, "%s", dc_geterr());
            uint32_t g = 0;
            for (uint32_t r = 0; r < pi->nrec; r++) {
                if (!sel[r]) continue;
                dc_record_t want = s.run.recs[at + r];
                want.source = got[g].source;   /* (the store's source index) */
                rec_eq(at + r, &got[g++], in, &want, s.run.in);
                nsel++;
            }
            dc_store_part_close(p);
            free(got);
            free(sel);
            at += pi->nrec;
        }
        /* only the strings of the records read were interned */
        if (mode == 1) ck_assert_uint_eq(dc_intern_count(in), 1);
        if (mode == 3) ck_assert_uint_lt(dc_intern_count(in), dc_intern_count(s.run.in) / 4);
        ck_assert_uint_eq(at, s.run.nrec);
        ck_assert(mode != 1 || nsel == 0);
        dc_intern_free(in);
    }
    dc_store_close(st);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

/* ---------------------------------------------------------- round trip */

START_TEST(test_roundtrip)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "store");
    dc_store_opts_t o = small_opts();
    dc_store_t *st;
    ck_assert_msg(dc_store_open(sd, DC_STORE_CREATE, &o, &st) == 0, "%s", dc_geterr());
    ck_assert_uint_eq(dc_store_generation(st), 0);
    write_sources(st, &s, NULL);
    ck_assert_uint_eq(dc_store_generation(st), 1);
    ck_assert_uint_eq(dc_store_nrecords(st), s.run.nrec);
    ck_assert_uint_eq(dc_store_nsources(st), s.nsrc);
    ck_assert_uint_gt(dc_store_npartitions(st), s.nsrc);   /* sources of > 97 rows are cut */
    /* modes: folder 0700, files 0600 */
    struct stat sb;
    ck_assert_int_eq(stat(sd, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0700);
    DIR *d = opendir(sd);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char *f = file_in(sd, e->d_name);
        ck_assert_int_eq(stat(f, &sb), 0);
        ck_assert_msg((sb.st_mode & 0777) == 0600, "%s mode %o", e->d_name, sb.st_mode & 0777);
        free(f);
    }
    closedir(d);
    dc_store_close(st);

    /* reopened by another "process": a fresh interner */
    ck_assert_msg(dc_store_open(sd, 0, NULL, &st) == 0, "%s", dc_geterr());
    ck_assert_uint_eq(dc_store_settings(st)->part_records, 97);
    ck_assert_uint_eq(dc_store_settings(st)->block_records, 16);
    for (uint32_t i = 0; i < s.nsrc; i++) {
        const dc_store_source_t *x = dc_store_source(st, i);
        size_t lo, hi;
        source_range(&s, i, &lo, &hi);
        ck_assert_str_eq(x->name, s.names[i]);
        ck_assert_uint_eq(x->rows, hi - lo);
        ck_assert_uint_eq(x->generation, 1);
        ck_assert_uint_eq(x->digest, 1000 + i);
        ck_assert_uint_gt(x->loaded_at, 1700000000);
        ck_assert_int_eq(dc_store_find_source(st, s.names[i]), i);
        for (uint32_t k = x->first_part; k < x->first_part + x->nparts; k++) {
            ck_assert_uint_eq(dc_store_partition(st, k)->source, i);
            ck_assert_uint_le(dc_store_partition(st, k)->nrec, 97);
        }
    }
    ck_assert_int_eq(dc_store_find_source(st, "no such"), -1);
    ck_assert_msg(dc_store_verify(st) == 0, "%s", dc_geterr());
    dc_intern_t *in2 = dc_intern_create();
    dc_intern(in2, "something else first", 20);   /* ids differ from the writer's */
    size_t n;
    dc_record_t *back = read_all(st, in2, &n);
    ck_assert_uint_eq(n, s.run.nrec);
    for (size_t i = 0; i < n; i++) rec_eq(i, &s.run.recs[i], s.run.in, &back[i], in2);

    /* random access, and identity (source name, record_id) */
    for (size_t i = 0; i < n; i += 13) {
        uint32_t k = 0;
        while (dc_store_partition(st, k)->first_row + dc_store_partition(st, k)->nrec <= i) k++;
        dc_store_part_t *p;
        ck_assert_int_eq(dc_store_part_open(st, k, in2, &p), 0);
        dc_record_t r;
        uint32_t idx = (uint32_t)(i - dc_store_partition(st, k)->first_row);
        ck_assert_int_eq(dc_store_part_get(p, idx, &r), 0);
        rec_eq(i, &s.run.recs[i], s.run.in, &r, in2);
        ck_assert_str_eq(dc_store_source(st, r.source)->name, s.names[s.run.recs[i].source]);
        ck_assert_int_ne(dc_store_part_get(p, dc_store_part_nrec(p), &r), 0);   /* out of range */
        /* lazy: local ids, strings from the partition's table */
        dc_store_part_t *q;
        ck_assert_int_eq(dc_store_part_open(st, k, NULL, &q), 0);
        ck_assert_int_eq(dc_store_part_get(q, idx, &r), 0);
        ck_assert_uint_le(r.record_id, dc_store_part_nstrings(q));
        ck_assert_str_eq(dc_store_part_string(q, r.record_id, NULL), S(s.run.in, s.run.recs[i].record_id));
        ck_assert_str_eq(dc_store_part_string(q, r.name.exact, NULL), S(s.run.in, s.run.recs[i].name.exact));
        ck_assert_str_eq(dc_store_part_string(q, r.perm.text, NULL), S(s.run.in, s.run.recs[i].perm.text));
        ck_assert_ptr_null(dc_store_part_string(q, dc_store_part_nstrings(q) + 1, NULL));
        dc_store_part_close(q);
        dc_store_part_close(p);
    }
    free(back);
    dc_intern_free(in2);
    dc_store_close(st);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

/* Records read back and written again give the same files, byte for byte
 * (the format depends on values only, not on interner ids). */
START_TEST(test_rewrite_identical)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *a = file_in(dir, "a"), *b = file_in(dir, "b");
    dc_store_opts_t o = small_opts();
    dc_store_t *sa, *sb;
    ck_assert_int_eq(dc_store_open(a, DC_STORE_CREATE, &o, &sa), 0);
    write_sources(sa, &s, NULL);
    dc_intern_t *in2 = dc_intern_create();
    for (int i = 0; i < 1000; i++) {   /* other ids */
        char t[32];
        snprintf(t, sizeof t, "pad %d", i);
        dc_intern(in2, t, strlen(t));
    }
    size_t n;
    dc_record_t *back = read_all(sa, in2, &n);
    sample_t s2 = s;
    s2.run.recs = back;
    s2.run.in = in2;
    ck_assert_int_eq(dc_store_open(b, DC_STORE_CREATE, &o, &sb), 0);
    write_sources(sb, &s2, NULL);
    ck_assert_uint_eq(dc_store_npartitions(sa), dc_store_npartitions(sb));
    for (uint32_t k = 0; k < dc_store_npartitions(sa); k++) {
        char *pa = part_path(sa, k), *pb = part_path(sb, k);
        ck_assert_msg(dc_test_files_equal(pa, pb), "partition %u differs", k);
        free(pa);
        free(pb);
    }
    /* and a different level gives other bytes but the same records */
    free(back);
    dc_store_close(sa);
    dc_store_close(sb);
    dc_intern_free(in2);
    dc_test_run("rm -rf '%s'", dir);
    free(a);
    free(b);
    free(dir);
    sample_free(&s);
}
END_TEST

/* The threading contract: readers on several threads interning into one
 * interner; writers of two sources of one transaction on two threads. */
typedef struct {
    const dc_store_t *st;
    dc_intern_t *in;
    dc_record_t *out;
    int failed;
} par_read_t;

static void par_read_one(void *ctx, size_t k, int tid)
{
    (void)tid;
    par_read_t *c = ctx;
    const dc_store_partinfo_t *pi = dc_store_partition(c->st, (uint32_t)k);
    dc_store_part_t *p;
    if (dc_store_part_open(c->st, (uint32_t)k, c->in, &p) != 0 ||
        dc_store_part_read(p, 0, pi->nrec, c->out + pi->first_row) != 0)
        c->failed = 1;
    dc_store_part_close(p);
}

typedef struct {
    dc_store_writer_t *w[2];
    const dc_record_t *recs[2];
    size_t n[2];
    const dc_intern_t *in;
    int rc[2];
} par_write_t;

static void par_write_one(void *ctx, int tid, int nthreads)
{
    (void)nthreads;
    par_write_t *c = ctx;
    int rc = 0;
    for (size_t at = 0; at < c->n[tid] && rc == 0; at += 10)
        rc = dc_store_writer_put(c->w[tid], c->recs[tid] + at, DC_MIN((size_t)10, c->n[tid] - at), c->in);
    c->rc[tid] = rc == 0 ? dc_store_writer_end(c->w[tid]) : rc;
}

START_TEST(test_threads)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "s");
    dc_store_opts_t o = small_opts();
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, &o, &st), 0);
    dc_store_txn_t *t;
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    size_t half = s.run.nrec / 2;
    par_write_t pw = {{NULL, NULL}, {s.run.recs, s.run.recs + half}, {half, s.run.nrec - half}, s.run.in, {-1, -1}};
    ck_assert_int_eq(dc_store_writer_begin(t, "first", 0, &pw.w[0]), 0);   /* begun in order: the source order */
    ck_assert_int_eq(dc_store_writer_begin(t, "second", 0, &pw.w[1]), 0);
    dc_pool_run(2, par_write_one, &pw);
    ck_assert_int_eq(pw.rc[0], 0);
    ck_assert_int_eq(pw.rc[1], 0);
    ck_assert_msg(dc_store_commit(t) == 0, "%s", dc_geterr());
    ck_assert_str_eq(dc_store_source(st, 0)->name, "first");
    ck_assert_uint_eq(dc_store_nrecords(st), s.run.nrec);
    par_read_t pr = {st, dc_intern_create(), calloc(s.run.nrec, sizeof(dc_record_t)), 0};
    dc_parallel_for(2, dc_store_npartitions(st), 1, par_read_one, &pr);
    ck_assert_int_eq(pr.failed, 0);
    for (size_t i = 0; i < s.run.nrec; i++) {
        dc_record_t want = s.run.recs[i];
        want.source = i < half ? 0 : 1;
        rec_eq(i, &want, s.run.in, &pr.out[i], pr.in);
    }
    free(pr.out);
    dc_intern_free(pr.in);
    dc_store_close(st);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST


/* ---------------------------------------------------------- generations */

static size_t count_files(const char *dir, char kind)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) n += e->d_name[0] == kind;
    closedir(d);
    return n;
}

/* ---------------------------------------------------------- attachments */

/* Attachment `name` (file id `id`) of the store in sd, whose contents are
 * data[0..n): a byte flipped at `places` places, then the file truncated
 * by one byte, each refused by a read and by a view, never misread; then
 * restored and read again the same. */
static void check_att_damage(dc_store_t *st, const char *sd, uint64_t id, const char *name, const void *data,
                             size_t n, size_t places)
{
    char ap[64];
    snprintf(ap, sizeof ap, "a%012llu.dca", (unsigned long long)id);
    char *path = file_in(sd, ap);
    size_t len;
    char *orig = dc_test_read_file(path, &len);
    dc_buf_t b = DC_BUF_INIT;
    dc_store_view_t v;
    for (size_t at = 0; at < len; at += len / places + 1) {
        orig[at] ^= 0x10;
        dc_test_write_file(path, orig, len);
        ck_assert_int_eq(dc_store_attachment(st, name, &b), -1);
        ck_assert_ptr_nonnull(strstr(dc_geterr(), "refused"));
        ck_assert_int_eq(dc_store_attachment_view(st, name, &v), -1);
        ck_assert_ptr_nonnull(strstr(dc_geterr(), "refused"));
        dc_store_view_free(&v);
        orig[at] ^= 0x10;
    }
    dc_test_write_file(path, orig, len - 1);
    ck_assert_int_eq(dc_store_attachment(st, name, &b), -1);
    ck_assert_int_eq(dc_store_attachment_view(st, name, &v), -1);
    dc_store_view_free(&v);
    dc_test_write_file(path, orig, len);
    ck_assert_int_eq(dc_store_attachment(st, name, &b), 0);
    ck_assert_uint_eq(b.len, n);
    ck_assert_int_eq(memcmp(b.p, data, n), 0);
    dc_buf_free(&b);
    free(orig);
    free(path);
}

START_TEST(test_attachments)
{
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "s");
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, NULL, &st), 0);
    dc_buf_t b = DC_BUF_INIT;
    ck_assert_int_eq(dc_store_attachment(st, "keys", &b), 1);   /* none yet */
    /* generation 1: two attachments, one large and compressible */
    size_t big = 1u << 20;
    char *data = malloc(big);
    for (size_t i = 0; i < big; i++) data[i] = (char)(i % 251 == 0 ? i / 251 : 'x');
    dc_store_txn_t *t;
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_uint_eq(dc_store_txn_generation(t), 1);
    ck_assert_int_ne(dc_store_txn_attach(t, "", "a", 1), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "model", "m1", 2), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "keys", data, big), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "empty", "", 0), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_uint_eq(dc_store_nattachments(st), 3);
    ck_assert_str_eq(dc_store_attachment_info(st, 0)->name, "empty");   /* sorted by name */
    ck_assert_uint_lt(dc_store_attachment_info(st, 1)->size, big / 20);  /* compressed */
    ck_assert_msg(dc_store_attachment(st, "keys", &b) == 0, "%s", dc_geterr());
    ck_assert_uint_eq(b.len, big);
    ck_assert_int_eq(memcmp(b.p, data, big), 0);
    dc_store_view_t v;   /* a compressed one in place: decompressed, the same */
    ck_assert_int_eq(dc_store_attachment_view(st, "keys", &v), 0);
    ck_assert_ptr_null(v.map_);
    ck_assert_uint_eq(v.len, big);
    ck_assert_int_eq(memcmp(v.p, data, big), 0);
    dc_store_view_free(&v);
    ck_assert_int_eq(dc_store_attachment(st, "empty", &b), 0);
    ck_assert_uint_eq(b.len, 0);
    uint64_t keys_id = dc_store_attachment_info(st, 1)->id;
    /* generation 2: model replaced, keys carried over (same file) */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "model", "m2!", 3), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_uint_eq(dc_store_attachment_info(st, 1)->id, keys_id);
    ck_assert_uint_eq(dc_store_attachment_info(st, 2)->generation, 2);
    ck_assert_int_eq(dc_store_attachment(st, "model", &b), 0);
    ck_assert_int_eq(b.len == 3 && !memcmp(b.p, "m2!", 3), 1);
    /* generation 3 then 4: the model file of generation 1 is collected */
    for (int g = 0; g < 2; g++) {
        ck_assert_int_eq(dc_store_begin(st, &t), 0);
        ck_assert_int_eq(dc_store_txn_attach(t, "model", "m3", 2), 0);
        ck_assert_int_eq(dc_store_commit(t), 0);
    }
    ck_assert_uint_eq(count_files(sd, 'a'), 4);   /* empty, keys, model of 3 and 4 */
    /* an aborted transaction leaves no file */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "model", "m5", 2), 0);
    dc_store_abort(t);
    ck_assert_uint_eq(count_files(sd, 'a'), 4);
    dc_store_close(st);
    /* reopened: the same; a flipped byte or a truncation of the keys file
     * is refused when read, never misread */
    ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
    check_att_damage(st, sd, keys_id, "keys", data, big, 97);
    dc_store_close(st);
    dc_buf_free(&b);
    free(data);
    free(sd);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

/* An attachment that zstd would not shrink by an eighth (random bytes, as
 * a registry of keys or an index of fingerprints) is stored as it is: read
 * back byte for byte, its file about its size, and a flipped byte or a
 * truncation refused as for a compressed one. */
START_TEST(test_attachment_stored)
{
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "s");
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, NULL, &st), 0);
    size_t n = 300000;
    unsigned char *data = malloc(n);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (unsigned char)(x >> 24);
    }
    dc_store_txn_t *t;
    char *zeros = calloc(1, n), *text = malloc(n);
    for (size_t i = 0; i < n; i++) text[i] = "abcdefghijklmnop"[data[i] & 15];   /* compresses by half */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_txn_attach(t, "noise", data, n), 0);
    ck_assert_int_eq(dc_store_txn_attach_stored(t, "zeros", zeros, n), 0);   /* stored though it compresses */
    ck_assert_int_eq(dc_store_txn_attach(t, "text", text, n), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    /* a compressed one of 64 KiB or more: viewed decompressed (from its mapping) */
    const dc_store_attinfo_t *ti = dc_store_attachment_info(st, 1);
    ck_assert_str_eq(ti->name, "text");
    ck_assert_uint_gt(ti->size, 65536);
    ck_assert_uint_lt(ti->size, n - n / 8);
    dc_store_view_t vt;
    ck_assert_int_eq(dc_store_attachment_view(st, "text", &vt), 0);
    ck_assert_ptr_null(vt.map_);
    ck_assert_uint_eq(vt.len, n);
    ck_assert_int_eq(memcmp(vt.p, text, n), 0);
    dc_store_view_free(&vt);
    check_att_damage(st, sd, ti->id, "text", text, n, 41);
    free(text);
    ck_assert_uint_gt(dc_store_attachment_info(st, 2)->size, n);
    dc_store_view_t vz;
    ck_assert_int_eq(dc_store_attachment_view(st, "zeros", &vz), 0);
    ck_assert_uint_eq(vz.len, n);
    ck_assert_int_eq(memcmp(vz.p, zeros, n), 0);
    dc_store_view_free(&vz);
    free(zeros);
    const dc_store_attinfo_t *ai = dc_store_attachment_info(st, 0);
    ck_assert_uint_lt(ai->size, n + 100);
    ck_assert_uint_gt(ai->size, n);
    dc_buf_t b = DC_BUF_INIT;
    ck_assert_msg(dc_store_attachment(st, "noise", &b) == 0, "%s", dc_geterr());
    ck_assert_uint_eq(b.len, n);
    ck_assert_int_eq(memcmp(b.p, data, n), 0);
    dc_buf_put(&b, "more", 4);   /* the buffer is out's own: it grows */
    ck_assert_uint_eq(b.len, n + 4);
    /* in place: mapped, the same bytes */
    dc_store_view_t v;
    ck_assert_int_eq(dc_store_attachment_view(st, "noise", &v), 0);
    ck_assert_ptr_nonnull(v.map_);
    ck_assert_uint_eq(v.len, n);
    ck_assert_int_eq(memcmp(v.p, data, n), 0);
    dc_store_view_free(&v);
    ck_assert_int_eq(dc_store_attachment_view(st, "none", &v), 1);
    dc_store_view_free(&v);
    check_att_damage(st, sd, ai->id, "noise", data, n, 53);
    dc_store_close(st);
    dc_buf_free(&b);
    free(data);
    free(sd);
    dc_test_run("rm -rf '%s'", dir);
    free(dir);
}
END_TEST

START_TEST(test_generations)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "s");
    dc_store_opts_t o = small_opts();
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, &o, &st), 0);
    write_sources(st, &s, NULL);                         /* generation 1 */
    uint32_t np1 = dc_store_npartitions(st);
    uint64_t id_last = dc_store_partition(st, np1 - 1)->id;
    uint64_t id_first_kept = dc_store_partition(st, dc_store_source(st, 1)->first_part)->id;
    dc_store_part_t *old;                                /* a reader of generation 1 */
    ck_assert_int_eq(dc_store_part_open(st, 0, NULL, &old), 0);

    /* generation 2: source 0 re-delivered (fewer rows), a new source */
    dc_store_txn_t *t, *t2;
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_ne(dc_store_begin(st, &t2), 0);        /* locked */
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "another"));
    ck_assert_int_ne(dc_store_txn_drop_source(t, "no such"), 0);
    dc_store_writer_t *w;
    ck_assert_int_ne(dc_store_writer_begin(t, s.names[0], 0, &w), 0);   /* present: drop first */
    ck_assert_int_eq(dc_store_txn_drop_source(t, s.names[0]), 0);
    size_t lo, hi;
    source_range(&s, 0, &lo, &hi);
    ck_assert_int_eq(dc_store_writer_begin(t, s.names[0], 7, &w), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s.run.recs + lo, (hi - lo) / 2, s.run.in), 0);
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, "new.csv", 0, &w), 0);
    ck_assert_int_eq(dc_store_commit(t), -1);            /* a writer still open */
    dc_store_writer_abort(w);
    dc_store_abort(t);
    ck_assert_uint_eq(dc_store_generation(st), 1);
    ck_assert_int_eq(dc_store_begin(st, &t), 0);          /* and released the lock */
    ck_assert_int_eq(dc_store_txn_drop_source(t, s.names[0]), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, s.names[0], 7, &w), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s.run.recs + lo, (hi - lo) / 2, s.run.in), 0);
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, "empty.csv", 0, &w), 0);   /* a source with no rows */
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_uint_eq(dc_store_generation(st), 2);
    ck_assert_uint_eq(dc_store_nsources(st), s.nsrc + 1);
    ck_assert_str_eq(dc_store_source(st, 0)->name, s.names[1]);   /* the others keep their order */
    const dc_store_source_t *re = dc_store_source(st, (uint32_t)s.nsrc - 1);
    ck_assert_str_eq(re->name, s.names[0]);               /* the re-delivery comes after them */
    ck_assert_uint_eq(re->rows, (hi - lo) / 2);
    ck_assert_uint_eq(re->generation, 2);
    ck_assert_uint_eq(re->digest, 7);
    ck_assert_uint_eq(dc_store_source(st, (uint32_t)s.nsrc)->rows, 0);
    ck_assert_uint_eq(dc_store_source(st, (uint32_t)s.nsrc)->nparts, 0);
    ck_assert_uint_eq(dc_store_source(st, 0)->generation, 1);
    /* untouched sources keep their partition files (same ids); new ones get new ids */
    ck_assert_uint_eq(dc_store_partition(st, 0)->id, id_first_kept);
    ck_assert_uint_gt(dc_store_partition(st, re->first_part)->id, id_last);
    ck_assert_uint_eq(dc_store_nrecords(st), s.run.nrec - (hi - lo) + (hi - lo) / 2);
    /* the reader of generation 1 still reads (its files are kept) */
    dc_record_t r;
    ck_assert_int_eq(dc_store_part_get(old, 0, &r), 0);
    ck_assert_uint_eq(r.seq, s.run.recs[0].seq);
    dc_store_part_close(old);
    ck_assert_int_eq(dc_store_verify(st), 0);
    /* generation 1's manifest is kept (the previous one) */
    ck_assert_uint_eq(count_files(sd, 'm'), 2);
    size_t p2 = count_files(sd, 'p');
    ck_assert_uint_eq(p2, np1 + dc_store_source(st, (uint32_t)s.nsrc - 1)->nparts);

    /* generation 3 (nothing changed but the generation): generation 1's
     * manifest and the partitions only it listed are removed */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_uint_eq(count_files(sd, 'm'), 2);
    ck_assert_uint_eq(count_files(sd, 'p'), dc_store_npartitions(st));
    /* a source of exactly two partitions' worth: two partitions, none empty */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, "two.csv", 0, &w), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s.run.recs, 97, s.run.in), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s.run.recs + 97, 97, s.run.in), 0);
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    int64_t two = dc_store_find_source(st, "two.csv");
    ck_assert_uint_eq(dc_store_source(st, (uint32_t)two)->nparts, 2);
    ck_assert_uint_eq(dc_store_partition(st, dc_store_source(st, (uint32_t)two)->first_part + 1)->nrec, 97);
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_txn_drop_source(t, "two.csv"), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_int_eq(dc_store_begin(st, &t), 0);   /* (and its files go with the next generation) */
    ck_assert_int_eq(dc_store_commit(t), 0);
    /* an aborted transaction leaves nothing behind */
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, "x.csv", 0, &w), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s.run.recs, 300, s.run.in), 0);
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    dc_store_abort(t);
    ck_assert_uint_eq(count_files(sd, 'p'), dc_store_npartitions(st));
    ck_assert_uint_eq(dc_store_generation(st), 6);
    /* a second handle opened before a commit must not commit over it */
    dc_store_t *st2;
    ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st2), 0);
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    ck_assert_int_ne(dc_store_begin(st2, &t2), 0);
    ck_assert_ptr_nonnull(strstr(dc_geterr(), "changed"));
    dc_store_close(st2);
    dc_store_close(st);
    /* reopened: generation 7, same content */
    ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
    ck_assert_uint_eq(dc_store_generation(st), 7);
    ck_assert_int_eq(dc_store_verify(st), 0);
    dc_store_close(st);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

/* ----------------------------------------------------------- corruption */

/* A small store: one source, 3 partitions of up to 97 records in blocks
 * of 16, from the tiny sample. */
static char *small_store(sample_t *s, char **dirp)
{
    sample_load(s, "mixed-1000");
    char *dir = dc_test_tmpdir("store");
    char *sd = file_in(dir, "s");
    dc_store_opts_t o = small_opts();
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, &o, &st), 0);
    dc_store_txn_t *t;
    dc_store_writer_t *w;
    ck_assert_int_eq(dc_store_begin(st, &t), 0);
    ck_assert_int_eq(dc_store_writer_begin(t, "one.csv", 0, &w), 0);
    ck_assert_int_eq(dc_store_writer_put(w, s->run.recs, 250, s->run.in), 0);
    ck_assert_int_eq(dc_store_writer_end(w), 0);
    ck_assert_int_eq(dc_store_commit(t), 0);
    dc_store_close(st);
    *dirp = dir;
    return sd;
}

/* Open and read everything: 0, or -1 with the message in dc_geterr(). */
static int open_verify(const char *sd)
{
    dc_store_t *st;
    if (dc_store_open(sd, 0, NULL, &st) != 0) return -1;
    int rc = dc_store_verify(st);
    if (rc == 0) {   /* and the interning read */
        dc_intern_t *in = dc_intern_create();
        for (uint32_t k = 0; k < dc_store_npartitions(st) && rc == 0; k++) {
            dc_store_part_t *p;
            rc = dc_store_part_open(st, k, in, &p);
            dc_record_t r;
            for (uint32_t i = 0; rc == 0 && i < dc_store_part_nrec(p); i++) rc = dc_store_part_get(p, i, &r);
            dc_store_part_close(p);
        }
        dc_intern_free(in);
    }
    dc_store_close(st);
    return rc;
}

/* No error message may hold row data: check a few values of the sample. */
static void no_row_data(const sample_t *s, const char *msg)
{
    for (size_t i = 0; i < 250; i += 25) {
        const char *v = S(s->run.in, s->run.recs[i].name.exact);
        ck_assert_msg(!*v || !strstr(msg, v), "a name in a message");
        char id[32];
        snprintf(id, sizeof id, "%llu", (unsigned long long)s->run.recs[i].id12);
        ck_assert_msg(strlen(id) < 9 || !strstr(msg, id), "an ID number in a message");
    }
}

static void every_byte(const sample_t *s, const char *sd, const char *path)
{
    size_t len;
    unsigned char *orig = (unsigned char *)dc_test_read_file(path, &len);
    ck_assert_ptr_nonnull(orig);
    unsigned char *mod = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            memcpy(mod, orig, len);
            mod[i] ^= (unsigned char)(1u << bit);
            ck_assert_int_eq(dc_test_write_file(path, mod, len), 0);
            ck_assert_msg(open_verify(sd) != 0, "%s: flipped bit %d of byte %zu accepted", path, bit, i);
            if (i % 97 == 0) no_row_data(s, dc_geterr());
        }
    }
    /* truncated at every length (every block boundary and every middle) */
    for (size_t l = 0; l < len; l++) {
        ck_assert_int_eq(dc_test_write_file(path, orig, l), 0);
        ck_assert_msg(open_verify(sd) != 0, "%s: truncated to %zu bytes accepted", path, l);
    }
    /* and one byte more */
    memcpy(mod, orig, len);
    mod[len] = 0;
    ck_assert_int_eq(dc_test_write_file(path, mod, len + 1), 0);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_int_eq(dc_test_write_file(path, orig, len), 0);
    ck_assert_msg(open_verify(sd) == 0, "%s", dc_geterr());
    free(mod);
    free(orig);
}

START_TEST(test_corrupt_every_byte)
{
    sample_t s;
    char *dir;
    char *sd = small_store(&s, &dir);
    ck_assert_msg(open_verify(sd) == 0, "%s", dc_geterr());
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
    ck_assert_uint_eq(dc_store_npartitions(st), 3);
    char *p1 = part_path(st, 1), *mp = man_path(st), *cp = file_in(sd, "CURRENT");
    dc_store_close(st);
    every_byte(&s, sd, p1);
    every_byte(&s, sd, mp);
    every_byte(&s, sd, cp);
    /* a missing partition or manifest */
    char *moved = file_in(dir, "moved");
    ck_assert_int_eq(rename(p1, moved), 0);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_int_eq(rename(moved, p1), 0);
    ck_assert_int_eq(rename(mp, moved), 0);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_int_eq(rename(moved, mp), 0);
    ck_assert_int_eq(open_verify(sd), 0);
    free(moved);
    free(p1);
    free(mp);
    free(cp);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

/* Wrong magic, another version, another store's file, a foreign folder:
 * each refused with its own clear message. */
START_TEST(test_foreign_files)
{
    sample_t s;
    char *dir;
    char *sd = small_store(&s, &dir);
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
    char *p0 = part_path(st, 0), *p1 = part_path(st, 1), *mp = man_path(st), *cp = file_in(sd, "CURRENT");
    dc_store_close(st);
    size_t len, l1;
    unsigned char *orig = (unsigned char *)dc_test_read_file(p0, &len);
    unsigned char *o1 = (unsigned char *)dc_test_read_file(p1, &l1);
    unsigned char *mod = malloc(len);

    memcpy(mod, orig, len);   /* wrong magic */
    memcpy(mod, "PK\3\4zip!", 8);
    dc_test_write_file(p0, mod, len);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "not a dancu store partition file"), "%s", dc_geterr());

    memcpy(mod, orig, len);   /* version 2, with a valid header checksum */
    mod[8] = 2;
    uint64_t h = dc_hash64(mod, 56);
    memcpy(mod + 56, &h, 8);
    dc_test_write_file(p0, mod, len);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "format version 2"), "%s", dc_geterr());

    memcpy(mod, orig, len);   /* big-endian byte-order mark */
    mod[12] = 1, mod[13] = 2, mod[14] = 3, mod[15] = 4;
    dc_test_write_file(p0, mod, len);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "little-endian"), "%s", dc_geterr());

    dc_test_write_file(p0, o1, l1);   /* another partition's file in its place */
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "damaged or foreign"), "%s", dc_geterr());
    dc_test_write_file(p0, orig, len);
    ck_assert_int_eq(open_verify(sd), 0);

    /* a manifest of a later version (3) that CURRENT names */
    size_t ml;
    unsigned char *man = (unsigned char *)dc_test_read_file(mp, &ml);
    man[8] = 3;
    h = dc_hash64(man, ml - 8);
    memcpy(man + ml - 8, &h, 8);
    dc_test_write_file(mp, man, ml);
    char cur[128];
    snprintf(cur, sizeof cur, "DANCU-STORE 1 1 %016llx\n", (unsigned long long)h);
    dc_test_write_file(cp, cur, strlen(cur));
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "format version 3"), "%s", dc_geterr());
    /* CURRENT of a later format */
    dc_test_write_file(cp, "DANCU-STORE 2 1 0\n", 18);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "version"), "%s", dc_geterr());
    /* not a store at all */
    dc_test_write_file(cp, "hello\n", 6);
    ck_assert_int_ne(open_verify(sd), 0);
    ck_assert_msg(strstr(dc_geterr(), "not a dancu store"), "%s", dc_geterr());
    ck_assert_int_ne(dc_store_open(dir, 0, NULL, &st), 0);   /* no CURRENT */
    ck_assert_msg(strstr(dc_geterr(), "no CURRENT"), "%s", dc_geterr());
    char *other = file_in(dir, "other");
    mkdir(other, 0700);
    char *f = file_in(other, "notes.txt");
    dc_test_write_file(f, "x", 1);
    ck_assert_int_ne(dc_store_open(other, DC_STORE_CREATE, NULL, &st), 0);   /* a folder of other files */
    ck_assert_msg(strstr(dc_geterr(), "other files"), "%s", dc_geterr());
    dc_store_opts_t bad = {0, 1u << 20, 3};
    ck_assert_int_ne(dc_store_open(f, DC_STORE_CREATE, &bad, &st), 0);
    free(f);
    free(other);
    free(man);
    free(mod);
    free(orig);
    free(o1);
    free(p0);
    free(p1);
    free(mp);
    free(cp);
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

/* ----------------------------------------------------------------- kills */

/* Content of generation g of the kill tests: source "a.csv" holds records
 * [off(g), off(g) + len(g)) of the sample, "b.csv" the first 120. */
static size_t kill_off(uint64_t g) { return (size_t)(g % 5) * 37; }
static size_t kill_len(uint64_t g) { return 150 + (size_t)(g % 3) * 80; }

static void kill_commit(dc_store_t *st, const sample_t *s, uint64_t g)
{
    dc_store_txn_t *t;
    dc_store_writer_t *w;
    if (dc_store_begin(st, &t) != 0) _exit(10);
    if (dc_store_find_source(st, "a.csv") >= 0 && dc_store_txn_drop_source(t, "a.csv") != 0) _exit(11);
    if (dc_store_writer_begin(t, "a.csv", g, &w) != 0) _exit(12);
    if (dc_store_writer_put(w, s->run.recs + kill_off(g), kill_len(g), s->run.in) != 0) _exit(13);
    if (dc_store_writer_end(w) != 0) _exit(14);
    if (dc_store_find_source(st, "b.csv") < 0) {
        if (dc_store_writer_begin(t, "b.csv", 0, &w) != 0) _exit(15);
        if (dc_store_writer_put(w, s->run.recs, 120, s->run.in) != 0) _exit(16);
        if (dc_store_writer_end(w) != 0) _exit(17);
    }
    if (dc_store_commit(t) != 0) _exit(18);
}

/* The store in sd opens, verifies, and holds generation g's content. */
static uint64_t check_kill_store(const sample_t *s, const char *sd)
{
    dc_store_t *st;
    ck_assert_msg(dc_store_open(sd, 0, NULL, &st) == 0, "after a kill: %s", dc_geterr());
    ck_assert_msg(dc_store_verify(st) == 0, "after a kill: %s", dc_geterr());
    uint64_t g = dc_store_generation(st);
    int64_t ia = dc_store_find_source(st, "a.csv"), ib = dc_store_find_source(st, "b.csv");
    ck_assert_int_ge(ia, 0);
    ck_assert_int_ge(ib, 0);
    ck_assert_uint_eq(dc_store_source(st, (uint32_t)ia)->digest, g);
    dc_intern_t *in = dc_intern_create();
    size_t n;
    dc_record_t *back = read_all(st, in, &n);
    ck_assert_uint_eq(n, 120 + kill_len(g));
    const dc_store_source_t *a = dc_store_source(st, (uint32_t)ia), *b = dc_store_source(st, (uint32_t)ib);
    size_t a0 = (size_t)dc_store_partition(st, a->first_part)->first_row;
    size_t b0 = (size_t)dc_store_partition(st, b->first_part)->first_row;
    for (size_t i = 0; i < kill_len(g); i++) {
        dc_record_t want = s->run.recs[kill_off(g) + i];
        want.source = (uint32_t)ia;
        rec_eq(i, &want, s->run.in, &back[a0 + i], in);
    }
    for (size_t i = 0; i < 120; i++) {
        dc_record_t want = s->run.recs[i];
        want.source = (uint32_t)ib;
        rec_eq(i, &want, s->run.in, &back[b0 + i], in);
    }
    free(back);
    dc_intern_free(in);
    dc_store_close(st);
    return g;
}

/* A fork that commits generation g and is killed at `point`. */
static int run_child(const sample_t *s, const char *sd, const char *point, int loop)
{
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (point) setenv("DANCU_TEST_STORE_KILL_AT", point, 1);
        do {
            dc_store_t *st;
            if (dc_store_open(sd, DC_STORE_CREATE, NULL, &st) != 0) _exit(9);
            kill_commit(st, s, dc_store_generation(st) + 1);
            dc_store_close(st);
        } while (loop);
        _exit(0);
    }
    return pid;
}

static const char *const POINTS[] = {"part-begin", "part-block:3", "part-commit", "part-commit:2", "manifest",
                                     "manifest-synced", "current", "switched", "gc", "done"};

START_TEST(test_kill_points)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    dc_store_opts_t o = {64, 16, 3};   /* a.csv: 3 or more partitions */
    char *base = dc_test_tmpdir("store-kill");
    char *bs = file_in(base, "s");
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(bs, DC_STORE_CREATE, &o, &st), 0);
    kill_commit(st, &s, 1);
    kill_commit(st, &s, 2);   /* generation 3 will have garbage to collect */
    dc_store_close(st);
    for (size_t pi = 0; pi < DC_ARRAY_LEN(POINTS); pi++) {
        char *dir = dc_test_tmpdir("store-kill");
        char *sd = file_in(dir, "s");
        ck_assert_int_eq(dc_test_run("cp -a '%s' '%s'", bs, sd), 0);
        int status;
        pid_t pid = run_child(&s, sd, POINTS[pi], 0);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "%s: the child was not killed (status %d)",
                      POINTS[pi], status);
        uint64_t g = check_kill_store(&s, sd);
        int switched = pi >= 6;   /* from "current" on, the new generation is in force */
        ck_assert_msg(g == (switched ? 3u : 2u), "killed at %s: generation %llu", POINTS[pi], (unsigned long long)g);
        /* the store goes on: the next commit works and removes the leftovers */
        ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
        kill_commit(st, &s, g + 1);
        dc_store_close(st);
        ck_assert_uint_eq(check_kill_store(&s, sd), g + 1);
        DIR *d = opendir(sd);
        struct dirent *e;
        while ((e = readdir(d))) ck_assert_msg(!strstr(e->d_name, ".tmp."), "%s left behind", e->d_name);
        closedir(d);
        ck_assert_int_eq(dc_store_open(sd, 0, NULL, &st), 0);
        /* the files of this generation and of a.csv of the previous one */
        ck_assert_uint_eq(count_files(sd, 'p'), dc_store_npartitions(st) + (kill_len(g) + 63) / 64);
        ck_assert_uint_eq(count_files(sd, 'm'), 2);
        dc_store_close(st);
        dc_test_run("rm -rf '%s'", dir);
        free(sd);
        free(dir);
    }
    dc_test_run("rm -rf '%s'", base);
    free(bs);
    free(base);
    sample_free(&s);
}
END_TEST

/* Killed at random moments while committing generation after generation:
 * whatever the moment, the store opens at some complete generation. */
START_TEST(test_kill_random)
{
    sample_t s;
    sample_load(&s, "mixed-1000");
    char *dir = dc_test_tmpdir("store-kill");
    char *sd = file_in(dir, "s");
    dc_store_opts_t o = {64, 16, 3};
    dc_store_t *st;
    ck_assert_int_eq(dc_store_open(sd, DC_STORE_CREATE, &o, &st), 0);
    kill_commit(st, &s, 1);
    dc_store_close(st);
    unsigned seed = 20261206;
    uint64_t last = 1;
    for (int round = 0; round < 25; round++) {
        pid_t pid = run_child(&s, sd, NULL, 1);
        seed = seed * 1103515245u + 12345u;
        usleep(1000 + (seed >> 8) % 30000);
        kill(pid, SIGKILL);
        int status;
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
        ck_assert_msg(WIFSIGNALED(status), "the child stopped by itself (status %d)", status);
        uint64_t g = check_kill_store(&s, sd);
        ck_assert_uint_ge(g, last);   /* never back to an older generation */
        last = g;
    }
    dc_test_run("rm -rf '%s'", dir);
    free(sd);
    free(dir);
    sample_free(&s);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *s = suite_create("store");
    TCase *tc = dc_test_tcase("store");
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_read_sel);
    tcase_add_test(tc, test_rewrite_identical);
    tcase_add_test(tc, test_threads);
    tcase_add_test(tc, test_generations);
    tcase_add_test(tc, test_attachments);
    tcase_add_test(tc, test_attachment_stored);
    tcase_add_test(tc, test_corrupt_every_byte);
    tcase_add_test(tc, test_foreign_files);
    tcase_add_test(tc, test_kill_points);
    tcase_add_test(tc, test_kill_random);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return dc_test_main(store_suite(), "store"); }
