/*
 * fuzz_address -- libFuzzer target: what the milter makes of the
 * envelope sender and the SASL login the client sent (lib/address.c,
 * lib/hostkey.c).
 *
 * An input is the text (up to its first NUL, 2048 bytes at most), used
 * as an envelope address, a host name and a login.  Asserted:
 * address_domain() and address_sender() write a NUL within their
 * buffers, nothing when they answer false, a domain without '@' or
 * '>'; address_is_hostname() agrees with a plain reading of its contract
 * (labels of 1..63 letters, digits, '-' or '_', at most 253 bytes with
 * one trailing dot allowed, two labels at least, the last not all
 * digits); hostkey_user() answers false for the empty login only, and
 * writes "user:" and the login's letters, digits and "@._+-" as they are,
 * or "user:=" and its bytes in hex.  A failed assertion is a finding
 * (abort).
 */
#include "zmconfig.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "hostkey.h"

#define TEXT_MAX	2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
label_char(char c)
{
	return isascii((unsigned char)c) && (isalnum((unsigned char)c) ||
	    c == '-' || c == '_');
}

/* address_is_hostname()'s contract, read plainly. */
static bool
is_hostname(const char *name, size_t len)
{
	size_t i, start = 0, labels = 0;
	bool digits = true;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (i == start || i - start > 63)
				return false;
			labels++;
			start = i + 1;
			continue;
		}
		if (!label_char(name[i]))
			return false;
	}
	for (i = len; i > 0 && name[i - 1] != '.'; i--)
		if (!isdigit((unsigned char)name[i - 1]))
			digits = false;
	return labels >= 2 && !digits;
}

static void
check_user(const char *login)
{
	char key[USERKEY_MAX + 8];
	size_t i, n = strlen(login);
	bool plain = n <= HOSTKEY_LOGIN_MAX;

	memset(key, 'Z', sizeof(key));
	if (!hostkey_user(login, key)) {
		if (n != 0)
			abort();
		return;
	}
	if (n == 0 || strnlen(key, USERKEY_MAX) >= USERKEY_MAX ||
	    strncmp(key, "user:", 5) != 0)
		abort();
	for (i = 0; i < n && plain; i++)
		if (!isascii((unsigned char)login[i]) ||
		    !(isalnum((unsigned char)login[i]) ||
		    strchr("@._+-", login[i]) != NULL))
			plain = false;
	if (plain) {
		if (strcmp(key + 5, login) != 0)
			abort();
		return;
	}
	if (key[5] != '=')
		abort();
	for (i = 6; key[i] != '\0'; i++)
		if (!isxdigit((unsigned char)key[i]))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[TEXT_MAX + 1];
	char domain[ADDRESS_DOMAIN_KEPT + 1 + 8], small[8 + 8];
	char sender[ADDRESS_MAX + 8];
	size_t n = size < TEXT_MAX ? size : TEXT_MAX;

	memcpy(text, data, n);
	text[n] = '\0';
	n = strlen(text);

	memset(domain, 'Z', sizeof(domain));
	if (address_domain(text, domain, ADDRESS_DOMAIN_KEPT + 1)) {
		if (strnlen(domain, ADDRESS_DOMAIN_KEPT + 1) > ADDRESS_DOMAIN_KEPT ||
		    domain[0] == '\0' || strpbrk(domain, "@>") != NULL)
			abort();
	}
	memset(small, 'Z', sizeof(small));
	if (address_domain(text, small, 8) && strnlen(small, 8) > 7)
		abort();
	memset(sender, 'Z', sizeof(sender));
	if (address_sender(text, sender)) {
		if (strnlen(sender, ADDRESS_MAX) >= ADDRESS_MAX ||
		    strchr(sender, '@') == NULL)
			abort();
	} else if (sender[0] != '\0') {
		abort();
	}
	if (address_is_hostname(text, n) != is_hostname(text, n))
		abort();
	check_user(text);
	return 0;
}
