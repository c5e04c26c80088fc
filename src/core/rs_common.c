/*
 * rs_common.c
 *	  Error records, allocator and interrupt hooks of the numeric core.
 */
#define _POSIX_C_SOURCE 200809L	/* pthread_sigmask */

#include "rs_common.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
default_alloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

static rs_alloc_fn cur_alloc = default_alloc;
static rs_free_fn cur_free = free;
static rs_interrupt_fn cur_interrupt = NULL;

rs_status
rs_fail(rs_error *err, rs_status code, const char *fmt,...)
{
	if (err)
	{
		va_list		ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void
rs_set_allocator(rs_alloc_fn alloc_fn, rs_free_fn free_fn)
{
	cur_alloc = alloc_fn ? alloc_fn : default_alloc;
	cur_free = free_fn ? free_fn : free;
}

void *
rs_alloc(size_t size)
{
	return cur_alloc(size);
}

void *
rs_alloc_array(size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return cur_alloc(count * size);
}

void
rs_free(void *ptr)
{
	if (ptr)
		cur_free(ptr);
}

char *
rs_strdup(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = rs_alloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void
rs_set_interrupt_check(rs_interrupt_fn fn)
{
	cur_interrupt = fn;
}

void
rs_check_interrupts(void)
{
	if (cur_interrupt)
		cur_interrupt();
}

int
rs_thread_create(pthread_t *tid, void *(*fn) (void *), void *arg)
{
	sigset_t	all,
				old;
	int			rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
