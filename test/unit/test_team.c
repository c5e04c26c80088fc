/*
 * test_team.c
 *	  Unit tests of src/core/team.c: the thread count and its one cap, the
 *	  team (every part of every job runs once and has returned when
 *	  rs_team_run does; ranges tile), and the crew (its threads are named).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "team.h"
#include "unit.h"

typedef struct count_job
{
	atomic_int	calls[RS_TEAM_MAX_PARTS];
	atomic_int	finished;		/* parts of the current job returned */
	atomic_int	bad_nparts;
	int			nparts;
	int			slow;			/* part 0 spins a while */
} count_job;

static void
count_part(void *arg, int part, int nparts)
{
	count_job  *c = arg;

	if (nparts != c->nparts)
		atomic_fetch_add(&c->bad_nparts, 1);
	if (c->slow && part == 0)
	{
		volatile double x = 0.0;

		for (int i = 0; i < 20000; i++)
			x += i;
	}
	atomic_fetch_add(&c->calls[part], 1);
	atomic_fetch_add(&c->finished, 1);
}

/*
 * Every part runs exactly once per job, and has returned when rs_team_run
 * returns, for many jobs in a row of any part count, on teams of 1 to 4
 * threads and without a team.
 */
static void
test_team(void)
{
	static const int counts[] = {1, 2, 3, 8, 13, RS_TEAM_MAX_PARTS};

	for (int n = 0; n <= 4; n++)
	{
		rs_team		t;
		count_job	c;
		int			late = 0;

		memset(&c, 0, sizeof(c));
		if (n > 0)
			rs_team_start(&t, n);
		for (int k = 0; k < 600; k++)
		{
			int			np = counts[k % 6];

			c.nparts = np;
			c.slow = (k / 6) % 3 == 0;
			atomic_store(&c.finished, 0);
			rs_team_run(n > 0 ? &t : NULL, count_part, &c, np);
			if (atomic_load(&c.finished) != np)
				late++;
		}
		if (n > 0)
			rs_team_stop(&t);
		CHECK(late == 0);
		CHECK(atomic_load(&c.bad_nparts) == 0);
		for (int p = 0; p < RS_TEAM_MAX_PARTS; p++)
		{
			int			want = 0;

			for (int i = 0; i < 6; i++)
				if (p < counts[i])
					want += 100;
			CHECK(atomic_load(&c.calls[p]) == want);
		}
	}
	/* ranges tile [0, n) in aligned blocks */
	for (int nparts = 1; nparts <= 5; nparts++)
	{
		int64_t		next = 0;

		for (int p = 0; p < nparts; p++)
		{
			int64_t		lo,
						hi;

			rs_team_range(1000, 64, p, nparts, &lo, &hi);
			CHECK(lo == next);
			CHECK(lo % 64 == 0 || lo == 1000);
			CHECK(hi >= lo);
			next = hi;
		}
		CHECK(next == 1000);
	}
}

/* The count follows rs_set_thread_count, within [1, RS_THREADS_MAX]. */
static void
test_thread_count(void)
{
	rs_set_thread_count(3);
	CHECK(rs_thread_count() == 3);
	rs_set_thread_count(RS_THREADS_MAX + 100);
	CHECK(rs_thread_count() == RS_THREADS_MAX);
	rs_set_thread_count(0);
	CHECK(rs_thread_count() >= 1 && rs_thread_count() <= RS_THREADS_MAX);
}

static void *
crew_main(void *arg)
{
	atomic_fetch_add((atomic_int *) arg, 1);
	return NULL;
}

static void *
held_main(void *arg)
{
	while (!atomic_load((atomic_int *) arg))
		sched_yield();
	return NULL;
}

/* A crew's threads carry raresynth's name while they run. */
static void
test_crew_named(void)
{
	rs_crew		c;
	atomic_int	release;
	char		name[32];

	atomic_init(&release, 0);
	rs_crew_init(&c);
	CHECK(rs_crew_spawn(&c, held_main, &release) == 1);
	CHECK(pthread_getname_np(c.th[0], name, sizeof(name)) == 0);
	CHECK(strcmp(name, RS_THREAD_NAME) == 0);
	atomic_store(&release, 1);
	rs_crew_join(&c);
}

/* Each spawned thread runs once and is joined; no more than the cap. */
static void
test_crew(void)
{
	for (int n = 0; n <= RS_THREADS_MAX + 1; n += 3)
	{
		rs_crew		c;
		atomic_int	ran;
		int			started = 0;

		atomic_init(&ran, 0);
		rs_crew_init(&c);
		for (int i = 0; i < n; i++)
			started += rs_crew_spawn(&c, crew_main, &ran);
		rs_crew_join(&c);
		CHECK(started == (n < RS_THREADS_MAX ? n : RS_THREADS_MAX));
		CHECK(atomic_load(&ran) == started);
		CHECK(c.n == 0);
	}
}

int
main(void)
{
	RUN(test_team);
	RUN(test_thread_count);
	RUN(test_crew);
	RUN(test_crew_named);
	return unit_summary("test_team");
}
