/* SPDX-License-Identifier: GPL-3.0-or-later */
/* load_params.c - the bounds of dc_load_opts_t's numeric options (dc_loader.h). */
#include "dc_loader.h"

dc_bounds_t dc_load_param_bounds(dc_load_param_t p)
{
    switch (p) {
    case DC_LOAD_P_MAX_FIELD: return (dc_bounds_t){16, 256.0 * 1024 * 1024};
    case DC_LOAD_P_CHUNK_SIZE: return (dc_bounds_t){64, 1024.0 * 1024 * 1024};
    }
    return (dc_bounds_t){0, 0};
}
