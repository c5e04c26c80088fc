/*
 * fidelity_heart.c
 *	  Fidelity trajectory of the GAN on the heart data's minority class
 *	  (Heart Attack Risk = 1, 3139 rows), doing exactly what the glue does
 *	  (src/train.c, src/sample.c): every K epochs it samples 3139 rows and
 *	  prints the mean KS complement (10 continuous columns) and the mean TV
 *	  complement (15 categorical columns) against the training rows, the
 *	  numbers test/scripts/gan_fidelity.sh checks.
 *
 * Build (from the project root):
 *	gcc -O2 -Isrc/core -I/usr/include/x86_64-linux-gnu/openblas-pthread \
 *		test/bench/fidelity_heart.c <CORE_SRCS of the Makefile> \
 *		-lxgboost -lgomp -lm -o /tmp/fidelity_heart
 * Run: /tmp/fidelity_heart [epochs=300] [every=10] [seed=20261126] [csv]
 *	(thread count from OPENBLAS_NUM_THREADS; PER_COL=1 prints every column's
 *	score and the share of 1 in each binary column; MOMENT_WEIGHT=w
 *	overrides rs_gan_config.moment_weight, 0 = CTGAN's loss)
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "encoder.h"
#include "gan.h"
#include "quality.h"
#include "rng.h"
#include "table.h"

#define NCOLS 25
#define MAXROWS 10000

/* feature columns in the table's attnum order: name, kind, CSV field */
static const struct
{
	const char *name;
	int			cat;
	int			field;			/* CSV field; systolic/diastolic split field 4 */
} spec[NCOLS] = {
	{"age", 0, 1}, {"sex", 1, 2}, {"cholesterol", 0, 3},
	{"systolic", 0, 4}, {"diastolic", 0, -4}, {"heart_rate", 0, 5},
	{"diabetes", 1, 6}, {"family_history", 1, 7}, {"smoking", 1, 8},
	{"obesity", 1, 9}, {"alcohol_consumption", 1, 10},
	{"exercise_hours_per_week", 0, 11}, {"diet", 1, 12},
	{"previous_heart_problems", 1, 13}, {"medication_use", 1, 14},
	{"stress_level", 1, 15}, {"sedentary_hours_per_day", 0, 16},
	{"income", 0, 17}, {"bmi", 0, 18}, {"triglycerides", 0, 19},
	{"physical_activity_days_per_week", 1, 20}, {"sleep_hours_per_day", 1, 21},
	{"country", 1, 22}, {"continent", 1, 23}, {"hemisphere", 1, 24},
};

static char *cells[MAXROWS][NCOLS];
static int	n_rows;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int	g_ncols;
static const double *g_vals;

static int
cmp_rows(const void *a, const void *b)
{
	const double *ra = g_vals + (size_t) *(const int *) a * g_ncols;
	const double *rb = g_vals + (size_t) *(const int *) b * g_ncols;

	for (int c = 0; c < g_ncols; c++)
		if (ra[c] != rb[c])
			return ra[c] < rb[c] ? -1 : 1;
	return 0;
}

static void
read_csv(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[4096];

	if (!f)
	{
		perror(path);
		exit(1);
	}
	if (!fgets(line, sizeof line, f))
		exit(1);
	while (fgets(line, sizeof line, f))
	{
		char	   *fld[32];
		int			nf = 0;
		char	   *p = line;

		line[strcspn(line, "\r\n")] = '\0';
		fld[nf++] = p;
		for (; *p; p++)
			if (*p == ',')
			{
				*p = '\0';
				fld[nf++] = p + 1;
			}
		if (nf != 26 || strcmp(fld[25], "1") != 0)
			continue;
		for (int c = 0; c < NCOLS; c++)
		{
			int			fi = spec[c].field;

			if (fi == 4 || fi == -4)
			{
				char	   *s = strchr(fld[4], '/');

				cells[n_rows][c] = fi == 4 ? strndup(fld[4], s - fld[4]) : strdup(s + 1);
			}
			else
				cells[n_rows][c] = strdup(fld[fi]);
		}
		n_rows++;
	}
	fclose(f);
}

static rs_table *
build_table(void)
{
	rs_error	err;
	rs_table   *t = rs_table_create(n_rows, NCOLS, &err);

	for (int c = 0; c < NCOLS; c++)
	{
		rs_column  *col = &t->cols[c];

		col->name = strdup(spec[c].name);
		if (spec[c].cat)
		{
			char	  **cats = malloc(sizeof(char *) * n_rows);
			int			k = 0;

			col->kind = RS_KIND_CATEGORICAL;
			for (int r = 0; r < n_rows; r++)
				cats[r] = cells[r][c];
			qsort(cats, n_rows, sizeof(char *), cmp_str);
			for (int r = 0; r < n_rows; r++)
				if (k == 0 || strcmp(cats[k - 1], cats[r]) != 0)
					cats[k++] = cats[r];
			col->n_categories = k;
			col->categories = malloc(sizeof(char *) * k);
			for (int j = 0; j < k; j++)
				col->categories[j] = strdup(cats[j]);
			for (int r = 0; r < n_rows; r++)
			{
				char	  **hit = bsearch(&cells[r][c], cats, k, sizeof(char *), cmp_str);

				RS_CELL(t, r, c) = (double) (hit - cats);
			}
			free(cats);
		}
		else
		{
			col->kind = RS_KIND_CONTINUOUS;
			col->integral = 1;
			for (int r = 0; r < n_rows; r++)
			{
				double		v = strtod(cells[r][c], NULL);

				RS_CELL(t, r, c) = v;
				if (r == 0 || v < col->min)
					col->min = v;
				if (r == 0 || v > col->max)
					col->max = v;
				if (v != floor(v))
					col->integral = 0;
			}
		}
	}
	/* rows in value order, like the glue */
	{
		int		   *order = malloc(sizeof(int) * n_rows);
		double	   *sorted = malloc(sizeof(double) * n_rows * NCOLS);

		for (int r = 0; r < n_rows; r++)
			order[r] = r;
		g_ncols = NCOLS;
		g_vals = t->values;
		qsort(order, n_rows, sizeof(int), cmp_rows);
		for (int r = 0; r < n_rows; r++)
			memcpy(sorted + (size_t) r * NCOLS, t->values + (size_t) order[r] * NCOLS,
				   sizeof(double) * NCOLS);
		memcpy(t->values, sorted, sizeof(double) * n_rows * NCOLS);
		free(sorted);
		free(order);
	}
	return t;
}

#define CHECK(x) do { if ((x) != RS_OK) { fprintf(stderr, "%s: %s\n", #x, err.msg); exit(1); } } while (0)

/* Sample n rows like src/sample.c (batches of 1024, rng seeded 1). */
static void
sample_quality(rs_gan *gan, rs_encoder *enc, const rs_table *rows, int per_col)
{
	rs_error	err;
	rs_table   *syn = rs_table_create(rows->n_rows, rows->n_cols, &err);
	rs_table   *tmp = rs_table_create(1024, rows->n_cols, &err);
	int			dim = rs_encoder_dim(enc);
	float	   *buf = malloc(sizeof(float) * 1024 * dim);
	rs_rng		rng;
	rs_quality	q;

	rs_table_copy_specs(syn, rows, &err);
	rs_table_copy_specs(tmp, rows, &err);
	rs_rng_seed(&rng, 1);
	for (int done = 0; done < rows->n_rows;)
	{
		int			b = rows->n_rows - done < 1024 ? rows->n_rows - done : 1024;

		CHECK(rs_gan_sample(gan, b, NULL, buf, &rng, &err));
		CHECK(rs_encoder_inverse(enc, buf, b, tmp, 0, &err));
		memcpy(syn->values + (size_t) done * rows->n_cols, tmp->values,
			   sizeof(double) * b * rows->n_cols);
		done += b;
	}
	if (per_col)
	{
		/* share of category 1 of every binary column: real / synthetic */
		printf("   p(1) real/syn:");
		for (int c = 0; c < rows->n_cols; c++)
		{
			double		a = 0,
						b = 0;

			if (rows->cols[c].kind != RS_KIND_CATEGORICAL || rows->cols[c].n_categories != 2)
				continue;
			for (int r = 0; r < rows->n_rows; r++)
			{
				a += RS_CELL(rows, r, c) == 1.0;
				b += RS_CELL(syn, r, c) == 1.0;
			}
			printf(" %s %.2f/%.2f", rows->cols[c].name, a / rows->n_rows, b / rows->n_rows);
		}
		printf("\n");
	}
	rs_rng_seed(&rng, 2);
	CHECK(rs_quality_compute(rows, syn, 1, &rng, &q, &err));
	printf(" KS %.4f TV %.4f", q.ks_mean, q.tv_mean);
	if (per_col)
	{
		printf("\n   ");
		for (int c = 0; c < rows->n_cols; c++)
			printf(" %s=%.3f", rows->cols[c].name, q.column_score[c]);
	}
	rs_quality_free(&q);
	free(buf);
	rs_table_free(tmp);
	rs_table_free(syn);
}

int
main(int argc, char **argv)
{
	int			epochs = argc > 1 ? atoi(argv[1]) : 300;
	int			every = argc > 2 ? atoi(argv[2]) : 10;
	uint64_t	seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 20261126;
	const char *csv = argc > 4 ? argv[4] : "test/data/heart_attack_prediction_dataset.csv";
	int			per_col = getenv("PER_COL") != NULL;
	rs_table   *rows;
	rs_encoder *enc;
	rs_gan	   *gan;
	rs_gan_config cfg;
	rs_rng		rng;
	rs_error	err;
	float	   *encoded;
	int			dim;
	double		t0,
				ttrain = 0.0;

	if (rs_blas_load(&err) != RS_OK)
	{
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	read_csv(csv);
	rows = build_table();
	printf("rows %d, seed %llu, epochs %d\n", rows->n_rows, (unsigned long long) seed, epochs);

	rs_gan_config_default(&cfg);
	cfg.epochs = epochs;
	if (getenv("MOMENT_WEIGHT"))
		cfg.moment_weight = atof(getenv("MOMENT_WEIGHT"));
	rs_rng_seed(&rng, seed);
	enc = rs_encoder_fit(rows, RS_MAX_MODES, &rng, &err);
	if (!enc)
	{
		fprintf(stderr, "encoder: %s\n", err.msg);
		return 1;
	}
	dim = rs_encoder_dim(enc);
	encoded = malloc(sizeof(float) * (size_t) rows->n_rows * dim);
	CHECK(rs_encoder_transform(enc, rows, encoded, &rng, &err));
	gan = rs_gan_create(&cfg, dim, rs_encoder_spans(enc), rs_encoder_n_spans(enc),
						rs_rng_next(&rng), &err);
	if (!gan)
	{
		fprintf(stderr, "gan: %s\n", err.msg);
		return 1;
	}
	printf("dim %d, cond_dim %d, modes:", dim, rs_gan_cond_dim(gan));
	for (int c = 0; c < rows->n_cols; c++)
		if (rows->cols[c].kind == RS_KIND_CONTINUOUS)
			printf(" %d", rs_encoder_column_modes(enc, c, NULL, NULL, NULL));
	printf("\n");
	for (int e = 0; e < epochs; e++)
	{
		double		lg,
					ld;

		t0 = now();
		CHECK(rs_gan_fit_epoch(gan, encoded, rows->n_rows, &lg, &ld, &err));
		ttrain += now() - t0;
		if ((e + 1) % every == 0 || e == 0 || e == epochs - 1)
		{
			printf("epoch %4d  G %8.4f  D %8.4f", e + 1, lg, ld);
			sample_quality(gan, enc, rows, per_col);
			printf("  (%.1f s)\n", ttrain);
			fflush(stdout);
		}
	}
	printf("final:");
	sample_quality(gan, enc, rows, 1);
	printf("\ntrain time %.1f s\n", ttrain);
	rs_gan_free(gan);
	rs_encoder_free(enc);
	rs_table_free(rows);
	free(encoded);
	return 0;
}
