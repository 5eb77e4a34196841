/* The policy model: blocks, relay permits and agencies as the console, the
 * commands and the agent hold them (DESIGN.md §3). Pure: what reads and
 * writes them in Redis is backends/policy_store.h. */
#ifndef MAILNOC_POLICY_MODEL_H
#define MAILNOC_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/volume.h"

#define STORE_IP_MAX      46  /* with the NUL; IPv6 text form */
#define STORE_ID_MAX      65  /* agency ids: validate_name() */
#define STORE_TEXT_MAX   201  /* reasons, names, contacts, applications */
#define STORE_WHO_MAX     96
#define STORE_DOMAINS_MAX 1024 /* policy_input_domains' list, with the NUL */

/* Sparklines: the last hour by minute, the last day by hour. */
#define STORE_SPARK_MINUTES 60
#define STORE_SPARK_HOURS   24

struct block_entry {
	char ip[STORE_IP_MAX];
	char reason[STORE_TEXT_MAX];
	char who[STORE_WHO_MAX];
	long long since;     /* epoch seconds */
	long long until;     /* epoch seconds, 0: permanent */
	long long hits;      /* requests refused by this block */
	long long last_hit;  /* epoch seconds, 0: never */
	char agency[STORE_ID_MAX]; /* the IP's permit, "" when none */
	char malformed[STORE_TEXT_MAX]; /* why its hash cannot be read */
};

struct block_list {
	struct block_entry *v; /* by until, permanent ones last */
	size_t n;
};

struct permit_entry {
	char ip[STORE_IP_MAX];
	char agency[STORE_ID_MAX];
	char app[STORE_TEXT_MAX];   /* "" when not recorded */
	long long expected;         /* messages per day, -1: not recorded */
	char who[STORE_WHO_MAX];
	long long since;            /* epoch seconds, 0: not recorded */
	bool blocked;               /* block:{ip} exists */
	long long block_until;      /* when blocked: 0 permanent */
};

struct permit_list {
	struct permit_entry *v; /* by agency, then IP */
	size_t n;
};

struct agency {
	char id[STORE_ID_MAX];
	char name[STORE_TEXT_MAX];
	char contact[STORE_TEXT_MAX];
	long long daily;        /* declared messages per day, 0: not declared */
	long max_rcpts;         /* recipients per message, 0: no limit */
	long max_per_minute;    /* messages per minute, 0: no limit */
	long bulk_rcpts;        /* recipients per 10 minutes, -1: no limit */
	char domains[STORE_DOMAINS_MAX]; /* sending domains, "a,b"; "" none */
	size_t npermits;

	/* Filled by store_agencies_list with volumes = true. */
	long long minute[VOLUME_NMETRICS]; /* the current minute */
	long long hour[VOLUME_NMETRICS];   /* the last 60 minutes */
	long long day[VOLUME_NMETRICS];    /* the last 24 hours */
	long long rcpts_10min;             /* the bulk window */
	bool over_bulk;                    /* rcpts_10min > bulk limit */
	long long spark_minutes[STORE_SPARK_MINUTES]; /* msgs, oldest first */
	long long spark_hours[STORE_SPARK_HOURS];     /* msgs, oldest first */
	char malformed[STORE_TEXT_MAX]; /* why its hash cannot be read */

	/* Filled by bulk_attach (core/bulk.h): its announced bulk job active
	 * now, else its next one; bulk_id 0: none. */
	long long bulk_id;
	long long bulk_start, bulk_end;  /* epoch seconds */
	long long bulk_announced;        /* recipients announced */
	long long bulk_sent;             /* counted in the window so far */
	long long bulk_next;             /* next job's earliest start, 0 none */
	long bulk_jobs, bulk_due;        /* jobs announced, due by now */
	bool bulk_active;
};

struct agency_list {
	struct agency *v; /* by id */
	size_t n;
};

/* Which fields of an agency store_agency_put writes. */
enum agency_field {
	AGENCY_NAME = 0x01,
	AGENCY_CONTACT = 0x02,
	AGENCY_DAILY = 0x04,
	AGENCY_MAX_RCPTS = 0x08,
	AGENCY_MAX_PER_MINUTE = 0x10,
	AGENCY_BULK_RCPTS = 0x20,
	AGENCY_DOMAINS = 0x40,
};

/* One row of a relay inventory (permit import). */
struct permit_row {
	int line;                   /* in the file, for messages */
	char agency[STORE_ID_MAX];
	char app[STORE_TEXT_MAX];
	char ip[STORE_IP_MAX];
	long long expected;         /* -1: empty */
};

/* The bulk limit in force when bulk_rcpts is absent. */
#define STORE_BULK_DEFAULT 1000

void	block_list_free(struct block_list *l);
void	permit_list_free(struct permit_list *l);
void	agency_list_free(struct agency_list *l);

#endif
