/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clusters.c - release of the clusters of a run (dc_run.h). Kept apart from
 * run.c so that users of dc_clusters_t need not link the loader. */
#include "run/dc_run.h"

#include <stdlib.h>   /* free */
#include <string.h>   /* memset */

void dc_clusters_free(dc_clusters_t *cl)
{
    free(cl->of);
    free(cl->off);
    free(cl->members);
    free(cl->prob);
    free(cl->key);
    memset(cl, 0, sizeof *cl);
}
