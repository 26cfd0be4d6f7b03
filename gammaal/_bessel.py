r"""P(|Z| ≤ t) from the modified-Struve closed form with our own Bessel K (numba, per point).

With ν = k − ½ (math notes, item 2)

.. math::
    P(|Z| ≤ t) = t\,[K_ν(t) L_{ν−1}(t) + L_ν(t) K_{ν−1}(t)],

a sum of two *positive* products (every term of the Struve series is positive
for k > 0), so P keeps full relative accuracy wherever it is evaluated: there
is nothing to cancel.  Only its complement 1 − P cancels, which is why the
tail is computed elsewhere where it is small.

The pieces, each accurate to a few ulps:

* ``K_μ`` and ``K_{μ+1}`` for |μ| ≤ ½ by Temme's series (x ≤ 2) or Steed's
  continued fraction CF2 (x > 2) — the method of Numerical Recipes' ``bessik``
  (Temme 1975), with 1/Γ(1 ± μ) from their Taylor series, so μ → 0
  (half-integer k) needs no special case;
* K at ν − 1, ν by the forward recurrence, which is stable for K, carried in
  the normalised form ``R_μ = K_μ(x) (x/2)^μ / Γ(μ+1)``:
  ``R_{μ+1} = [μ R_μ + (x/2)² R_{μ−1}/μ]/(μ+1)`` adds two positive terms and
  never over- or underflows (R_μ → 1/(2μ) for small x), so no Γ(ν) of size
  ν log ν is ever formed;
* the Struve series ``L_ν = (x/2)^{ν+1}/(Γ(3/2)Γ(ν+3/2)) Σ_m (x/2)^{2m}/((3/2)_m (ν+3/2)_m)``
  (positive terms, ≈ x/2 + 20 of them).

With G = Γ(k+½)/Γ(k) the (x/2)^ν powers cancel analytically (k ≥ 1):

.. math::
    P = \frac{2x}{\sqrt{π}}\,G\,\Big[R_ν S_{ν−1} + \frac{(x/2)^2}{ν(ν+½)} S_ν R_{ν−1}\Big].

Cost: one K pair (≈ 15–30 iterations), ≈ k recurrence steps, x/2 + 20 series
terms — a few times one ``gammainc`` for k ≲ 20, O(k) above (hence K_MAX; measured
to 8e-15 against mpmath up to k = 5000).
"""
from __future__ import annotations

import math

import numpy as np

from ._special import jit, log1pmx, stirlerr

_EPS = 1e-17
_SQRTPI = math.sqrt(math.pi)
#: the shapes and arguments this kernel is used for (validated against mpmath in tests/test_mixed_shapes.py)
K_MIN = 1e-3
K_MAX = 2000.0
X_MAX = 600.0

# Taylor coefficients of 1/Γ(z) = Σ_{j≥1} c_j z^j (Abramowitz & Stegun 6.1.34; Wrench 1968)
_C = (1.0, 0.5772156649015329, -0.6558780715202538, -0.0420026350340952, 0.1665386113822915,
      -0.0421977345555443, -0.0096219715278770, 0.0072189432466630, -0.0011651675918591,
      -0.0002152416741149, 0.0001280502823882, -0.0000201348547807, -0.0000012504934821,
      0.0000011330272320, -0.0000002056338417, 0.0000000061160950, 0.0000000050020075,
      -0.0000000011812746, 0.0000000001043427, 0.0000000000077823, -0.0000000000036968,
      0.0000000000005100, -0.0000000000000206, -0.0000000000000054, 0.0000000000000014,
      0.0000000000000001)


@jit
def gamma_ratio_half(k):
    """Γ(k+½)/Γ(k) = G(k + n) Π_{j<n} (k+j)/(k+j+½), G at k + n ≥ 30 from its asymptotic series.

    The series ``√k exp(−1/(8k) + 1/(192k³) − 1/(640k⁵) + 17/(14336k⁷) − …)`` omits < 1e-18
    there (the same series as ``_mixture.log_gamma_ratio_half``); the product replaces its
    shift loop's ~30 logarithms by one exp and independent divisions.
    """
    prod = 1.0
    while k < 30.0:
        prod *= k / (k + 0.5)
        k += 1.0
    r = 1.0 / k
    r2 = r * r
    series = r * (-0.125 + r2 * (1.0 / 192.0 + r2 * (-1.0 / 640.0 + r2 * (17.0 / 14336.0 - r2 * 0.0016818576388888889))))
    return prod * math.sqrt(k) * math.exp(series)


@jit
def _temme_gammas(mu):
    """(gam1, gam2, 1/Γ(1+μ), 1/Γ(1−μ)), gam1 = (1/Γ(1−μ) − 1/Γ(1+μ))/(2μ), gam2 = their mean; |μ| ≤ ½."""
    m2 = mu * mu
    # 1/Γ(1+μ) = Σ_j c_j μ^{j−1}: even part (gam2) and odd part (−μ gam1)
    ev = 0.0
    od = 0.0
    for j in range(25, -1, -1):
        if j % 2 == 0:
            ev = ev * m2 + _C[j]         # _C[j] = c_{j+1} multiplies μ^j in 1/Γ(1+μ): even powers
        else:
            od = od * m2 + _C[j]         # odd powers, μ^j = μ · μ^{j−1}
    gam2 = ev
    gam1 = -od
    return gam1, gam2, gam2 - mu * gam1, gam2 + mu * gam1


@jit
def k_pair_normalised(mu, x):
    """(R_μ, R_{μ+1}), R_μ = K_μ(x) (x/2)^μ / Γ(μ+1), for |μ| ≤ ½ and x > 0."""
    x2 = 0.5 * x
    if x <= 2.0:
        pimu = math.pi * mu
        fact = 1.0 if abs(pimu) < 1e-16 else pimu / math.sin(pimu)
        d = -math.log(x2)
        e = mu * d
        gam1, gam2, gampl, gammi = _temme_gammas(mu)
        if abs(e) < 0.5:
            fact2 = 1.0 if abs(e) < 1e-16 else math.sinh(e) / e
            ee = math.exp(e)
            ff = fact * (gam1 * math.cosh(e) + gam2 * fact2 * d)
        else:
            # e = μ log(2/x) is large at tiny x: exp(e) would carry ε·|e|; (x/2)^{−μ} by pow is exact to an ulp
            ee = math.pow(x2, -mu)
            ff = fact * (gam1 * 0.5 * (ee + 1.0 / ee) + gam2 * 0.5 * (ee - 1.0 / ee) / mu)
        s = ff
        p = 0.5 * ee / gampl
        q = 0.5 / (ee * gammi)
        c = 1.0
        dd = x2 * x2
        s1 = p
        i = 1
        while i < 500:
            ff = (i * ff + p + q) / (i * i - mu * mu)
            c *= dd / i
            p /= i - mu
            q /= i + mu
            dl = c * ff
            s += dl
            s1 += c * (p - i * ff)
            if abs(dl) < abs(s) * _EPS:
                break
            i += 1
        # K_μ = s, K_{μ+1} = s1 · 2/x; normalise: (x/2)^μ/Γ(μ+1) with 1/Γ(1+μ) = gampl
        pw = math.pow(x2, mu)
        r0 = s * pw * gampl
        r1 = s1 * pw * gampl / (mu + 1.0)
        return r0, r1
    # Steed's CF2 (Thompson & Barnett): K_μ and K_{μ+1}/K_μ
    mu2 = mu * mu
    b = 2.0 * (1.0 + x)
    d = 1.0 / b
    h = d
    delh = d
    q1 = 0.0
    q2 = 1.0
    a1 = 0.25 - mu2
    q = a1
    c = a1
    a = -a1
    s = 1.0 + q * delh
    i = 2
    while i < 100000:
        a -= 2.0 * (i - 1)
        c = -a * c / i
        qnew = (q1 - b * q2) / a
        q1 = q2
        q2 = qnew
        q += c * qnew
        b += 2.0
        d = 1.0 / (b + a * d)
        delh = (b * d - 1.0) * delh
        h += delh
        dels = q * delh
        s += dels
        if abs(dels / s) < _EPS:
            break
        i += 1
    h = a1 * h
    kmu = math.sqrt(math.pi / (2.0 * x)) * math.exp(-x) / s
    k1 = kmu * (mu + x + 0.5 - h) / x
    pw = math.pow(x2, mu) / math.gamma(mu + 1.0)
    return kmu * pw, k1 * pw * x2 / (mu + 1.0)


@jit
def struve_sums(x, nu):
    """(S_ν, S_{ν−1}), S_ν = Σ_m (x/2)^{2m}/((3/2)_m (ν+3/2)_m): positive terms, summed to 1e-17."""
    q = 0.25 * x * x
    s0 = 1.0
    s1 = 1.0
    t0 = 1.0
    t1 = 1.0
    m = 1
    while m < 100000:
        r = q / (m + 0.5)
        t0 *= r / (m + nu + 0.5)
        t1 *= r / (m + nu - 0.5)
        s0 += t0
        s1 += t1
        if t1 < _EPS * s1 and t0 < _EPS * s0 and r < (m + nu - 0.5):
            break
        m += 1
    return s0, s1


@jit
def within_struve(x, k):
    """P(|Z| ≤ x) for X, Y iid Gamma(k, 1), K_MIN ≤ k ≤ K_MAX, 0 < x ≤ X_MAX (no checks)."""
    nu = k - 0.5
    x2 = 0.5 * x
    s_nu, s_num1 = struve_sums(x, nu)
    g = gamma_ratio_half(k)                        # Γ(k+½)/Γ(k) = Γ(ν+1)/Γ(ν+½)
    if k < 1.0:
        # pair at −ν ∈ (−½, ½): R_{−ν}, R_{1−ν}; K_ν = K_{−ν}, K_{ν−1} = K_{1−ν}
        rm, r1m = k_pair_normalised(-nu, x)
        pw = math.pow(x2, 2.0 * nu)
        r_nu = rm * pw * math.gamma(1.0 - nu) / math.gamma(1.0 + nu)
        t2 = pw * s_nu * r1m * math.gamma(2.0 - nu) / math.gamma(nu + 1.5)
        return (2.0 * x / _SQRTPI) * (r_nu * s_num1 * g + t2)
    r0, r1 = k_values(nu, x)
    return within_from_r(x, k, r0, r1, s_nu, s_num1, g)


@jit
def within_from_r(x, k, r0, r1, s_nu, s_num1, g):
    """P(|Z| ≤ x) for k ≥ 1 from R_{ν−1} = r0, R_ν = r1, the Struve sums and g = Γ(k+½)/Γ(k)."""
    nu = k - 0.5
    q = 0.25 * x * x
    return (2.0 * x / _SQRTPI) * g * (r1 * s_num1 + q * s_nu * r0 / (nu * (nu + 0.5)))


@jit
def k_values(nu, x):
    """(R_{ν−1}, R_ν) for ν ≥ ½: Debye's expansion for ν − 1 ≥ NU_DEBYE where it serves, else the pair at
    μ = ν − 1 − round(ν − 1) and the forward recurrence."""
    if nu - 1.0 >= NU_DEBYE:
        r0 = r_debye(nu - 1.0, x)
        if not math.isnan(r0):
            r1 = r_debye(nu, x)
            if not math.isnan(r1):
                return r0, r1
    a = nu - 1.0                                   # ≥ −½
    n = int(math.floor(a + 0.5))
    mu = a - n
    r0, r1 = k_pair_normalised(mu, x)              # R_μ, R_{μ+1}
    q = 0.25 * x * x
    m = mu + 1.0
    inv_m = 1.0 / m
    for _ in range(n):
        # the reciprocals are off the dependency chain r0 → r1, which then has no division
        inv_next = 1.0 / (m + 1.0)
        r0, r1 = r1, (m * r1 + q * inv_m * r0) * inv_next
        inv_m = inv_next
        m += 1.0
    return r0, r1


@jit
def _r_nu(nu, x):
    """R_ν = K_ν(x) (x/2)^ν/Γ(ν+1) for ν > −½ (Debye's expansion where it serves, else pair plus forward recurrence)."""
    if nu >= NU_DEBYE:
        r = r_debye(nu, x)
        if not math.isnan(r):
            return r
    if nu <= 0.5:
        return k_pair_normalised(nu, x)[0]
    n = int(math.floor(nu + 0.5))
    mu = nu - n
    r0, r1 = k_pair_normalised(mu, x)
    q = 0.25 * x * x
    m = mu + 1.0
    inv_m = 1.0 / m
    for _ in range(n - 1):
        inv_next = 1.0 / (m + 1.0)
        r0, r1 = r1, (m * r1 + q * inv_m * r0) * inv_next
        inv_m = inv_next
        m += 1.0
    return r1


@jit
def pdf_bessel(x, k):
    """Density of Z at |z| = x > 0 (θ = 1): f = x^ν K_ν(x)/(√π Γ(k) 2^ν) = R_ν Γ(k+½)/(√π Γ(k))."""
    return _r_nu(k - 0.5, x) * gamma_ratio_half(k) / _SQRTPI


# ---------------------------------------------------------------------------
# large orders: Debye's uniform expansion (DLMF 10.41.4), O(1) where the recurrence is O(ν)
# ---------------------------------------------------------------------------
#: from this order up (and where the exponent below is moderate) R_ν comes from the Debye expansion with
#: u_1 … u_7: the first omitted term is ≤ 0.17/ν⁸ ≤ 1e-15 (max over p ∈ [0, 1] of |u_8(p)| = 0.1706)
NU_DEBYE = 60.0
#: |E| (the exponent below) up to which the expansion is used.  R_ν is sensitive to the rounding of
#: z = x/ν: an ulp of z moves E by ~2|E| ulps (measured 1.2e-14 relative at E = −28.5, ν = 126), so
#: |E| ≤ 10 keeps R_ν to ≤ 4e-15; that is t ≲ 4.5 σ (σ = √(2k)), beyond it the recurrence
DEBYE_MAX_EXPONENT = 10.0
#: u_k(p) = p^k Σ_j c_kj p^{2j} (k = 1…7), from u_{k+1} = ½p²(1−p²)u_k' + ⅛∫_0^p (1−5t²)u_k dt, u_0 = 1
#: (exact rationals rounded once; generated with sympy, derivations/debye_coefficients.py)
_DEBYE_U = np.array([r + (0.0,) * (8 - len(r)) for r in (
    (0.125, -0.20833333333333334),
    (0.0703125, -0.4010416666666667, 0.3342013888888889),
    (0.0732421875, -0.8912109375, 1.8464626736111112, -1.0258125964506173),
    (0.112152099609375, -2.3640869140625, 8.78912353515625, -11.207002616222994, 4.669584423426247),
    (0.22710800170898438, -7.368794359479632, 42.53499874538846, -91.81824154324002, 84.63621767460073, -28.212072558200244),
    (0.5725014209747314, -26.491430486951554, 218.1905117442116, -699.5796273761325, 1059.9904525279999, -765.2524681411817, 212.57013003921713),
    (1.7277275025844574, -108.09091978839466, 1200.9029132163525, -5305.646978613403, 11655.393336864534, -13586.550006434138, 8061.722181737309, -1919.457662318407)
)])
_DEBYE_LEN = np.array([2, 3, 4, 5, 6, 7, 8])


@jit
def r_debye(nu, x):
    """R_ν = K_ν(x) (x/2)^ν/Γ(ν+1) for ν ≥ NU_DEBYE by Debye's expansion; NaN where its exponent exceeds
    DEBYE_MAX_EXPONENT (the caller then recurs)."""
    return r_debye_upto(nu, x, DEBYE_MAX_EXPONENT)


@jit
def r_debye_upto(nu, x, max_exponent):
    """R_ν by Debye's expansion, NaN where its exponent E is below −max_exponent.

    With z = x/ν, s = √(1+z²), p = 1/s and w = (s − 1)/2 = z²/(2(s+1)), the expansion and Stirling's
    series for Γ(ν+1) give log R_ν = ν(log1pmx(w) − w) − log 2ν − ½ log s − stirlerr(ν) + log Σ_k (−1)^k u_k(p)/ν^k:
    the two ν log ν and ν-sized parts cancel analytically (R_ν → 1/(2ν) as x → 0).
    """
    z = x / nu
    z2 = z * z
    s = math.sqrt(1.0 + z2)
    w = 0.5 * z2 / (s + 1.0)
    e = nu * (log1pmx(w) - w)
    if e < -max_exponent:
        return np.nan
    p = 1.0 / s
    p2 = p * p
    ser = 1.0
    fac = 1.0
    pk = 1.0
    for k in range(_DEBYE_U.shape[0]):
        fac *= -1.0 / nu
        pk *= p
        n = _DEBYE_LEN[k]
        poly = _DEBYE_U[k, n - 1]
        for j in range(n - 2, -1, -1):
            poly = poly * p2 + _DEBYE_U[k, j]
        ser += fac * pk * poly
    return math.exp(e - stirlerr(nu)) * ser / (2.0 * nu * math.sqrt(s))
