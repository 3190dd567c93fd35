/*
 * A growing byte buffer, always NUL-terminated after buf_cstr().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cw.h"

/* An empty buffer. */
void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

/* Release the buffer's memory. */
void
buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

/* Empty the buffer, keeping its memory. */
void
buf_reset(struct buf *b)
{
	b->len = 0;
}

/* Make room for n more bytes and the NUL. */
static void
buf_reserve(struct buf *b, size_t n)
{
	size_t	 want = b->len + n + 1;

	if (want <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < want)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

/* Append n bytes. */
void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

/* Append one byte. */
void
buf_addc(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->data[b->len++] = c;
}

/* Append a C string. */
void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append printf output. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 room = 128;
	int	 n;

	for (;;) {
		buf_reserve(b, room);
		va_start(ap, fmt);
		n = vsnprintf(b->data + b->len, room + 1, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n <= room)
			break;
		room = (size_t)n;
	}
	b->len += (size_t)n;
}

/* Append a JSON value printed compactly, without a temporary string. */
void
buf_add_json(struct buf *b, cJSON *j)
{
	size_t	 room = 256;

	for (;;) {
		buf_reserve(b, room);
		/* cJSON wants a little slack beyond what it writes. */
		if (cJSON_PrintPreallocated(j, b->data + b->len, (int)room,
		    0)) {
			b->len += strlen(b->data + b->len);
			return;
		}
		if (room > (size_t)1 << 30)
			fatalx("buf_add_json: object too large");
		room *= 4;
	}
}

/* Append ,"name":"s" with s escaped, or ,"name":null for NULL. */
void
buf_add_member(struct buf *b, const char *name, const char *s)
{
	cJSON	*j = s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull();

	buf_printf(b, ",\"%s\":", name);
	buf_add_json(b, j);
	cJSON_Delete(j);
}

/* The contents as a C string (valid until the next change). */
const char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 0);
	b->data[b->len] = '\0';
	return b->data;
}
