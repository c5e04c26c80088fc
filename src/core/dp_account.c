/*
 * dp_account.c
 *	  Renyi DP of the Poisson-subsampled Gaussian mechanism, composition,
 *	  conversion to (epsilon, delta) and the noise multiplier of a budget
 *	  (see dp_account.h for the mechanism and the references).
 *
 * log A_alpha, whose RDP is log A_alpha / (alpha - 1) (Mironov et al. 2019):
 *	integer alpha:  A = sum_{i=0}^{alpha} C(alpha, i) q^i (1-q)^(alpha-i)
 *						exp((i^2 - i) / (2 sigma^2))
 *	fractional alpha: A = A0 + A1, two series over i >= 0 with
 *		z0 = sigma^2 log(1/q - 1) + 1/2 and C(alpha, i) of either sign,
 *		A0 = sum C(alpha, i) q^i (1-q)^(alpha-i) exp((i^2-i)/(2 sigma^2))
 *				 erfc((i - z0) / (sqrt 2 sigma)) / 2
 *		A1 = sum C(alpha, i) q^(alpha-i) (1-q)^i exp((j^2-j)/(2 sigma^2))
 *				 erfc((z0 - j) / (sqrt 2 sigma)) / 2,	j = alpha - i
 *		summed until both terms fall below exp(-30), as TF Privacy does.
 * Everything is in logarithms (the terms overflow a double at large orders).
 */
#include "dp_account.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

const double rs_dp_orders[RS_DP_N_ORDERS] = {
	1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0,
	2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9, 3.0,
	3.1, 3.2, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9, 4.0,
	4.1, 4.2, 4.3, 4.4, 4.5, 4.6, 4.7, 4.8, 4.9, 5.0,
	5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9, 6.0,
	6.1, 6.2, 6.3, 6.4, 6.5, 6.6, 6.7, 6.8, 6.9, 7.0,
	7.1, 7.2, 7.3, 7.4, 7.5, 7.6, 7.7, 7.8, 7.9, 8.0,
	8.1, 8.2, 8.3, 8.4, 8.5, 8.6, 8.7, 8.8, 8.9, 9.0,
	9.1, 9.2, 9.3, 9.4, 9.5, 9.6, 9.7, 9.8, 9.9, 10.0,
	10.1, 10.2, 10.3, 10.4, 10.5, 10.6, 10.7, 10.8, 10.9,
	12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
	30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
	48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
};

/* log(exp(x) + exp(y)) */
static double
log_add(double x, double y)
{
	double		hi = x > y ? x : y,
				lo = x > y ? y : x;

	if (lo == -INFINITY)
		return hi;
	return hi + log1p(exp(lo - hi));
}

/* log(exp(x) - exp(y)), x >= y (a rounding below: -inf) */
static double
log_sub(double x, double y)
{
	if (y == -INFINITY)
		return x;
	if (x <= y)
		return -INFINITY;
	if (x - y > 700)
		return x;
	return log(expm1(x - y)) + y;
}

/* log(erfc(x)), with the asymptotic series where erfc underflows */
static double
log_erfc(double x)
{
	double		r;

	if (x < 25)
		return log(erfc(x));
	r = 1.0 / (x * x);
	return -x * x - log(x) - 0.5 * 1.1447298858494002 /* log pi */ +
		log1p(-0.5 * r + 0.75 * r * r - 1.875 * r * r * r);
}

static double
log_a_int(double q, double sigma, int alpha)
{
	double		log_a = -INFINITY,
				log_coef = 0;	/* log C(alpha, i) */

	for (int i = 0; i <= alpha; i++)
	{
		double		s = log_coef + i * log(q) + (alpha - i) * log1p(-q) +
			((double) i * i - i) / (2 * sigma * sigma);

		log_a = log_add(log_a, s);
		log_coef += log((double) (alpha - i)) - log((double) (i + 1));
	}
	return log_a;
}

static double
log_a_frac(double q, double sigma, double alpha)
{
	double		log_a0 = -INFINITY,
				log_a1 = -INFINITY,
				z0 = sigma * sigma * log(1 / q - 1) + 0.5,
				log_coef = 0;	/* log |C(alpha, i)| */
	int			sign = 1;		/* sign of C(alpha, i) */

	for (int i = 0; i < 100000; i++)
	{
		double		j = alpha - i,
					log_t0 = log_coef + i * log(q) + j * log1p(-q),
					log_t1 = log_coef + j * log(q) + i * log1p(-q),
					log_e0 = log(0.5) + log_erfc((i - z0) / (1.4142135623730951 * sigma)),
					log_e1 = log(0.5) + log_erfc((z0 - j) / (1.4142135623730951 * sigma)),
					log_s0 = log_t0 + ((double) i * i - i) / (2 * sigma * sigma) + log_e0,
					log_s1 = log_t1 + (j * j - j) / (2 * sigma * sigma) + log_e1;

		if (sign > 0)
		{
			log_a0 = log_add(log_a0, log_s0);
			log_a1 = log_add(log_a1, log_s1);
		}
		else
		{
			log_a0 = log_sub(log_a0, log_s0);
			log_a1 = log_sub(log_a1, log_s1);
		}
		if (fmax(log_s0, log_s1) < -30)
			break;
		/* C(alpha, i + 1) = C(alpha, i) (alpha - i) / (i + 1) */
		if (j < 0)
			sign = -sign;
		log_coef += log(fabs(j)) - log((double) (i + 1));
		if (j == 0)
			break;
	}
	return log_add(log_a0, log_a1);
}

double
rs_dp_rdp(double q, double sigma, double alpha)
{
	if (q <= 0)
		return 0;
	if (!(sigma > 0) || isinf(alpha))
		return INFINITY;
	if (q >= 1)
		return alpha / (2 * sigma * sigma);
	if (alpha == floor(alpha) && alpha <= 100000)
		return log_a_int(q, sigma, (int) alpha) / (alpha - 1);
	return log_a_frac(q, sigma, alpha) / (alpha - 1);
}

void
rs_dp_rdp_steps(double q, double sigma, int64_t steps,
				const double *orders, int n, double *rdp)
{
	for (int i = 0; i < n; i++)
		rdp[i] = steps == 0 ? 0 : (double) steps * rs_dp_rdp(q, sigma, orders[i]);
}

/* Balle et al.'s conversion at one order (without the floor at 0). */
static double
convert_at(double rdp, double alpha, double delta)
{
	return rdp + log1p(-1 / alpha) - (log(delta) + log(alpha)) / (alpha - 1);
}

double
rs_dp_epsilon(const double *orders, const double *rdp, int n,
			  double delta, double *best_order)
{
	double		best = INFINITY,
				at = NAN;

	for (int i = 0; i < n; i++)
	{
		double		a = orders[i],
					e;

		if (!(a > 1) || isnan(rdp[i]))
			continue;
		/* TF Privacy's compute_eps: delta >= sqrt(1 - exp(-KL)) is 0-DP */
		if (delta * delta + expm1(-rdp[i]) >= 0)
			e = 0;
		else
			e = convert_at(rdp[i], a, delta);
		if (e < best)
		{
			best = e;
			at = a;
		}
	}
	if (best_order)
		*best_order = at;
	return best < 0 ? 0 : best;
}

double
rs_dp_epsilon_sgm(double q, double sigma, int64_t steps, double delta,
				  const double *extra_rdp)
{
	double		rdp[RS_DP_N_ORDERS];

	rs_dp_rdp_steps(q, sigma, steps, rs_dp_orders, RS_DP_N_ORDERS, rdp);
	if (extra_rdp)
		for (int i = 0; i < RS_DP_N_ORDERS; i++)
			rdp[i] += extra_rdp[i];
	return rs_dp_epsilon(rs_dp_orders, rdp, RS_DP_N_ORDERS, delta, NULL);
}

/*
 * The smallest sigma, to a relative 1e-9, at which spends(sigma, arg) is
 * at most target (spends decreasing in sigma): doubling, then bisection;
 * -1 when no sigma up to 1e6 gets there.
 */
static double
smallest_sigma(double (*spends) (double sigma, const void *arg), const void *arg,
			   double target)
{
	double		lo = 0,
				hi = 1;

	while (spends(hi, arg) > target)
	{
		lo = hi;
		hi *= 2;
		if (hi > 1e6)
			return -1;
	}
	/* spends(lo) > target >= spends(hi) (lo 0: infinite) */
	while (hi - lo > 1e-9 * hi)
	{
		double		mid = 0.5 * (lo + hi);

		if (spends(mid, arg) > target)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

typedef struct sgm_job
{
	double		q;
	int64_t		steps;
	double		delta;			/* epsilon at delta over rs_dp_orders ... */
	const double *extra_rdp;
	double		alpha;			/* ... or, when > 0, the RDP at alpha */
} sgm_job;

static double
sgm_spends(double sigma, const void *arg)
{
	const sgm_job *j = arg;

	if (j->alpha > 0)
		return (double) j->steps * rs_dp_rdp(j->q, sigma, j->alpha);
	return rs_dp_epsilon_sgm(j->q, sigma, j->steps, j->delta, j->extra_rdp);
}

double
rs_dp_noise_multiplier(double q, int64_t steps, double epsilon,
					   double delta, const double *extra_rdp)
{
	sgm_job		j = {q, steps, delta, extra_rdp, 0};

	if (!(epsilon > 0) || !(delta > 0 && delta < 1) || steps < 0 || !(q >= 0 && q <= 1))
		return -1;
	return smallest_sigma(sgm_spends, &j, epsilon);
}

/* ---------------------------------------------------------------- the plan */

/* The RDP at alpha that converts to epsilon at delta. */
static double
budget_at(double epsilon, double delta, double alpha)
{
	return epsilon - log1p(-1 / alpha) + (log(delta) + log(alpha)) / (alpha - 1);
}

/*
 * The order of rs_dp_orders at which the curve rho alpha converts to
 * epsilon with the largest rho: the budget of each order allows rho =
 * budget / alpha; the best order is the one that allows the most.
 */
static double
gaussian_order(double epsilon, double delta)
{
	double		best = 0,
				at = NAN;

	for (int i = 0; i < RS_DP_N_ORDERS; i++)
	{
		double		a = rs_dp_orders[i],
					rho = budget_at(epsilon, delta, a) / a;

		if (rho > best)
		{
			best = rho;
			at = a;
		}
	}
	return at;
}

int
rs_dp_plan_make(rs_dp_plan *plan, double epsilon, double delta, double count_share)
{
	memset(plan, 0, sizeof(*plan));
	if (!(epsilon > 0) || !isfinite(epsilon) || !(delta > 0 && delta < 1) ||
		!(count_share > 0 && count_share < 1))
		return -1;
	plan->epsilon = epsilon;
	plan->delta = delta;
	plan->alpha = gaussian_order(epsilon, delta);
	if (isnan(plan->alpha))
		return -1;
	plan->rdp = budget_at(epsilon, delta, plan->alpha);
	plan->count_share = count_share;
	/* alpha / (2 s^2) = share * rdp */
	plan->count_sigma = sqrt(plan->alpha / (2 * count_share * plan->rdp));
	return 0;
}

double
rs_dp_plan_train(const rs_dp_plan *plan, double count, int batch,
				 int epochs, int d_steps, double *q, int64_t *steps)
{
	double		left = plan->rdp * (1 - plan->count_share),
				per;
	sgm_job		j;

	*q = count < 1 ? 1 : batch / count;
	if (!(*q <= 1))
		*q = 1;
	per = floor(1 / *q);
	*steps = (int64_t) epochs * (int64_t) (per < 1 ? 1 : per) * d_steps;
	if (!(left > 0))
		return -1;
	j = (sgm_job) {*q, *steps, plan->delta, NULL, plan->alpha};
	return smallest_sigma(sgm_spends, &j, left);
}

double
rs_dp_plan_spent(const rs_dp_plan *plan, double q, double sigma, int64_t steps)
{
	double		rdp = plan->alpha / (2 * plan->count_sigma * plan->count_sigma) +
		(double) steps * rs_dp_rdp(q, sigma, plan->alpha);
	double		e = convert_at(rdp, plan->alpha, plan->delta);

	return e < 0 ? 0 : e;
}
