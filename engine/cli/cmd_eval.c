/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_eval.c - `dancu eval`: not built yet (see the open issues). */
#include "dc_cli.h"
#include "../common/dc_common.h"

int dc_cmd_eval(int argc, char **argv)
{
    DC_UNUSED(argc);
    DC_UNUSED(argv);
    dc_error("'dancu eval' is not built yet");
    return DC_EXIT_FAIL;
}
