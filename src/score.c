/*
 * score.c
 *	  raresynth_score(): a built-in classifier (logistic regression or
 *	  boosted trees) trained on one table and scored on another (accuracy, recall, precision, F1, balanced accuracy,
 *	  ROC AUC; positive = the rarest class of the training table).
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "boosted.h"
#include "classifier.h"
#include "raresynth.h"

/* The classifier named classifier; error unless it is one we have. */
rs_classifier_kind
rs_check_classifier(const char *classifier)
{
	rs_classifier_kind kind;

	if (!rs_classifier_parse(classifier, &kind))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown classifier \"%s\"", classifier),
				 errhint("The built-in classifiers are \"logistic\" (L2-regularised logistic regression, the default) and \"boosted\" (gradient-boosted trees, XGBoost).")));
	return kind;
}

/*
 * rs_design_score; if it does not return (a cancel between boosting
 * rounds), XGBoost's handles, which are not palloc'd, are freed.
 */
static rs_status
design_score(const rs_table *train, const int *ytrain, const rs_table *test,
			 const int *ytest, const rs_classifier *clf, rs_metrics *met, rs_error *err)
{
	rs_status	st = RS_OK;

	PG_TRY();
	{
		st = rs_design_score(train, ytrain, test, ytest, clf, met, err);
	}
	PG_CATCH();
	{
		rs_boosted_release();
		PG_RE_THROW();
	}
	PG_END_TRY();
	return st;
}

/*
 * raresynth_score(train regclass, test regclass, label name, classifier text)
 * (classifier: "logistic", the default when NULL, or "boosted")
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
	rs_classifier clf;
	Datum		values[8];
	bool		nulls[8] = {0};
	MemoryContext cxt,
				old;
	RsJobShape	job = {0};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("train, test and label must not be NULL")));
	clf.kind = rs_check_classifier(PG_ARGISNULL(3) ? "logistic" : text_to_cstring(PG_GETARG_TEXT_PP(3)));
	clf.C = 1.0;
	clf.seed = 0;

	src = rs_source_analyze(PG_GETARG_OID(0), NameStr(*PG_GETARG_NAME(2)), NULL, NULL);
	positive = src->class_values[0];
	if (src->n_classes > 2)
		ereport(NOTICE,
				(errmsg("label \"%s\" has %d classes: scoring class \"%s\" against the rest",
						NameStr(*PG_GETARG_NAME(2)), src->n_classes, positive)));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "raresynth score", ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);
	job.job = RS_JOB_SCORE;
	job.boosted = clf.kind == RS_CLASSIFIER_BOOSTED;
	job.n_test = rs_count_labelled_like(src, PG_GETARG_OID(1));
	if (job.n_test == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("test relation has no labelled rows")));
	rs_check_memory(src, &job);
	train = rs_source_read_labelled(src, positive, &ytrain);
	test = rs_read_labelled_like(src, PG_GETARG_OID(1), positive, train, job.n_test, &ytest);
	rs_apply_threads();
	if (design_score(train, ytrain, test, ytest, &clf, &met, &err) != RS_OK)
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
