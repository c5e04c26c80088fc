/*
 * bench_smote_logreg.c
 *	  Speed of SMOTE-NC and of the logistic fit on the heart data, against
 *	  imbalanced-learn's SMOTENC (0.016 s) and scikit-learn's
 *	  LogisticRegression (0.005 s) as published in issue 4, and, when
 *	  Debian's python3 with imbalanced-learn is present, as measured here by
 *	  bench_smote_logreg.py on the same split sizes.
 *
 * Data: test/data/heart_attack_prediction_dataset.csv; Patient ID dropped,
 * Blood Pressure split into systolic and diastolic, label = the last
 * column (1 = its rarer value).  Text columns and integer columns with at
 * most 20 distinct values are categorical, the rest continuous.  A seeded
 * stratified 70% train split (6134 rows, 2197 minority); SMOTE-NC (k = 5)
 * to 1:1; logistic regression (C = 1) on the train rows.
 *
 * Not a unit test: `make bench` (test/bench/run.sh) builds and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "classifier.h"
#include "design.h"
#include "protocol.h"
#include "rng.h"
#include "smote.h"

#define DATA "test/data/heart_attack_prediction_dataset.csv"
#define MAX_COLS 64
#define REPEAT 25

static const double ref_smote_s = 0.016;
static const double ref_logreg_s = 0.005;

typedef struct raw
{
	int			n_rows;
	int			n_cols;
	char	   *names[MAX_COLS];
	char	  **cells;			/* n_rows x n_cols strings */
} raw;

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_dbl(const void *a, const void *b)
{
	double		x = *(const double *) a,
				y = *(const double *) b;

	return (x > y) - (x < y);
}

/* Split a line at commas in place (the file has no quoted fields). */
static int
split_line(char *line, char **out, int max)
{
	int			n = 0;

	line[strcspn(line, "\r\n")] = '\0';
	out[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ',')
		{
			*p = '\0';
			out[n++] = p + 1;
		}
	return n;
}

/* Read the CSV, drop Patient ID, split Blood Pressure. */
static int
load(raw *r)
{
	FILE	   *fp = fopen(DATA, "r");
	char		line[4096];
	char	   *f[MAX_COLS];
	int			nf,
				cap = 1024,
				bp = -1,
				pid = -1;

	if (!fp)
	{
		perror(DATA);
		return -1;
	}
	if (!fgets(line, sizeof(line), fp))
		return -1;
	nf = split_line(line, f, MAX_COLS);
	r->n_cols = 0;
	for (int i = 0; i < nf; i++)
	{
		if (strcmp(f[i], "Patient ID") == 0)
			pid = i;
		else if (strcmp(f[i], "Blood Pressure") == 0)
		{
			bp = i;
			r->names[r->n_cols++] = strdup("Systolic");
			r->names[r->n_cols++] = strdup("Diastolic");
		}
		else
			r->names[r->n_cols++] = strdup(f[i]);
	}
	r->cells = malloc(sizeof(char *) * cap * r->n_cols);
	r->n_rows = 0;
	while (fgets(line, sizeof(line), fp))
	{
		int			c = 0;

		if (split_line(line, f, MAX_COLS) != nf)
			continue;
		if (r->n_rows == cap)
		{
			cap *= 2;
			r->cells = realloc(r->cells, sizeof(char *) * cap * r->n_cols);
		}
		for (int i = 0; i < nf; i++)
		{
			char	  **row = r->cells + (size_t) r->n_rows * r->n_cols;

			if (i == pid)
				continue;
			if (i == bp)
			{
				char	   *slash = strchr(f[i], '/');

				if (!slash)
					return -1;
				*slash = '\0';
				row[c++] = strdup(f[i]);
				row[c++] = strdup(slash + 1);
			}
			else
				row[c++] = strdup(f[i]);
		}
		r->n_rows++;
	}
	fclose(fp);
	return 0;
}

/*
 * Turn the feature columns (all but the last) into an rs_table with
 * inferred kinds, and the last column into 0/1 labels (1 = rarer value).
 */
static rs_table *
to_table(const raw *r, int **labels)
{
	int			nc = r->n_cols - 1;
	rs_error	err;
	rs_table   *t = rs_table_create(r->n_rows, nc, &err);
	char	  **tmp = malloc(sizeof(char *) * r->n_rows);
	double	   *num = malloc(sizeof(double) * r->n_rows);
	int			ones = 0;

	for (int c = 0; c < nc; c++)
	{
		rs_column  *col = &t->cols[c];
		int			numeric = 1,
					integral = 1,
					distinct = 0;

		col->name = rs_strdup(r->names[c]);
		for (int i = 0; i < r->n_rows; i++)
		{
			const char *s = r->cells[(size_t) i * r->n_cols + c];
			char	   *end;

			num[i] = strtod(s, &end);
			if (end == s || *end)
				numeric = 0;
			else if (num[i] != (double) (long) num[i])
				integral = 0;
			tmp[i] = r->cells[(size_t) i * r->n_cols + c];
		}
		if (numeric)
		{
			double	   *sorted = malloc(sizeof(double) * r->n_rows);

			memcpy(sorted, num, sizeof(double) * r->n_rows);
			qsort(sorted, r->n_rows, sizeof(double), cmp_dbl);
			for (int i = 0; i < r->n_rows; i++)
				if (i == 0 || sorted[i] != sorted[i - 1])
					sorted[distinct++] = sorted[i];
			if (integral && distinct <= 20)
			{
				col->kind = RS_KIND_CATEGORICAL;
				col->n_categories = distinct;
				col->categories = rs_alloc_array(distinct, sizeof(char *));
				for (int q = 0; q < distinct; q++)
				{
					char		buf[32];

					snprintf(buf, sizeof(buf), "%g", sorted[q]);
					col->categories[q] = rs_strdup(buf);
				}
				for (int i = 0; i < r->n_rows; i++)
				{
					int			q = 0;

					while (sorted[q] != num[i])
						q++;
					RS_CELL(t, i, c) = q;
				}
			}
			else
			{
				col->kind = RS_KIND_CONTINUOUS;
				col->integral = integral;
				col->min = sorted[0];
				col->max = sorted[distinct - 1];
				for (int i = 0; i < r->n_rows; i++)
					RS_CELL(t, i, c) = num[i];
			}
			free(sorted);
		}
		else
		{
			qsort(tmp, r->n_rows, sizeof(char *), cmp_str);
			for (int i = 0; i < r->n_rows; i++)
				if (i == 0 || strcmp(tmp[i], tmp[i - 1]) != 0)
					tmp[distinct++] = tmp[i];
			col->kind = RS_KIND_CATEGORICAL;
			col->n_categories = distinct;
			col->categories = rs_alloc_array(distinct, sizeof(char *));
			for (int q = 0; q < distinct; q++)
				col->categories[q] = rs_strdup(tmp[q]);
			for (int i = 0; i < r->n_rows; i++)
			{
				const char *s = r->cells[(size_t) i * r->n_cols + c];
				int			q = 0;

				while (strcmp(col->categories[q], s) != 0)
					q++;
				RS_CELL(t, i, c) = q;
			}
		}
	}

	*labels = malloc(sizeof(int) * r->n_rows);
	for (int i = 0; i < r->n_rows; i++)
	{
		(*labels)[i] = strcmp(r->cells[(size_t) i * r->n_cols + nc], "1") == 0;
		ones += (*labels)[i];
	}
	if (2 * ones > r->n_rows)
		for (int i = 0; i < r->n_rows; i++)
			(*labels)[i] = !(*labels)[i];
	free(tmp);
	free(num);
	return t;
}

/* Rows idx[0..m-1] of t (optionally only those with y == want). */
static rs_table *
subset(const rs_table *t, const int *idx, int m, const int *y, int want)
{
	rs_error	err;
	int			k = 0;
	rs_table   *s;

	for (int i = 0; i < m; i++)
		k += (want < 0 || y[idx[i]] == want);
	s = rs_table_create(k, t->n_cols, &err);
	rs_table_copy_specs(s, t, &err);
	k = 0;
	for (int i = 0; i < m; i++)
		if (want < 0 || y[idx[i]] == want)
			memcpy(&RS_CELL(s, k++, 0), &RS_CELL(t, idx[i], 0),
				   sizeof(double) * t->n_cols);
	return s;
}

static double
best(const double *x, int n)
{
	double		m = x[0];

	for (int i = 1; i < n; i++)
		if (x[i] < m)
			m = x[i];
	return m;
}

static double
median(double *x, int n)
{
	qsort(x, n, sizeof(double), cmp_dbl);
	return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

/* Seconds measured here by the Python baseline, or -1 when unavailable. */
static void
python_baseline(double *smote_s, double *logreg_s)
{
	FILE	   *p;

	*smote_s = *logreg_s = -1;
	p = popen("/usr/bin/python3 test/bench/bench_smote_logreg.py 2>/dev/null", "r");
	if (!p)
		return;
	if (fscanf(p, "%lf %lf", smote_s, logreg_s) != 2)
		*smote_s = *logreg_s = -1;
	pclose(p);
}

int
main(void)
{
	raw			r;
	rs_table   *all,
			   *train,
			   *minority;
	int		   *y,
			   *tr,
			   *te,
			   *ytr,
			   *cols;
	int			ntr,
				nte,
				n_min = 0,
				n_new,
				n_cont = 0,
				k_used = 0;
	rs_rng		rng;
	rs_error	err;
	double		t_smote[REPEAT],
				t_fit[REPEAT],
				t_all[REPEAT],
				py_smote,
				py_logreg;
	rs_features f;
	double	   *X;

	bench_blas("SMOTE distances (dgemm), logistic regression (dgemv, dsyrk)");
	if (load(&r) != 0)
	{
		fprintf(stderr, "could not read %s\n", DATA);
		return 1;
	}
	all = to_table(&r, &y);
	tr = malloc(sizeof(int) * all->n_rows);
	te = malloc(sizeof(int) * all->n_rows);
	rs_rng_seed(&rng, 42);
	if (rs_stratified_split(y, all->n_rows, 0.3, &rng, tr, &ntr, te, &nte, &err) != RS_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	train = subset(all, tr, ntr, y, -1);
	minority = subset(all, tr, ntr, y, 1);
	ytr = malloc(sizeof(int) * ntr);
	for (int i = 0; i < ntr; i++)
		n_min += (ytr[i] = y[tr[i]]);
	n_new = (ntr - n_min) - n_min;
	for (int c = 0; c < all->n_cols; c++)
		n_cont += all->cols[c].kind == RS_KIND_CONTINUOUS;
	printf("heart: %d rows, %d feature columns (%d continuous, %d categorical)\n",
		   all->n_rows, all->n_cols, n_cont, all->n_cols - n_cont);
	printf("train: %d rows, %d minority; SMOTE-NC makes %d rows (k = 5)\n",
		   ntr, n_min, n_new);

	for (int i = 0; i < REPEAT; i++)
	{
		rs_table   *out;
		double		t0 = now();

		rs_rng_seed(&rng, 7 + i);
		out = rs_smote(minority, n_new, 5, &rng, &k_used, &err);
		t_smote[i] = now() - t0;
		if (!out)
		{
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		rs_table_free(out);
	}

	cols = malloc(sizeof(int) * train->n_cols);
	for (int c = 0; c < train->n_cols; c++)
		cols[c] = c;
	rs_features_fit(&f, train, cols, train->n_cols, &err);
	X = malloc(sizeof(double) * ntr * f.n_features);
	for (int i = 0; i < REPEAT; i++)
	{
		rs_features g;
		rs_logreg	m;
		double		t0 = now(),
					t1;

		rs_features_fit(&g, train, cols, train->n_cols, &err);
		rs_features_transform(&g, train, X, &err);
		t1 = now();
		if (rs_logreg_fit(&m, X, ytr, ntr, g.n_features, 1.0, &err) != RS_OK)
		{
			fprintf(stderr, "%s\n", err.msg);
			return 1;
		}
		t_fit[i] = now() - t1;
		t_all[i] = now() - t0;
		if (i == 0)
			printf("logistic: %d features, %d Newton steps, %d Hessians, max |gradient| %.1e\n",
				   g.n_features, m.n_iter, m.n_hessian, m.grad_max);
		rs_logreg_free(&m);
		rs_features_free(&g);
	}

	python_baseline(&py_smote, &py_logreg);
	{
		double		s = best(t_smote, REPEAT),
					l = best(t_fit, REPEAT),
					a = best(t_all, REPEAT);

		printf("%-36s %9s %9s %9s %7s\n", "best of 25 runs (median)", "seconds",
			   "median", "reference", "ratio");
		printf("%-36s %9.5f %9.5f %9.3f %6.1fx\n", "rs_smote (SMOTE-NC, to 1:1)", s,
			   median(t_smote, REPEAT), ref_smote_s, ref_smote_s / s);
		printf("%-36s %9.5f %9.5f %9.3f %6.1fx\n", "rs_logreg_fit", l,
			   median(t_fit, REPEAT), ref_logreg_s, ref_logreg_s / l);
		printf("%-36s %9.5f %9.5f %9.3f %6.1fx\n", "features + rs_logreg_fit", a,
			   median(t_all, REPEAT), ref_logreg_s, ref_logreg_s / a);
		if (py_smote > 0)
		{
			printf("measured here (best of 25) with imbalanced-learn / scikit-learn:\n");
			printf("%-36s %9.5f %9s %9.5f %6.1fx\n", "rs_smote vs SMOTENC", s, "",
				   py_smote, py_smote / s);
			printf("%-36s %9.5f %9s %9.5f %6.1fx\n", "rs_logreg_fit vs LogisticRegression",
				   l, "", py_logreg, py_logreg / l);
		}
		printf("(ratio = reference / ours: above 1 means faster than the reference)\n");
	}

	rs_features_free(&f);
	free(X);
	free(cols);
	free(tr);
	free(te);
	free(ytr);
	free(y);
	rs_table_free(train);
	rs_table_free(minority);
	rs_table_free(all);
	for (int i = 0; i < r.n_rows * r.n_cols; i++)
		free(r.cells[i]);
	free(r.cells);
	for (int c = 0; c < r.n_cols; c++)
		free(r.names[c]);
	return 0;
}
