/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte-exact example of docs/FORMATS.md section 10.5: a redemption
 * record, its entry and a one-record batch, rebuilt from the till key
 * (Ed25519, seed 40 41 .. 5f) and the fields listed there, and compared
 * byte for byte; the batch must open. --print shows the hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check.h"
#include "pass_int.h"
#include "record.h"
#include "stadspas/sp_ledger.h"

static const char genesis_hex[] =
    "51167130daa4bd1ac2c3551d722f740592897d0c15d66d69d8422565e2fb25b1";
static const char record_hex[] =
    "8c01011a695b6f806270310119015e016d7377696d2f323032362d5730325071"
    "7171717171717171717171717171710144deadbeef582051167130daa4bd1ac2"
    "c3551d722f740592897d0c15d66d69d8422565e2fb25b1";
static const char head_hex[] =
    "b083f090f8eacd58a9440becf43baec1fe58aac63ee548f43faa8b8416c9a53e";
static const char entry_hex[] =
    "8258578c01011a695b6f806270310119015e016d7377696d2f323032362d5730"
    "3250717171717171717171717171717171710144deadbeef582051167130daa4"
    "bd1ac2c3551d722f740592897d0c15d66d69d8422565e2fb25b1584078e1e705"
    "bcc8e430bec0a3ada45684a11442933f4ab96fc4748037e36fbdd25f3c782f27"
    "8098eccc7075855cf8339961f199bbaf7b99611028b5447f3adb4a0a";
static const char batch_hex[] =
    "8449a2012704448cb46c0fa0590114a601050262703103a30101200621582025"
    "43b92ff1095511476adc8369db6ddc933665a11978dda1404ee1066ca9559d04"
    "582051167130daa4bd1ac2c3551d722f740592897d0c15d66d69d8422565e2fb"
    "25b105818258578c01011a695b6f806270310119015e016d7377696d2f323032"
    "362d57303250717171717171717171717171717171710144deadbeef58205116"
    "7130daa4bd1ac2c3551d722f740592897d0c15d66d69d8422565e2fb25b15840"
    "78e1e705bcc8e430bec0a3ada45684a11442933f4ab96fc4748037e36fbdd25f"
    "3c782f278098eccc7075855cf8339961f199bbaf7b99611028b5447f3adb4a0a"
    "065820b083f090f8eacd58a9440becf43baec1fe58aac63ee548f43faa8b8416"
    "c9a53e58403e259d1ea3d3c6aa7263c9ed6ab5f04c629d010b84420ff964f365"
    "d8590e03b084c5128fdd85f3b4466a2a8aba3e91188f3070ce395f6423de820e"
    "634a87f504";

static bool print;

static char *
hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	for (size_t i = 0; s != NULL && i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	if (s != NULL)
		s[2 * n] = '\0';
	return s;
}

static void
same(const char *name, const uint8_t *p, size_t n, const char *want)
{
	char *h = hex(p, n);

	if (print)
		printf("%s (%zu bytes):\n%s\n", name, n, h);
	CHECKF(h != NULL && strcmp(h, want) == 0, "%s differs", name);
	free(h);
}

int
main(int argc, char **argv)
{
	static const uint8_t pres[] = { 0xde, 0xad, 0xbe, 0xef };
	uint8_t seed[SP_SEED_LEN], gen[32], hash[32], head[32], cose[128];
	size_t cl = sizeof(cose);
	struct sp_key *till = NULL;
	struct sp_buf rec, ent, bat;
	struct sp_batch *b = NULL;
	struct sp_ledger_record lr;
	struct lrec r;

	print = argc > 1 && strcmp(argv[1], "--print") == 0;
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(0x40 + i);
	CHECK(sp_key_from_seed(&till, SP_ALG_EDDSA, seed) == SP_OK);
	CHECK(sp_key_public_cose(till, cose, &cl) == SP_OK);
	sp_buf_init(&rec);
	sp_buf_init(&ent);
	sp_buf_init(&bat);
	CHECK(lrec_genesis(gen, "p1") == SP_OK);
	same("genesis", gen, 32, genesis_hex);
	memset(&r, 0, sizeof(r));
	r.seq = 1;
	r.time = 1767600000;		/* 2026-01-05T08:00:00Z */
	strcpy(r.provider, "p1");
	r.offer = 1;
	r.amount_cents = 350;
	r.limit = 1;
	strcpy(r.scope, "swim/2026-W02");
	r.has_tag = true;
	memset(r.tag, 0x71, sizeof(r.tag));
	r.counter = 1;
	r.pres = pres;
	r.pres_len = sizeof(pres);
	memcpy(r.prev, gen, 32);
	CHECK(lrec_encode(&rec, &r) == SP_OK);
	same("record", rec.ptr, rec.len, record_hex);
	CHECK(lrec_entry_make(&ent, hash, head, &r, &till->priv) == SP_OK);
	same("head", head, 32, head_hex);
	same("entry", ent.ptr, ent.len, entry_hex);
	struct lbatch_spec s = {
		.provider = "p1", .till_cose = cose, .till_cose_len = cl,
		.prev = gen, .entries = ent.ptr, .entries_len = ent.len,
		.n = 1, .head = head,
	};
	CHECK(lbatch_encode(&bat, &s, &till->priv) == SP_OK);
	same("batch", bat.ptr, bat.len, batch_hex);
	CHECK(sp_batch_open(&b, bat.ptr, bat.len) == SP_OK);
	CHECK(sp_batch_record(b, 0, &lr) == SP_OK && lr.seq == 1 &&
	    lr.amount_cents == 350 && lr.presentation_len == 4);
	sp_batch_free(&b);
	sp_buf_clear(&rec);
	sp_buf_clear(&ent);
	sp_buf_clear(&bat);
	sp_key_free(&till);
	return check_report("vec_ledger");
}
