//! The null model's fit: optimum, components, and the h² test.
use super::*;

/// A small rotated problem: eigenvalues, an intercept and one
/// covariate, and a phenotype with a genetic-like component (also the
/// scanner's tests' null model).
pub(crate) fn problem(n: usize) -> Rotated {
    let s: Vec<f64> = (0..n)
        .map(|i| {
            if i < 5 {
                0.0
            } else {
                (i as f64 * 0.61).sin().abs() * 4.0
            }
        })
        .collect();
    let one: Vec<f64> = (0..n).map(|i| ((i * 3) % 7) as f64 * 0.1 + 1.0).collect();
    let cov: Vec<f64> = (0..n).map(|i| (i as f64 * 1.7).cos()).collect();
    let y: Vec<f64> = (0..n)
        .map(|i| (1.0 + 0.8 * s[i]).sqrt() * (i as f64 * 2.3).sin() + 0.3 * cov[i])
        .collect();
    Rotated::from_parts(vec![one, cov], y, s, Scaling::identity(2)).expect("valid design")
}

/// The h² test compares the optimum with `lambda = 0`; AIC and BIC
/// count REML's two variances over its `n - c` contrasts.
#[test]
fn h2_test_and_criteria_follow_from_the_two_likelihoods() {
    let rot = problem(80);
    let m = fit_null(&rot, Method::Reml, &Search::default()).expect("fits");
    assert!(m.loglik >= m.loglik_no_grm);
    let t = m.h2_test();
    assert_eq!(t.statistic, 2.0 * (m.loglik - m.loglik_no_grm));
    assert_eq!(t.p_value, 0.5 * crate::pvalue::chi2_1_sf(t.statistic));
    assert!(t.p_value > 0.0 && t.p_value < 0.5);
    assert_eq!(m.aic(), -2.0 * m.loglik + 4.0);
    assert_eq!(m.bic(), -2.0 * m.loglik + 2.0 * 78f64.ln());
    let ml = fit_null(&rot, Method::Ml, &Search::default()).expect("fits");
    assert_eq!(ml.aic(), -2.0 * ml.loglik + 8.0);
    // At the boundary the statistic is 0 and the p-value 1.
    let flat = NullModel {
        loglik_no_grm: m.loglik,
        ..m.clone()
    };
    assert_eq!((flat.h2_test().statistic, flat.h2_test().p_value), (0.0, 1.0));
}

#[test]
fn reml_optimum_is_a_root_and_the_components_follow_from_it() {
    let rot = problem(80);
    let m = fit_null(&rot, Method::Reml, &Search::default()).expect("fits");
    assert_eq!((m.n, m.n_covariates), (80, 2));
    assert!(!m.at_boundary && m.lambda > 1e-5 && m.lambda < 1e5);
    assert_eq!(m.lambda, m.reml.0);
    // the derivative vanishes at the optimum, and the curvature is negative
    let cols = rot.columns();
    let data = Columns {
        s: &rot.s,
        cols: &cols,
        logdet_xtx: rot.logdet_wtw,
    };
    let mut w = Work::new(rot.n(), 3);
    let e = evaluate(&data, m.lambda, Method::Reml, Need { f: true, d2: true }, &mut w).expect("evaluates");
    assert!(e.d1.abs() < 1e-6 * (1.0 + e.f.abs()), "d1 = {}", e.d1);
    assert!(e.d2 < 0.0);
    assert!((m.sigma_e2 - e.ypy / 78.0).abs() < 1e-12 * m.sigma_e2);
    assert!((m.sigma_g2 - m.lambda * m.sigma_e2).abs() < 1e-12 * m.sigma_g2);
    let t = rot.trace_over_n;
    assert!((m.pve - t * m.lambda / (t * m.lambda + 1.0)).abs() < 1e-15);
    assert!(m.pve_se > 0.0 && m.beta.len() == 2 && m.beta_se.iter().all(|v| *v > 0.0));
    // ML differs from REML, and is what the ML fit reports
    let ml = fit_null(&rot, Method::Ml, &Search::default()).expect("fits");
    assert_eq!((ml.reml, ml.ml), (m.reml, m.ml));
    assert_eq!(ml.lambda, ml.ml.0);
    assert!(ml.sigma_e2 < m.sigma_e2 * 1.5);
}

#[test]
fn designs_that_cannot_be_fitted_are_refused() {
    let names = vec!["intercept".to_string(), "sex".to_string()];
    let w = Mat::<f64>::from_fn(6, 2, |_, j| if j == 0 { 1.0 } else { 2.0 });
    let y = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
    let e = Rotated::unrotated(w.as_ref(), &names, &y).unwrap_err().to_string();
    assert!(e.contains("'sex' is collinear"), "{e}");
    let w1 = Mat::<f64>::from_fn(6, 1, |_, _| 1.0);
    let e = Rotated::unrotated(w1.as_ref(), &names[..1], &[2.5; 6])
        .unwrap_err()
        .to_string();
    assert!(e.contains("constant"), "{e}");
    let e = Rotated::unrotated(w.as_ref().subrows(0, 3), &names, &y[..3])
        .unwrap_err()
        .to_string();
    assert!(e.contains("3 samples"), "{e}");
}
