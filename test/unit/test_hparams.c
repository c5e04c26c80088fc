/*
 * test_hparams.c
 *	  The hyper-parameter table (src/core/hparams.c): its rows are sane,
 *	  rs_gan_config_default/_validate follow it, docs/gan.md's option table
 *	  is the one it prints, and the install script's defaults of
 *	  raresynth_train's epochs and batch_size are its defaults.
 *
 *	  test_hparams --markdown prints the option table for docs/gan.md.
 *	  Run from the repository's top directory (make unit does).
 */
#include <stdlib.h>
#include <string.h>

#include "hparams.h"
#include "unit.h"

#define DOC_BEGIN "<!-- options: printed by test/unit/build/test_hparams --markdown -->\n"
#define DOC_END "<!-- end of options -->\n"

/* The option table for docs/gan.md, between DOC_BEGIN and DOC_END, into buf[n]. */
static void
markdown(char *buf, size_t n)
{
	size_t		len = 0;

#define ADD(...) (len += snprintf(buf + len, len < n ? n - len : 0, __VA_ARGS__))
	ADD(DOC_BEGIN);
	ADD("| option | type | range | default | set in | what it sets |\n");
	ADD("|---|---|---|---|---|---|\n");
	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];
		char		b[64];

		ADD("| `%s` | %s | ", p->name,
			p->type == RS_HP_INT ? "integer" : p->type == RS_HP_FLOAT ? "number" :
			p->type == RS_HP_ENUM ? "string" : "array of integers");
		if (p->type == RS_HP_INT_LIST)
			ADD("%d to %d entries, each %s", p->min_len, p->max_len, rs_hparam_bounds(p, b, sizeof(b)));
		else
			ADD("%s", rs_hparam_bounds(p, b, sizeof(b)));
		ADD(" | %s | ", p->alias ? "-" : p->def_text);
		if (p->where & RS_HP_ARGUMENT)
			ADD("argument of `raresynth_train`, `options` of `raresynth_evaluate`");
		else if (p->where & RS_HP_OPTION)
			ADD("`options`");
		else
			ADD("`options` of `raresynth_evaluate`");
		ADD(" | %s |\n", p->doc);
	}
	ADD(DOC_END);
#undef ADD
	CHECK(len < n);
}

static char *
read_text(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *s;
	long		n;

	if (!f)
	{
		fprintf(stderr, "  cannot open %s (run from the repository's top directory)\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = malloc(n + 1);
	if (s && fread(s, 1, n, f) != (size_t) n)
		n = 0;
	if (s)
		s[n] = 0;
	fclose(f);
	return s;
}

static void
test_rows(void)
{
	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];

		CHECK(rs_hparam_find(p->name) == p);	/* names unique */
		CHECK(p->doc && p->doc[0] && p->doc[strlen(p->doc) - 1] != '.');
		CHECK(p->where != 0 && p->lo <= p->hi);
		if (p->type == RS_HP_INT_LIST)
		{
			CHECK(p->min_len >= 0 && p->max_len <= RS_GAN_MAX_LAYERS);
			CHECK(p->def_len >= p->min_len && p->def_len <= p->max_len);
			for (int k = 0; k < p->def_len; k++)
				CHECK(rs_hparam_in_bounds(p, p->def_list[k]));
			continue;
		}
		if (p->type == RS_HP_ENUM)
		{
			int			n = 0;

			while (p->names[n])
				n++;
			CHECK(p->lo == 0 && p->hi == n - 1 && p->names[(int) p->def] &&
				  strcmp(p->names[(int) p->def], p->def_text) == 0);
			for (int k = 0; k < n; k++)
				CHECK(rs_hparam_enum_index(p, p->names[k]) == k);
			CHECK(rs_hparam_enum_index(p, "no such value") == -1);
			continue;
		}
		/* the texts say what the numbers are */
		CHECK(strtod(p->def_text, NULL) == p->def);
		CHECK(rs_hparam_in_bounds(p, p->def));
		if (p->type == RS_HP_FLOAT)
		{
			CHECK(strtod(p->lo_text, NULL) == p->lo);
			CHECK(isinf(p->hi) || strtod(p->hi_text, NULL) == p->hi);
		}
		else
			CHECK(p->lo == (int) p->lo && p->hi == (int) p->hi);
		/* an alias writes two fields of its type, no default of its own */
		if (p->alias)
			CHECK(p->type == RS_HP_FLOAT && p->off2 != 0 && p->off2 != p->off);
	}
	CHECK(rs_hparam_find("no_such_option") == NULL);
	CHECK(rs_hparam_in_gan(rs_hparam_find("tau")));
	CHECK(!rs_hparam_in_gan(rs_hparam_find("max_modes")));
	CHECK(!rs_hparam_in_gan(rs_hparam_find("C")));
}

static void
test_bounds_text(void)
{
	char		b[64];

	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("pac"), b, sizeof(b)), "between 1 and 1000") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("tau"), b, sizeof(b)), "in [0.001, 1000]") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("generator_lr"), b, sizeof(b)), "in (0, 1]") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("beta2"), b, sizeof(b)), "in [0, 1)") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("gp_lambda"), b, sizeof(b)), "in [0, 1e6]") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("C"), b, sizeof(b)), "a positive number") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("generator_dims"), b, sizeof(b)), "between 1 and 4096") == 0);
	CHECK(strcmp(rs_hparam_bounds(rs_hparam_find("precision"), b, sizeof(b)),
				 "\"auto\", \"fp32\" or \"bf16\"") == 0);
	CHECK(!rs_hparam_in_bounds(rs_hparam_find("C"), 0) && !rs_hparam_in_bounds(rs_hparam_find("C"), INFINITY));
	CHECK(!rs_hparam_in_bounds(rs_hparam_find("tau"), NAN));
}

/* The defaults CTGAN's paper gives (plus moment_weight 10): pinned. */
static void
test_defaults(void)
{
	rs_gan_config cfg;
	rs_hparams	h;

	rs_gan_config_default(&cfg);
	CHECK(cfg.embedding_dim == 128 && cfg.n_gen_dims == 2 && cfg.gen_dims[0] == 256 &&
		  cfg.gen_dims[1] == 256 && cfg.n_dis_dims == 2 && cfg.dis_dims[0] == 256 &&
		  cfg.dis_dims[1] == 256 && cfg.pac == 10);
	CHECK(cfg.lr_g == 2e-4 && cfg.lr_d == 2e-4 && cfg.batch_size == 500 && cfg.epochs == 300);
	CHECK(cfg.gp_lambda == 10 && cfg.tau == 0.2 && cfg.discriminator_steps == 1);
	CHECK(cfg.beta1 == 0.5 && cfg.beta2 == 0.9 && cfg.weight_decay == 1e-6);
	CHECK(cfg.dropout == 0.5 && cfg.moment_weight == 10);
	rs_hparams_default(&h);
	CHECK(memcmp(&h.gan, &cfg, sizeof(cfg)) == 0);
	CHECK(h.max_modes == RS_MAX_MODES && h.smote_k == 5 && h.C == 1.0);
}

/* Each bound of each rs_gan_config row: at it valid, beyond it invalid. */
static void
test_validate_bounds(void)
{
	rs_gan_config cfg;
	rs_error	err;

	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];

		if (p->alias || !rs_hparam_in_gan(p))
			continue;
		for (int hi = 0; hi < 2; hi++)
		{
			double		at = hi ? p->hi : p->lo;
			int			open = hi ? p->hi_open : p->lo_open;
			double		out = p->type == RS_HP_FLOAT ? (hi ? nextafter(at, INFINITY) : nextafter(at, -INFINITY))
				: at + (hi ? 1 : -1);

			if (p->type == RS_HP_INT_LIST)
			{
				/* the count, then one entry */
				rs_gan_config_default(&cfg);
				*RS_HP_INT_AT(&cfg, p->off) = hi ? p->max_len + 1 : p->min_len - 1;
				CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
				rs_gan_config_default(&cfg);
				*RS_HP_INT_AT(&cfg, p->off) = hi ? p->max_len : p->min_len;
				for (int k = 0; k < *RS_HP_INT_AT(&cfg, p->off); k++)
					RS_HP_INT_AT(&cfg, p->off2)[k] = (int) at;
				CHECK(rs_gan_config_validate(&cfg, &err) == RS_OK);
				if (*RS_HP_INT_AT(&cfg, p->off) == 0)
					*RS_HP_INT_AT(&cfg, p->off) = 1;
				RS_HP_INT_AT(&cfg, p->off2)[0] = (int) out;
				CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
				continue;
			}
			rs_gan_config_default(&cfg);
			cfg.pac = 1;		/* a batch_size pac divides, whichever is set */
			cfg.batch_size = 1000;
			if (p->type == RS_HP_INT || p->type == RS_HP_ENUM)
				*RS_HP_INT_AT(&cfg, p->off) = (int) at;
			else if (!isinf(at))
				*RS_HP_FLOAT_AT(&cfg, p->off) = at;
			if (!isinf(at))
				CHECK((rs_gan_config_validate(&cfg, &err) == RS_OK) == !open);
			if (p->type == RS_HP_INT || p->type == RS_HP_ENUM)
				*RS_HP_INT_AT(&cfg, p->off) = (int) out;
			else
				*RS_HP_FLOAT_AT(&cfg, p->off) = open ? at : out;
			CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID);
		}
	}
}

/* The messages the glue passes on (expected/gan_errors.out, harden_train.out). */
static void
test_validate_messages(void)
{
	rs_gan_config cfg;
	rs_error	err;

#define MSG(stmt, text) do { rs_gan_config_default(&cfg); stmt; err.msg[0] = 0; \
		CHECK(rs_gan_config_validate(&cfg, &err) == RS_ERR_INVALID); \
		if (strcmp(err.msg, text) != 0) { fprintf(stderr, "  got \"%s\"\n", err.msg); CHECK(0); } } while (0)
	MSG(cfg.tau = 0, "tau must be in [0.001, 1000], got 0");
	MSG(cfg.lr_g = cfg.lr_d = -1, "generator learning rate must be in (0, 1], got -1");
	MSG(cfg.lr_d = 2, "discriminator learning rate must be in (0, 1], got 2");
	MSG(cfg.gp_lambda = -1, "gradient penalty weight must be in [0, 1e6], got -1");
	MSG(cfg.batch_size = 25, "batch_size 25 is not a multiple of pac 10");
	MSG(cfg.pac = 1001, "pac must be between 1 and 1000, got 1001");
	MSG(cfg.embedding_dim = 4097, "embedding_dim must be between 1 and 4096, got 4097");
	MSG(cfg.n_dis_dims = 0, "discriminator_dims must have between 1 and 8 entries, got 0");
	MSG(cfg.gen_dims[1] = 4097, "generator_dims entries must be between 1 and 4096, got 4097");
	MSG(cfg.epochs = 100001, "epochs must be between 1 and 100000, got 100001");
#undef MSG
	CHECK(rs_gan_config_validate(NULL, &err) == RS_ERR_INVALID);
}

/* docs/gan.md holds exactly the table markdown() prints. */
static void
test_docs(void)
{
	static char want[16384];
	char	   *doc = read_text("docs/gan.md");
	char	   *a;

	markdown(want, sizeof(want));
	CHECK(doc != NULL);
	if (!doc)
		return;
	a = strstr(doc, DOC_BEGIN);
	CHECK(a != NULL);
	if (a && strncmp(a, want, strlen(want)) != 0)
	{
		fprintf(stderr, "  docs/gan.md's option table differs from the table in hparams.c:"
				" paste the output of test/unit/build/test_hparams --markdown\n");
		CHECK(0);
	}
	free(doc);
}

/* The install script's DEFAULT of raresynth_train's name argument, or -1. */
static int
sql_default(const char *sql, const char *name)
{
	const char *f = strstr(sql, "CREATE FUNCTION raresynth_train(");
	char		pat[64];
	const char *a;

	if (!f)
		return -1;
	snprintf(pat, sizeof(pat), "\n        %s integer DEFAULT ", name);
	a = strstr(f, pat);
	if (!a || a > strstr(f, "RETURNS"))
		return -1;
	return atoi(a + strlen(pat));
}

static void
test_sql_defaults(void)
{
	char	   *sql = read_text("sql/raresynth--0.2.0.sql");

	CHECK(sql != NULL);
	if (!sql)
		return;
	CHECK(sql_default(sql, "epochs") == (int) rs_hparam_find("epochs")->def);
	CHECK(sql_default(sql, "batch_size") == (int) rs_hparam_find("batch_size")->def);
	free(sql);
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--markdown") == 0)
	{
		static char buf[16384];

		markdown(buf, sizeof(buf));
		fputs(buf, stdout);
		return 0;
	}
	RUN(test_rows);
	RUN(test_bounds_text);
	RUN(test_defaults);
	RUN(test_validate_bounds);
	RUN(test_validate_messages);
	RUN(test_docs);
	RUN(test_sql_defaults);
	return unit_summary("test_hparams");
}
