r"""The paper's integer-shape closed forms, term by term, with the printed typos corrected.

X, Y iid Gamma(k, Θ) with integer ``k ≥ 1``; ``γ(x, k, Θ) = x^{k−1} e^{−x/Θ}/(Θ^k Γ(k))``;
``t = δ/Θ``.  Every function follows one display of Shukla & Ahmed's supplement
(CVPRW 2021) so that a reader can check it line by line:

==========================  ===============================================  ===========
function                    formula                                          supplement
==========================  ===============================================  ===========
:func:`antiderivative`      G(x,k,Θ) = −Θ Σ_{n=1}^k γ(x, n, Θ)               Eq. 1–2
:func:`f_coefficient`       f(i,n,k,δ,Θ) = e^{−δ/Θ} C(n−1,i) P(k+i−1,i)       Eq. 6
                            δ^{n−1−i}/(2^{k+i} Θ^{n−i})
:func:`terms_abcd`          A, B, C, D of P(|X−Y| ≤ δ)                       Eq. 4–5
:func:`prob_within`         1 + G(δ,k,Θ) − Θ ΣΣ f(δ)/Γ(n)                    Eq. 6
                            − Θ ΣΣ f(−δ) G(δ,k+i,Θ/2)/Γ(n)
:func:`normaliser_D`        𝔻 = f_{Y−X}(δ) = −Θ ΣΣ ∂_δ f(i,n,k,δ,Θ)/Γ(n)      Eq. 14
:func:`integral_I`          I(u,Θ) = ∫_δ^∞ γ(s−δ, u, Θ) δ/s ds               Eq. 15
:func:`expected_target`     φ(δ) = ½ + Θ/(2𝔻) ΣΣ I(k+i,Θ) ∂_δ f/Γ(n)          Eq. 13
==========================  ===============================================  ===========

``P(k+i−1, i) = (k+i−1)!/(k−1)! = Γ(k+i)/Γ(k)`` is the permutation symbol
``^{k+i−1}P_i`` of the paper (correct as printed in Eq. 5).  The corrections
(see ``derivations/ERRATA.md`` for the numbers):

* Eq. 6: the B term is ``1 + G(δ,k,Θ)``, not ``1 − Θ G(δ,k,Θ)`` (G already
  carries the factor −Θ), and the D term enters with a minus sign,
  ``−Θ ΣΣ f(i,n,k,−δ,Θ) G(δ,k+i,Θ/2)/Γ(n)``, because ``G < 0``.
* Eq. 13: the sum enters with the opposite sign,
  ``E[∇_w L] = (θ_i − θ_j)[q_i − ½ − Θ/(2𝔻) ΣΣ I [f(δ₂) − f(δ₁)]/Γ(n)]``, i.e.
  ``φ = ½ + Θ/(2𝔻) ΣΣ I [f(δ₂) − f(δ₁)]/Γ(n)``; the printed sign yields
  ``1 − φ > ½``.
* Eq. 14: ``𝔻`` as printed is the probability of the strip δ₁ < Y−X < δ₂,
  which tends to 0; both it and the sum in Eq. 13 are divided by ``δ₂ − δ₁``
  before the limit, which turns ``f(δ₁) − f(δ₂)`` into ``−∂f/∂δ`` and ``𝔻``
  into the density of ``Y − X`` at δ.
* The definition of ``I(k+i, Θ)`` after Eq. 12 substitutes ``t = 2x + δ`` but
  keeps scale ``Θ/2``; the Jacobian turns ``γ(x, k+i, Θ/2) dx`` into
  ``γ(t−δ, k+i, Θ) dt``.  Eq. 15 (the exponential-integral form) is correct
  for the corrected definition, ``Γ(0, δ/Θ) = E₁(δ/Θ)`` with sign
  ``(−1)^{u−1}``; it is the *upper* incomplete gamma function.

Accuracy (why these are not the library's kernels)
--------------------------------------------------
All sums are evaluated in float64 with exact rational coefficients, but they
alternate, so they cancel.  The relative error is about ε·κ with
κ = Σ|terms| / |Σ terms| the condition number of the sum.  Measured against
mpmath (50 digits) on a log grid t ∈ [1e-8, 100]:

* :func:`prob_within` and ``sum(terms_abcd(...))``: as ``t → 0`` the terms of
  ``1 + G + (A + C) + D`` stay O(1) while ``P ≈ 2 t f_Z(0) = O(t)``, so the
  error grows like ``ε/t`` (measured: ≤ 1e-15/t): it is below 1e-12 for
  ``t ≥ 1e-3`` and exceeds 1e-10 below ``t ≈ 5e-6`` (every k ≤ 12; 1e-8 at
  ``t = 1e-8``).  For large k the D sum ``Σ κ (−t)^{n−1−i} Σ_m (2t)^m/m!``
  cancels too: for k ≥ 8 the error exceeds 1e-12 beyond ``t ≈ 7–9``, and for
  k = 10, 12 it exceeds 1e-10 beyond ``t ≈ 13``.  In between
  (``1e-3 ≤ t ≤ 5``, k ≤ 12) it is below 1e-12.
  ``1 − P`` is never available to relative accuracy from this form (use
  ``gammaal.prob_beyond``).
* :func:`expected_target`: each ``I(u)`` is the alternating sum
  ``(−t)^{u−1}E₁(t) + Σ_j C(u−1,j)(−t)^{u−1−j} Γ(j,t)`` with u up to 2k − 1;
  its condition number grows like a power of t (u = 7: 11 at t = 1,
  1.8e5 at t = 10, 8.5e7 at t = 30; u = 15: 1e8 at t = 10).  Small t is
  harmless (≤ 1e-15 for t ≤ 2, all k ≤ 10, the E₁ term is then tiny).  The
  error of φ exceeds 1e-12 beyond t ≈ 20 (k = 3), 13 (k = 4), 8.7 (k = 5),
  6.5 (k ≥ 6), and 1e-10 beyond t ≈ 32 (k = 4), 18 (k = 5), 15 (k = 6),
  10 (k = 8, 10); it reaches 3e-6 at k = 8, t = 30.  k = 1
  (``φ = ½ − ½ t e^t E₁(t)``) has no cancellation and k = 2 stays below 3e-14
  up to t = 30.  The paper's Table 2 (k = 4, t ≤ 0.5/0.066 ≈ 7.6) is inside
  the accurate region (error ~1e-13).
* :func:`expected_target_compact`, the shorter form
  ``φ = ½ − (t/2) N/D``, ``N = (−t²)^{k−1}E₁(t) + Σ_j C(k−1,j)(−t²)^{k−1−j}Γ(2j,t)``,
  ``D = Σ_j C(k−1,j)(−t²)^{k−1−j}Γ(2j+1,t)``, cancels less (κ of N: 169 at
  k = 4, t = 10; 2.8e6 at k = 8, t = 30): ≤ 3e-14 for t ≤ 10 and k ≤ 8.

The regime boundaries above are asserted in ``tests/test_closed_form.py``.
For any real ``k`` and every ``t`` use :func:`gammaal.prob_within` and
:func:`gammaal.expected_target`.

:func:`integral_I`, :func:`expected_target` and :func:`expected_target_compact`
return NaN for ``t ≳ 700``, where ``e^t`` overflows (far outside their accurate
region anyway).

All functions take a scalar integer ``k ≥ 1`` (an integral float such as
``4.0`` is accepted) and broadcast ``delta``/``x`` and ``theta`` like numpy
ufuncs; Python floats in give a float out.
"""
from __future__ import annotations

import math
import numbers
from fractions import Fraction
from functools import lru_cache

import numpy as np
from scipy import special

__all__ = [
    "antiderivative",
    "gamma_density",
    "f_coefficient",
    "terms_abcd",
    "prob_within",
    "normaliser_D",
    "integral_I",
    "expected_target",
    "expected_target_compact",
]


# --------------------------------------------------------------------------- validation
def _integer_shape(k, name="k"):
    """Return ``k`` as a Python int ≥ 1 or raise ``ValueError`` naming it."""
    if isinstance(k, bool) or not isinstance(k, (numbers.Real, np.integer, np.floating)) or np.ndim(k) != 0:
        raise ValueError(f"{name} must be a scalar integer >= 1 for the closed forms, got {name}={_plain(k) if np.ndim(k) == 0 else k!r}")
    kf = float(k)
    if not (math.isfinite(kf) and kf >= 1 and kf == math.floor(kf)):
        raise ValueError(
            f"{name} must be an integer >= 1 for the closed forms (use gammaal's general kernels "
            f"for real {name}), got {name}={_plain(k)}"
        )
    return int(kf)


def _plain(value):
    """A number as a user typed it (``-0.2``, not ``np.float64(-0.2)``); arrays show their first entry."""
    arr = np.asarray(value)
    if arr.size == 0:
        return "[]"
    first = arr.flat[0].item() if arr.dtype.kind in "biuf" else arr.flat[0]
    return repr(first) if arr.ndim == 0 else f"[{first!r}, ...]"


def _real_array(value, name, low, strict):
    """``value`` as float64, finite and ``> low`` (strict) or ``>= low``, else ``ValueError`` naming it."""
    arr = np.asarray(value, dtype=np.float64)
    bad = ~np.isfinite(arr) | ((arr <= low) if strict else (arr < low))
    if np.any(bad):
        relation = ">" if strict else ">="
        raise ValueError(f"{name} must be finite and {relation} {low:g}, got {name}={_plain(arr[bad].flat[0])}")
    return arr


def _prepare(k, x, theta, xname="delta", kname="k"):
    """The one argument path of the closed forms: integer shape, ``x >= 0`` and ``theta > 0`` (finite).

    Returns ``(k, x, theta, t)`` with ``x`` and ``theta`` broadcast to one shape and ``t = x/theta``
    the scale-free variable every formula is written in.
    """
    k = _integer_shape(k, kname)
    x, theta = np.broadcast_arrays(_real_array(x, xname, 0.0, strict=False),
                                   _real_array(theta, "theta", 0.0, strict=True))
    return k, x, theta, x / theta


def _out(value, *inputs):
    if all(np.ndim(v) == 0 for v in inputs):
        return float(value)
    return value


# ------------------------------------------------------------------ exact coefficients
@lru_cache(maxsize=None)
def _kappa(k, n, i):
    r"""Exact ``C(n−1,i) P(k+i−1,i) / (Γ(n) 2^{k+i})`` as a float.

    ``Θ f(i,n,k,δ,Θ)/Γ(n) = κ e^{−t} t^{n−1−i}``: computing κ once as a
    fraction keeps the only rounding in the powers of ``t``.
    """
    perm = math.perm(k + i - 1, i)  # ^{k+i−1}P_i = (k+i−1)!/(k−1)!
    value = Fraction(math.comb(n - 1, i) * perm, math.factorial(n - 1) * 2 ** (k + i))
    return float(value)


def _scaled_survival(s, m):
    """``Σ_{r<m} s^r/r! = e^{s} Q(m, s)``, i.e. ``−G(x, m, Θ) e^{x/Θ}`` at ``s = x/Θ`` (Horner)."""
    acc = np.zeros(np.shape(s))
    for r in range(m - 1, -1, -1):
        acc = acc * s + 1.0 / math.factorial(r)
    return acc


def _pairs(k):
    """The (n, i) index set of the double sums Σ_{n=1}^k Σ_{i=0}^{n−1}."""
    return [(n, i) for n in range(1, k + 1) for i in range(n)]


# ----------------------------------------------------------------------- Eq. 1–2
def gamma_density(x, k, theta):
    """Gamma density ``γ(x, k, Θ) = x^{k−1} e^{−x/Θ} / (Θ^k Γ(k))`` for integer ``k ≥ 1``.

    Parameters
    ----------
    x : array_like, x ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Examples
    --------
    >>> math.isclose(gamma_density(1.0, 2, 1.0), math.exp(-1.0), rel_tol=1e-12, abs_tol=1e-15)
    True
    """
    k, xx, th, _ = _prepare(k, x, theta, "x")
    val = xx ** (k - 1) * np.exp(-xx / th) / (th**k * math.factorial(k - 1))
    return _out(val, x, theta)


def antiderivative(x, k, theta):
    r"""Antiderivative of the gamma density, supplement Eq. 1–2.

    .. math:: G(x, k, Θ) = −Θ \sum_{n=1}^{k} \frac{x^{n−1} e^{−x/Θ}}{Θ^n Γ(n)},
              \qquad \frac{d}{dx} G = γ(x, k, Θ),

    so ``∫_a^b γ = G(b) − G(a)``, ``G(0) = −1`` and ``G(∞) = 0``; ``1 + G(x)``
    is the gamma CDF and ``−G(x)`` its survival function.  Exact as printed.

    Parameters
    ----------
    x : array_like, x ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Returns
    -------
    float or ndarray in [−1, 0)

    Examples
    --------
    >>> round(antiderivative(0.0, 3, 2.0), 12)
    -1.0
    >>> math.isclose(antiderivative(1.0, 1, 1.0), -math.exp(-1.0), rel_tol=1e-12, abs_tol=1e-15)
    True
    """
    k, _, _, s = _prepare(k, x, theta, "x")
    # −Θ Σ x^{n−1}e^{−x/Θ}/(Θ^n Γ(n)) = −e^{−s} Σ_{n<k} s^n/n!
    val = -np.exp(-s) * _scaled_survival(s, k)
    return _out(val, x, theta)


def f_coefficient(i, n, k, delta, theta):
    r"""The paper's ``f(i, n, k, δ, Θ)`` (supplement, after Eq. 5).

    .. math:: f(i,n,k,δ,Θ) = \frac{e^{−δ/Θ}\, C(n−1, i)\, {}^{k+i−1}P_i\, δ^{n−1−i}}{2^{k+i} Θ^{n−i}}

    ``delta`` may be negative: Eq. 6 uses ``f(i, n, k, −δ, Θ)``, which is
    ``e^{+δ/Θ}(−δ)^{n−1−i}…``, exactly the D term's coefficient.

    Parameters
    ----------
    i, n : int, 0 ≤ i ≤ n − 1, 1 ≤ n ≤ k
    k : int ≥ 1
    delta : array_like, finite (any sign)
    theta : array_like, Θ > 0

    Examples
    --------
    >>> f_coefficient(0, 1, 1, 0.0, 1.0)
    0.5
    """
    k = _integer_shape(k)
    if not (isinstance(n, numbers.Integral) and isinstance(i, numbers.Integral) and 1 <= n <= k and 0 <= i < n):
        raise ValueError(f"need integers 1 <= n <= k and 0 <= i <= n-1, got i={_plain(i)}, n={_plain(n)}, k={k}")
    d = np.asarray(delta, dtype=np.float64)
    if np.any(~np.isfinite(d)):
        raise ValueError(f"delta must be finite, got delta={_plain(d[~np.isfinite(d)].flat[0])}")
    th = _real_array(theta, "theta", 0.0, strict=True)
    coef = math.comb(n - 1, i) * math.perm(k + i - 1, i) / 2.0 ** (k + i)
    val = np.exp(-d / th) * coef * d ** (n - 1 - i) / th ** (n - i)
    return _out(val, delta, theta)


# ----------------------------------------------------------------------- Eq. 4–6
def terms_abcd(delta, k, theta):
    r"""The four terms of ``P(|X − Y| ≤ δ) = A + B + C + D`` (supplement Eq. 4–5).

    With ``t = δ/Θ`` and κ = C(n−1,i) P(k+i−1,i)/(Γ(n) 2^{k+i}):

    * ``A = ∫_0^δ γ(x) G(x+δ) dx = −e^{−t} ΣΣ κ t^{n−1−i} (1 + G(δ, k+i, Θ/2))``
    * ``B = ∫_0^δ γ(x) dx = 1 + G(δ, k, Θ)``
    * ``C = ∫_δ^∞ γ(x) G(x+δ) dx = −e^{−t} ΣΣ κ t^{n−1−i} (−G(δ, k+i, Θ/2))``
    * ``D = −∫_δ^∞ γ(x) G(x−δ) dx = e^{t} ΣΣ κ (−t)^{n−1−i} (−G(δ, k+i, Θ/2))``

    All four agree with the printed Eq. 5 (``A + C`` cancels the
    ``G(δ, k+i, Θ/2)`` part of A, as the supplement notes).  The gamma CDFs
    ``1 + G`` in A and B are evaluated with ``scipy.special.gammainc`` so that
    each term keeps ~1e-14 relative accuracy even where it is O(t^k); the sum
    ``A + B + C + D`` still cancels like ``ε/t`` (module docstring).

    Parameters
    ----------
    delta : array_like, δ ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Returns
    -------
    dict
        ``{"A", "B", "C", "D"}`` each a float or ndarray (broadcast shape).

    Examples
    --------
    >>> terms = terms_abcd(0.5, 1, 1.0)
    >>> math.isclose(sum(terms.values()), 1 - math.exp(-0.5), rel_tol=1e-12, abs_tol=1e-15)
    True
    """
    k, _, _, t = _prepare(k, delta, theta)
    a = np.zeros(t.shape)
    c = np.zeros(t.shape)
    dd = np.zeros(t.shape)
    for n, i in _pairs(k):
        kappa = _kappa(k, n, i)
        # −G(δ, k+i, Θ/2) = e^{−2t} Σ_{m<k+i} (2t)^m/m!; D's prefactor e^{+t} is merged
        # with its e^{−2t} (e^{−t} overall) so that nothing overflows for t > 709.
        upper_scaled = _scaled_survival(2.0 * t, k + i)
        # 1 + G(δ, k+i, Θ/2) is the gamma CDF, O(t^{k+i}) for small t: gammainc computes it
        # directly instead of as 1 − (something close to 1), so A keeps its relative accuracy.
        lower = special.gammainc(k + i, 2.0 * t)
        a += -np.exp(-t) * kappa * t ** (n - 1 - i) * lower
        c += -np.exp(-3.0 * t) * kappa * t ** (n - 1 - i) * upper_scaled
        dd += np.exp(-t) * kappa * (-t) ** (n - 1 - i) * upper_scaled
    b = special.gammainc(k, t)  # B = 1 + G(δ, k, Θ), evaluated without the cancellation
    return {name: _out(term, delta, theta) for name, term in (("A", a), ("B", b), ("C", c), ("D", dd))}


def prob_within(delta, k, theta):
    r"""``P(|X − Y| ≤ δ)`` from the corrected supplement Eq. 6.

    .. math::
        P = 1 + G(δ,k,Θ) − Θ \sum_{n=1}^{k}\frac{1}{Γ(n)}\sum_{i=0}^{n−1} f(i,n,k,δ,Θ)
              − Θ \sum_{n=1}^{k}\frac{1}{Γ(n)}\sum_{i=0}^{n−1} f(i,n,k,−δ,Θ)\, G(δ, k+i, Θ/2)

    (printed: ``1 − Θ G(δ,k,Θ)`` and ``+Θ ΣΣ f(−δ) G``; both are typos, see the
    module docstring).  Relative error ≈ ε/t for small ``t = δ/Θ``.

    Parameters
    ----------
    delta : array_like, δ ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Returns
    -------
    float or ndarray in [0, 1]

    Examples
    --------
    >>> round(prob_within(0.1, 4, 0.066), 6)   # paper Table 1 prints 0.437
    0.440767
    """
    k, d, th, t = _prepare(k, delta, theta)
    total = 1.0 + antiderivative(d, k, th)
    for n, i in _pairs(k):
        kappa = _kappa(k, n, i)
        # Θ f(i,n,k,±δ,Θ)/Γ(n) = κ e^{∓t}(±t)^{n−1−i}; the e^{+t} of f(−δ) is merged with the
        # e^{−2t} inside G(δ, k+i, Θ/2) to avoid inf·0 for large t.
        total -= kappa * np.exp(-t) * t ** (n - 1 - i)
        total += kappa * (-t) ** (n - 1 - i) * _scaled_survival(2.0 * t, k + i) * np.exp(-t)
    return _out(total, delta, theta)


# ---------------------------------------------------------------------- Eq. 13–15
def _weights(t, k):
    """``w_{n,i} = −Θ ∂_δ f(i,n,k,δ,Θ)/Γ(n)`` times Θ: ``κ e^{−t}[t^{m} − m t^{m−1}]``, m = n−1−i."""
    out = []
    for n, i in _pairs(k):
        m = n - 1 - i
        dpow = m * t ** (m - 1) if m > 0 else np.zeros_like(t)
        out.append((n, i, _kappa(k, n, i) * np.exp(-t) * (t**m - dpow)))
    return out


def normaliser_D(delta, k, theta):
    r"""The normaliser 𝔻 of supplement Eq. 14, read as a density.

    Eq. 14 gives ``Θ ΣΣ [f(i,n,k,δ₁,Θ) − f(i,n,k,δ₂,Θ)]/Γ(n)`` = P(δ₁ < Y−X < δ₂);
    divided by ``δ₂ − δ₁ → 0`` it becomes

    .. math:: 𝔻 = −Θ \sum_{n=1}^{k}\frac{1}{Γ(n)}\sum_{i=0}^{n−1} \frac{∂f}{∂δ}(i,n,k,δ,Θ) = f_{Y−X}(δ),

    the variance-gamma density of ``Y − X`` at δ (``e^{−δ/Θ}/(2Θ)`` for k = 1).

    Parameters
    ----------
    delta : array_like, δ ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Examples
    --------
    >>> math.isclose(normaliser_D(0.3, 1, 1.0), math.exp(-0.3) / 2, rel_tol=1e-12, abs_tol=1e-15)
    True
    """
    k, d, th, t = _prepare(k, delta, theta)
    total = sum(w for _, _, w in _weights(t, k)) / th
    return _out(total, delta, theta)


def integral_I(u, delta, theta):
    r"""``I(u, Θ) = ∫_δ^∞ γ(s − δ, u, Θ) δ/s ds`` in the closed form of supplement Eq. 15.

    .. math::
        I(u,Θ) = e^{t} \sum_{j=1}^{u−1} \frac{(−1)^{u−1−j} t^{u−j} C(u−1,j)}{{}^{u−1}P_{u−j}}
                 \int_δ^∞ γ(s, j, Θ)\,ds
                 + \frac{e^{t}(−1)^{u−1} t^{u}}{(u−1)!} Γ(0, t),\qquad t = δ/Θ,

    with ``Γ(0, t) = E₁(t)`` (upper incomplete gamma) and
    ``∫_δ^∞ γ(s, j, Θ) ds = −G(δ, j, Θ)``.  ``I`` is ``E[δ/(2X' + δ)]`` for
    ``X' ~ Gamma(u, Θ/2)``, so ``0 < I < 1``; ``I = 0`` at δ = 0.

    Parameters
    ----------
    u : int ≥ 1 (``u = k + i`` in Eq. 13)
    delta : array_like, δ ≥ 0
    theta : array_like, Θ > 0

    Examples
    --------
    >>> math.isclose(integral_I(1, 1.0, 1.0), math.e * float(special.exp1(1.0)), rel_tol=1e-12, abs_tol=1e-15)
    True
    """
    u, _, _, t = _prepare(u, delta, theta, kname="u")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # e^t E₁(t) is evaluated as one factor (scipy's exp1 underflows long before e^t overflows).
        ee1 = np.exp(t) * special.exp1(t)
        total = (-1.0) ** (u - 1) * t**u / math.factorial(u - 1) * ee1
        for j in range(1, u):
            coef = (-1.0) ** (u - 1 - j) * math.comb(u - 1, j) / math.perm(u - 1, u - j)
            # e^t ∫_δ^∞ γ(s,j,Θ) ds = Σ_{m<j} t^m/m!  (−G with its e^{−t} cancelled)
            total = total + coef * t ** (u - j) * _scaled_survival(t, j)
    total = np.where(t == 0, 0.0, total)
    return _out(total, delta, theta)


def expected_target(delta, k, theta):
    r"""``φ(δ) = E[X/(X+Y) | Y − X = δ]`` from the corrected supplement Eq. 13–15.

    .. math::
        φ(δ) = \frac12 + \frac{Θ}{2𝔻}\sum_{n=1}^{k}\frac{1}{Γ(n)}\sum_{i=0}^{n−1}
               I(k+i, Θ)\, \frac{∂f}{∂δ}(i,n,k,δ,Θ)
             = \frac12 − \frac12 \frac{\sum w_{n,i} I(k+i,Θ)}{\sum w_{n,i}},

    ``w_{n,i} = −Θ ∂_δ f/Γ(n)``, ``𝔻 = Σ w/Θ`` (:func:`normaliser_D`), and
    the expected LearningLoss++ gradient is ``(q_i − φ(δ))(θ_i − θ_j)``.
    ``φ(0) = ½`` exactly.  Loses accuracy for large ``t = δ/Θ`` (see the
    module docstring: > 1e-10 relative beyond t ≈ 4 for k = 4).

    Parameters
    ----------
    delta : array_like, δ ≥ 0
    k : int ≥ 1
    theta : array_like, Θ > 0

    Returns
    -------
    float or ndarray in (0, ½]

    Examples
    --------
    >>> round(expected_target(0.1, 4, 0.066), 6)   # paper Table 2 prints 0.39 (Θ ≈ 0.0666 gives 0.3853)
    0.384449
    """
    k, d, th, t = _prepare(k, delta, theta)
    num = np.zeros(t.shape)
    den = np.zeros(t.shape)
    for n, i, w in _weights(t, k):
        num = num + w * integral_I(k + i, d, th)
        den = den + w
    with np.errstate(divide="ignore", invalid="ignore"):
        val = 0.5 - 0.5 * num / den
    val = np.where(t == 0, 0.5, val)
    return _out(val, delta, theta)


def expected_target_compact(delta, k, theta):
    r"""φ(δ) from the compact integer-k form ``½ − (t/2) N/D`` (derived, not printed).

    With ``u = 2X + δ`` (scale Θ = 1, ``t = δ/Θ``) the conditional density of
    ``u`` on ``[t, ∞)`` is ∝ ``(u² − t²)^{k−1} e^{−u}`` and
    ``X/(X+Y) = ½ − t/(2u)``, so

    .. math::
        N = (−t^2)^{k−1} E_1(t) + \sum_{j=1}^{k−1} C(k−1,j)(−t^2)^{k−1−j} Γ(2j, t),\qquad
        D = \sum_{j=0}^{k−1} C(k−1,j)(−t^2)^{k−1−j} Γ(2j+1, t).

    Both sums alternate (see the module docstring); ``φ(0) = ½``.

    Examples
    --------
    >>> round(expected_target_compact(0.1, 4, 0.066), 6)
    0.384449
    """
    k, _, _, t = _prepare(k, delta, theta)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Everything is scaled by e^{t}: e^t Γ(m, t) = (m−1)! Σ_{r<m} t^r/r! for integer m.
        def upper_scaled(m):
            return math.factorial(m - 1) * _scaled_survival(t, m)

        mt2 = -t * t
        num = mt2 ** (k - 1) * np.exp(t) * special.exp1(t)
        den = np.zeros(t.shape)
        for j in range(k):
            c = math.comb(k - 1, j) * mt2 ** (k - 1 - j)
            if j >= 1:
                num = num + c * upper_scaled(2 * j)
            den = den + c * upper_scaled(2 * j + 1)
        val = 0.5 - 0.5 * t * num / den
    val = np.where(t == 0, 0.5, val)
    return _out(val, delta, theta)
