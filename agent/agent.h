/* mailnocd: the agent on every node (policy service and heartbeat). */
#ifndef MAILNOC_AGENT_H
#define MAILNOC_AGENT_H

/* Runs mailnocd and returns its exit code (see core/exitcode.h). */
int agent_main(int argc, char **argv);

#endif
