/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The till's redemption: verify a presentation (sp_presentation_verify:
 * issuer signature, disclosures, key binding) and record it durably
 * (sp_ledger_redeem: replay and limit look-ups, countersignature,
 * append, one synced LMDB commit), beside its floor measured in the
 * same run: two bare Ed25519 verifies (issuer and key binding), one bare
 * Ed25519 signature (the countersignature) and one bare durable commit of
 * an entry-sized value (as long as a redemption's stored record and
 * countersignature) in the same LMDB environment (a state blob rewritten
 * through the ledger's own store: same file, same filesystem). Within a
 * round each redemption is followed by one bare commit, so both see the
 * same disk; the ratio is taken per round and its median reported.
 * The directory is a fresh one under $SP_BENCH_DIR, else the current
 * directory (the project's disk: tmpfs would make fsync free).
 * Prints "BENCH <name> <value> <unit>" lines.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "bench_prims.h"
#include "ledger_int.h"
#include "lfix.h"
#include "record.h"

#define ROUNDS 9
#define OPS 50			/* redemptions per round */
#define VERIFY_ITERS 2000

static char root[300];

static void
die(const char *what, int r)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, sp_strerror(r));
	exit(1);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static const char *
fs_name(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) != 0)
		return "unknown";
	switch ((unsigned long)st.f_type) {
	case 0xef53:
		return "ext2/3/4";
	case 0x01021994:
		return "tmpfs";
	case 0x58465342:
		return "xfs";
	case 0x9123683e:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

/* ---- Floor: a bare durable commit in the ledger's environment ------- */

/* The length of a redemption's stored entry (record and
 * countersignature), read back after the first one. */
static size_t entry_len;

static void
entry_len_set(struct sp_ledger *l)
{
	uint8_t *e = NULL;
	size_t n = 0;
	int r;

	if ((r = ledger_raw_entry(l, 1, &e, &n)) != SP_OK)
		die("entry length", r);
	free(e);
	entry_len = n;
}

/* One put of an entry-sized value (different each time) and a durable
 * commit, through the ledger's own store. */
static uint64_t
bare_commit(struct sp_ledger *l, unsigned i)
{
	static const char name[] = "bench-bare";
	static uint8_t v[LREC_ENTRY_MAX];
	uint64_t t0 = bench_now_ns();
	int r;

	memset(v, 0xa5, entry_len);
	memcpy(v, &i, sizeof(i));
	if ((r = ledger_raw_put(l, LDB_STATE, name, sizeof(name) - 1, v,
	    entry_len)) != SP_OK)
		die("bare commit", r);
	return bench_now_ns() - t0;
}

/* ---- The till: verify + redeem ---------------------------------------- */

struct pres {
	uint8_t *p;
	size_t len;
};

static const char *const scopes[] = { "sport/2026" };
static const int claims[] = { SP_CLAIM_CATEGORY };

/* OPS presentations of offer 1 made before the clock starts (the
 * holder's phone makes them, not the till). */
static void
make_pres(struct lfix *f, struct pres *ps, uint64_t base)
{
	for (unsigned i = 0; i < OPS; i++) {
		struct sp_present_opts po = {
			.time = LFIX_T0 + 1000, .audience = LFIX_PROVIDER,
			.offer = 1, .counter = base + i, .disclose = claims,
			.disclose_count = 1, .scopes = scopes,
			.scope_count = 1,
		};
		int r = sp_present(&ps[i].p, &ps[i].len, f->issued,
		    f->issued_len, f->holder, &po);

		if (r != SP_OK)
			die("present", r);
	}
}

/* What a till does per scan: verify, build the verdict, redeem. */
static void
till_one(struct lfix *f, struct sp_ledger *l, const struct pres *ps)
{
	struct sp_verify_opts vo = SP_VERIFY_OPTS_DEFAULT;
	struct sp_presentation *p = NULL;
	struct sp_verdict vd;
	struct sp_receipt rc;
	int r;

	vo.now = LFIX_T0 + 1005;
	vo.audience = LFIX_PROVIDER;
	if ((r = sp_presentation_verify(&p, f->trust, &vo, ps->p, ps->len)) !=
	    SP_OK)
		die("verify", r);
	memset(&vd, 0, sizeof(vd));
	vd.approved = true;
	vd.offer = sp_presentation_offer(p, &vd.counter);
	vd.amount_cents = 350;
	vd.limit = 1000000;
	strcpy(vd.scope, "sport/2026");
	if ((r = sp_presentation_limit_tag(p, vd.scope, vd.tag)) != SP_OK)
		die("tag", r);
	sp_presentation_replay_id(p, vd.replay_id);
	vd.raw = ps->p;
	vd.raw_len = ps->len;
	if ((r = sp_ledger_redeem(l, &vd, LFIX_T0 + 1005, &rc)) != SP_OK ||
	    !vd.approved)
		die("redeem", r != SP_OK ? r : SP_ERR_INTERNAL);
	sp_presentation_free(&p);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

int
main(void)
{
	const char *base = getenv("SP_BENCH_DIR");
	char dir[400];
	struct lfix f;
	struct sp_ledger *l = NULL;
	struct pres ps[OPS];
	double redeem_ns[ROUNDS], bare_ns[ROUNDS], ed_ns[ROUNDS];
	double sign_ns[ROUNDS], ratio[ROUNDS], t_redeem, t_bare, t_ed, t_sig;
	int r;

	if (base == NULL || *base == '\0')
		base = ".";
	snprintf(root, sizeof(root), "%s/sp-bench-ledger-XXXXXX", base);
	if (mkdtemp(root) == NULL) {
		perror("bench_ledger: mkdtemp");
		return 1;
	}
	printf("# bench_ledger: %s (%s)\n", root, fs_name(root));
	if ((r = lfix_init(&f, 1)) != SP_OK)
		die("fixture", r);
	snprintf(dir, sizeof(dir), "%s/ledger", root);
	if ((r = sp_ledger_open(&l, dir, LFIX_PROVIDER, f.till)) != SP_OK)
		die("ledger open", r);
	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t t_r = 0, t_b = 0;

		make_pres(&f, ps, (uint64_t)i * OPS + 1);
		/* One redemption, one bare commit, in turn: both see the
		 * same disk. */
		for (unsigned j = 0; j < OPS; j++) {
			uint64_t t0 = bench_now_ns();

			till_one(&f, l, &ps[j]);
			t_r += bench_now_ns() - t0;
			if (entry_len == 0)
				entry_len_set(l);
			t_b += bare_commit(l, i * OPS + j);
		}
		redeem_ns[i] = (double)t_r / OPS;
		bare_ns[i] = (double)t_b / OPS;
		for (unsigned j = 0; j < OPS; j++)
			sp_bytes_free(ps[j].p, ps[j].len);
		ed_ns[i] = bench_ed25519_verify_ns(VERIFY_ITERS);
		sign_ns[i] = bench_ed25519_sign_ns(200, VERIFY_ITERS);
		if (ed_ns[i] < 0 || sign_ns[i] < 0)
			die("ed25519 baseline", SP_ERR_INTERNAL);
		ratio[i] = redeem_ns[i] / (2 * ed_ns[i] + sign_ns[i] +
		    bare_ns[i]);
	}
	t_redeem = median(redeem_ns, ROUNDS);
	t_bare = median(bare_ns, ROUNDS);
	t_ed = median(ed_ns, ROUNDS);
	t_sig = median(sign_ns, ROUNDS);
	printf("BENCH till_redeem %.0f ops/s\n", 1e9 / t_redeem);
	printf("BENCH till_redeem_bound %.0f ops/s\n", 1e9 / (2 * t_ed +
	    t_sig + t_bare));
	printf("BENCH till_redeem_vs_bound %.2f x\n", median(ratio, ROUNDS));
	printf("# bound: 2 bare Ed25519 verifies + 1 bare Ed25519 sign + 1 "
	    "bare durable commit (same env); ratio: median of %d per-round "
	    "ratios\n", ROUNDS);
	printf("# bare durable commit (%zu bytes) %.1f us, bare Ed25519 "
	    "verify %.1f us, sign %.1f us\n", entry_len, t_bare / 1e3,
	    t_ed / 1e3, t_sig / 1e3);
	sp_ledger_close(&l);
	lfix_clear(&f);
	if (nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror("bench_ledger: cleanup");
	return 0;
}
