//! Why a step did not pass: one variant per kind of failure, each with the message a
//! reader sees in the report.

use super::super::interp::InterpError;

/// Why a step failed.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A `${...}` could not be filled in.
    #[error(transparent)]
    Interp(#[from] InterpError),
    /// The step names a vendor this run does not have.
    #[error("unknown vendor `{0}`")]
    UnknownVendor(String),
    /// A `call` step's method is not an HTTP method.
    #[error("`{0}` is not an HTTP method")]
    NotAMethod(String),
    /// The call to a fake got no reply.
    #[error("the call failed: {0}")]
    CallFailed(String),
    /// The reply to a call could not be read.
    #[error("reading the reply failed: {0}")]
    ReplyUnreadable(String),
    /// The call answered another status than the step wants.
    #[error("expected {want}, got {got}\nreply body:\n{body}")]
    Status {
        /// `status 201` or `a 2xx status`.
        want: String,
        /// The status answered.
        got: u16,
        /// The reply body, indented.
        body: String,
    },
    /// A vendor's action could not be run at all.
    #[error("the action failed: {0}")]
    ActionFailed(String),
    /// A vendor refused a `send`.
    #[error("{vendor} refused `{action}` ({status}):\n{body}")]
    Refused {
        /// The vendor.
        vendor: String,
        /// The action.
        action: String,
        /// The control status answered.
        status: u16,
        /// The reply body, indented.
        body: String,
    },
    /// An `expect` was not met in time (or met when it must not be): the
    /// explanation names the closest exchange.
    #[error("{0}")]
    Expectation(String),
    /// An `assert` found the vendor's state different.
    #[error("{0}")]
    State(String),
    /// A `fault` step's rule is not a rule.
    #[error("{0}")]
    BadRule(String),
    /// The fault layer refused the rule.
    #[error("fault rule: {0}")]
    RuleRefused(String),
    /// `fault: {clear: NAME}` names no rule.
    #[error("no fault rule is called `{0}`")]
    NoSuchFault(String),
    /// A `deliver` step could not be sent, or its receiver answered wrongly.
    #[error(transparent)]
    Deliver(#[from] DeliverError),
}

/// What another part (the payload list, the status pattern, the judge) said.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// Why a `deliver` step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    /// The payload is not one the fuzz targets know.
    #[error("{0}")]
    UnknownPayload(Cause),
    /// `body_base64` does not decode.
    #[error("body_base64 is not base64: {0}")]
    NotBase64(String),
    /// Both `body` and `body_base64`.
    #[error("give either body or body_base64, not both")]
    TwoBodies,
    /// A header name that cannot be sent.
    #[error("`{0}` is not a header name")]
    HeaderName(String),
    /// A header value that cannot be sent.
    #[error("the value of header `{0}` cannot be sent")]
    HeaderValue(String),
    /// `reply:` is not a status pattern.
    #[error("{0}")]
    Reply(Cause),
    /// The private key file cannot be read or is no key.
    #[error("{0}")]
    Key(String),
    /// The receiver did not answer as the step wants.
    #[error("the receiver {why}{body}")]
    Receiver {
        /// What it did instead.
        why: Cause,
        /// `\nreply body:\n...` when it answered, else empty.
        body: String,
    },
}
