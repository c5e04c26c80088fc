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
 * After step `done` of `total` (1-based): the NOTICE "<fmt...>E elapsed,
 * ETA L" when one is due; the ETA assumes the steps left take as long as
 * those done.
 */
void
rs_progress_step(RsProgress *p, int done, int total, const char *fmt,...)
{
	double		el = rs_progress_elapsed(p);
	StringInfoData m;

	if (!rs_progress || (done > 1 && done < total && el - p->last < RS_PROGRESS_SECONDS))
		return;
	p->last = el;
	initStringInfo(&m);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&m, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&m, needed);
	}
	rs_append_duration(&m, el);
	appendStringInfoString(&m, " elapsed");
	if (done < total)
	{
		appendStringInfoString(&m, ", ETA ");
		rs_append_duration(&m, el / done * (total - done));
	}
	ereport(NOTICE, (errmsg("%s", m.data)));
}
