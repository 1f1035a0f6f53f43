/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_gen.c - `dancu gen`: synthetic provincial exports with ground truth
 * (engine/gen/dc_gen.h, docs/GENERATOR.md). */
#include "cli/dc_cli.h"
#include "common/dc_common.h"
#include "gen/dc_gen.h"

#include <errno.h>   /* errno */
#include <stdlib.h>  /* strtoull */
#include <string.h>  /* strcmp */

static const dc_cmd_opt_t gen_opts[] = {
    {DC_OPT_PEOPLE, NULL, NULL, NULL},
    {DC_OPT_SEED, NULL, NULL, NULL},
    {DC_OPT_OUTPUT, "DIR", "output folder (created; must be empty unless --force)", NULL},
    {DC_OPT_DUP_RATE, NULL, NULL, NULL},
    {DC_OPT_CORRUPT_RATE, NULL, NULL, NULL},
    {DC_OPT_PROVINCES, NULL, NULL, NULL},
    {DC_OPT_STYLES, NULL, NULL, NULL},
    {DC_OPT_NO_LEGACY, NULL, NULL, NULL},
    {DC_OPT_COMPRESS, NULL, "write every export and the truth as zstd streams (NAME.csv.zst, level 1)", NULL},
    {DC_OPT_PROFILE, NULL, NULL, NULL},
    {DC_OPT_CORRUPTION, NULL, "corruption profile: holdout (frozen, never tuned against) sets its own rates, "
                              "which --dup-rate and --corrupt-rate still override (docs/GENERATOR.md)", NULL},
    {DC_OPT_THREADS, NULL, NULL, NULL},
    {DC_OPT_FORCE, NULL, NULL, NULL},
    {DC_OPT_QUIET, NULL, NULL, NULL},
    {DC_OPT_VERBOSE, NULL, "also print the time of each phase", NULL},
    {DC_OPT_HELP, NULL, NULL, NULL},
};

const dc_cmd_spec_t dc_spec_gen = {
    "gen", "-n N -o DIR [OPTIONS]", "generate synthetic provincial exports with ground truth",
    "Generate a synthetic population living in households, written as provincial household-register "
    "exports (DIR/exports/*.csv, *.tsv) with the ground truth (DIR/truth.csv: source,record_id,person_id) "
    "and DIR/manifest.json. With --compress every export and the truth are zstd streams (NAME.csv.zst). "
    "The output is byte-identical for the same options whatever --threads.",
    gen_opts, DC_ARRAY_LEN(gen_opts), NULL,
};

int dc_cmd_gen(int argc, char **argv)
{
    dc_optvals_t v;
    int prc = dc_cli_parse(&dc_spec_gen, argc, argv, &v);
    dc_optvals_free(&v);
    if (prc) return prc < 0 ? DC_EXIT_OK : prc;
    dc_gen_opts_t o;
    dc_gen_opts_default(&o);
    o.nthreads = v.set[DC_OPT_THREADS] ? (int)v.num[DC_OPT_THREADS] : dc_nthreads_default();
    if (v.set[DC_OPT_PEOPLE]) o.people = v.u64[DC_OPT_PEOPLE];
    if (v.set[DC_OPT_SEED]) o.seed = v.u64[DC_OPT_SEED];
    o.outdir = v.str[DC_OPT_OUTPUT];
    if (v.set[DC_OPT_PROFILE])
        o.profile = v.num[DC_OPT_PROFILE] == 1 ? DC_GEN_PROFILE_DIVERSE : DC_GEN_PROFILE_DEFAULT;
    /* the corruption profile's rates, unless given */
    dc_gen_opts_corruption(&o, v.set[DC_OPT_CORRUPTION] && v.num[DC_OPT_CORRUPTION] == 1 ? DC_GEN_CORRUPTION_HOLDOUT
                                                                                           : DC_GEN_CORRUPTION_DEFAULT);
    if (v.set[DC_OPT_DUP_RATE]) o.dup_rate = v.num[DC_OPT_DUP_RATE];
    if (v.set[DC_OPT_CORRUPT_RATE]) o.corrupt_rate = v.num[DC_OPT_CORRUPT_RATE];
    o.compress = v.set[DC_OPT_COMPRESS] != 0;
    o.provinces = v.str[DC_OPT_PROVINCES];
    if (v.set[DC_OPT_STYLES]) {
        static const dc_gen_styles_t st[] = {DC_GEN_STYLES_REALISTIC, DC_GEN_STYLES_MIXED, DC_GEN_STYLES_CANONICAL};
        o.styles = st[(int)v.num[DC_OPT_STYLES]];
    }
    if (v.set[DC_OPT_NO_LEGACY]) o.legacy = 0;
    o.force = v.set[DC_OPT_FORCE] != 0;
    dc_cli_log_level(&v);
    if (v.argi < argc) return dc_cli_usage_error("gen", "unexpected argument '%s'", argv[v.argi]);
    if (!o.outdir) return dc_cli_usage_error("gen", "-o DIR is required");
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
