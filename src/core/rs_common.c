/*
 * rs_common.c
 *	  Error records, allocator and interrupt hooks of the numeric core.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* pthread_sigmask, pthread_setname_np */
#endif

#include "rs_common.h"

#include <signal.h>
#include <stdatomic.h>
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

/* The worker scope of the calling thread (NULL on the host's thread). */
static _Thread_local rs_worker *cur_worker = NULL;

/*
 * The header of a worker's block: the list links and a mark that tells
 * the worker's blocks from others.  32 bytes: the block after it keeps
 * malloc's alignment.
 */
#define RS_BLOCK_MARK UINT64_C(0x72735F776F726B72)	/* "rs_workr" */

struct rs_block
{
	rs_block   *prev;
	rs_block   *next;
	uint64_t	mark;
	uint64_t	size;
};

static void *
worker_alloc(rs_worker *w, size_t size)
{
	rs_block   *b;

	if (size > SIZE_MAX - sizeof(rs_block))
		return NULL;
	if (!(b = calloc(1, sizeof(rs_block) + (size ? size : 1))))
		return NULL;
	b->mark = RS_BLOCK_MARK;
	b->size = size;
	b->prev = NULL;
	b->next = w->blocks;
	if (w->blocks)
		w->blocks->prev = b;
	w->blocks = b;
	return b + 1;
}

static void
worker_free(rs_worker *w, void *ptr)
{
	rs_block   *b = (rs_block *) ptr - 1;

	if (b->mark != RS_BLOCK_MARK)
		return;					/* not this scope's: leave it to its owner */
	b->mark = 0;
	if (b->prev)
		b->prev->next = b->next;
	else
		w->blocks = b->next;
	if (b->next)
		b->next->prev = b->prev;
	free(b);
}

void
rs_worker_begin(rs_worker *w, const _Atomic int *cancel)
{
	w->blocks = NULL;
	w->cancel = cancel;
	cur_worker = w;
}

void
rs_worker_end(rs_worker *w)
{
	while (w->blocks)
	{
		rs_block   *b = w->blocks;

		w->blocks = b->next;
		b->mark = 0;
		free(b);
	}
	if (cur_worker == w)
		cur_worker = NULL;
}

int
rs_in_worker(void)
{
	return cur_worker != NULL;
}

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
	if (cur_worker)
		return worker_alloc(cur_worker, size);
	return cur_alloc(size);
}

void *
rs_alloc_array(size_t count, size_t size)
{
	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	return rs_alloc(count * size);
}

void
rs_free(void *ptr)
{
	if (!ptr)
		return;
	if (cur_worker)
		worker_free(cur_worker, ptr);
	else
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
	if (cur_worker)
	{
		if (atomic_load_explicit(cur_worker->cancel, memory_order_acquire))
			longjmp(cur_worker->jump, 1);
		return;
	}
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
	/* named, so a test (or top -H) tells raresynth's threads from others */
	if (rc == 0)
		(void) pthread_setname_np(*tid, RS_THREAD_NAME);
	return rc;
}
