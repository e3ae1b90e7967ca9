/*
 * auth_cli — the command-line verbs of accounts (auth.h): `majorops user …`,
 * `majorops token …`, and `majorops routes` (the route table as JSON, for the
 * authorization matrix test).  Each takes argv from the verb on and returns the exit status.
 */
#ifndef MAJOROPS_AUTH_CLI_H
#define MAJOROPS_AUTH_CLI_H

int auth_cli_user(int argc, char **argv);
int auth_cli_token(int argc, char **argv);
int auth_cli_routes(int argc, char **argv);

#endif
