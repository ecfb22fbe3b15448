/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `stadspas <command> [args]`: dispatches to the subcommands of the table
 * below. Later components add their commands (wallet, till, admin) here.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#ifndef SP_VERSION
#define SP_VERSION "unknown"
#endif

static const struct cli_cmd commands[] = {
	{ .name = "admin", .run = cmd_admin,
	    .summary = "manage residents, providers, offers via issuerd" },
	{ .name = "inspect", .run = cmd_inspect,
	    .summary = "decode and check an SP1:/HC1: QR payload" },
#ifdef SP_HAVE_TILL
	{ .name = "till", .run = cmd_till,
	    .summary = "a provider's till: sync, verify, redeem, export" },
#endif
	{ .name = "wallet", .run = cmd_wallet,
	    .summary = "a resident's wallet: enrol, list, present passes" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f,
	    "usage: stadspas <command> [args]\n"
	    "       stadspas <command> --help\n"
	    "       stadspas --help | --version\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			char help[] = "--help";
			char *sub[] = { argv[2], help, NULL };

			for (i = 0; i < NCOMMANDS; i++)
				if (strcmp(argv[2], commands[i].name) == 0)
					return commands[i].run(2, sub);
			fprintf(stderr, "stadspas: unknown command '%s'\n",
			    argv[2]);
			return CLI_USAGE;
		}
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("stadspas %s\n", SP_VERSION);
		return CLI_OK;
	}
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "stadspas: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_USAGE;
}
