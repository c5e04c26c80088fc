/*
 * score.c
 *	  raresynth_score(): the built-in classifier trained on one table and
 *	  scored on another (accuracy, recall, precision, F1, balanced accuracy,
 *	  ROC AUC; positive = the rarest class of the training table).
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "classifier.h"
#include "raresynth.h"

/* Error unless classifier names one we have. */
void
rs_check_classifier(const char *classifier)
{
	if (strcmp(classifier, "logistic") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown classifier \"%s\"", classifier),
				 errhint("The built-in classifier is \"logistic\" (L2-regularised logistic regression).")));
}

/*
 * raresynth_score(train regclass, test regclass, label name, classifier text)
 * returns table (accuracy, recall, precision, f1, balanced_accuracy, roc_auc,
 *				  pr_auc, mcc)
 */
PG_FUNCTION_INFO_V1(raresynth_score);
Datum
raresynth_score(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	RsSource   *src;
	const char *positive;
	rs_table   *train,
			   *test;
	int		   *ytrain,
			   *ytest;
	rs_metrics	met;
	rs_error	err;
	Datum		values[8];
	bool		nulls[8] = {0};
	MemoryContext cxt,
				old;
	RsJobShape	job = {0};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("train, test and label must not be NULL")));
	rs_check_classifier(PG_ARGISNULL(3) ? "logistic" : text_to_cstring(PG_GETARG_TEXT_PP(3)));

	src = rs_source_analyze(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(2)), NULL, NULL);
	positive = src->class_values[0];
	if (src->n_classes > 2)
		ereport(NOTICE,
				(errmsg("label \"%s\" has %d classes: scoring class \"%s\" against the rest",
						NameStr(*PG_GETARG_NAME(2)), src->n_classes, positive)));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth score", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	job.job = RS_JOB_SCORE;
	job.n_test = rs_count_labelled_like(src, PG_GETARG_OID(1));
	if (job.n_test == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("test relation has no labelled rows")));
	rs_check_memory(src, &job);
	train = rs_source_read_labelled(src, positive, &ytrain);
	test = rs_read_labelled_like(src, PG_GETARG_OID(1), positive, train, job.n_test, &ytest);
	if (rs_design_score(train, ytrain, test, ytest, 1.0, &met, &err) != RS_OK)
		rs_report_core_error(&err, "could not fit the classifier");
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);

	values[0] = Float8GetDatum(met.accuracy);
	values[1] = Float8GetDatum(met.recall);
	values[2] = Float8GetDatum(met.precision);
	values[3] = Float8GetDatum(met.f1);
	values[4] = Float8GetDatum(met.balanced_accuracy);
	if (isnan(met.roc_auc))
		nulls[5] = true;
	else
		values[5] = Float8GetDatum(met.roc_auc);
	if (isnan(met.pr_auc))
		nulls[6] = true;
	else
		values[6] = Float8GetDatum(met.pr_auc);
	values[7] = Float8GetDatum(met.mcc);
	InitMaterializedSRF(fcinfo, 0);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
