/*
 * gzip — the gzip content coding of a document (RFC 9110 §8.4.1.3) and whether a client
 * accepts it.
 *
 * The public status page renders each document once per change and serves it to a crowd;
 * compressing it once then is what lets a phone on a poor network, a CDN and the
 * aggregators that poll summary.json take a quarter of the bytes.  Pure apart from zlib.
 */
#ifndef MAJOROPS_GZIP_H
#define MAJOROPS_GZIP_H

#include <stdbool.h>
#include <stddef.h>

/* A document shorter than this goes out as it is: gzip's 18 bytes of framing and the
 * Vary header eat what it would save. */
#define GZIP_MIN_BYTES 512
/* A gzipped representation's strong ETag is the plain one with this before the closing
 * quote: "<tag>" → "<tag>-gz". */
#define GZIP_ETAG_SUFFIX "-gz"

/* The gzip member of the `len` bytes at `data`, from malloc(3) (the caller frees it), its
 * length in *out_len; NULL when zlib or memory fails. */
char *gzip_compress(const void *data, size_t len, size_t *out_len);

/* Whether serving `zlen` gzipped bytes instead of `len` is worth a second representation:
 * the document is at least GZIP_MIN_BYTES and gzip saves a tenth (an image would not). */
bool gzip_worth_it(size_t len, size_t zlen);

/* True when an Accept-Encoding field value lets the server answer with gzip: "gzip" or
 * "x-gzip" with a non-zero q, or else "*" with a non-zero q.  NULL (no field) is false, so
 * a client that says nothing gets the identity bytes, as most servers do. */
bool gzip_accepted(const char *accept_encoding);

#endif
