//! Fault injection for tests and demos: dropped watches, `410 Gone`, random `500`/`429`, slow responses, and a
//! switch that makes the server refuse everything. Parsed from `--faults` and changeable at run time (`/_sim/faults`).
//! Must not depend on HTTP.

use std::sync::Mutex;
use std::time::Duration;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FaultSpec {
    /// Every watch is closed this long after it started.
    pub watch_drop: Option<Duration>,
    /// Every this often the history is compacted and open watches get a `410 Gone` error event.
    pub gone: Option<Duration>,
    /// Share of API requests answered `500 InternalError`.
    pub error_rate: f64,
    /// Share of API requests answered `429 TooManyRequests` with `Retry-After`.
    pub throttle_rate: f64,
    /// Delay added before every API response.
    pub slow: Duration,
    /// Every API request is answered `503` (server "down" without closing the port).
    pub down: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FaultError {
    /// An entry is not `key=value` or names no known fault.
    #[error("unknown fault {0:?} (known: watch-drop, gone, error-rate, throttle-rate, slow, down)")]
    Unknown(String),
    /// A value does not parse as a duration (`30s`, `200ms`) or a rate (`0.05`).
    #[error("bad value for {key}: {value:?} ({expected})")]
    BadValue {
        key: String,
        value: String,
        expected: &'static str,
    },
}

fn parse_duration(key: &str, v: &str) -> Result<Duration, FaultError> {
    let bad = || FaultError::BadValue {
        key: key.into(),
        value: v.into(),
        expected: "a duration like 30s, 200ms or 2m",
    };
    let (num, unit) = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map(|i| v.split_at(i))
        .ok_or_else(bad)?;
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| bad())
}

fn parse_rate(key: &str, v: &str) -> Result<f64, FaultError> {
    v.parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| FaultError::BadValue {
            key: key.into(),
            value: v.into(),
            expected: "a rate between 0 and 1",
        })
}

impl FaultSpec {
    /// Parses `watch-drop=30s,gone=60s,error-rate=0.05,throttle-rate=0.1,slow=200ms,down`.
    pub fn parse(spec: &str) -> Result<Self, FaultError> {
        let mut out = Self::default();
        for entry in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (key, value) = entry.split_once('=').unwrap_or((entry, ""));
            match key {
                "watch-drop" => out.watch_drop = Some(parse_duration(key, value)?),
                "gone" => out.gone = Some(parse_duration(key, value)?),
                "error-rate" => out.error_rate = parse_rate(key, value)?,
                "throttle-rate" => out.throttle_rate = parse_rate(key, value)?,
                "slow" => out.slow = parse_duration(key, value)?,
                "down" => out.down = value.is_empty() || value == "true",
                _ => return Err(FaultError::Unknown(entry.into())),
            }
        }
        Ok(out)
    }
}

/// What the server should do to one request before serving it.
#[derive(Debug, Clone, PartialEq)]
pub enum Injected {
    None,
    Error,
    Throttle,
    Down,
}

/// The faults in force, shared by all requests.
pub struct Faults {
    spec: Mutex<FaultSpec>,
    rng: Mutex<ChaCha8Rng>,
}

impl Faults {
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Self {
            spec: Mutex::new(spec),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed ^ 0xfa17)),
        }
    }

    pub fn spec(&self) -> FaultSpec {
        self.spec
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn set(&self, spec: FaultSpec) {
        *self
            .spec
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = spec;
    }

    /// Draws the fault (if any) for one API request.
    pub fn draw(&self) -> Injected {
        let spec = self.spec();
        if spec.down {
            return Injected::Down;
        }
        if spec.error_rate <= 0.0 && spec.throttle_rate <= 0.0 {
            return Injected::None;
        }
        let roll: f64 = self
            .rng
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .random();
        if roll < spec.error_rate {
            Injected::Error
        } else if roll < spec.error_rate + spec.throttle_rate {
            Injected::Throttle
        } else {
            Injected::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spec() {
        let spec =
            FaultSpec::parse("watch-drop=30s,gone=1m,error-rate=0.05,slow=200ms,throttle-rate=0.1")
                .unwrap();
        assert_eq!(spec.watch_drop, Some(Duration::from_secs(30)));
        assert_eq!(spec.gone, Some(Duration::from_secs(60)));
        assert_eq!(spec.error_rate, 0.05);
        assert_eq!(spec.throttle_rate, 0.1);
        assert_eq!(spec.slow, Duration::from_millis(200));
        assert!(FaultSpec::parse("down").unwrap().down);
        assert_eq!(FaultSpec::parse("").unwrap(), FaultSpec::default());
    }

    #[test]
    fn rejects_unknown_and_bad_values() {
        assert!(matches!(
            FaultSpec::parse("explode=1"),
            Err(FaultError::Unknown(_))
        ));
        assert!(matches!(
            FaultSpec::parse("error-rate=2"),
            Err(FaultError::BadValue { .. })
        ));
        assert!(matches!(
            FaultSpec::parse("slow=fast"),
            Err(FaultError::BadValue { .. })
        ));
    }

    #[test]
    fn error_rate_one_always_fails() {
        let f = Faults::new(FaultSpec::parse("error-rate=1").unwrap(), 1);
        assert!((0..20).all(|_| f.draw() == Injected::Error));
        f.set(FaultSpec::default());
        assert_eq!(f.draw(), Injected::None);
    }
}
