/* The version of mailnoc and mailnocd. */
#ifndef MAILNOC_VERSION_H
#define MAILNOC_VERSION_H

#define MAILNOC_VERSION "0.1.0"

#endif
