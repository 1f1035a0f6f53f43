/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cmd_explain.c - `dancu explain`: not built yet (see the open issues). */
#include "dc_cli.h"
#include "../common/dc_common.h"

int dc_cmd_explain(int argc, char **argv)
{
    DC_UNUSED(argc);
    DC_UNUSED(argv);
    dc_error("'dancu explain' is not built yet");
    return DC_EXIT_FAIL;
}
