/* SPDX-License-Identifier: Apache-2.0 */
/* The stadspas CLI's command table: one cmd_<name>.c per subcommand. */
#ifndef STADSPAS_CLI_CLI_H
#define STADSPAS_CLI_CLI_H

/* Exit codes shared by every subcommand. */
enum cli_exit {
	CLI_OK = 0,		/* valid / done */
	CLI_FAIL = 1,		/* invalid or undecodable input */
	CLI_USAGE = 2,		/* bad arguments, unreadable files */
	CLI_NOCONN = 3,		/* cannot connect to a server, TLS failure */
};

struct cli_cmd {
	const char *name;
	const char *summary;	/* one line for `stadspas --help` */
	/* argv[0] is the command name; returns an enum cli_exit. */
	int (*run)(int argc, char **argv);
};

int cmd_admin(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_wallet(int argc, char **argv);
int cmd_till(int argc, char **argv);

#endif /* STADSPAS_CLI_CLI_H */
