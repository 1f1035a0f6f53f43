/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_store.c - `dancu store`, a hidden debugging command that exercises
 * the record store (engine/store, docs/STORE.md) end to end:
 *
 *   dancu store write DIR FILES...   load and normalize FILES as `dancu run`
 *                                    does, write them into the store DIR as
 *                                    one new generation (a source that DIR
 *                                    already holds is replaced)
 *   dancu store read DIR             stream every record back (re-interned
 *                                    into an interner reserved for one
 *                                    string per record)
 *   dancu store verify DIR           check every block of every partition
 *   dancu store info DIR             generation, sources, partitions
 *
 * write and read print one line of key=value figures (timed around the
 * store calls only, not the loading): records, bytes on disk, bytes per
 * record, wall and CPU seconds, MB/s of disk bytes and of 168-byte
 * records (by wall time), and a
 * digest of the records' values (dc_store_digest), equal for a write and
 * the read of what it wrote (one digest per partition, then the XXH3 of
 * those: partitions are read on several threads). Not listed in `dancu --help`: the command
 * line may change with the master (issue 13) and the out-of-core run.
 */
#include "dc_cli.h"
#include "common/dc_common.h"
#include "run/dc_run.h"
#include "store/dc_store.h"

#include <getopt.h>    /* getopt_long */
#include <sys/resource.h> /* getrusage */
#include <stdlib.h>    /* strtoul */
#include <string.h>    /* strcmp */

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: dancu store write DIR FILES... [--threads N] [--part-records N]\n"
            "                         [--block-records N] [--level N] [-q]\n"
            "       dancu store read DIR [--threads N]\n"
            "       dancu store verify DIR\n"
            "       dancu store info DIR\n"
            "\n"
            "Debugging command: write normalized records into a record store, read\n"
            "them back, check or describe a store (docs/STORE.md).\n");
}

static uint64_t dir_bytes(const dc_store_t *st)
{
    uint64_t b = 0;
    for (uint32_t k = 0; k < dc_store_npartitions(st); k++) b += dc_store_partition(st, k)->size;
    return b;
}

/* CPU seconds of the process so far (every thread, user + system). */
static double cpu_now(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static void figures(const char *what, const dc_store_t *st, uint64_t nrec, double secs, double cpu, uint64_t digest)
{
    uint64_t bytes = dir_bytes(st);
    if (secs <= 0) secs = 1e-9;
    printf("store %s: records=%llu sources=%u partitions=%u bytes=%llu bytes_per_record=%.1f seconds=%.3f "
           "cpu_seconds=%.3f mb_per_s=%.1f rec_mb_per_s=%.1f records_per_s=%.0f digest=%016llx\n",
           what, (unsigned long long)nrec, dc_store_nsources(st), dc_store_npartitions(st), (unsigned long long)bytes,
           nrec ? (double)bytes / (double)nrec : 0.0, secs, cpu, (double)bytes / 1e6 / secs,
           (double)nrec * sizeof(dc_record_t) / 1e6 / secs, (double)nrec / secs, (unsigned long long)digest);
}

static int do_write(const char *dir, const char *const *paths, size_t npaths, const dc_run_opts_t *o,
                    const dc_store_opts_t *so)
{
    dc_run_t run;
    dc_run_init(&run, o);
    dc_store_t *st = NULL;
    dc_store_txn_t *t = NULL;
    int rc = DC_EXIT_FAIL;
    if (dc_store_open(dir, DC_STORE_CREATE, so, &st) != 0 || dc_run_load(&run, paths, npaths) != 0) goto done;
    double t0 = dc_now(), c0 = cpu_now();
    if (dc_store_begin(st, &t) != 0) goto done;
    uint64_t digest = 0;
    size_t at = 0;
    for (uint32_t i = 0; i < run.load.nsources; i++) {
        const char *name = run.load.sources[i].name;
        if (dc_store_find_source(st, name) >= 0 && dc_store_txn_drop_source(t, name) != 0) goto done;
        size_t end = at;
        while (end < run.nrec && run.recs[end].source == i) end++;
        dc_store_writer_t *w;
        if (dc_store_writer_begin(t, name, 0, &w) != 0) goto done;
        if (dc_store_writer_put(w, run.recs + at, end - at, run.in) != 0) {
            dc_store_writer_abort(w);
            goto done;
        }
        if (dc_store_writer_end(w) != 0) goto done;
        at = end;
    }
    int c = dc_store_commit(t);
    t = NULL;
    if (c != 0) goto done;
    double secs = dc_now() - t0, cpu = cpu_now() - c0;
    /* as `store read` computes it: a digest per partition, then of those */
    uint32_t np = dc_store_npartitions(st);
    uint64_t *pd = dc_xcalloc(np + 1, sizeof *pd);
    for (uint32_t k = 0; k < np; k++) {
        const dc_store_partinfo_t *pi = dc_store_partition(st, k);
        pd[k] = dc_store_digest(0, run.recs + pi->first_row, pi->nrec, run.in);
    }
    digest = dc_hash64(pd, np * sizeof *pd);
    free(pd);
    figures("write", st, run.nrec, secs, cpu, digest);
    rc = DC_EXIT_OK;
done:
    if (rc != DC_EXIT_OK) dc_error("%s", dc_geterr());
    dc_store_abort(t);
    dc_store_close(st);
    dc_run_free(&run);
    return rc;
}

typedef struct {
    const dc_store_t *st;
    dc_intern_t *in;
    uint64_t *digest;   /* per partition */
    int *failed;
    char **err;
    int digest_pass;    /* 0: the timed pass, 1: the digest pass */
} read_ctx_t;

static void read_one(void *ctx, size_t k, int tid)
{
    DC_UNUSED(tid);
    read_ctx_t *c = ctx;
    dc_store_part_t *p;
    if (dc_store_part_open(c->st, (uint32_t)k, c->in, &p) != 0) {
        c->failed[k] = 1;
        c->err[k] = dc_xstrdup(dc_geterr());
        return;
    }
    enum { CHUNK = 4096 };
    dc_record_t *buf = dc_xmalloc(CHUNK * sizeof *buf);
    uint64_t h = 0;
    uint32_t n = dc_store_part_nrec(p);
    for (uint32_t lo = 0; lo < n; lo += CHUNK) {
        uint32_t m = DC_MIN((uint32_t)CHUNK, n - lo);
        if (dc_store_part_read(p, lo, m, buf) != 0) {
            c->failed[k] = 1;
            c->err[k] = dc_xstrdup(dc_geterr());
            break;
        }
        if (c->digest_pass) h = dc_store_digest(h, buf, m, c->in);
    }
    c->digest[k] = h;
    free(buf);
    dc_store_part_close(p);
}

static int do_read(const char *dir, int nthreads)
{
    dc_store_t *st;
    if (dc_store_open(dir, 0, NULL, &st) != 0) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    uint32_t np = dc_store_npartitions(st);
    read_ctx_t c = {st, dc_intern_create(), dc_xcalloc(np + 1, sizeof(uint64_t)), dc_xcalloc(np + 1, sizeof(int)),
                    dc_xcalloc(np + 1, sizeof(char *)), 0};
    /* as a reader should: about one distinct string per record (a hint) */
    dc_intern_reserve(c.in, (size_t)dc_store_nrecords(st));
    double t0 = dc_now(), c0 = cpu_now();
    dc_parallel_for(nthreads, np, 1, read_one, &c);
    double secs = dc_now() - t0, cpu = cpu_now() - c0;
    /* the digest (dc_store_digest hashes every string: not timed) */
    c.digest_pass = 1;
    for (uint32_t k = 0; k < np; k++)
        if (!c.failed[k]) read_one(&c, k, 0);
    int rc = DC_EXIT_OK;
    for (uint32_t k = 0; k < np; k++)
        if (c.failed[k]) {
            if (rc == DC_EXIT_OK) dc_error("%s", c.err[k]);
            rc = DC_EXIT_FAIL;
        }
    uint64_t h = dc_hash64(c.digest, np * sizeof *c.digest);
    if (rc == DC_EXIT_OK) figures("read", st, dc_store_nrecords(st), secs, cpu, h);
    for (uint32_t k = 0; k < np; k++) free(c.err[k]);
    free(c.err);
    free(c.failed);
    free(c.digest);
    dc_intern_free(c.in);
    dc_store_close(st);
    return rc;
}

static int do_info(const char *dir, int verify)
{
    dc_store_t *st;
    if (dc_store_open(dir, 0, NULL, &st) != 0 || (verify && dc_store_verify(st) != 0)) {
        dc_error("%s", dc_geterr());
        dc_store_close(st);
        return DC_EXIT_FAIL;
    }
    if (verify) {
        printf("store %s: generation %llu verified: %u partitions, %llu records\n", dir,
               (unsigned long long)dc_store_generation(st), dc_store_npartitions(st),
               (unsigned long long)dc_store_nrecords(st));
        dc_store_close(st);
        return DC_EXIT_OK;
    }
    const dc_store_opts_t *o = dc_store_settings(st);
    printf("generation %llu, created %llu (Unix time), %llu records, %u sources, %u partitions, %llu bytes\n"
           "settings: %u records per partition, %u per block, zstd level %d\n",
           (unsigned long long)dc_store_generation(st), (unsigned long long)dc_store_created_at(st),
           (unsigned long long)dc_store_nrecords(st), dc_store_nsources(st), dc_store_npartitions(st),
           (unsigned long long)dir_bytes(st), o->part_records, o->block_records, o->zstd_level);
    /* the string tables: distinct strings per partition, summed */
    uint64_t nstr = 0, sbytes = 0;
    for (uint32_t k = 0; k < dc_store_npartitions(st); k++) {
        dc_store_part_t *p;
        if (dc_store_part_open(st, k, NULL, &p) != 0) {
            dc_error("%s", dc_geterr());
            dc_store_close(st);
            return DC_EXIT_FAIL;
        }
        for (uint32_t l = 1; l <= dc_store_part_nstrings(p); l++) {
            size_t len;
            dc_store_part_string(p, l, &len);
            sbytes += len;
        }
        nstr += dc_store_part_nstrings(p);
        dc_store_part_close(p);
    }
    printf("string tables: %llu strings, %llu bytes before compression (%.1f strings, %.1f bytes per record)\n",
           (unsigned long long)nstr, (unsigned long long)sbytes,
           dc_store_nrecords(st) ? (double)nstr / (double)dc_store_nrecords(st) : 0.0,
           dc_store_nrecords(st) ? (double)sbytes / (double)dc_store_nrecords(st) : 0.0);
    for (uint32_t i = 0; i < dc_store_nsources(st); i++) {
        const dc_store_source_t *x = dc_store_source(st, i);
        printf("source %s: %llu rows, %u partitions, loaded in generation %llu at %llu\n", x->name,
               (unsigned long long)x->rows, x->nparts, (unsigned long long)x->generation,
               (unsigned long long)x->loaded_at);
    }
    dc_store_close(st);
    return DC_EXIT_OK;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (*s == '-' || *end || v == 0 || v > (1ul << 31)) return -1;
    *out = (uint32_t)v;
    return 0;
}

int dc_cmd_store(int argc, char **argv)
{
    enum { O_PART = 256, O_BLOCK, O_LEVEL };
    static const struct option lopts[] = {
        {"threads", required_argument, NULL, 't'},      {"part-records", required_argument, NULL, O_PART},
        {"block-records", required_argument, NULL, O_BLOCK}, {"level", required_argument, NULL, O_LEVEL},
        {"quiet", no_argument, NULL, 'q'},              {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dc_run_opts_t o;
    memset(&o, 0, sizeof o);
    o.max_reject_rate = 2.0;
    o.norm.century_pivot = 30;
    dc_store_opts_t so = {0, 0, 0};
    int bad = 0, c, quiet = 0;
    uint32_t lvl = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:qh", lopts, NULL)) != -1) {
        switch (c) {
        case 't':
            o.nthreads = dc_cli_threads(optarg);
            if (o.nthreads < 0) bad = 1;
            break;
        case O_PART: bad |= parse_u32(optarg, &so.part_records) != 0; break;
        case O_BLOCK: bad |= parse_u32(optarg, &so.block_records) != 0; break;
        case O_LEVEL: bad |= parse_u32(optarg, &lvl) != 0; so.zstd_level = (int)DC_MIN(lvl, 99u); break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return DC_EXIT_OK;
        default: bad = 1; break;
        }
    }
    if (bad || argc - optind < 2) {
        usage(stderr);
        return DC_EXIT_USAGE;
    }
    dc_log_level = quiet ? 0 : 1;
    dc_progress_init(0);
    const char *verb = argv[optind], *dir = argv[optind + 1];
    if (!strcmp(verb, "write")) {
        if (argc - optind < 3) {
            usage(stderr);
            return DC_EXIT_USAGE;
        }
        dc_cli_inputs_t inputs;
        int irc = dc_cli_inputs((const char *const *)argv + optind + 2, (size_t)(argc - optind - 2),
                                DC_SOURCE_NAME_BASE, &inputs);
        if (irc) {
            dc_error("%s", dc_geterr());
            return irc;
        }
        o.load.source_names = inputs.names;
        int rc = do_write(dir, inputs.paths, inputs.n, &o, &so);
        dc_cli_inputs_free(&inputs);
        return rc;
    }
    if (argc - optind != 2) {
        usage(stderr);
        return DC_EXIT_USAGE;
    }
    if (!strcmp(verb, "read")) return do_read(dir, o.nthreads > 0 ? o.nthreads : 1);
    if (!strcmp(verb, "verify")) return do_info(dir, 1);
    if (!strcmp(verb, "info")) return do_info(dir, 0);
    usage(stderr);
    return DC_EXIT_USAGE;
}
