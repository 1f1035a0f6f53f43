/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_gen.c - `dancu gen`: not built yet (see the open issues). */
#include "dc_cli.h"
#include "../common/dc_common.h"

int dc_cmd_gen(int argc, char **argv)
{
    DC_UNUSED(argc);
    DC_UNUSED(argv);
    dc_error("'dancu gen' is not built yet");
    return DC_EXIT_FAIL;
}
