/* SPDX-License-Identifier: Apache-2.0 */
/* The reconnect schedule of `stadspas till sync --follow`: 1 s doubling to
 * 60 s, scaled by the jitter (+-20 %). */
#include "check.h"
#include "ws_client.h"

int
main(void)
{
	CHECK(cli_ws_backoff_ms(0, 1000, 60000, 1000) == 1000);
	CHECK(cli_ws_backoff_ms(1, 1000, 60000, 1000) == 2000);
	CHECK(cli_ws_backoff_ms(5, 1000, 60000, 1000) == 32000);
	CHECK(cli_ws_backoff_ms(6, 1000, 60000, 1000) == 60000);
	CHECK(cli_ws_backoff_ms(31, 1000, 60000, 1000) == 60000);
	CHECK(cli_ws_backoff_ms(1000, 1000, 60000, 1000) == 60000);
	CHECK(cli_ws_backoff_ms(0, 1000, 60000, 800) == 800);
	CHECK(cli_ws_backoff_ms(0, 1000, 60000, 1200) == 1200);
	CHECK(cli_ws_backoff_ms(10, 1000, 60000, 1200) == 72000);
	CHECK(cli_ws_backoff_ms(3, 1000, 5000, 1000) == 5000);
	return check_report("test_ws_backoff");
}
