/*
 * originstat.c - the originstat client: one binary, several subcommands.
 *
 * Each subcommand lives in its own file with a NAME_main(argc, argv) that
 * parses its own options (getopt_long) and returns an exit status from
 * sysexits.h; this file only dispatches.  To add one, write it and add a
 * line to the commands table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "collect.h"
#include "csvout.h"
#include "curve.h"
#include "report.h"
#include "summary.h"
#include "tail.h"

#ifndef ORIGINSTAT_VERSION
#define ORIGINSTAT_VERSION "0.0.0-unknown"
#endif

struct command {
	const char	*name;
	int		(*main)(int, char *[]);
	const char	*about;
};

/*
 * originstat keygen OUT: a CurveZMQ key pair in OUT.key and OUT.pub
 * (docs/wire.md, "Private streams").  Small enough to live here.
 */
static int
keygen_main(int argc, char *argv[])
{
	char err[1024];
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		printf("usage: originstat keygen OUT\n\n"
		    "Write a new CurveZMQ key pair: OUT.key, the secret key\n"
		    "(mode 0600), and OUT.pub, the public key, each one line\n"
		    "of 40 Z85 characters.  Existing files are never\n"
		    "overwritten.  Exit status: 0, 64 usage, 69 no CurveZMQ\n"
		    "in libzmq, 73 cannot create a file.\n");
		return EX_OK;
	}
	if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '\0') {
		fprintf(stderr, "usage: originstat keygen OUT\n");
		return EX_USAGE;
	}
	if (!curve_available()) {
		fprintf(stderr, "%s: this libzmq was built without CurveZMQ "
		    "(zmq_has(\"curve\") is false)\n", argv[0]);
		return EX_UNAVAILABLE;
	}
	if ((rc = curve_keygen(argv[1], err, sizeof(err))) != 0) {
		fprintf(stderr, "%s: %s\n", argv[0], err);
		return rc;
	}
	printf("%s.key: secret key (keep it private)\n"
	    "%s.pub: public key\n", argv[1], argv[1]);
	return EX_OK;
}

static const struct command commands[] = {
	{ "collect", collect_main,
	    "merge several originstatd sensors into one stream" },
	{ "csv", csvout_main,
	    "write an originstatd's CSV from its ZeroMQ stream" },
	{ "keygen", keygen_main,
	    "write a CurveZMQ key pair for a private stream" },
	{ "report", report_main,
	    "chart and hourly table of an originstatd CSV file" },
	{ "summary", summary_main,
	    "per-hour table of an originstatd CSV file" },
	{ "tail", tail_main,
	    "follow an originstatd's counts live" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: originstat COMMAND [OPTIONS] ...\n"
	    "       originstat --help | --version\n\n"
	    "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-10s  %s\n", commands[i].name,
		    commands[i].about);
	fprintf(fp, "\n\"originstat COMMAND --help\" describes a command.\n");
}

static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
main(int argc, char *argv[])
{
	const struct command	*cmd;
	const char		*arg = argc > 1 ? argv[1] : NULL;
	char			 prog[64];

	/*
	 * Global options are looked at by hand, not with getopt: getopt
	 * keeps state that would leak into the subcommand's own parsing.
	 */
	if (arg == NULL) {
		usage(stderr);
		return EX_USAGE;
	}
	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
	    strcmp(arg, "help") == 0) {
		if (argc > 2 && (cmd = command_find(argv[2])) != NULL) {
			char help[] = "--help";
			char *args[] = { argv[2], help, NULL };

			return cmd->main(2, args);
		}
		usage(stdout);
		return EX_OK;
	}
	if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
		printf("originstat %s\n", ORIGINSTAT_VERSION);
		return EX_OK;
	}
	if ((cmd = command_find(arg)) == NULL) {
		fprintf(stderr, "originstat: unknown command \"%s\"\n\n", arg);
		usage(stderr);
		return EX_USAGE;
	}
	/* getopt names argv[0] in its messages */
	snprintf(prog, sizeof(prog), "originstat %s", cmd->name);
	argv[1] = prog;
	return cmd->main(argc - 1, argv + 1);
}
