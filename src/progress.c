/*
 * progress.c
 *	  NOTICE progress lines of long jobs (training's epochs, the
 *	  evaluation's runs), one format for both: "<what>, 12.3 s elapsed, ETA
 *	  4 min 5 s", when raresynth.progress is on, after the first and the
 *	  last step and at most every RS_PROGRESS_SECONDS in between.
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "raresynth.h"

#define RS_PROGRESS_SECONDS 10.0

/* Start the clock of a job. */
void
rs_progress_begin(RsProgress *p)
{
	INSTR_TIME_SET_CURRENT(p->start);
	p->last = -RS_PROGRESS_SECONDS;
}

/* Seconds since rs_progress_begin. */
double
rs_progress_elapsed(const RsProgress *p)
{
	instr_time	now;

	INSTR_TIME_SET_CURRENT(now);
	INSTR_TIME_SUBTRACT(now, p->start);
	return INSTR_TIME_GET_DOUBLE(now);
}

/*
 * The line after step `step` of `steps` (1-based), with `done` of `total`
 * units of work behind it: "<fmt...>E elapsed, ETA L" when one is due (the
 * first and last step, and at most every RS_PROGRESS_SECONDS between); the
 * ETA assumes the units left take as long each as those done.
 */
static void progress_line(RsProgress *p, int step, int steps, double done, double total,
						  const char *fmt, va_list args) pg_attribute_printf(6, 0);

static void
progress_line(RsProgress *p, int step, int steps, double done, double total,
			  const char *fmt, va_list args)
{
	double		el = rs_progress_elapsed(p);
	StringInfoData m;

	if (!rs_progress || (step > 1 && step < steps && el - p->last < RS_PROGRESS_SECONDS))
		return;
	p->last = el;
	initStringInfo(&m);
	for (;;)
	{
		va_list		copy;
		int			needed;

		va_copy(copy, args);
		needed = appendStringInfoVA(&m, fmt, copy);
		va_end(copy);
		if (needed == 0)
			break;
		enlargeStringInfo(&m, needed);
	}
	rs_append_duration(&m, el);
	appendStringInfoString(&m, " elapsed");
	if (step < steps && done > 0)
	{
		appendStringInfoString(&m, ", ETA ");
		rs_append_duration(&m, el / done * Max(total - done, 0));
	}
	ereport(NOTICE, (errmsg("%s", m.data)));
}

/* After step `done` of `total` equal steps (1-based): progress_line. */
void
rs_progress_step(RsProgress *p, int done, int total, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	progress_line(p, done, total, done, total, fmt, args);
	va_end(args);
}

/*
 * After step `step` of `steps` of unequal cost, `done` of `total` units
 * of work (rows, say) behind it: progress_line, the ETA weighted by the
 * units.
 */
void
rs_progress_weighted(RsProgress *p, int step, int steps, double done, double total,
					 const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	progress_line(p, step, steps, done, total, fmt, args);
	va_end(args);
}
