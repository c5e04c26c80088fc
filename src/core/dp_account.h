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

#endif
