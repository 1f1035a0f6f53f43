/* SPDX-License-Identifier: GPL-3.0-or-later */
/* stage.c - stage timing for the run report (dc_run.h). */
#include "dc_run.h"

void dc_run_stage_begin(dc_run_t *run, const char *name)
{
    if (run->nstages >= DC_MAX_STAGES) dc_die("too many stages");
    dc_stage_t *s = &run->stages[run->nstages];
    s->name = name;
    s->seconds = dc_now();
    s->rows = 0;
    s->peak_rss = 0;
    dc_progress_begin(name, 0);
    dc_log(2, "stage %s", name);
}

void dc_run_stage_end(dc_run_t *run, uint64_t rows)
{
    dc_stage_t *s = &run->stages[run->nstages++];
    s->seconds = dc_now() - s->seconds;
    s->rows = rows;
    s->peak_rss = dc_peak_rss_bytes();
    dc_progress_set(rows);
    dc_progress_end();
}
