/*
 * spfrec -- SPF records checked before libspf2 sees them.  See spfrec.h.
 *
 * The parser walks the record once, term by term, with no allocation:
 * each term is checked against its rule of RFC 7208 section 12 and, if
 * the evaluation needs it, copied to the output.  A domain-spec's
 * expansion is measured, not made: the length each macro gives with this
 * evaluation's values, after its transformers.
 */
#include "zmconfig.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "spfrec.h"

#define DELIMITERS	".-+,/_="
#define DOMAIN_LETTERS	"slodiphv"	/* c, r and t only in exp text */
#define ANY_LETTERS	"slodiphvcrt"

/* A macro-string as measured: its expanded length, its macros, where
 * the last one ended. */
struct spec {
	size_t expanded;
	unsigned macros;
	size_t macro_end;
};

/* One macro, "%{" letter transformers delimiters "}", as parsed. */
struct macro {
	char letter;			/* lower case */
	bool escaped;			/* upper case: URL-escaped */
	bool reverse;
	unsigned keep;			/* rightmost parts kept; 0: all */
	char delims[sizeof(DELIMITERS)];
};

static bool
unreserved(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/*
 * The length of value transformed by m (RFC 7208 7.3): split into parts
 * at the delimiters (default "."), reversed, the rightmost m->keep parts
 * kept, joined with dots, URL-escaped.
 */
static size_t
transformed_len(const char *value, const struct macro *m)
{
	const char *delims = m->delims[0] != '\0' ? m->delims : ".";
	size_t parts = 1, part = 0, kept = 0, len = 0;
	const char *p;
	bool keep;

	for (p = value; *p != '\0'; p++)
		if (strchr(delims, *p) != NULL)
			parts++;
	for (p = value;; p++) {
		/* Reversed, the rightmost parts kept are the first ones. */
		keep = m->keep == 0 || m->keep >= parts || (m->reverse ?
		    part < m->keep : part >= parts - m->keep);
		if (*p == '\0' || strchr(delims, *p) != NULL) {
			kept += keep;
			if (*p == '\0')
				break;
			part++;
		} else if (keep) {
			len += m->escaped && !unreserved(*p) ? 3 : 1;
		}
	}
	return len + (kept > 0 ? kept - 1 : 0);
}

/* What m expands to with values v, in bytes. */
static size_t
macro_len(const struct macro *m, const struct spfrec_values *v)
{
	const char *value = "";

	switch (m->letter) {
	case 's': value = v->sender; break;
	case 'l': value = v->local; break;
	case 'o': value = v->sender_domain; break;
	case 'd': value = v->domain; break;
	case 'h': value = v->helo; break;
	case 'i': value = v->ip; break;
	case 'v': value = v->ipv6 ? "ip6" : "in-addr"; break;
	case 'p':
		/* The client's validated name is known only once evaluated:
		 * counted as "unknown", what it is without one.  A longer one
		 * makes a name the resolver refuses (a temperror). */
		value = "unknown";
		break;
	}
	return transformed_len(value != NULL ? value : "", m);
}

/* Parse the macro at s (after "%{"), up to end; its length, with "}",
 * in *used.  NULL, or why it is malformed. */
static const char *
macro_parse(const char *s, const char *end, const char *letters,
    struct macro *m, size_t *used)
{
	const char *p = s;
	size_t ndelims = 0, ndigits = 0;

	memset(m, 0, sizeof(*m));
	if (p == end || *p == '\0' ||
	    strchr(letters, tolower((unsigned char)*p)) == NULL)
		return "unknown macro letter";
	m->letter = (char)tolower((unsigned char)*p);
	m->escaped = isupper((unsigned char)*p) != 0;
	for (p++; p < end && isdigit((unsigned char)*p); p++) {
		if (++ndigits > 3)
			return "macro keeps too many parts";
		m->keep = m->keep * 10 + (unsigned)(*p - '0');
	}
	if (ndigits > 0 && (m->keep == 0 || m->keep > 128))
		return "macro keeps too many parts";
	if (p < end && (*p == 'r' || *p == 'R')) {
		m->reverse = true;
		p++;
	}
	for (; p < end && *p != '\0' && strchr(DELIMITERS, *p) != NULL; p++) {
		if (ndelims == sizeof(m->delims) - 1)
			return "macro has too many delimiters";
		m->delims[ndelims++] = *p;
	}
	if (p == end || *p != '}')
		return "unterminated macro";
	*used = (size_t)(p + 1 - s);
	return NULL;
}

/*
 * Check a macro-string (len bytes, printable ASCII without spaces) with
 * the macro letters allowed, measuring its expansion with values v (NULL:
 * not measured).  NULL, or why it is malformed.
 */
static const char *
macro_string(const char *s, size_t len, const char *letters,
    const struct spfrec_values *v, struct spec *spec)
{
	const char *end = s + len, *why;
	struct macro m;
	size_t used;

	memset(spec, 0, sizeof(*spec));
	while (s < end) {
		if (*s != '%') {
			spec->expanded++;
			s++;
			continue;
		}
		if (s + 1 == end)
			return "'%' at the end of a macro-string";
		switch (s[1]) {
		case '%':
		case '_':
			spec->expanded += 1;
			s += 2;
			spec->macro_end = len - (size_t)(end - s);
			continue;
		case '-':
			spec->expanded += 3;	/* "%20" */
			s += 2;
			spec->macro_end = len - (size_t)(end - s);
			continue;
		case '{':
			break;
		default:
			return "'%' not followed by {, %, _ or -";
		}
		if ((why = macro_parse(s + 2, end, letters, &m, &used)) != NULL)
			return why;
		if (++spec->macros > SPFREC_MACROS_MAX)
			return "more than 8 macros in a term";
		if (v != NULL)
			spec->expanded += macro_len(&m, v);
		s += 2 + used;
		spec->macro_end = len - (size_t)(end - s);
	}
	return NULL;
}

/* RFC 7208's toplabel: letters, digits and inner hyphens, not all digits
 * unless a hyphen is in it. */
static bool
toplabel(const char *s, size_t len)
{
	size_t i;
	bool alpha = false, hyphen = false;

	if (len == 0 || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] == '-')
			hyphen = true;
		else if (isalpha((unsigned char)s[i]))
			alpha = true;
		else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return alpha || hyphen;
}

/* A domain-spec (len bytes) the evaluation will expand and look up.
 * NULL, or why it is not one. */
static const char *
domain_spec(const char *s, size_t len, const struct spfrec_values *v)
{
	struct spec spec;
	const char *why, *dot;
	size_t n = len;

	if (len == 0)
		return "empty domain-spec";
	if ((why = macro_string(s, len, DOMAIN_LETTERS, v, &spec)) != NULL)
		return why;
	if (spec.expanded > SPFREC_NAME_MAX)
		return "domain-spec expands to more than 253 bytes";
	/* domain-end: a macro, or "." toplabel; a trailing dot allowed. */
	if (s[n - 1] == '.')
		n--;
	if (spec.macro_end > 0 && spec.macro_end == n)
		return NULL;
	for (dot = s + n; dot > s && dot[-1] != '.'; dot--)
		;
	if (dot == s || !toplabel(dot, (size_t)(s + n - dot)))
		return "domain-spec does not end in a top-level label";
	return NULL;
}

/* The number of digits at the end of s[0..len). */
static size_t
trailing_digits(const char *s, size_t len)
{
	size_t k = 0;

	while (k < len && isdigit((unsigned char)s[len - 1 - k]))
		k++;
	return k;
}

/* A CIDR length of k digits at s: no leading zero, at most max. */
static bool
cidr_ok(const char *s, size_t k, unsigned max)
{
	unsigned n = 0;
	size_t i;

	if (k == 0 || k > 3 || (k > 1 && s[0] == '0'))
		return false;
	for (i = 0; i < k; i++)
		n = n * 10 + (unsigned)(s[i] - '0');
	return n <= max;
}

/*
 * Strip a dual-cidr-length ("/24", "//64", "/24//64") from the end of
 * s[0..*len).  False if one is there but malformed.
 */
static bool
strip_dual_cidr(const char *s, size_t *len)
{
	size_t n = *len, k = trailing_digits(s, n);

	if (k > 0 && n >= k + 2 && s[n - k - 1] == '/' && s[n - k - 2] == '/') {
		if (!cidr_ok(s + n - k, k, 128))
			return false;
		n -= k + 2;
		k = trailing_digits(s, n);
	}
	if (k > 0 && n >= k + 1 && s[n - k - 1] == '/' &&
	    (n < k + 2 || s[n - k - 2] != '/')) {
		if (!cidr_ok(s + n - k, k, 32))
			return false;
		n -= k + 1;
	}
	*len = n;
	return true;
}

/* ":" address [ "/" length ] of ip4 or ip6 (rest, len bytes). */
static const char *
ip_network(const char *rest, size_t len, int family)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned char bytes[16];
	const char *slash;
	size_t alen;

	if (len < 2 || rest[0] != ':')
		return "ip4 and ip6 need an address";
	rest++;
	len--;
	slash = memchr(rest, '/', len);
	alen = slash != NULL ? (size_t)(slash - rest) : len;
	if (alen == 0 || alen >= sizeof(addr))
		return "malformed address in ip4 or ip6";
	memcpy(addr, rest, alen);
	addr[alen] = '\0';
	if (inet_pton(family, addr, bytes) != 1)
		return "malformed address in ip4 or ip6";
	len -= alen;
	if (slash != NULL && (trailing_digits(slash + 1, len - 1) != len - 1 ||
	    !cidr_ok(slash + 1, len - 1, family == AF_INET ? 32 : 128)))
		return "malformed CIDR length";
	return NULL;
}

enum domain_rule {
	DOMAIN_NONE,		/* all */
	DOMAIN_REQUIRED,	/* include, exists */
	DOMAIN_OPTIONAL,	/* ptr */
	DOMAIN_CIDR,		/* a, mx: optional, and a dual-cidr-length */
	DOMAIN_IP4,
	DOMAIN_IP6
};

static const struct {
	const char *name;
	enum domain_rule rule;
} mechanisms[] = {
	{ "all", DOMAIN_NONE },
	{ "include", DOMAIN_REQUIRED },
	{ "exists", DOMAIN_REQUIRED },
	{ "ptr", DOMAIN_OPTIONAL },
	{ "a", DOMAIN_CIDR },
	{ "mx", DOMAIN_CIDR },
	{ "ip4", DOMAIN_IP4 },
	{ "ip6", DOMAIN_IP6 },
};

/* A mechanism: name (nlen bytes) then the rest of the term. */
static const char *
mechanism(const char *name, size_t nlen, const char *rest, size_t len,
    const struct spfrec_values *v)
{
	size_t i;

	for (i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++)
		if (strlen(mechanisms[i].name) == nlen &&
		    strncasecmp(name, mechanisms[i].name, nlen) == 0)
			break;
	if (i == sizeof(mechanisms) / sizeof(mechanisms[0]))
		return "unknown mechanism";
	switch (mechanisms[i].rule) {
	case DOMAIN_NONE:
		return len == 0 ? NULL : "all takes no value";
	case DOMAIN_IP4:
		return ip_network(rest, len, AF_INET);
	case DOMAIN_IP6:
		return ip_network(rest, len, AF_INET6);
	case DOMAIN_CIDR:
		if (!strip_dual_cidr(rest, &len))
			return "malformed CIDR length";
		/* FALLTHROUGH */
	case DOMAIN_OPTIONAL:
		if (len == 0)
			return NULL;
		/* FALLTHROUGH */
	case DOMAIN_REQUIRED:
		if (len == 0 || rest[0] != ':')
			return "mechanism needs \":domain\"";
		return domain_spec(rest + 1, len - 1, v);
	}
	return "unknown mechanism";
}

/* The state of a record's check: what was seen of the modifiers. */
struct record {
	unsigned redirects, exps;
};

/* A modifier: name=value.  *keep: whether the evaluation needs it. */
static const char *
modifier(const char *name, size_t nlen, const char *value, size_t len,
    const struct spfrec_values *v, struct record *rec, bool *keep)
{
	struct spec spec;

	*keep = false;
	if (!isalpha((unsigned char)name[0]))
		return "modifier name must start with a letter";
	if (nlen == 8 && strncasecmp(name, "redirect", 8) == 0) {
		if (++rec->redirects > 1)
			return "redirect= given twice";
		*keep = true;
		return domain_spec(value, len, v);
	}
	if (nlen == 3 && strncasecmp(name, "exp", 3) == 0) {
		if (++rec->exps > 1)
			return "exp= given twice";
		/* Never expanded: no explanation is fetched. */
		return len == 0 ? "empty domain-spec"
		    : macro_string(value, len, DOMAIN_LETTERS, NULL, &spec);
	}
	return macro_string(value, len, ANY_LETTERS, NULL, &spec);
}

/* One term (len bytes, no space).  *keep: whether it goes to libspf2. */
static const char *
term(const char *t, size_t len, const struct spfrec_values *v,
    struct record *rec, bool *keep)
{
	bool qualified = t[0] == '+' || t[0] == '-' || t[0] == '~' ||
	    t[0] == '?';
	const char *name = t + qualified;
	size_t n, rest = len - qualified;

	if (len > SPFREC_TERM_MAX)
		return "term longer than 320 bytes";
	for (n = 0; n < rest && (isalnum((unsigned char)name[n]) ||
	    name[n] == '-' || name[n] == '_' || name[n] == '.'); n++)
		;
	if (n > 0 && n < rest && name[n] == '=') {
		if (qualified)
			return "a modifier takes no qualifier";
		return modifier(name, n, name + n + 1, rest - n - 1, v, rec,
		    keep);
	}
	*keep = true;
	for (n = 0; n < rest && isalnum((unsigned char)name[n]); n++)
		;
	return mechanism(name, n, name + n, rest - n, v);
}

enum spfrec_status
spfrec_check(const char *txt, size_t len, const struct spfrec_values *v,
    char *out, size_t outlen, const char **why)
{
	struct record rec = { 0, 0 };
	size_t i, start, used = 6, terms = 0;
	bool keep;

	*why = NULL;
	if (len < 6 || strncasecmp(txt, "v=spf1", 6) != 0 ||
	    (len > 6 && txt[6] != ' '))
		return SPFREC_NOT_SPF;
	if (len > SPFREC_RECORD_MAX) {
		*why = "record longer than 2048 bytes";
		return SPFREC_INVALID;
	}
	for (i = 0; i < len; i++) {
		if (txt[i] < ' ' || txt[i] > '~') {
			*why = "record holds a byte that is not printable ASCII";
			return SPFREC_INVALID;
		}
	}
	if (outlen < len + 1) {
		*why = "no room for the record";
		return SPFREC_INVALID;
	}
	memcpy(out, "v=spf1", 6);
	for (i = 6; i < len; i = start) {
		while (i < len && txt[i] == ' ')
			i++;
		for (start = i; start < len && txt[start] != ' '; start++)
			;
		if (start == i)
			break;
		if (++terms > SPFREC_TERMS_MAX) {
			*why = "more than 64 terms";
			return SPFREC_INVALID;
		}
		if ((*why = term(txt + i, start - i, v, &rec, &keep)) != NULL)
			return SPFREC_INVALID;
		if (keep) {
			/* Never ahead of the input: out may be txt. */
			out[used++] = ' ';
			memmove(out + used, txt + i, start - i);
			used += start - i;
		}
	}
	out[used] = '\0';
	return SPFREC_OK;
}
