/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed keys, times and presentation parameters shared by the fuzz
 * harnesses (fuzz_cose, fuzz_cred, fuzz_present) and the seed generator
 * gen_corpus.c, so that the committed seeds verify inside the harnesses.
 * Test-only secrets: never use them for anything else.
 */
#ifndef STADSPAS_TESTS_FUZZ_KEYS_H
#define STADSPAS_TESTS_FUZZ_KEYS_H

#define FUZZ_REP8(b) b, b, b, b, b, b, b, b
#define FUZZ_REP32(b) FUZZ_REP8(b), FUZZ_REP8(b), FUZZ_REP8(b), FUZZ_REP8(b)

/*
 * COSE harness keys: the keys of the COSE WG examples in
 * tests/vectors/external/cose-wg-examples (Ed25519 "11" of eddsa-sig-01,
 * which is RFC 8032 test 1; P-256 "11" of sign1-tests), so that the
 * examples' signatures verify in fuzz_cose as well as our own seeds.
 */
#define FUZZ_COSE_ED25519_SEED { \
	0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, \
	0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, \
	0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60 }
#define FUZZ_COSE_P256_SCALAR { \
	0x57, 0xc9, 0x20, 0x77, 0x66, 0x41, 0x46, 0xe8, 0x76, 0x76, 0x0c, \
	0x95, 0x20, 0xd0, 0x54, 0xaa, 0x93, 0xc3, 0xaf, 0xb0, 0x4e, 0x30, \
	0x67, 0x05, 0xdb, 0x60, 0x90, 0x30, 0x85, 0x07, 0xb4, 0xd3 }
/* External AAD of sign1-tests/sign-pass-02 (also used by our seeds). */
#define FUZZ_COSE_AAD { \
	0x11, 0xaa, 0x22, 0xbb, 0x33, 0xcc, 0x44, 0xdd, 0x55, 0x00, 0x66, \
	0x99 }
/* The payload that detached seeds were signed over. */
#define FUZZ_COSE_DETACHED "This is the content."

/* stadspas issuer and holder keys (sp_key_from_seed). */
#define FUZZ_ISSUER_ED25519_SEED { FUZZ_REP32(0x11) }
#define FUZZ_ISSUER_P256_SEED { FUZZ_REP32(0x12) }
#define FUZZ_HOLDER_ED25519_SEED { FUZZ_REP32(0x21) }
#define FUZZ_HOLDER_P256_SEED { FUZZ_REP32(0x22) }
/* Seed for deterministic salts (sp_pass_issue's seed_salts). */
#define FUZZ_SALT_SEED { FUZZ_REP32(0x5a) }

/* Times: passes are valid from FUZZ_NOW - 30 days to FUZZ_NOW + 1 year;
 * presentations are made at FUZZ_NOW and verified a little later. */
#define FUZZ_NOW ((int64_t)1767225600)	/* 2026-01-01T00:00:00Z */
#define FUZZ_IAT (FUZZ_NOW - 30 * 86400)
#define FUZZ_EXP (FUZZ_NOW + 365 * 86400)
#define FUZZ_VERIFY_NOW (FUZZ_NOW + 5)

/* Key-binding parameters of the seeds that carry them. */
#define FUZZ_AUDIENCE "GM0363"
#define FUZZ_NONCE { \
	0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x2d, 0x30, 0x31, 0x02, 0x03, 0x05, \
	0x07, 0x0b, 0x0d, 0x11, 0x13 }
#define FUZZ_OFFER 4242u
#define FUZZ_COUNTER 7u

#endif /* STADSPAS_TESTS_FUZZ_KEYS_H */
