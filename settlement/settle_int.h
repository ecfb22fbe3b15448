/* SPDX-License-Identifier: Apache-2.0 */
/* The settlement handle, shared by settle.c (import) and report.c. */
#ifndef STADSPAS_SETTLEMENT_SETTLE_INT_H
#define STADSPAS_SETTLEMENT_SETTLE_INT_H

#include "records.h"
#include "settle.h"

struct stl {
	struct reg_db db;
};

/* The first 8 hex digits of a till fingerprint, NUL-terminated. */
void stl_till8(char out[9], const uint8_t fp[STL_FP_LEN]);

#endif /* STADSPAS_SETTLEMENT_SETTLE_INT_H */
