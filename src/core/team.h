/*
 * team.h
 *	  raresynth's own worker threads, sized by the one count the host sets
 *	  (rs_set_thread_count, from raresynth.threads) and capped at
 *	  RS_THREADS_MAX: a training step's team (rs_team, reused by every
 *	  part-split job of the step) and a sampling pass's crew (rs_crew, one
 *	  thread per worker, running while the caller goes on).  Both are joined
 *	  before control returns to the host, so lowering the count gives the
 *	  threads back; only OpenBLAS keeps a pool of its own.
 *
 * Every thread here is created by rs_thread_create (rs_common.h), with
 * every signal blocked; a worker must not call back into the host
 * (rs_alloc, rs_fail, rs_check_interrupts...).
 */
#ifndef RS_TEAM_H
#define RS_TEAM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rs_common.h"

/*
 * The one cap on raresynth's threads (the caller's included): the
 * training team's and the sampler's.  More never helped on the machines
 * measured (the work per step is a few MFLOP per part).
 */
#define RS_THREADS_MAX 16

/*
 * How many threads raresynth's own workers use (a training step's team
 * and a sampling pass's workers): n > 0 sets it; 0 (the default) follows
 * openblas_get_num_threads().  rs_thread_count() is in [1, RS_THREADS_MAX];
 * it is 1 on a thread inside a worker scope (rs_worker_begin, rs_common.h):
 * work spread over workers runs each worker's steps on that worker alone.
 */
void		rs_set_thread_count(int n);
int			rs_thread_count(void);

/* ---------------------------------------------------------------- team */

/*
 * A team of n threads (the caller and n - 1 helpers) that runs one job at
 * a time: rs_team_run(t, fn, arg, nparts) calls fn(arg, part, nparts) once
 * for every part in [0, nparts) and returns when all have returned.  The
 * parts are handed out one at a time through an atomic counter, so
 * whichever thread is running takes the next one: the caller never waits
 * for a helper to start, only, at the end, for parts a helper is still
 * running.  Which thread runs a part depends on timing, so a job must
 * split its work by part alone and choose nparts from its size (never from
 * the team size or timing): its results then depend on nparts only.
 * t may be NULL (or have no helper): the caller runs every part, in order.
 * Helpers yield-spin briefly for the next job and then sleep.
 * rs_team_start never fails: without helpers the caller runs every part.
 * rs_team_stop joins every helper; call it before returning to the host.
 * A team of n == 1 creates no thread.
 */
#define RS_TEAM_MAX_PARTS 64

typedef void (*rs_team_fn) (void *arg, int part, int nparts);

typedef struct rs_team
{
	int			n;				/* threads, caller included */
	int			started;		/* helpers running */
	pthread_t	th[RS_THREADS_MAX];
	rs_team_fn	fn;
	void	   *arg;
	/* job number << 32 | nparts << 16 | next part to hand out */
	_Atomic uint64_t work;
	atomic_int	done;			/* parts finished by helpers */
	atomic_int	sleeping;		/* helpers waiting on cv */
	atomic_int	stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rs_nn_bf16 *bf16;	/* nn.h: products in bf16 (set after start) */
} rs_team;

void		rs_team_start(rs_team *t, int n);
void		rs_team_run(rs_team *t, rs_team_fn fn, void *arg, int nparts);
void		rs_team_stop(rs_team *t);

/* [*lo, *hi): part's share of [0, n) in blocks of align items */
void		rs_team_range(int64_t n, int64_t align, int part, int nparts,
						  int64_t *lo, int64_t *hi);

/* ---------------------------------------------------------------- crew */

/*
 * A crew: up to RS_THREADS_MAX one-shot threads, each running fn(arg)
 * from rs_crew_spawn until rs_crew_join joins them all.  The caller goes
 * on meanwhile (the sampler's asynchronous pass: the host writes the
 * previous rows while the crew makes the next).  rs_crew_spawn returns 1
 * if a thread runs fn, 0 if none could be created (the work fn would have
 * done must then be left for the caller to take).
 */
typedef struct rs_crew
{
	int			n;				/* threads spawned (tried) */
	pthread_t	th[RS_THREADS_MAX];
	int			started[RS_THREADS_MAX];
} rs_crew;

void		rs_crew_init(rs_crew *c);
int			rs_crew_spawn(rs_crew *c, void *(*fn) (void *), void *arg);
void		rs_crew_join(rs_crew *c);

#endif							/* RS_TEAM_H */
