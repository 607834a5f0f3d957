/*
 * Log escaping of client-controlled text.
 */
#include "testutil.h"

#include "logesc.h"

static void
logesc_escapes_controls_spaces_and_high_bytes(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ABC123.-@", "ABC123.-@" },
		{ "a b", "a\\x20b" },
		{ "x\r\nFake: line", "x\\x0d\\x0aFake:\\x20line" },
		{ "%s%n%%", "%s%n%%" },
		{ "\x01\x1f\x7f\x80\xff", "\\x01\\x1f\\x7f\\x80\\xff" },
		{ "back\\slash", "back\\x5cslash" },
		{ "", "" },
	};
	char buf[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(logesc(buf, sizeof(buf), cases[i].in),
		    cases[i].out);
	assert_string_equal(logesc(buf, sizeof(buf), NULL), "-");
}

static void
logesc_cuts_long_values_with_a_marker(void **state)
{
	char in[3000], buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) - 1; i++)
		in[i] = (char)(1 + i % 255);
	in[sizeof(in) - 1] = '\0';
	logesc(buf, sizeof(buf), in);
	assert_true(strlen(buf) < sizeof(buf));
	assert_string_equal(buf + strlen(buf) - 3, "...");
	for (i = 0; buf[i] != '\0'; i++)
		assert_true(buf[i] >= 0x21 && buf[i] <= 0x7e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(logesc_escapes_controls_spaces_and_high_bytes),
		cmocka_unit_test(logesc_cuts_long_values_with_a_marker),
	};

	return cmocka_run_group_tests_name("logesc", tests, NULL, NULL);
}
