/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The status history of one status list (settle.h): every event of the
 * issuer's status log in log order, so settlement can ask what the status
 * of a pass copy was at the moment it was redeemed, not what it is now.
 * Events are appended to one array; an open-addressing table maps an
 * index to its newest event, and each event links to the previous event
 * of the same index, so a lookup walks only that index's few events.
 */
#include "settle.h"

#include <stdlib.h>
#include <string.h>

#include "stadspas/sp_registry.h"

#define HIST_MAX_EVENTS (1u << 26)	/* 64 Mi events: far above any city */
#define NONE UINT32_MAX

struct hist_event {
	uint32_t idx;
	uint32_t prev;		/* previous event of idx, NONE */
	int64_t time;
	unsigned status;
};

struct hist_slot {
	uint32_t idx;
	uint32_t last;		/* newest event of idx, NONE: empty slot */
};

struct stl_history {
	struct hist_event *ev;
	size_t n, cap;
	struct hist_slot *tab;
	size_t tab_cap;		/* power of two */
	size_t used;
};

int
stl_history_new(struct stl_history **out)
{
	struct stl_history *h;

	if (out == NULL)
		return SP_ERR_INVALID_ARG;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return SP_ERR_NOMEM;
	*out = h;
	return SP_OK;
}

void
stl_history_free(struct stl_history **hp)
{
	if (hp == NULL || *hp == NULL)
		return;
	free((*hp)->ev);
	free((*hp)->tab);
	free(*hp);
	*hp = NULL;
}

static size_t
slot_of(const struct stl_history *h, uint32_t idx)
{
	size_t mask = h->tab_cap - 1;
	size_t i = ((size_t)idx * 0x9e3779b1u) & mask;

	while (h->tab[i].last != NONE && h->tab[i].idx != idx)
		i = (i + 1) & mask;
	return i;
}

static int
grow_table(struct stl_history *h)
{
	struct hist_slot *old = h->tab;
	size_t i, cap = h->tab_cap, ncap = cap == 0 ? 64 : cap * 2;

	if ((h->tab = malloc(ncap * sizeof(*h->tab))) == NULL) {
		h->tab = old;
		return SP_ERR_NOMEM;
	}
	for (i = 0; i < ncap; i++)
		h->tab[i].last = NONE;
	h->tab_cap = ncap;
	for (i = 0; i < cap; i++)
		if (old[i].last != NONE)
			h->tab[slot_of(h, old[i].idx)] = old[i];
	free(old);
	return SP_OK;
}

static int
grow_events(struct stl_history *h)
{
	struct hist_event *p;
	size_t ncap = h->cap == 0 ? 256 : h->cap * 2;

	if ((p = realloc(h->ev, ncap * sizeof(*p))) == NULL)
		return SP_ERR_NOMEM;
	h->ev = p;
	h->cap = ncap;
	return SP_OK;
}

int
stl_history_add(struct stl_history *h, uint32_t idx, unsigned status,
    int64_t time)
{
	size_t s;
	int r;

	if (h == NULL || status > SP_STATUS_SUSPENDED)
		return SP_ERR_INVALID_ARG;
	if (h->n >= HIST_MAX_EVENTS)
		return SP_ERR_TOO_LARGE;
	if (h->n == h->cap && (r = grow_events(h)) != SP_OK)
		return r;
	if ((h->used + 1) * 2 > h->tab_cap && (r = grow_table(h)) != SP_OK)
		return r;
	s = slot_of(h, idx);
	if (h->tab[s].last == NONE) {
		h->tab[s].idx = idx;
		h->used++;
	}
	h->ev[h->n] = (struct hist_event){ .idx = idx, .prev = h->tab[s].last,
	    .time = time, .status = status };
	h->tab[s].last = (uint32_t)h->n++;
	return SP_OK;
}

unsigned
stl_history_status(const struct stl_history *h, uint32_t idx, int64_t t)
{
	uint32_t e;

	if (h == NULL || h->tab_cap == 0)
		return SP_STATUS_VALID;
	/* Newest first: the first event at or before t is the one in force. */
	for (e = h->tab[slot_of(h, idx)].last; e != NONE; e = h->ev[e].prev)
		if (h->ev[e].time <= t)
			return h->ev[e].status;
	return SP_STATUS_VALID;
}
