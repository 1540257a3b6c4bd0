/* txtop: a live terminal dashboard of a transaction stream (txtop(1)). */
#include <stdio.h>

#include "tx.h"

int cmd_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tx_error("not built yet");
	return TX_EXIT_SOFTWARE;
}
