/* SPDX-License-Identifier: Apache-2.0 */
/* Umbrella header: everything a stadspas user needs. */
#ifndef STADSPAS_STADSPAS_H
#define STADSPAS_STADSPAS_H

#include "sp_err.h"
#include "sp_pass.h"
#include "sp_registry.h"
#include "sp_verifier.h"
#include "sp_ledger.h"
#include "sp_wallet.h"

#endif /* STADSPAS_STADSPAS_H */
