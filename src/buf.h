/*
 * buf — the one growable string type (git's strbuf contract with curl's dynbuf cap).
 *
 * Invariants: after buf_init() `b->ptr` is never NULL and always NUL-terminated;
 * `b->len` < `b->cap`; the buffer never grows past `b->max` bytes of content.
 * An append that would fail (no memory, or over `max`) frees the buffer, leaves it
 * empty-but-valid (ptr points at a static "") and returns -1, so a caller that ignores
 * nothing never sees half a string.  The owner calls buf_free() (safe on a failed buffer).
 * buf_detach() hands the heap string to the caller, who frees it with free(3).
 */
#ifndef MAJOROPS_BUF_H
#define MAJOROPS_BUF_H

#include <stddef.h>
#include <stdarg.h>

#define BUF_WARN_UNUSED __attribute__((warn_unused_result))
#define BUF_PRINTF(a, b) __attribute__((format(printf, a, b)))

struct buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;
};

/* Prepares an empty buffer that refuses to hold more than `max` bytes. */
void buf_init(struct buf *b, size_t max);
void buf_free(struct buf *b);
/* Empties the buffer, keeping its allocation. */
void buf_reset(struct buf *b);
/* Returns the heap string (caller frees) and leaves `b` empty; NULL if no memory. */
char *buf_detach(struct buf *b);

int buf_append(struct buf *b, const void *data, size_t len) BUF_WARN_UNUSED;
int buf_append_str(struct buf *b, const char *s) BUF_WARN_UNUSED;
int buf_append_char(struct buf *b, char c) BUF_WARN_UNUSED;
int buf_printf(struct buf *b, const char *fmt, ...) BUF_WARN_UNUSED BUF_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) BUF_WARN_UNUSED BUF_PRINTF(2, 0);

/* Copies at most size-1 bytes of `src` into `dst` and always terminates; returns the
 * length of `src` so truncation is visible (strlcpy semantics). */
size_t str_copy(char *dst, const char *src, size_t size);

/* Copies `src` without its leading and trailing white space (truncating to size-1 bytes). */
void str_trim_copy(char *dst, const char *src, size_t size);

#endif
