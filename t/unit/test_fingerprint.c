/*
 * The body fingerprint: normalisation (line ends, whitespace, blank
 * lines), chunk boundaries anywhere, the digest itself against an
 * independent SHA-256, and no fingerprint for short bodies.
 */
#include "testutil.h"

#include <openssl/evp.h>

#include "fingerprint.h"

/* Normalised, this is NORMALISED below. */
static const char raw_body[] =
    "  Hello  there,\r\n"
    "\r\n"
    "\tThis is\t\ta  test of the  fingerprint normaliser. \r\n"
    " \t \r\n"
    "Second line here;   nothing more\n"
    "\n\n";

#define NORMALISED \
    "Hello there,\n" \
    "This is a test of the fingerprint normaliser.\n" \
    "Second line here; nothing more\n"

/* printf 'Hello there,\nThis is a test of the fingerprint normaliser.\n
 * Second line here; nothing more\n' | sha256sum */
#define NORMALISED_SHA256 \
    "50d5b446c9cc1fdc6fe68e53da2bc67b23e1e9005a85fc8e5718f92755200183"

static int
setup(void **state)
{
	(void)state;
	return fingerprint_init() ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	fingerprint_cleanup();
	return 0;
}

/* The fingerprint of len bytes fed in the chunks of the given sizes (the
 * rest in one last chunk); false if none. */
static bool
fp_chunks(const void *body, size_t len, const size_t *sizes, size_t nsizes,
    char hex[FINGERPRINT_HEX])
{
	const unsigned char *p = body;
	struct fingerprint *fp = fingerprint_new();
	size_t i, off = 0;

	assert_non_null(fp);
	for (i = 0; i < nsizes && off < len; i++) {
		size_t n = sizes[i] < len - off ? sizes[i] : len - off;

		fingerprint_update(fp, p + off, n);
		off += n;
	}
	fingerprint_update(fp, p + off, len - off);
	memset(hex, 'x', FINGERPRINT_HEX);
	return fingerprint_final(fp, hex);
}

static bool
fp_of(const char *body, char hex[FINGERPRINT_HEX])
{
	return fp_chunks(body, strlen(body), NULL, 0, hex);
}

/* SHA-256 of text, by OpenSSL's one-shot digest, in hex. */
static void
sha256_hex(const void *text, size_t len, char hex[FINGERPRINT_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;

	assert_int_equal(EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void
fingerprint_is_sha256_of_the_normalised_text(void **state)
{
	char hex[FINGERPRINT_HEX], want[FINGERPRINT_HEX];

	(void)state;
	/* The oracle: sha256sum of the normalised text, hard-coded. */
	assert_true(fp_of(NORMALISED, hex));
	assert_int_equal(strlen(hex), 64);
	assert_string_equal(hex, NORMALISED_SHA256);
	assert_true(fp_of(raw_body, hex));
	assert_string_equal(hex, NORMALISED_SHA256);
	/* And OpenSSL's one-shot digest agrees. */
	sha256_hex(NORMALISED, strlen(NORMALISED), want);
	assert_string_equal(want, NORMALISED_SHA256);
}

static void
fingerprint_normalises_line_ends_and_whitespace(void **state)
{
	static const char *const same[] = {
		/* LF, CRLF, CR only, mixed */
		"Hello there,\nThis is a test of the fingerprint normaliser.\n"
		"Second line here; nothing more\n",
		"Hello there,\r\nThis is a test of the fingerprint normaliser."
		"\r\nSecond line here; nothing more\r\n",
		"Hello there,\rThis is a test of the fingerprint normaliser.\r"
		"Second line here; nothing more\r",
		"Hello there,\n\rThis is a test of the fingerprint normaliser."
		"\r\r\n\nSecond line here; nothing more",
		/* no final line end */
		"Hello there,\nThis is a test of the fingerprint normaliser.\n"
		"Second line here; nothing more",
		/* doubled spaces and tabs inside lines */
		"Hello \t there,\nThis  is a\ttest of  the\t\tfingerprint "
		"normaliser.\nSecond   line here;\t nothing more\n",
		/* leading and trailing whitespace */
		"   Hello there,   \n\t\tThis is a test of the fingerprint "
		"normaliser.\t\n \t Second line here; nothing more \t \n",
		/* blank and whitespace-only lines anywhere */
		"\n\r\n  \r\n\tHello there,\n\n\n \t \nThis is a test of the "
		"fingerprint normaliser.\r\n\r\n\r\nSecond line here; nothing "
		"more\n \n\t\n\r\n",
	};
	char hex[FINGERPRINT_HEX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		if (!fp_of(same[i], hex))
			fail_msg("case %zu: no fingerprint", i);
		if (strcmp(hex, NORMALISED_SHA256) != 0)
			fail_msg("case %zu: %s, want %s", i, hex,
			    NORMALISED_SHA256);
	}
}

static void
fingerprint_tells_different_words_apart(void **state)
{
	static const char *const other[] = {
		/* a changed word */
		"Hello there,\nThis is a test of the fingerprint normalizer.\n"
		"Second line here; nothing more\n",
		/* a space is not nothing: runs collapse, they do not vanish */
		"Hello there,\nThis is a test of the fingerprint normaliser.\n"
		"Second line here; nothingmore\n",
		/* a line end is not a space */
		"Hello there, This is a test of the fingerprint normaliser.\n"
		"Second line here; nothing more\n",
		/* case matters */
		"hello there,\nThis is a test of the fingerprint normaliser.\n"
		"Second line here; nothing more\n",
		/* other whitespace is not spaces or tabs */
		"Hello there,\nThis is a test of the fingerprint normaliser.\n"
		"Second line here;\vnothing more\n",
	};
	char hex[FINGERPRINT_HEX], first[FINGERPRINT_HEX];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_true(fp_of(other[i], hex));
		if (strcmp(hex, NORMALISED_SHA256) == 0)
			fail_msg("case %zu has the reference fingerprint", i);
		/* and no two of them agree */
		for (j = 0; j < i; j++) {
			assert_true(fp_of(other[j], first));
			if (strcmp(hex, first) == 0)
				fail_msg("cases %zu and %zu agree", j, i);
		}
	}
}

static void
fingerprint_ignores_chunk_boundaries(void **state)
{
	size_t len = strlen(raw_body), i, j, sizes[2];
	char hex[FINGERPRINT_HEX];

	(void)state;
	/* Split in two at every offset, CR|LF and runs of blanks included. */
	for (i = 0; i <= len; i++) {
		sizes[0] = i;
		if (!fp_chunks(raw_body, len, sizes, 1, hex) ||
		    strcmp(hex, NORMALISED_SHA256) != 0)
			fail_msg("split at %zu: %s", i, hex);
	}
	/* In three at every pair of offsets, empty chunks included. */
	for (i = 0; i <= len; i++) {
		for (j = 0; i + j <= len; j++) {
			sizes[0] = i;
			sizes[1] = j;
			if (!fp_chunks(raw_body, len, sizes, 2, hex) ||
			    strcmp(hex, NORMALISED_SHA256) != 0)
				fail_msg("split at %zu and %zu: %s", i, i + j,
				    hex);
		}
	}
	/* One byte at a time. */
	{
		struct fingerprint *fp = fingerprint_new();

		assert_non_null(fp);
		for (i = 0; i < len; i++)
			fingerprint_update(fp, (const unsigned char *)raw_body + i,
			    1);
		assert_true(fingerprint_final(fp, hex));
		assert_string_equal(hex, NORMALISED_SHA256);
	}
}

/* A body much longer than any internal buffer, in one chunk and in odd
 * ones, against the digest of the normalised text built alongside it. */
static void
fingerprint_of_a_long_body(void **state)
{
	size_t cap = 64 * 1024, len = 0, nlen = 0, i, sizes[64];
	char *body = malloc(cap), *norm = malloc(cap);
	char hex[FINGERPRINT_HEX], want[FINGERPRINT_HEX], word[32];
	unsigned line;

	(void)state;
	assert_non_null(body);
	assert_non_null(norm);
	for (line = 0; len + 200 < cap; line++) {
		int k, n = (int)(line % 7) + 1;

		len += (size_t)snprintf(body + len, cap - len, "%s",
		    line % 3 == 0 ? " \t" : "");
		for (k = 0; k < n; k++) {
			snprintf(word, sizeof(word), "w%u.%d", line, k);
			len += (size_t)snprintf(body + len, cap - len, "%s%s",
			    word, k + 1 < n ? (k % 2 ? "\t \t" : "   ") : "  ");
			nlen += (size_t)snprintf(norm + nlen, cap - nlen, "%s%s",
			    word, k + 1 < n ? " " : "\n");
		}
		len += (size_t)snprintf(body + len, cap - len, "%s",
		    line % 4 == 0 ? "\r\n\r\n" : line % 4 == 1 ? "\n" :
		    line % 4 == 2 ? "\r" : "\r\n");
	}
	sha256_hex(norm, nlen, want);
	assert_true(fp_chunks(body, len, NULL, 0, hex));
	assert_string_equal(hex, want);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		sizes[i] = 1 + (i * 997) % 5003;
	assert_true(fp_chunks(body, len, sizes, 64, hex));
	assert_string_equal(hex, want);
	free(body);
	free(norm);
}

static void
fingerprint_none_for_a_short_body(void **state)
{
	char body[256], hex[FINGERPRINT_HEX], want[FINGERPRINT_HEX];
	struct fingerprint *fp;

	(void)state;
	assert_int_equal(FINGERPRINT_MIN_BYTES, 64);
	/* 62 letters and the line end: 63 normalised bytes, one short. */
	memset(body, 'a', 62);
	body[62] = '\0';
	assert_false(fp_of(body, hex));
	/* However much whitespace pads it. */
	snprintf(body, sizeof(body), "\r\n\r\n   %.62s   \t\t\r\n\r\n\n\n   \n",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_false(fp_of(body, hex));
	/* Two words, 31 and 30 letters and one space: still 63. */
	snprintf(body, sizeof(body), "%.31s \t  %.30s\n",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "cccccccccccccccccccccccccccccccccccccccccc");
	assert_false(fp_of(body, hex));
	/* 63 letters: 64 normalised bytes, the minimum. */
	memset(body, 'a', 63);
	body[63] = '\0';
	assert_true(fp_of(body, hex));
	memcpy(body + 63, "\n", 2);
	sha256_hex(body, 64, want);
	assert_string_equal(hex, want);
	/* Empty bodies: nothing fed, or only blank lines. */
	assert_false(fp_of("", hex));
	assert_false(fp_of("\r\n\r\n \t \r\n", hex));
	fp = fingerprint_new();
	assert_non_null(fp);
	assert_false(fingerprint_final(fp, hex));
	/* "ok, thanks" never looks like a campaign. */
	assert_false(fp_of("ok, thanks\r\n", hex));
	/* NULL is fine to drop or finish. */
	fingerprint_free(NULL);
	assert_false(fingerprint_final(NULL, hex));
	/* One dropped unfinished leaks nothing (valgrind/ASan would say). */
	fp = fingerprint_new();
	assert_non_null(fp);
	fingerprint_update(fp, (const unsigned char *)raw_body, strlen(raw_body));
	fingerprint_free(fp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fingerprint_is_sha256_of_the_normalised_text),
		cmocka_unit_test(fingerprint_normalises_line_ends_and_whitespace),
		cmocka_unit_test(fingerprint_tells_different_words_apart),
		cmocka_unit_test(fingerprint_ignores_chunk_boundaries),
		cmocka_unit_test(fingerprint_of_a_long_body),
		cmocka_unit_test(fingerprint_none_for_a_short_body),
	};

	return cmocka_run_group_tests_name("fingerprint", tests, setup,
	    teardown);
}
