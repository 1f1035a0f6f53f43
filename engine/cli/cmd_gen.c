/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_gen.c - `dancu gen`: synthetic provincial exports with ground truth
 * (engine/gen/dc_gen.h, docs/GENERATOR.md). */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "gen/dc_gen.h"

#include <errno.h>   /* errno */
#include <getopt.h>  /* getopt_long */
#include <stdlib.h>  /* strtoull */
#include <string.h>  /* strcmp */

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: dancu gen --people N -o DIR [OPTIONS]\n"
            "\n"
            "Generate a synthetic population living in households, written as provincial\n"
            "household-register exports (DIR/exports/*.csv, *.tsv) with the ground truth\n"
            "(DIR/truth.csv: source,record_id,person_id) and DIR/manifest.json.\n"
            "The output is byte-identical for the same options whatever --threads.\n"
            "\n"
            "Options:\n"
            "  -n, --people N         people to generate (not rows)          [default: 1000]\n"
            "  -s, --seed S           random seed                             [default: 1]\n"
            "  -o, --output DIR       output directory (created; must be empty unless --force)\n"
            "      --dup-rate R       share of people with more than one row  [default: 0.10]\n"
            "      --corrupt-rate R   share of original rows with a corruption [default: 0.15]\n"
            "      --provinces LIST   comma-separated pre-2025 GSO codes (01,79,...) [default: all 63]\n"
            "      --styles S         realistic | mixed | canonical            [default: realistic]\n"
            "                         mixed: every header style, delimiter and encoding appears;\n"
            "                         canonical: canonical header, comma, UTF-8, dd/mm/yyyy\n"
            "      --no-legacy        write UTF-8 only (no TCVN3, VNI, VISCII, CP1258 files)\n"
            "  -T, --threads T        worker threads, 0 = all cores           [default: 0]\n"
            "  -f, --force            write into a non-empty output directory\n"
            "  -q, --quiet            print nothing but errors\n"
            "  -v, --verbose          also print the time of each phase\n"
            "  -h, --help             show this help\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-') return -1;
    *out = v;
    return 0;
}

static int parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 1)) return -1;
    *out = v;
    return 0;
}

int dc_cmd_gen(int argc, char **argv)
{
    enum { O_DUP = 256, O_CORRUPT, O_PROV, O_STYLES, O_NOLEGACY };
    static const struct option lo[] = {
        {"people", required_argument, 0, 'n'}, {"seed", required_argument, 0, 's'},
        {"output", required_argument, 0, 'o'}, {"dup-rate", required_argument, 0, O_DUP},
        {"corrupt-rate", required_argument, 0, O_CORRUPT}, {"provinces", required_argument, 0, O_PROV},
        {"styles", required_argument, 0, O_STYLES}, {"no-legacy", no_argument, 0, O_NOLEGACY},
        {"threads", required_argument, 0, 'T'}, {"force", no_argument, 0, 'f'},
        {"quiet", no_argument, 0, 'q'}, {"verbose", no_argument, 0, 'v'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
    };
    dc_gen_opts_t o;
    dc_gen_opts_default(&o);
    o.nthreads = dc_nthreads_default();
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "n:s:o:T:fqvh", lo, NULL)) != -1) {
        switch (opt) {
        case 'n':
            if (parse_u64(optarg, &o.people) || o.people == 0) {
                fprintf(stderr, "dancu gen: --people: expected a positive integer\n");
                return DC_EXIT_USAGE;
            }
            break;
        case 's':
            if (parse_u64(optarg, &o.seed)) {
                fprintf(stderr, "dancu gen: --seed: expected a non-negative integer\n");
                return DC_EXIT_USAGE;
            }
            break;
        case 'o': o.outdir = optarg; break;
        case O_DUP:
            if (parse_rate(optarg, &o.dup_rate)) {
                fprintf(stderr, "dancu gen: --dup-rate: expected a number between 0 and 1\n");
                return DC_EXIT_USAGE;
            }
            break;
        case O_CORRUPT:
            if (parse_rate(optarg, &o.corrupt_rate)) {
                fprintf(stderr, "dancu gen: --corrupt-rate: expected a number between 0 and 1\n");
                return DC_EXIT_USAGE;
            }
            break;
        case O_PROV: o.provinces = optarg; break;
        case O_STYLES:
            if (!strcmp(optarg, "realistic")) o.styles = DC_GEN_STYLES_REALISTIC;
            else if (!strcmp(optarg, "mixed")) o.styles = DC_GEN_STYLES_MIXED;
            else if (!strcmp(optarg, "canonical")) o.styles = DC_GEN_STYLES_CANONICAL;
            else {
                fprintf(stderr, "dancu gen: --styles: expected realistic, mixed or canonical\n");
                return DC_EXIT_USAGE;
            }
            break;
        case O_NOLEGACY: o.legacy = 0; break;
        case 'T':
            if ((o.nthreads = dc_cli_threads(optarg)) < 0) {
                fprintf(stderr, "dancu gen: --threads: expected 0..1024\n");
                return DC_EXIT_USAGE;
            }
            break;
        case 'f': o.force = 1; break;
        case 'q': dc_log_level = 0; break;
        case 'v': dc_log_level = 2; break;
        case 'h': usage(stdout); return DC_EXIT_OK;
        default: usage(stderr); return DC_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "dancu gen: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return DC_EXIT_USAGE;
    }
    if (!o.outdir) {
        fprintf(stderr, "dancu gen: -o DIR is required\n");
        usage(stderr);
        return DC_EXIT_USAGE;
    }
    if (dc_cli_prepare_outdir(o.outdir, o.force) != 0) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    dc_gen_stats_t st;
    if (dc_gen_run(&o, &st) != 0) {
        dc_error("%s", dc_geterr());
        return DC_EXIT_FAIL;
    }
    dc_log(1, "gen: %llu people in %llu households, %llu rows in %llu files, %.2f s (%.0f rows/s, %d threads)",
           (unsigned long long)st.people, (unsigned long long)st.households,
           (unsigned long long)st.rows, (unsigned long long)st.files, st.seconds,
           st.seconds > 0 ? (double)st.rows / st.seconds : 0.0, o.nthreads);
    return DC_EXIT_OK;
}
