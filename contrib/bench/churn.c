/*
 * churn -- 1,000,000 distinct hosts through the embedded store, as a
 * botnet's churn would send them: how much it holds, and what that
 * costs in memory (mallinfo2).
 *
 *   build/contrib/bench/churn [HOSTS [MAX_HOSTS]]   (1000000 100000)
 *
 * The default windows (1m/6, 1h/12, 24h/24), one message each, a
 * thousand a second; prints the keys held and the bytes allocated after
 * every tenth of the run.  t/unit/test_store_mem.c checks the behaviour
 * (bounded, quarantines kept); this states the figure.
 */
#include "zmconfig.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

int
main(int argc, char **argv)
{
	static const struct window_spec specs[] = { { 60, 6 }, { 3600, 12 },
		{ 86400, 24 } };
	long hosts = argc > 1 ? atol(argv[1]) : 1000000;
	unsigned long max = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	struct store *st = store_mem_new(specs, 3, max, 86400);
	struct store_subject s;
	struct mallinfo2 m;
	char key[32];
	time_t now;
	long i;

	if (st == NULL || hosts < 10) {
		fprintf(stderr, "usage: churn [HOSTS (>= 10) [MAX_HOSTS]]\n");
		return 2;
	}
	for (i = 0; i < hosts; i++) {
		now = 1000 + i / 1000;
		snprintf(key, sizeof(key), "10.%ld.%ld.%ld", i >> 16 & 255,
		    i >> 8 & 255, i & 255);
		memset(&s, 0, sizeof(s));
		s.key = key;
		if (st->ops->rate_update(st, &s, 1, &now, 1, 1, NULL) != STORE_OK)
			return 1;
		if ((i + 1) % (hosts / 10) == 0) {
			m = mallinfo2();
			printf("after %ld hosts: %lu keys held, %.1f MB allocated"
			    " (%.0f bytes a key)\n", i + 1, store_mem_count(st),
			    m.uordblks / 1e6,
			    (double)m.uordblks / store_mem_count(st));
		}
	}
	store_free(st);
	return 0;
}
