//! A fault rule as written (config file, scenario, control API) and its validated
//! action.

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest `timeout` (and default): the connection is dropped then, unanswered.
pub const TIMEOUT_CAP: Duration = Duration::from_secs(120);
/// Default `timeout` when no `ms` is given.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long `reorder` holds a delivery when no other one comes (default `ms`).
pub const DEFAULT_REORDER_HOLD: Duration = Duration::from_secs(2);
/// Longest `latency`, `delay` or `reorder` hold.
pub const MAX_WAIT: Duration = Duration::from_secs(600);

/// A fault rule: what it matches and what it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The vendor whose traffic it shapes (implied under a vendor's `faults:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// A name, so a scenario step can `clear:` it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// HTTP method (any case).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Path without the query; `*` matches any run of characters. For outbound
    /// actions, the receiver's path (which names a webhook, campaign or channel).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Request headers that must be present with these values (`*` globs; names
    /// ignore case).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Partial JSON match on the request body, as an `expect` step's `body`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// What to do.
    pub action: ActionKind,
    /// `latency`, `delay`: milliseconds; `timeout`: how long before the connection
    /// is dropped (default 30 000, at most 120 000); `reorder`: the longest hold
    /// (default 2 000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ms: Option<u64>,
    /// `latency`: the lower bound of a latency drawn per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<u64>,
    /// `latency`: the upper bound of a latency drawn per request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<u64>,
    /// `status`: the status code; the body and headers are the vendor's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// `status`: the `Retry-After` seconds to send instead of the vendor's own (a
    /// 429 or 503 whose wait a test controls).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    /// `truncate`: how many body bytes the client gets before the connection closes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// `drip`: the body's pace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes_per_s: Option<u64>,
    /// `drop`: how many attempts of each delivery fail as timeouts (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// Apply to this many matches, then stand aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Skip the first N matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u64>,
    /// Apply to each match with this probability (0 to 1), drawn from the run's
    /// seed so a run repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// The action's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Inbound: wait `ms` (or between `min_ms` and `max_ms`) before the vendor answers.
    Latency,
    /// Inbound: answer `status` with the vendor's own body and headers.
    Status,
    /// Inbound: reset the TCP connection before any reply.
    Reset,
    /// Inbound: send the status line and headers, then close the connection.
    Close,
    /// Inbound: send `bytes` of the body, then close the connection.
    Truncate,
    /// Inbound: send the body at `bytes_per_s`.
    Drip,
    /// Inbound: a 200 whose body is not valid JSON.
    Malformed,
    /// Inbound: no reply; the connection is dropped after `ms` (capped).
    Timeout,
    /// Outbound: deliver again as the vendor does on redelivery.
    Duplicate,
    /// Outbound: hold a delivery and send it after the next one.
    Reorder,
    /// Outbound: wait `ms` before the first attempt.
    Delay,
    /// Outbound: the first `attempts` attempts fail as timeouts.
    Drop,
}

impl ActionKind {
    /// The name as written.
    pub fn name(self) -> &'static str {
        match self {
            Self::Latency => "latency",
            Self::Status => "status",
            Self::Reset => "reset",
            Self::Close => "close",
            Self::Truncate => "truncate",
            Self::Drip => "drip",
            Self::Malformed => "malformed",
            Self::Timeout => "timeout",
            Self::Duplicate => "duplicate",
            Self::Reorder => "reorder",
            Self::Delay => "delay",
            Self::Drop => "drop",
        }
    }

    /// True for the actions on a fake's deliveries.
    pub fn is_outbound(self) -> bool {
        matches!(
            self,
            Self::Duplicate | Self::Reorder | Self::Delay | Self::Drop
        )
    }
}

/// A validated action with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A latency between the bounds (equal for a fixed one).
    Latency(Duration, Duration),
    /// The vendor's own answer for this status, with this `Retry-After` if given.
    Status(axum::http::StatusCode, Option<u32>),
    /// TCP reset before any reply.
    Reset,
    /// Close after the head.
    Close,
    /// Close after this many body bytes.
    Truncate(usize),
    /// The body at this many bytes per second.
    Drip(u64),
    /// A 200 with a body that is not JSON.
    Malformed,
    /// Drop the connection unanswered after this long.
    Timeout(Duration),
    /// Deliver twice.
    Duplicate,
    /// Hold until the next delivery, at most this long.
    Reorder(Duration),
    /// Wait this long before the first attempt.
    Delay(Duration),
    /// The first N attempts time out.
    Drop(u32),
}

impl Action {
    /// The action's name.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::Latency(..) => ActionKind::Latency,
            Self::Status(..) => ActionKind::Status,
            Self::Reset => ActionKind::Reset,
            Self::Close => ActionKind::Close,
            Self::Truncate(_) => ActionKind::Truncate,
            Self::Drip(_) => ActionKind::Drip,
            Self::Malformed => ActionKind::Malformed,
            Self::Timeout(_) => ActionKind::Timeout,
            Self::Duplicate => ActionKind::Duplicate,
            Self::Reorder(_) => ActionKind::Reorder,
            Self::Delay(_) => ActionKind::Delay,
            Self::Drop(_) => ActionKind::Drop,
        }
    }
}

fn wait(ms: u64, what: &str) -> Result<Duration, String> {
    let d = Duration::from_millis(ms);
    if d > MAX_WAIT {
        return Err(format!("`{what}` is at most {} ms", MAX_WAIT.as_millis()));
    }
    Ok(d)
}

impl FaultRule {
    /// The validated action, or what is wrong with the rule.
    pub fn action(&self) -> Result<Action, String> {
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("`probability` must be between 0 and 1, got {p}"));
        }
        let need = |v: Option<u64>, key: &str| {
            v.ok_or_else(|| format!("`{}` needs `{key}`", self.action.name()))
        };
        Ok(match self.action {
            ActionKind::Latency => self.latency()?,
            ActionKind::Status => self.status_action()?,
            ActionKind::Reset => Action::Reset,
            ActionKind::Close => Action::Close,
            ActionKind::Truncate => {
                Action::Truncate(usize::try_from(need(self.bytes, "bytes")?).unwrap_or(usize::MAX))
            }
            ActionKind::Drip => match need(self.bytes_per_s, "bytes_per_s")? {
                0 => return Err("`bytes_per_s` must be at least 1".to_owned()),
                n => Action::Drip(n),
            },
            ActionKind::Malformed => Action::Malformed,
            ActionKind::Timeout => {
                let d = self.ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
                if d > TIMEOUT_CAP {
                    return Err(format!(
                        "`timeout` waits at most {} ms",
                        TIMEOUT_CAP.as_millis()
                    ));
                }
                Action::Timeout(d)
            }
            ActionKind::Duplicate => Action::Duplicate,
            ActionKind::Reorder => Action::Reorder(
                self.ms
                    .map_or(Ok(DEFAULT_REORDER_HOLD), |ms| wait(ms, "ms"))?,
            ),
            ActionKind::Delay => Action::Delay(wait(need(self.ms, "ms")?, "ms")?),
            ActionKind::Drop => match self.attempts.unwrap_or(1) {
                0 => return Err("`attempts` must be at least 1".to_owned()),
                n => Action::Drop(n),
            },
        })
    }
}

impl FaultRule {
    fn latency(&self) -> Result<Action, String> {
        match (self.ms, self.min_ms, self.max_ms) {
            (Some(ms), None, None) => {
                let d = wait(ms, "ms")?;
                Ok(Action::Latency(d, d))
            }
            (None, Some(lo), Some(hi)) if lo <= hi => {
                Ok(Action::Latency(wait(lo, "min_ms")?, wait(hi, "max_ms")?))
            }
            _ => Err(
                "`latency` needs `ms`, or `min_ms` and `max_ms` with min_ms <= max_ms".to_owned(),
            ),
        }
    }

    fn status_action(&self) -> Result<Action, String> {
        let code = self
            .status
            .ok_or_else(|| "`status` needs `status`".to_owned())?;
        let status = axum::http::StatusCode::from_u16(code)
            .ok()
            .filter(|s| s.as_u16() >= 200)
            .ok_or_else(|| format!("`status` {code} is not a status from 200 to 999"))?;
        Ok(Action::Status(status, self.retry_after))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<Action, String> {
        serde_json::from_value::<FaultRule>(v).unwrap().action()
    }

    #[test]
    fn each_action_needs_its_parameters() {
        assert_eq!(
            check(json!({"action": "latency", "ms": 50})),
            Ok(Action::Latency(
                Duration::from_millis(50),
                Duration::from_millis(50)
            ))
        );
        assert!(check(json!({"action": "latency", "min_ms": 9, "max_ms": 3})).is_err());
        assert!(check(json!({"action": "status"})).is_err());
        assert!(check(json!({"action": "status", "status": 99})).is_err());
        assert!(check(json!({"action": "truncate"})).is_err());
        assert!(check(json!({"action": "drip", "bytes_per_s": 0})).is_err());
        assert!(check(json!({"action": "timeout", "ms": 999_999})).is_err());
        assert!(check(json!({"action": "reset", "probability": 1.5})).is_err());
        assert_eq!(check(json!({"action": "drop"})), Ok(Action::Drop(1)));
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(
            serde_json::from_value::<FaultRule>(json!({"action": "reset", "sometimes": true}))
                .is_err()
        );
    }
}
