/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Admin endpoints for residents (create, read, enrolment codes, revoke,
 * suspend, reinstate), the audit log and key rotation. Every state change
 * writes its audit entry in the same LMDB transaction. Status changes of
 * pass copies go to the status log (another LMDB environment) after the
 * resident's new state and its audit entry are committed; repeating a
 * request whose log write failed completes it. docs/HTTP_API.md.
 */
#ifndef STADSPAS_ISSUER_ADMIN_H
#define STADSPAS_ISSUER_ADMIN_H

struct iss_app;
struct iss_call;
struct iss_resp;

int iss_admin_residents_create(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_resident_get(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_resident_code(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_resident_revoke(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_resident_suspend(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_resident_reinstate(struct iss_app *a,
    const struct iss_call *c, struct iss_resp *resp);
int iss_admin_audit(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* GET /admin/keys: kid, fingerprint, current, and the trust version */
int iss_admin_keys_list(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
/* POST /admin/keys/{kid}/remove */
int iss_admin_keys_remove(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);
int iss_admin_keys_rotate(struct iss_app *a, const struct iss_call *c,
    struct iss_resp *resp);

#endif /* STADSPAS_ISSUER_ADMIN_H */
