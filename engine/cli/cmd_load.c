/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_load.c - `dancu load`: not built yet (see the open issues). */
#include "dc_cli.h"
#include "../common/dc_common.h"

int dc_cmd_load(int argc, char **argv)
{
    DC_UNUSED(argc);
    DC_UNUSED(argv);
    dc_error("'dancu load' is not built yet");
    return DC_EXIT_FAIL;
}
