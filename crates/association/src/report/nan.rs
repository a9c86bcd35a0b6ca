//! Reading back numbers that JSON cannot hold.
//!
//! `serde_json` writes a NaN or an infinity as `null` (JSON has no such
//! numbers), and a model at a boundary does have a NaN standard error. A
//! summary kindred wrote must read back (`kindred merge` reads every
//! chunk's), so these fields take `null` as NaN.

use serde::{Deserialize, Deserializer};

/// An `f64` field written as a number or as `null` (read as NaN).
pub fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// A `Vec<f64>` field whose elements may be `null` (each read as NaN).
pub fn vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Row {
        #[serde(deserialize_with = "super::f64")]
        se: f64,
        #[serde(deserialize_with = "super::vec")]
        beta: Vec<f64>,
    }

    #[test]
    fn null_reads_as_nan_and_numbers_as_themselves() {
        let r: Row = serde_json::from_str(r#"{"se": null, "beta": [1.5, null]}"#).unwrap();
        assert!(r.se.is_nan());
        assert_eq!(r.beta[0], 1.5);
        assert!(r.beta[1].is_nan());
        let r: Row = serde_json::from_str(r#"{"se": 0.25, "beta": []}"#).unwrap();
        assert_eq!(r.se, 0.25);
        assert!(serde_json::from_str::<Row>(r#"{"se": "x", "beta": []}"#).is_err());
    }
}
