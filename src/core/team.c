/*
 * team.c
 *	  raresynth's own worker threads: the thread count (one cap,
 *	  RS_THREADS_MAX), the team that runs a training step's parts, and the
 *	  crew of one-shot workers of a sampling pass.  See team.h.
 */
#define _POSIX_C_SOURCE 200809L	/* sched_yield */

#include "team.h"

#include <sched.h>
#include <string.h>

#include "blas.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---------------------------------------------------------------- thread count */

static int	team_threads;		/* rs_set_thread_count; 0: OpenBLAS's */

void
rs_set_thread_count(int n)
{
	team_threads = n > 0 ? n : 0;
}

int
rs_thread_count(void)
{
	int			n;

	/* a worker (an evaluation unit, rs_common.h) runs on its own thread */
	if (rs_in_worker())
		return 1;
	n = team_threads > 0 ? team_threads : openblas_get_num_threads();

	return n < 1 ? 1 : n > RS_THREADS_MAX ? RS_THREADS_MAX : n;
}

/* ---------------------------------------------------------------- team */

#define TEAM_SPIN		2000	/* polls for the next job before sleeping */
#define TEAM_SPIN_DONE	200		/* polls for helpers before yielding */

static inline void
cpu_relax(void)
{
#if defined(__SSE2__)
	_mm_pause();
#endif
}

#define WORK_JOB(w)		((uint32_t) ((w) >> 32))
#define WORK_PARTS(w)	((int) (((w) >> 16) & 0xFFFF))
#define WORK_NEXT(w)	((int) ((w) & 0xFFFF))

/*
 * Take the next part of the current job: its number, or -1 when every part
 * is taken.  The job number is in the same word, so a thread that read an
 * older job's word cannot take a part of a newer job by mistake.  Once a
 * part is taken the job cannot finish (nor t->fn, t->arg change) before it
 * is done.
 */
static inline int
team_take(rs_team *t, uint64_t *wp)
{
	uint64_t	w = atomic_load_explicit(&t->work, memory_order_acquire);

	while (WORK_NEXT(w) < WORK_PARTS(w))
	{
		if (atomic_compare_exchange_weak_explicit(&t->work, &w, w + 1,
												  memory_order_acq_rel,
												  memory_order_acquire))
		{
			*wp = w;
			return WORK_NEXT(w);
		}
	}
	*wp = w;
	return -1;
}

static void *
team_helper(void *arg)
{
	rs_team    *t = arg;
	int			spins = 0;

	pthread_mutex_lock(&t->mu);
	t->started++;
	pthread_mutex_unlock(&t->mu);
	for (;;)
	{
		uint64_t	w;
		int			part = team_take(t, &w);

		if (part >= 0)
		{
			t->fn(t->arg, part, WORK_PARTS(w));
			atomic_fetch_add_explicit(&t->done, 1, memory_order_release);
			spins = 0;
			continue;
		}
		if (atomic_load(&t->stop))
			return NULL;
		/* nothing to take: wait for the next job */
		if (++spins < TEAM_SPIN)
		{
			/* yield, not pause: a busy machine runs others meanwhile */
			sched_yield();
			continue;
		}
		pthread_mutex_lock(&t->mu);
		atomic_fetch_add(&t->sleeping, 1);
		while (atomic_load(&t->work) == w && !atomic_load(&t->stop))
			pthread_cond_wait(&t->cv, &t->mu);
		atomic_fetch_sub(&t->sleeping, 1);
		pthread_mutex_unlock(&t->mu);
		spins = 0;
	}
}

void
rs_team_start(rs_team *t, int n)
{
	int			want;

	memset(t, 0, sizeof(*t));
	t->n = n < 1 ? 1 : n > RS_THREADS_MAX ? RS_THREADS_MAX : n;
	atomic_init(&t->work, 0);
	atomic_init(&t->done, 0);
	atomic_init(&t->sleeping, 0);
	atomic_init(&t->stop, 0);
	if (t->n == 1)
		return;
	if (pthread_mutex_init(&t->mu, NULL) != 0)
	{
		t->n = 1;				/* no helpers: run every part here */
		return;
	}
	if (pthread_cond_init(&t->cv, NULL) != 0)
	{
		pthread_mutex_destroy(&t->mu);
		t->n = 1;
		return;
	}
	for (want = 0; want < t->n - 1; want++)
		if (rs_thread_create(&t->th[want], team_helper, t) != 0)
			break;
	/* wait until every created helper runs (rs_team_stop joins them) */
	for (;;)
	{
		int			got;

		pthread_mutex_lock(&t->mu);
		got = t->started;
		pthread_mutex_unlock(&t->mu);
		if (got == want)
			break;
		sched_yield();
	}
	t->started = want;
	if (want == 0)
	{
		pthread_cond_destroy(&t->cv);
		pthread_mutex_destroy(&t->mu);
		t->n = 1;
	}
}

void
rs_team_run(rs_team *t, rs_team_fn fn, void *arg, int nparts)
{
	uint64_t	w;
	int			part,
				mine = 0,
				spins = 0;

	if (nparts < 1)
		nparts = 1;
	if (nparts > RS_TEAM_MAX_PARTS)
		nparts = RS_TEAM_MAX_PARTS;
	if (!t || t->started == 0 || nparts == 1)
	{
		for (int p = 0; p < nparts; p++)
			fn(arg, p, nparts);
		return;
	}
	/* every part of the previous job is done: nobody reads these now */
	t->fn = fn;
	t->arg = arg;
	atomic_store_explicit(&t->done, 0, memory_order_relaxed);
	w = atomic_load_explicit(&t->work, memory_order_relaxed);
	atomic_store(&t->work, ((uint64_t) (WORK_JOB(w) + 1) << 32) |
				 ((uint64_t) nparts << 16));
	if (atomic_load(&t->sleeping) > 0)
	{
		pthread_mutex_lock(&t->mu);
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
	while ((part = team_take(t, &w)) >= 0)
	{
		fn(arg, part, nparts);
		mine++;
	}
	/* wait only for parts a helper took and is still running */
	while (atomic_load_explicit(&t->done, memory_order_acquire) < nparts - mine)
	{
		if (++spins < TEAM_SPIN_DONE)
			cpu_relax();
		else
			sched_yield();	/* that helper may be waiting for a core */
	}
}

void
rs_team_stop(rs_team *t)
{
	if (t->started == 0)
		return;
	atomic_store(&t->stop, 1);
	pthread_mutex_lock(&t->mu);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	for (int i = 0; i < t->started; i++)
		pthread_join(t->th[i], NULL);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	t->started = 0;
}

void
rs_team_range(int64_t n, int64_t align, int part, int nparts, int64_t *lo,
			  int64_t *hi)
{
	int64_t		blocks = (n + align - 1) / align,
				per = blocks / nparts,
				extra = blocks % nparts,
				b0 = part * per + (part < extra ? part : extra),
				b1 = b0 + per + (part < extra ? 1 : 0);

	*lo = b0 * align < n ? b0 * align : n;
	*hi = b1 * align < n ? b1 * align : n;
}

/* ---------------------------------------------------------------- crew */

void
rs_crew_init(rs_crew *c)
{
	c->n = 0;
}

int
rs_crew_spawn(rs_crew *c, void *(*fn) (void *), void *arg)
{
	int			i = c->n;

	if (i >= RS_THREADS_MAX)
		return 0;
	c->started[i] = rs_thread_create(&c->th[i], fn, arg) == 0;
	c->n++;
	return c->started[i];
}

void
rs_crew_join(rs_crew *c)
{
	for (int i = 0; i < c->n; i++)
		if (c->started[i])
			pthread_join(c->th[i], NULL);
	c->n = 0;
}
