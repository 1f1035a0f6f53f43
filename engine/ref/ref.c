/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ref.c - lookup of the embedded reference files (see dc_ref.h). */
#include "ref/dc_ref.h"

#include <string.h>  /* strcmp */

const char *dc_ref_get(const char *name, size_t *len)
{
    for (size_t i = 0; i < dc_ref_nfiles; i++) {
        if (strcmp(dc_ref_files[i].name, name) == 0) {
            if (len) *len = dc_ref_files[i].len;
            return (const char *)dc_ref_files[i].data;
        }
    }
    if (len) *len = 0;
    return NULL;
}
