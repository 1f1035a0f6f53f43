/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_run.c - `dancu run`: not built yet (see the open issues). */
#include "dc_cli.h"
#include "../common/dc_common.h"

int dc_cmd_run(int argc, char **argv)
{
    DC_UNUSED(argc);
    DC_UNUSED(argv);
    dc_error("'dancu run' is not built yet");
    return DC_EXIT_FAIL;
}
