/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Issuer log (real LMDB files) to till mirror: bootstrap from a snapshot,
 * a week offline while the municipality revokes, suspends and reinstates
 * with a checkpoint every 5 minutes, then one delta catches the till up to
 * the same list, byte for byte. Also: the log survives a reopen and goes
 * on producing deltas the mirror accepts.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "pass_int.h"
#include "stadspas/sp_registry.h"
#include "testutil.h"

#define LIST_ID 3
#define T0 1767225600

struct world {
	char dir[64];
	struct reg_log *log;
	struct reg_log_config cfg;
	struct sp_key *key;
	uint8_t kid[SP_KID_LEN];
	struct sp_trust *trust;
	struct sp_reg_mirror *m;
};

static const struct sig_priv *
priv(const struct world *w)
{
	return &w->key->priv;
}

static void
world_init(struct world *w)
{
	uint8_t seed[SP_SEED_LEN], cose[128];
	size_t cl = sizeof(cose);

	memset(w, 0, sizeof(*w));
	snprintf(w->dir, sizeof(w->dir), "/tmp/sp-e2e-XXXXXX");
	CHECK(mkdtemp(w->dir) != NULL);
	w->cfg = (struct reg_log_config){
		.list_id = LIST_ID, .bits = 2, .capacity = 100000,
	};
	memset(seed, 0x31, sizeof(seed));
	CHECK(sp_key_from_seed(&w->key, SP_ALG_EDDSA, seed) == SP_OK);
	sp_key_kid(w->key, w->kid);
	CHECK(sp_key_public_cose(w->key, cose, &cl) == SP_OK);
	CHECK(sp_trust_new(&w->trust) == SP_OK);
	CHECK(sp_trust_add_cose_key(w->trust, cose, cl) == SP_OK);
	CHECK(reg_log_open(&w->log, w->dir, &w->cfg) == SP_OK);
	CHECK(sp_reg_mirror_new(&w->m, LIST_ID, w->trust) == SP_OK);
}

static void
world_clear(struct world *w)
{
	char cmd[128];

	sp_reg_mirror_free(&w->m);
	reg_log_close(&w->log);
	sp_trust_free(&w->trust);
	sp_key_free(&w->key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	CHECK(system(cmd) == 0);
}

static bool
mirror_matches_log(const struct world *w)
{
	const struct reg_list *l = reg_log_list(w->log);
	size_t len;
	const uint8_t *p = sp_reg_mirror_list(w->m, &len);

	return p != NULL && len == l->len && memcmp(p, l->bytes, len) == 0 &&
	    sp_reg_mirror_size(w->m) == reg_log_size(w->log);
}

static void
issue_some(struct world *w, uint32_t *idx, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(reg_log_assign(w->log, &idx[i]) == SP_OK);
}

static void
test_week(void)
{
	struct world w;
	struct sp_buf buf;
	uint32_t idx[200];
	uint64_t seq, x = 99, before;
	int64_t t;
	unsigned changes = 0;

	world_init(&w);
	sp_buf_init(&buf);
	issue_some(&w, idx, 200);
	CHECK(reg_log_append(w.log, idx[0], REG_REVOKED, 1, T0, &seq) ==
	    SP_OK && seq == 1);
	CHECK(reg_log_checkpoint(w.log, priv(&w), w.kid, SP_KID_LEN, T0 + 60,
	    NULL) == SP_OK);
	CHECK(reg_log_snapshot(w.log, priv(&w), w.kid, SP_KID_LEN,
	    "https://gm0014.example/status/3", T0 + 60, 300, &buf) == SP_OK);
	CHECK(sp_reg_mirror_bootstrap(w.m, buf.ptr, buf.len) == SP_OK);
	CHECK(mirror_matches_log(&w));
	before = reg_log_size(w.log);

	/* A week: a status change every ~hour, checkpoints when due. */
	for (t = T0 + 300; t <= T0 + 7 * 86400; t += 300) {
		if (t % 3600 == 0) {
			uint32_t i;
			unsigned cur, next;

			x = x * 6364136223846793005u + 1442695040888963407u;
			i = idx[(x >> 33) % 200];
			cur = reg_list_get(reg_log_list(w.log), i);
			next = cur == REG_VALID ? ((x >> 7) & 1 ? REG_REVOKED :
			    REG_SUSPENDED) : cur == REG_SUSPENDED ? REG_VALID :
			    REG_REVOKED;
			if (next != cur && reg_log_append(w.log, i, next, 2, t,
			    &seq) == SP_OK)
				changes++;
		}
		if (reg_log_checkpoint_due(w.log, t, 300))
			CHECK(reg_log_checkpoint(w.log, priv(&w), w.kid,
			    SP_KID_LEN, t, NULL) == SP_OK);
	}
	CHECK(reg_log_checkpoint_time(w.log) == T0 + 7 * 86400);
	CHECK(reg_log_delta(w.log, before, &buf) == SP_OK);
	CHECK(sp_reg_mirror_apply(w.m, buf.ptr, buf.len) == SP_OK);
	CHECK(mirror_matches_log(&w));
	CHECK(sp_reg_mirror_age(w.m, T0 + 7 * 86400 + 5) == 5);
	printf("e2e: a week offline, %u changes, caught up with one delta of "
	    "%zu bytes; list identical (%zu bytes)\n", changes, buf.len,
	    reg_log_list(w.log)->len);

	/* The issuer restarts; the log and the deltas go on. */
	reg_log_close(&w.log);
	CHECK(reg_log_open(&w.log, w.dir, &w.cfg) == SP_OK);
	before = reg_log_size(w.log);
	CHECK(reg_log_append(w.log, idx[1], REG_REVOKED, 1, T0 + 8 * 86400,
	    &seq) == SP_OK && seq == before + 1);
	CHECK(reg_log_checkpoint(w.log, priv(&w), w.kid, SP_KID_LEN,
	    T0 + 8 * 86400, NULL) == SP_OK);
	CHECK(reg_log_delta(w.log, before, &buf) == SP_OK);
	CHECK(sp_reg_mirror_apply(w.m, buf.ptr, buf.len) == SP_OK);
	CHECK(mirror_matches_log(&w));
	sp_buf_clear(&buf);
	world_clear(&w);
}

int
main(void)
{
	test_week();
	return check_report("test_registry_e2e");
}
