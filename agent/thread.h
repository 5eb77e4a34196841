/* The threads of mailnocd beside the main one: each leaves the signals to
 * the main thread and waits on conditions against the monotonic clock. */
#ifndef MAILNOC_AGENT_THREAD_H
#define MAILNOC_AGENT_THREAD_H

#include <pthread.h>

/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
void thread_cond_init(pthread_cond_t *cond);

/*
 * Starts fn(arg) with every signal blocked, so that they all go to the
 * main thread. Returns 0, or pthread_create's error number.
 */
int thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
