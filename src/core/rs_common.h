/*
 * rs_common.h
 *	  Shared definitions of the raresynth numeric core: status codes, the
 *	  error record, the allocator and interrupt hooks.
 *
 * The core is plain C99 and never includes PostgreSQL headers.  It reports
 * failures as an rs_status plus a message in an rs_error; the PostgreSQL glue
 * turns those into ereport().  It allocates through rs_alloc()/rs_free(),
 * which the glue backs with palloc in a dedicated memory context and unit
 * tests back with malloc.  Long loops call rs_check_interrupts(), which the
 * glue backs with CHECK_FOR_INTERRUPTS().
 */
#ifndef RS_COMMON_H
#define RS_COMMON_H

#include <pthread.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>

typedef enum rs_status
{
	RS_OK = 0,
	RS_ERR_NOMEM,				/* allocation failed or size overflow */
	RS_ERR_INVALID,				/* bad argument from the caller */
	RS_ERR_CORRUPT,				/* bytes that fail validation */
	RS_ERR_VERSION,				/* format from a newer version */
	RS_ERR_NUMERIC,				/* NaN/Inf where a number was needed */
	RS_ERR_INTERNAL				/* cannot happen */
} rs_status;

typedef struct rs_error
{
	rs_status	code;
	char		msg[256];
} rs_error;

/* Record an error (printf-style); returns code so callers can "return rs_fail(...)". */
rs_status	rs_fail(rs_error *err, rs_status code, const char *fmt,...)
#if defined(__GNUC__)
			__attribute__((format(printf, 3, 4)))
#endif
			;

/* Allocation.  rs_alloc returns zeroed memory or NULL. */
typedef void *(*rs_alloc_fn) (size_t size);
typedef void (*rs_free_fn) (void *ptr);
void		rs_set_allocator(rs_alloc_fn alloc_fn, rs_free_fn free_fn);
void	   *rs_alloc(size_t size);
void	   *rs_alloc_array(size_t count, size_t size);	/* NULL on overflow */
void		rs_free(void *ptr);
char	   *rs_strdup(const char *s);

/* Interrupts: called from every long loop; may not return (longjmp). */
typedef void (*rs_interrupt_fn) (void);
void		rs_set_interrupt_check(rs_interrupt_fn fn);
void		rs_check_interrupts(void);

/*
 * Worker threads.  The core runs inside a PostgreSQL backend, so a worker
 * is created with every signal blocked (the host's handlers stay on its
 * own thread) and must never call the host's hooks above (rs_alloc,
 * rs_free, rs_check_interrupts) unless it runs inside a worker scope
 * (below).  rs_fail only formats into its record: any thread may call it.
 * Every such thread is named RS_THREAD_NAME (what /proc/<pid>/task/<tid>/comm
 * shows).  Returns pthread_create's result.
 */
#define RS_THREAD_NAME "raresynth"
int			rs_thread_create(pthread_t *tid, void *(*fn) (void *), void *arg);

/*
 * A worker scope: lets a worker thread run core code that allocates and
 * checks for interrupts (a whole evaluation unit, evaluate.c) without
 * calling the host.  Between rs_worker_begin(w, cancel) and
 * rs_worker_end(w), on the thread that called rs_worker_begin:
 *	- rs_alloc/rs_free use calloc/free, and every block is kept on w's
 *	  list: rs_worker_end frees whatever is left, so work abandoned midway
 *	  leaks nothing.  Blocks must not cross threads (a worker frees only
 *	  its own; rs_free of another block there is ignored);
 *	- rs_check_interrupts does not call the host: it reads *cancel and,
 *	  once that is set, does not return but jumps (longjmp) to w->jump,
 *	  which the worker set with setjmp before running the work, and from
 *	  which it calls rs_worker_end.  The core's loops already allow an
 *	  interrupt check not to return (the host's cancel), so a cancel stops
 *	  a worker within one check interval, as it stops the host's thread;
 *	- rs_in_worker() is 1 (team.c: such a thread's rs_thread_count() is 1,
 *	  so its GAN steps and sampling start no thread of their own).
 * Scopes do not nest.  The host's thread never opens one.
 */
typedef struct rs_block rs_block;

typedef struct rs_worker
{
	rs_block   *blocks;			/* live allocations, newest first */
	const _Atomic int *cancel;
	jmp_buf		jump;
} rs_worker;

void		rs_worker_begin(rs_worker *w, const _Atomic int *cancel);
void		rs_worker_end(rs_worker *w);
int			rs_in_worker(void);

#endif							/* RS_COMMON_H */
