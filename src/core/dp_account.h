/*
 * dp_account.h
 *	  The privacy accountant of differentially private training: Renyi DP
 *	  of the Poisson-subsampled Gaussian mechanism, its composition, the
 *	  conversion to (epsilon, delta) and the inverse (the noise multiplier
 *	  that spends a budget exactly).
 *
 * The mechanism: each step includes every row independently with
 * probability q (Poisson sampling), clips each included row's gradient to
 * L2 norm C and adds N(0, sigma^2 C^2) to their sum.  Its RDP at order
 * alpha is computed as TF Privacy's compute_rdp and Opacus's RDP
 * accountant do (Mironov, Talwar, Zhang 2019, "Renyi Differential Privacy
 * of the Sampled Gaussian Mechanism", sections 3.3 (integer orders) and
 * 3.4 (fractional orders)); the neighbouring relation is adding or
 * removing one row.  Steps compose by adding their RDP order by order.
 * The conversion to (epsilon, delta) is the improved one of Balle et al.
 * 2020 ("Hypothesis testing interpretations and Renyi differential
 * privacy", Theorem 21), which both Opacus (get_privacy_spent) and TF
 * Privacy (compute_eps) use:
 *		eps = min over alpha of  rdp(alpha) + log((alpha - 1) / alpha)
 *								 - (log delta + log alpha) / (alpha - 1)
 * Plain C, no PostgreSQL headers.
 */
#ifndef RS_DP_ACCOUNT_H
#define RS_DP_ACCOUNT_H

#include <stdint.h>

/* Opacus's DEFAULT_ALPHAS: 1.1, 1.2, ..., 10.9, then 12, 13, ..., 63. */
#define RS_DP_N_ORDERS 151
extern const double rs_dp_orders[RS_DP_N_ORDERS];

/*
 * RDP at order alpha (> 1) of one step of the Poisson-subsampled Gaussian
 * mechanism with sampling rate q in [0, 1] and noise multiplier sigma >= 0
 * (sigma 0: infinite).  q = 1 is the plain Gaussian mechanism,
 * alpha / (2 sigma^2).
 */
double		rs_dp_rdp(double q, double sigma, double alpha);

/* rdp[i] = steps * rs_dp_rdp(q, sigma, orders[i]), for i < n. */
void		rs_dp_rdp_steps(double q, double sigma, int64_t steps,
							const double *orders, int n, double *rdp);

/*
 * The smallest epsilon over the orders (Balle et al.'s conversion above)
 * for the RDP curve rdp[n] at delta in (0, 1); the order that gives it into
 * *best_order when not NULL.  Infinite when every order is.
 */
double		rs_dp_epsilon(const double *orders, const double *rdp, int n,
						  double delta, double *best_order);

/*
 * Epsilon at delta after steps steps of rate q and noise sigma, over
 * rs_dp_orders, plus extra_rdp[RS_DP_N_ORDERS] (another mechanism's RDP
 * composed with them, e.g. a noisy count), or none when NULL.
 */
double		rs_dp_epsilon_sgm(double q, double sigma, int64_t steps, double delta,
							  const double *extra_rdp);

/*
 * The noise multiplier that spends epsilon at delta after steps steps of
 * rate q (plus extra_rdp, as above): the smallest sigma, to a relative
 * 1e-9, whose epsilon is at most the target, found by bisection (epsilon
 * decreases with sigma).  Returns -1 when no sigma up to 1e6 reaches it
 * (e.g. extra_rdp alone spends more than epsilon).
 */
double		rs_dp_noise_multiplier(double q, int64_t steps, double epsilon,
								   double delta, const double *extra_rdp);

/*
 * A plan of DP training whose sampling rate, step count and noise are
 * chosen from a noisy row count, with a guarantee that does not depend on
 * that count.  Choosing q and sigma from a released count is adaptive
 * composition: Renyi DP composes adaptively at one order alpha when the
 * later mechanism's RDP at alpha is bounded whatever the count (Mironov
 * 2017, Proposition 1), but the minimum over orders that
 * rs_dp_noise_multiplier takes would be taken after seeing the count.  So
 * the plan fixes one order before any row is read, from epsilon and delta
 * alone, and spends the RDP budget at that order:
 *	- alpha: the order at which the Gaussian mechanism that spends exactly
 *	  (epsilon, delta) under the conversion above is at its best (the
 *	  optimum of a curve rho alpha; rs_dp_orders' grid);
 *	- rdp: the RDP at alpha that converts to exactly epsilon at delta;
 *	- count_sigma: the Gaussian noise (sensitivity 1) of the row count,
 *	  which spends count_share of rdp;
 *	- then, for a noisy count, rs_dp_plan_train picks the sigma whose
 *	  steps spend the rest of rdp at alpha exactly.
 * Measured against rs_dp_noise_multiplier's sigma (Opacus's choice, the
 * best of all orders after the fact) at epsilon 1, 3 and 10, delta 1e-6,
 * q from 0.017 to 1 and count_share 0.02, the plan's is 0.8 % to 1.0 %
 * larger, about what giving 2 % of the budget to the count costs
 * (sqrt(1 / 0.98) = 1.0102): the fixed order itself costs next to
 * nothing (test_dp_account's test_plan, docs/privacy.md).
 */
typedef struct rs_dp_plan
{
	double		epsilon;
	double		delta;
	double		alpha;			/* the one order spent at */
	double		rdp;			/* the RDP budget at alpha */
	double		count_share;	/* of rdp, for the count */
	double		count_sigma;	/* the count's Gaussian noise */
} rs_dp_plan;

/*
 * Fill plan for (epsilon, delta) with count_share in (0, 1) of the budget
 * for the count; 0, or -1 when epsilon, delta or count_share is out of
 * range or the budget is empty at every order.
 */
int			rs_dp_plan_make(rs_dp_plan *plan, double epsilon, double delta,
							double count_share);

/*
 * For a noisy count: the sampling rate *q = min(1, batch / max(1, count)),
 * the critic steps *steps = epochs * max(1, floor(1 / q)) * d_steps and
 * the noise multiplier (returned) whose steps spend the plan's budget left
 * at alpha after the count, to a relative 1e-9 (smallest such sigma); -1
 * when none up to 1e6 does.
 */
double		rs_dp_plan_train(const rs_dp_plan *plan, double count, int batch,
							 int epochs, int d_steps, double *q, int64_t *steps);

/*
 * The epsilon at delta that the count and steps steps of rate q and noise
 * sigma spend at the plan's order: what a model trained by the plan
 * reports (at most plan->epsilon).
 */
double		rs_dp_plan_spent(const rs_dp_plan *plan, double q, double sigma,
							 int64_t steps);

#endif
