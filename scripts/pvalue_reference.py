"""Reference values of -log10 p for the tests kindred writes, at 50 digits
(mpmath), for the unit tests of association/src/pvalue.rs:

    python3 -m venv v && v/bin/pip install mpmath==1.4.1
    v/bin/python scripts/pvalue_reference.py

chi-square with 1 df (LRT, and the score test's large-sample form):
p = Q(1/2, x/2); F(1, df) (the Wald and score tests): p = I_{df/(df+F)}(df/2, 1/2).
"""

import mpmath

mpmath.mp.dps = 50


def chi2_1(x):
    return -mpmath.log10(mpmath.gammainc(mpmath.mpf(1) / 2, x / mpmath.mpf(2), mpmath.inf, regularized=True))


def f1(f, df):
    x = mpmath.mpf(df) / (df + f)
    return -mpmath.log10(mpmath.betainc(mpmath.mpf(df) / 2, mpmath.mpf(1) / 2, 0, x, regularized=True))


print("// chi2(1): (statistic, -log10 p)")
for x in [0.5, 1, 3.841458820694124, 10, 50, 100, 500, 1000, 1500, 2000, 5000, 1e4, 3e4, 1e5]:
    print(f"    ({x!r}, {mpmath.nstr(chi2_1(mpmath.mpf(x)), 17)}),")
print("// F(1, df): (statistic, df, -log10 p)")
for df in [5, 30, 1407, 10000]:
    for f in [0.5, 4, 30, 200, 1000, 1e4, 1e5]:
        print(f"    ({f!r}, {df!r}.0, {mpmath.nstr(f1(mpmath.mpf(f), df), 17)}),")
