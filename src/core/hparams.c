/*
 * hparams.c
 *	  The hyper-parameter table (see hparams.h) and what reads it generically:
 *	  defaults, bounds in words, the check of an rs_gan_config.
 */
#include "hparams.h"
#include "rules.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define OFF(f)	offsetof(rs_hparams, f)
#define ANY		(RS_HP_OPTION)
#define EVAL	(RS_HP_EVALUATE)
#define ARG		(RS_HP_EVALUATE | RS_HP_ARGUMENT)

/* An integer in [lo, hi]. */
#define INT(name, field, lo, hi, def, where, doc) \
	{name, RS_HP_INT, where, lo, hi, 0, 0, NULL, NULL, 0, 0, def, #def, NULL, 0, \
	 OFF(field), 0, 0, NULL, doc, NULL}
/* A number in lo..hi; lo_open, hi_open: '(' / ')' or '[' / ']'. */
#define FLOAT(name, what, field, field2, alias, lo_open, lo, hi, hi_open, def, where, doc) \
	{name, RS_HP_FLOAT, where, lo, hi, lo_open, hi_open, #lo, #hi, 0, 0, def, #def, \
	 NULL, 0, OFF(field), field2, alias, what, doc, NULL}
/* min..max layer widths, each in [lo, hi]. */
#define LIST(name, count, field, min, max, lo, hi, def, def_text, doc) \
	{name, RS_HP_INT_LIST, ANY, lo, hi, 0, 0, NULL, NULL, min, max, 0, def_text, \
	 def, sizeof(def) / sizeof(def[0]), OFF(count), OFF(field), 0, NULL, doc, NULL}

/* One of names (NULL-terminated); the field is an int, the index. */
#define ENUM(name, field, names, n, def, def_text, where, doc) \
	{name, RS_HP_ENUM, where, 0, (n) - 1, 0, 0, NULL, NULL, 0, 0, def, def_text, NULL, 0, \
	 OFF(field), 0, 0, NULL, doc, names}

static const int dims_default[] = {256, 256};

/* gan.h's RS_PRECISION_*, in order */
static const char *const precision_names[] = {"auto", "fp32", "bf16", NULL};

/*
 * Bounds: where the jsonb parser (the user-visible side) and the core once
 * disagreed, the parser's won (widths 4096, pac 1000), except the
 * generator's hidden layers, which may be none (a linear generator: the
 * state format and the sampler support it, test/unit/model_fixture.h
 * trains one).
 */
const rs_hparam rs_hparam_table[] = {
	INT("embedding_dim", gan.embedding_dim, 1, 4096, 128, ANY,
		"width of the generator's noise input"),
	LIST("generator_dims", gan.n_gen_dims, gan.gen_dims, 0, RS_GAN_MAX_LAYERS, 1, 4096,
		 dims_default, "[256, 256]", "widths of the generator's residual blocks"),
	LIST("discriminator_dims", gan.n_dis_dims, gan.dis_dims, 1, RS_GAN_MAX_LAYERS, 1, 4096,
		 dims_default, "[256, 256]", "widths of the critic's hidden layers"),
	INT("pac", gan.pac, 1, 1000, 10, ANY,
		"rows per critic input (PacGAN); must divide `batch_size`"),
	FLOAT("lr", NULL, gan.lr_g, OFF(gan.lr_d), 1, 1, 0, 1, 0, 2e-4, ANY,
		  "sets `generator_lr` and `discriminator_lr`"),
	FLOAT("generator_lr", "generator learning rate", gan.lr_g, 0, 0, 1, 0, 1, 0, 2e-4, ANY,
		  "Adam learning rate of the generator"),
	FLOAT("discriminator_lr", "discriminator learning rate", gan.lr_d, 0, 0, 1, 0, 1, 0, 2e-4, ANY,
		  "Adam learning rate of the critic"),
	FLOAT("gp_lambda", "gradient penalty weight", gan.gp_lambda, 0, 0, 0, 0, 1e6, 0, 10, ANY,
		  "weight of the WGAN-GP gradient penalty"),
	FLOAT("tau", NULL, gan.tau, 0, 0, 0, 0.001, 1000, 0, 0.2, ANY,
		  "Gumbel-softmax temperature"),
	INT("discriminator_steps", gan.discriminator_steps, 1, 100, 1, ANY,
		"critic steps per generator step"),
	FLOAT("beta1", NULL, gan.beta1, 0, 0, 0, 0, 1, 1, 0.5, ANY,
		  "Adam's first-moment decay"),
	FLOAT("beta2", NULL, gan.beta2, 0, 0, 0, 0, 1, 1, 0.9, ANY,
		  "Adam's second-moment decay"),
	FLOAT("weight_decay", NULL, gan.weight_decay, 0, 0, 0, 0, 1, 1, 1e-6, ANY,
		  "L2 weight decay of both networks"),
	FLOAT("dropout", NULL, gan.dropout, 0, 0, 0, 0, 1, 1, 0.5, ANY,
		  "dropout probability in the critic"),
	FLOAT("moment_weight", NULL, gan.moment_weight, 0, 0, 0, 0, 1e6, 0, 10, ANY,
		  "weight of conditional moment matching (0: off, CTGAN's loss)"),
	INT("calibration", gan.calibration, 0, 10, 3, ANY,
		"rounds matching the generator's category frequencies to the training rows' after training (0: off)"),
	INT("all_rows", gan.all_rows, 0, 1, 0, EVAL,
		"1: the GAN trains on every row of the training part with the label as a condition, and samples the minority (0: the minority's rows only)"),
	INT("max_modes", max_modes, 1, RS_MAX_MODES, 10, ANY,
		"most modes of a continuous column's mixture"),
	INT("rare_category_k", rare_category_k, 1, RS_RULES_MAX_K, 5, ANY,
		"a category held by fewer training rows is never emitted (1: off)"),
	INT("extreme_value_k", extreme_value_k, 1, RS_RULES_MAX_K, 5, ANY,
		"values are clamped to the k-th smallest and k-th largest training value (1: min and max)"),
	INT("dependencies", dependencies, 0, 1, 1, ANY,
		"1: columns another column determines are derived from it (0: learned)"),
	INT("early_stopping", gan.early_stopping, 0, RS_GAN_MAX_STOP_WINDOW, 25, ANY,
		"window in epochs of early stopping: training ends before `epochs` once both losses have settled (0: off)"),
	FLOAT("epsilon", NULL, epsilon, 0, 0, 1, 0, INFINITY, 0, INFINITY, ANY,
		  "differential privacy budget of raresynth_train (INFINITY: not private): every feature column then needs `bounds` or `categories`, and `minority`; see docs/privacy.md"),
	FLOAT("delta", NULL, delta, 0, 0, 1, 0, 1, 1, 1e-6, ANY,
		  "differential privacy delta; the default is below 1 / n for any table under a million rows"),
	FLOAT("max_grad_norm", NULL, gan.max_grad_norm, 0, 0, 1, 0, INFINITY, 1, 1, ANY,
		  "under `epsilon`: L2 norm each training row's critic gradient is clipped to"),
	FLOAT("weight_clip", NULL, gan.weight_clip, 0, 0, 0, 0, 1000, 0, 0.01, ANY,
		  "under `epsilon`: the critic's weights are clamped to [-c, c] after each step, in place of the gradient penalty (0: off)"),
	ENUM("precision", gan.precision, precision_names, 3, RS_PRECISION_AUTO, "auto", ANY,
		 "the training step's matrix products: `auto` bf16 where the CPU has AVX512-BF16 and no AMX (fp32 weights, gradients and Adam) and fp32 elsewhere, `fp32`, `bf16`; without this option the GUC `raresynth.precision` (docs/performance.md)"),
	INT("epochs", gan.epochs, 1, 100000, 300, ARG,
		"most training epochs (early_stopping may end sooner): each max(1, rows / batch_size) generator steps"),
	INT("batch_size", gan.batch_size, 2, RS_GAN_MAX_BATCH, 500, ARG,
		"rows per step; a multiple of `pac`"),
	INT("k", smote_k, 1, 1000, 5, EVAL,
		"SMOTE's neighbours"),
	FLOAT("C", NULL, C, 0, 0, 1, 0, INFINITY, 1, 1, EVAL,
		  "inverse regularization of the logistic regression"),
	FLOAT("filter_quantile", NULL, filter_quantile, 0, 0, 0, 0, 0.5, 0, 0.1, EVAL,
		  "the gan method keeps the GAN rows a logistic regression on the real training rows scores at least at this quantile of the real minority rows' scores (0: off)"),
};
const int	rs_hparam_count = sizeof(rs_hparam_table) / sizeof(rs_hparam_table[0]);

_Static_assert(offsetof(rs_hparams, gan) == 0, "rs_gan_config first in rs_hparams");

const rs_hparam *
rs_hparam_find(const char *name)
{
	for (int i = 0; i < rs_hparam_count; i++)
		if (strcmp(rs_hparam_table[i].name, name) == 0)
			return &rs_hparam_table[i];
	return NULL;
}

int
rs_hparam_in_gan(const rs_hparam *p)
{
	return p->off < sizeof(rs_gan_config);
}

int
rs_hparam_enum_index(const rs_hparam *p, const char *name)
{
	for (int i = 0; p->names && p->names[i]; i++)
		if (strcmp(p->names[i], name) == 0)
			return i;
	return -1;
}

int
rs_hparam_in_bounds(const rs_hparam *p, double v)
{
	if (p->type != RS_HP_FLOAT)
		return v >= p->lo && v <= p->hi;
	return (p->lo_open ? v > p->lo : v >= p->lo) &&
		(p->hi_open ? v < p->hi : v <= p->hi);
}

const char *
rs_hparam_bounds(const rs_hparam *p, char *buf, size_t n)
{
	if (p->type == RS_HP_ENUM)
	{
		size_t		len = 0;

		buf[0] = 0;
		for (int i = 0; p->names[i] && len < n; i++)
			len += snprintf(buf + len, n - len, "%s\"%s\"",
							i == 0 ? "" : p->names[i + 1] ? ", " : " or ", p->names[i]);
	}
	else if (p->type != RS_HP_FLOAT)
		snprintf(buf, n, "between %d and %d", (int) p->lo, (int) p->hi);
	else if (isinf(p->hi) && p->lo == 0 && p->lo_open)
		snprintf(buf, n, "a positive number");
	else if (isinf(p->hi))
		snprintf(buf, n, "%s %s", p->lo_open ? "greater than" : "at least", p->lo_text);
	else
		snprintf(buf, n, "in %c%s, %s%c", p->lo_open ? '(' : '[', p->lo_text,
				 p->hi_text, p->hi_open ? ')' : ']');
	return buf;
}

void
rs_hparams_default(rs_hparams *h)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];

		if (p->alias)
			continue;
		if (p->type == RS_HP_INT || p->type == RS_HP_ENUM)
			*RS_HP_INT_AT(h, p->off) = (int) p->def;
		else if (p->type == RS_HP_FLOAT)
			*RS_HP_FLOAT_AT(h, p->off) = p->def;
		else
		{
			memcpy(RS_HP_INT_AT(h, p->off2), p->def_list, sizeof(int) * p->def_len);
			*RS_HP_INT_AT(h, p->off) = p->def_len;
		}
	}
}

rs_status
rs_hparams_check_pac(const rs_gan_config *cfg, rs_error *err)
{
	if (cfg->pac < 1 || cfg->batch_size % cfg->pac != 0)
		return rs_fail(err, RS_ERR_INVALID, "batch_size %d is not a multiple of pac %d",
					   cfg->batch_size, cfg->pac);
	return RS_OK;
}

rs_status
rs_hparams_check_gan(const rs_gan_config *cfg, rs_error *err)
{
	char		b[64];

	for (int i = 0; i < rs_hparam_count; i++)
	{
		const rs_hparam *p = &rs_hparam_table[i];
		const char *what = p->what ? p->what : p->name;

		if (p->alias || !rs_hparam_in_gan(p))
			continue;
		if (p->type == RS_HP_INT || p->type == RS_HP_ENUM)
		{
			int			v = *RS_HP_INT_AT(cfg, p->off);

			if (!rs_hparam_in_bounds(p, v))
				return rs_fail(err, RS_ERR_INVALID, "%s must be %s, got %d",
							   what, rs_hparam_bounds(p, b, sizeof(b)), v);
		}
		else if (p->type == RS_HP_FLOAT)
		{
			double		v = *RS_HP_FLOAT_AT(cfg, p->off);

			if (!rs_hparam_in_bounds(p, v))
				return rs_fail(err, RS_ERR_INVALID, "%s must be %s, got %g",
							   what, rs_hparam_bounds(p, b, sizeof(b)), v);
		}
		else
		{
			int			n = *RS_HP_INT_AT(cfg, p->off);
			const int  *e = RS_HP_INT_AT(cfg, p->off2);

			if (n < p->min_len || n > p->max_len)
				return rs_fail(err, RS_ERR_INVALID,
							   "%s must have between %d and %d entries, got %d",
							   what, p->min_len, p->max_len, n);
			for (int k = 0; k < n; k++)
				if (!rs_hparam_in_bounds(p, e[k]))
					return rs_fail(err, RS_ERR_INVALID, "%s entries must be %s, got %d",
								   what, rs_hparam_bounds(p, b, sizeof(b)), e[k]);
		}
	}
	return rs_hparams_check_pac(cfg, err);
}
