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
 * own thread) and must never call the hooks above (rs_alloc, rs_free,
 * rs_fail, rs_check_interrupts).  Returns pthread_create's result.
 */
int			rs_thread_create(pthread_t *tid, void *(*fn) (void *), void *arg);

#endif							/* RS_COMMON_H */
