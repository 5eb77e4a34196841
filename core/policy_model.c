/* The policy model's lists (core/policy_model.h). */
#include "core/policy_model.h"

#include <stdlib.h>

void
block_list_free(struct block_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
permit_list_free(struct permit_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
agency_list_free(struct agency_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
