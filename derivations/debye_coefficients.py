"""Coefficients of Debye's polynomials u_1 … u_7 (DLMF 10.41.10) used by gammaal._bessel.r_debye.

``python -m derivations.debye_coefficients`` prints, for each k, the coefficients c_kj of
u_k(p) = p^k Σ_j c_kj p^{2j}, from u_0 = 1 and u_{k+1} = ½p²(1−p²)u_k' + ⅛∫_0^p (1−5t²)u_k(t) dt,
and checks them against the table in the package (exact rationals rounded once).
"""
import sympy as sp


def debye_rows(n=7):
    p, t = sp.symbols("p t")
    u = sp.Integer(1)
    rows = []
    for k in range(1, n + 1):
        u = sp.expand(sp.Rational(1, 2) * p**2 * (1 - p**2) * sp.diff(u, p)
                      + sp.Rational(1, 8) * sp.integrate((1 - 5 * t**2) * u.subs(p, t), (t, 0, p)))
        coeffs = sp.Poly(u, p).all_coeffs()[::-1]
        rows.append([coeffs[i] if i < len(coeffs) else 0 for i in range(k, 3 * k + 1, 2)])
    return rows


def main():
    from gammaal import _bessel

    rows = debye_rows(_bessel._DEBYE_U.shape[0])
    ok = True
    for k, row in enumerate(rows, start=1):
        table = [float(v) for v in _bessel._DEBYE_U[k - 1, :len(row)]]
        ok &= table == [float(c) for c in row] and _bessel._DEBYE_LEN[k - 1] == len(row)
        print(f"u_{k}: " + ", ".join(str(c) for c in row))
    print("table matches" if ok else "TABLE DIFFERS")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
