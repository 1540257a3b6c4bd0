/* main() for every txkit program: see tx.h. */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tx.h"

/* tx_help_pages[], generated from the man pages by man/help.py */
#include "src/lib/help.inc"

void tx_help(FILE *fp, const char *prog)
{
	const struct tx_help *h;

	for (h = tx_help_pages; h->prog; h++)
		if (!strcmp(h->prog, prog))
			break;
	if (h->prog)
		fprintf(fp, "\nOptions:\n%s", h->options);
	fprintf(fp, "\n%s --version prints the version. The details are in %s(1).\n", prog, prog);
}

int tx_help_exit(void (*usage)(FILE *), const char *prog)
{
	usage(stdout);
	tx_help(stdout, prog);
	return TX_EXIT_OK;
}

void tx_usage_error(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", tx_progname);
}

int tx_no_more_args(int argc, char **argv, int first)
{
	if (first >= argc)
		return 0;
	tx_error("unexpected argument '%s'", argv[first]);
	tx_usage_error();
	return TX_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	const char *slash;
	int status;

	tx_progname = argv[0] ? argv[0] : "tx";
	slash = strrchr(tx_progname, '/');
	if (slash)
		tx_progname = slash + 1;
	/* Numbers are parsed and printed by hand; "C" keeps libc out of it. */
	setlocale(LC_ALL, "C");
	/* A closed pipe must be an EPIPE the program sees, not a silent death. */
	signal(SIGPIPE, SIG_IGN);

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("%s (txkit) %s\n", tx_progname, PACKAGE_VERSION);
		status = TX_EXIT_OK;
	} else {
		status = cmd_main(argc, argv);
	}

	return tx_close_stdout(status);
}
