/*
 * fingerprint -- normalised body SHA-256.  See fingerprint.h.
 */
#include "zmconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "fingerprint.h"

struct fingerprint {
	EVP_MD_CTX *md;
	size_t hashed;		/* normalised bytes so far */
	bool in_line;		/* a word has been seen on this line */
	bool space;		/* whitespace since the last word */
	bool failed;
};

static EVP_MD *sha256;

bool
fingerprint_init(void)
{
	if (sha256 == NULL)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	return sha256 != NULL;
}

void
fingerprint_cleanup(void)
{
	EVP_MD_free(sha256);
	sha256 = NULL;
}

struct fingerprint *
fingerprint_new(void)
{
	struct fingerprint *fp;

	if (sha256 == NULL || (fp = calloc(1, sizeof(*fp))) == NULL)
		return NULL;
	if ((fp->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(fp->md, sha256, NULL) != 1) {
		EVP_MD_CTX_free(fp->md);
		free(fp);
		return NULL;
	}
	return fp;
}

static void
emit(struct fingerprint *fp, const unsigned char *p, size_t n)
{
	if (n > 0 && EVP_DigestUpdate(fp->md, p, n) != 1)
		fp->failed = true;
	fp->hashed += n;
}

void
fingerprint_update(struct fingerprint *fp, const unsigned char *body,
    size_t len)
{
	unsigned char out[4096];
	size_t i, o = 0;
	unsigned char c;

	if (fp == NULL)
		return;
	for (i = 0; i < len; i++) {
		if (o + 2 > sizeof(out)) {
			emit(fp, out, o);
			o = 0;
		}
		c = body[i];
		if (c == '\r' || c == '\n') {
			if (fp->in_line)
				out[o++] = '\n';
			fp->in_line = fp->space = false;
		} else if (c == ' ' || c == '\t') {
			fp->space = fp->in_line;
		} else {
			if (fp->space)
				out[o++] = ' ';
			out[o++] = c;
			fp->in_line = true;
			fp->space = false;
		}
	}
	emit(fp, out, o);
}

bool
fingerprint_final(struct fingerprint *fp, char hex[FINGERPRINT_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0, i;
	bool ok;

	if (fp == NULL)
		return false;
	if (fp->in_line)
		emit(fp, (const unsigned char *)"\n", 1);
	ok = !fp->failed && fp->hashed >= FINGERPRINT_MIN_BYTES &&
	    EVP_DigestFinal_ex(fp->md, md, &mdlen) == 1 && mdlen == 32;
	for (i = 0; ok && i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	fingerprint_free(fp);
	return ok;
}

void
fingerprint_free(struct fingerprint *fp)
{
	if (fp == NULL)
		return;
	EVP_MD_CTX_free(fp->md);
	free(fp);
}
