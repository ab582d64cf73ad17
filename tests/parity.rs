//! Numerical parity with the statsmodels reference outputs in `../shared/fixtures`.
//!
//! Tolerance: 1e-6 relative to each component's largest magnitude, as the fixtures'
//! README asks of a faithful implementation.

mod common;

use common::{fixtures, floats, json, max_relative_error};
use headroom::decompose::{Mstl, Stl};
use headroom::forecast::ols::{linear_trend_design, OlsFit};

const TOLERANCE: f64 = 1e-6;

#[test]
fn stl_matches_statsmodels() {
    let Some(files) = fixtures("stl_") else {
        return;
    };
    for path in &files {
        let f = json(path);
        let p = &f["params"];
        let int = |k: &str| p[k].as_u64().unwrap_or_else(|| panic!("{k}")) as usize;
        let deg = |k: &str| p[k].as_u64().unwrap() as u8;
        let stl = Stl::new(int("period"))
            .seasonal_window(int("seasonal"))
            .trend_window(int("trend"))
            .low_pass_window(int("low_pass"))
            .degrees(deg("seasonal_deg"), deg("trend_deg"), deg("low_pass_deg"))
            .jumps(
                int("seasonal_jump"),
                int("trend_jump"),
                int("low_pass_jump"),
            )
            .robust(p["robust"].as_bool().unwrap())
            .iterations(int("inner_iter"), int("outer_iter"));
        let d = stl.decompose(&floats(&f["values"])).unwrap();
        let errors = [
            ("trend", max_relative_error(&d.trend, &floats(&f["trend"]))),
            (
                "seasonal",
                max_relative_error(&d.seasonal[0], &floats(&f["seasonal"])),
            ),
            (
                "remainder",
                max_relative_error(&d.remainder, &floats(&f["remainder"])),
            ),
            (
                "weights",
                max_relative_error(&d.weights, &floats(&f["weights"])),
            ),
        ];
        let name = path.file_name().unwrap().to_string_lossy();
        println!("{name}: {errors:?}");
        for (component, e) in errors {
            assert!(e < TOLERANCE, "{name} {component}: relative error {e:e}");
        }
    }
    println!("{} STL fixtures checked", files.len());
}

#[test]
fn mstl_matches_statsmodels() {
    let Some(files) = fixtures("mstl_") else {
        return;
    };
    for path in &files {
        let f = json(path);
        let periods: Vec<usize> = floats(&f["params"]["periods"])
            .iter()
            .map(|&p| p as usize)
            .collect();
        let windows: Vec<usize> = floats(&f["params"]["windows"])
            .iter()
            .map(|&w| w as usize)
            .collect();
        let d = Mstl::new(periods.clone())
            .windows(windows)
            .iterate(f["params"]["iterate"].as_u64().unwrap() as usize)
            .decompose(&floats(&f["values"]))
            .unwrap();
        assert_eq!(d.periods, periods);
        let name = path.file_name().unwrap().to_string_lossy();
        let mut errors = vec![
            (
                "trend".to_string(),
                max_relative_error(&d.trend, &floats(&f["trend"])),
            ),
            (
                "remainder".to_string(),
                max_relative_error(&d.remainder, &floats(&f["remainder"])),
            ),
        ];
        for (i, p) in periods.iter().enumerate() {
            let reference = floats(&f["seasonal"][p.to_string()]);
            errors.push((
                format!("seasonal_{p}"),
                max_relative_error(&d.seasonal[i], &reference),
            ));
        }
        println!("{name}: {errors:?}");
        for (component, e) in errors {
            assert!(e < TOLERANCE, "{name} {component}: relative error {e:e}");
        }
    }
    println!("{} MSTL fixtures checked", files.len());
}

#[test]
fn ols_trend_matches_statsmodels() {
    let Some(files) = fixtures("ols_") else {
        return;
    };
    for path in files {
        let f = json(&path);
        let y = floats(&f["values"]);
        let n = y.len();
        let fit = OlsFit::fit(&linear_trend_design(0.0, n), 2, &y).unwrap();
        let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
        let coef = floats(&f["coefficients"]);
        assert!(rel(fit.coefficients[0], coef[0]) < TOLERANCE);
        assert!(rel(fit.coefficients[1], coef[1]) < TOLERANCE);
        assert!(rel(fit.sigma, f["sigma"].as_f64().unwrap()) < TOLERANCE);
        let horizon = f["params"]["horizon"].as_u64().unwrap() as usize;
        let rows: Vec<[f64; 2]> = (0..horizon).map(|h| [1.0, (n + h) as f64]).collect();
        let point: Vec<f64> = rows.iter().map(|x| fit.mean(x)).collect();
        let mut worst = max_relative_error(&point, &floats(&f["forecast"]));
        for (level, bounds) in f["intervals"].as_object().unwrap() {
            let level: f64 = level.parse().unwrap();
            let t = fit.t_multiplier(level);
            let lower: Vec<f64> = rows
                .iter()
                .map(|x| fit.mean(x) - t * fit.prediction_se(x))
                .collect();
            let upper: Vec<f64> = rows
                .iter()
                .map(|x| fit.mean(x) + t * fit.prediction_se(x))
                .collect();
            worst = worst
                .max(max_relative_error(&lower, &floats(&bounds["lower"])))
                .max(max_relative_error(&upper, &floats(&bounds["upper"])));
        }
        println!("{}: worst relative error {worst:e}", path.display());
        assert!(worst < TOLERANCE, "relative error {worst:e}");
    }
}
