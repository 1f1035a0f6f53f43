/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stage.c - stage timing for the run report, and the bounds of the run's
 * numeric options (dc_run.h).
 *
 * A stage is open from dc_run_stage_begin() to dc_run_stage_end(): the
 * open stage is run->stages[run->nstages] with its name set; ending it
 * moves nstages past it (the run starts zeroed, so the next slot has no
 * name until its begin). Begin inside an open stage, or an end with no
 * begin, is a bug in the caller: assert()ed. */
#include "run/dc_run.h"

#include <assert.h>

dc_bounds_t dc_run_param_bounds(dc_run_param_t p)
{
    switch (p) {
    case DC_RUN_P_MATCH_THRESHOLD:
    case DC_RUN_P_REVIEW_THRESHOLD:
    case DC_RUN_P_MAX_REJECT_RATE: return (dc_bounds_t){0, 1};
    case DC_RUN_P_MEMORY_LIMIT: return (dc_bounds_t){0, 1125899906842624.0};
    case DC_RUN_P_SAMPLE_SIZE: return (dc_bounds_t){1, 1e7};
    }
    return (dc_bounds_t){0, 0};
}

void dc_run_stage_begin(dc_run_t *run, const char *name)
{
    if (run->nstages >= DC_MAX_STAGES) dc_die("too many stages");
    dc_stage_t *s = &run->stages[run->nstages];
    assert(!s->name);   /* no stage open */
    s->name = name;
    s->seconds = dc_now();
    s->rows = 0;
    s->peak_rss = 0;
    dc_progress_begin(name, 0);
    dc_log(2, "stage %s", name);
}

void dc_run_stage_end(dc_run_t *run, uint64_t rows)
{
    assert(run->nstages < DC_MAX_STAGES && run->stages[run->nstages].name);   /* a stage is open */
    dc_stage_t *s = &run->stages[run->nstages++];
    s->seconds = dc_now() - s->seconds;
    s->rows = rows;
    s->peak_rss = dc_peak_rss_bytes();
    size_t rss = dc_rss_bytes();
    dc_spill_release(run);   /* out of core: the stage's resident records leave the process */
    char a[32], b[32], c[32];
    dc_log(2, "stage %s: %.3f s, peak RSS %s, RSS %s at its end%s%s", s->name, s->seconds,
           dc_format_size(s->peak_rss, a), dc_format_size(rss, b), run->spill ? ", after dropping the records' pages " : "",
           run->spill ? dc_format_size(dc_rss_bytes(), c) : "");
    dc_progress_set(rows);
    dc_progress_end();
}
