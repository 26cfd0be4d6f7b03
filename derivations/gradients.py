r"""Paper Eq. 1–4 / supplement Eq. 7–9: Learning Loss and LearningLoss++ gradients.

With a linear last layer ``l̂ = θᵀw`` (θ the penultimate features), sympy
differentiates, for 3-vectors θ_i, θ_j, w:

* KL objective (Eq. 3 / S Eq. 7) ``KL(p‖q)``, ``p_i = l_i/(l_i+l_j)``,
  ``q_i = e^{l̂_i}/(e^{l̂_i}+e^{l̂_j})``:
  ``∇_w = −p_iθ_i − p_jθ_j + q_iθ_i + q_jθ_j`` (S Eq. 8) ``= (q_i − p_i)(θ_i − θ_j)``
  (Eq. 4a / S Eq. 9), ``∇_{θ_i} = (q_i − p_i)w`` (Eq. 4b), ``∇_{θ_j} = −(q_i − p_i)w``;
* margin ranking loss (Eq. 1) ``max(0, −sign(l_i−l_j)(l̂_i − l̂_j) + ξ)``:
  ``∇_w = K(θ_i − θ_j)``, ``∇_{θ_i} = K w`` with
  ``K = −sign(l_i − l_j)·[hinge active] ∈ {0, ±1}`` (Eq. 2a/2b);
* the §4.1 worked example (θ_i = [1,2,1], θ_j = [1,1,1], w = [0,3,0], ξ = 1);
* ``gammaal.llpp_gradient_factor`` / ``gammaal.ll_gradient_factor`` against the
  sympy gradients at random points.

The main text writes ``θ_i − θ_i`` three times (Fig. 2 caption, §4.1.1 twice);
with that the gradient would vanish identically — it is ``θ_i − θ_j``.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from . import make_identity
from ._common import gammaal_function

EQ_LLPP = "Eq. 3-4, S Eq. 7-9"
EQ_LL = "Eq. 1-2"


def _vectors():
    ti = sp.Matrix(sp.symbols("ti1:4", real=True))
    tj = sp.Matrix(sp.symbols("tj1:4", real=True))
    w = sp.Matrix(sp.symbols("w1:4", real=True))
    return ti, tj, w


def llpp_symbolic():
    """Return (KL, grads dict, q_i, p_i, symbols) for the LearningLoss++ objective."""
    ti, tj, w = _vectors()
    li, lj = sp.symbols("l_i l_j", positive=True)
    hi, hj = (ti.T * w)[0], (tj.T * w)[0]
    qi = sp.exp(hi) / (sp.exp(hi) + sp.exp(hj))
    qj = sp.exp(hj) / (sp.exp(hi) + sp.exp(hj))
    pi, pj = li / (li + lj), lj / (li + lj)
    kl = pi * sp.log(pi / qi) + pj * sp.log(pj / qj)
    grads = {
        "w": sp.Matrix([sp.diff(kl, c) for c in w]),
        "ti": sp.Matrix([sp.diff(kl, c) for c in ti]),
        "tj": sp.Matrix([sp.diff(kl, c) for c in tj]),
    }
    return kl, grads, qi, qj, pi, pj, (ti, tj, w, li, lj)


def run(quick=False):
    """Identities of this family (``quick`` is accepted for a uniform interface; all are fast)."""
    out = []
    kl, grads, qi, qj, pi, pj, (ti, tj, w, li, lj) = llpp_symbolic()
    zero = lambda m: all(sp.simplify(e) == 0 for e in m)
    eq8 = zero(grads["w"] - (-pi * ti - pj * tj + qi * ti + qj * tj))
    out.append(make_identity("grad_w KL = -p_i th_i - p_j th_j + q_i th_i + q_j th_j", "S Eq. 8", eq8, 0.0, 0.0, "sympy diff"))
    out.append(make_identity("grad_w KL = (q_i - p_i)(th_i - th_j)", "Eq. 4a, S Eq. 9",
                             zero(grads["w"] - (qi - pi) * (ti - tj)), 0.0, 0.0, "sympy diff"))
    out.append(make_identity("grad_th_i KL = (q_i - p_i) w and grad_th_j KL = -(q_i - p_i) w", "Eq. 4b",
                             zero(grads["ti"] - (qi - pi) * w) and zero(grads["tj"] + (qi - pi) * w), 0.0, 0.0,
                             "sympy diff"))

    # Margin ranking loss: sympy differentiates Max(0, e) to Heaviside(e)·de.
    xi = sp.Symbol("xi", positive=True)
    hi, hj = (ti.T * w)[0], (tj.T * w)[0]
    ll_ok = True
    for sgn in (1, -1):  # sign(l_i − l_j)
        hinge = -sgn * (hi - hj) + xi
        loss = sp.Max(0, hinge)
        gw = sp.Matrix([sp.diff(loss, c) for c in w])
        gti = sp.Matrix([sp.diff(loss, c) for c in ti])
        factor = -sgn * sp.Heaviside(hinge)
        ll_ok &= zero(gw - factor * (ti - tj)) and zero(gti - factor * w)
    out.append(make_identity("margin ranking loss: grad_w = K(th_i - th_j), grad_th_i = K w, K in {0, -sign(l_i-l_j)}",
                             "Eq. 2a-2b", ll_ok, 0.0, 0.0, "sympy diff of Max (Heaviside)"))

    example = {ti[0]: 1, ti[1]: 2, ti[2]: 1, tj[0]: 1, tj[1]: 1, tj[2]: 1, w[0]: 0, w[1]: 3, w[2]: 0, xi: 1}
    case1 = sp.Max(0, -1 * (hi - hj) + xi).subs(example)
    case2 = sp.Max(0, 1 * (hi - hj) + xi).subs(example)
    grad2 = [sp.diff(sp.Max(0, (hi - hj) + xi), c).subs(example) for c in w]
    ok = case1 == 0 and case2 == 4 and grad2 == [0, 1, 0]
    out.append(make_identity("Sec. 4.1 example: L = 0 (l_i > l_j), L = 4 and grad_w = [0,1,0] (l_i < l_j)", EQ_LL,
                             ok, 0.0, 0.0, "sympy", f"case 1: {case1}, case 2: {case2}, grad_w: {grad2}"))
    typo = [(ti - ti).subs(example)[c] for c in range(3)]
    out.append(make_identity("ERRATUM 'theta_i - theta_i' (Fig. 2 caption, Sec. 4.1.1 twice) must be theta_i - theta_j",
                             "Sec. 4.1", typo == [0, 0, 0] and grad2 != [0, 0, 0], 0.0, 0.0, "sympy",
                             "example: theta_i - theta_i = [0,0,0] would give zero gradient; theta_i - theta_j = [0,1,0]"))

    # Library factors at random points, against the sympy gradients (component 1 of grad_w / (ti - tj)).
    rng = np.random.default_rng(20210619)
    f_llpp, reason1 = gammaal_function("llpp_gradient_factor")
    f_ll, reason2 = gammaal_function("ll_gradient_factor")
    grad_w_num = sp.lambdify((ti, tj, w, li, lj), grads["w"], "mpmath")
    d_llpp, d_ll = [], []
    for _ in range(20 if quick else 100):
        a, b, c = rng.normal(size=3), rng.normal(size=3), rng.normal(size=3)
        l1, l2 = rng.gamma(4.0, 0.066, size=2)
        g = grad_w_num(list(a), list(b), list(c), l1, l2)
        factor_sym = g[0] / (a[0] - b[0])
        if f_llpp is not None:
            # absolute: K = q_i − p_i ∈ (−1, 1) may itself be a small difference
            d_llpp.append(float(abs(f_llpp(l1, l2, float(a @ c), float(b @ c)) - factor_sym)))
        hinge = -np.sign(l1 - l2) * (a @ c - b @ c) + 1.0
        ll_sym = -np.sign(l1 - l2) if hinge > 0 else 0.0
        if f_ll is not None:
            d_ll.append(abs(f_ll(l1, l2, float(a @ c), float(b @ c), margin=1.0) - ll_sym))
    out.append(make_identity("gammaal.llpp_gradient_factor = sympy (q_i - p_i)", EQ_LLPP, f_llpp is not None,
                             max(d_llpp) if d_llpp else math.nan, 1e-13, "sympy lambdify (mpmath)",
                             reason1 or "absolute difference"))
    out.append(make_identity("gammaal.ll_gradient_factor = -sign(l_i - l_j)[hinge active]", EQ_LL, f_ll is not None,
                             max(d_ll) if d_ll else math.nan, 0.0, "sympy Heaviside branch", reason2 or "absolute difference"))
    return out
