/*
 * The xmalloc family: allocation failure aborts here, so no caller
 * checks for NULL.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cw.h"

/* malloc or die. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		fatal("xmalloc: %zu bytes", size);
	return p;
}

#define XMALLOC_HUGE	((size_t)2 * 1024 * 1024)	/* a huge page */

/*
 * Zeroed memory for a big table (the call table's slots, call pools) on
 * huge pages where the kernel gives them (madvise mode): at a million
 * calls the tables span hundreds of megabytes, and with 4 KiB pages every
 * event's lookups miss the TLB as well as the cache.  Smaller requests
 * are plain xcalloc.  Freed with free().
 */
void *
xcalloc_big(size_t n, size_t size)
{
	void	*p;
	size_t	 len;

	if (n == 0 || size == 0 || n > SIZE_MAX / size ||
	    (len = n * size) < XMALLOC_HUGE / 2)
		return xcalloc(n, size);
	len = (len + XMALLOC_HUGE - 1) & ~(XMALLOC_HUGE - 1);
	if (posix_memalign(&p, XMALLOC_HUGE, len) != 0)
		fatal("xcalloc_big: %zu bytes", len);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	memset(p, 0, len);
	return p;
}

/* calloc or die. */
void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		fatal("xcalloc: %zu x %zu bytes", n, size);
	return p;
}

/* realloc or die. */
void *
xrealloc(void *old, size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = realloc(old, size)) == NULL)
		fatal("xrealloc: %zu bytes", size);
	return p;
}

/* reallocarray or die, overflow included. */
void *
xreallocarray(void *old, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size) {
		errno = ENOMEM;
		fatal("xreallocarray: %zu x %zu bytes", n, size);
	}
	return xrealloc(old, n * size);
}

/* strdup or die. */
char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

/* A NUL-terminated copy of the first len bytes of s, or die. */
char *
xstrndup(const char *s, size_t len)
{
	char	*p;

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* asprintf or die. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("xasprintf");
	return n;
}
