/* The entry point of mailnoc: options, configuration, then a mode. */
#ifndef MAILNOC_MAILNOC_H
#define MAILNOC_MAILNOC_H

/* Runs mailnoc and returns its exit code (see core/exitcode.h). */
int mailnoc_main(int argc, char **argv);

#endif
