//! The headers every Zendesk answer carries: rate limit, versions, request id and
//! runtime, written without allocating where it can (every request pays for them).

use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;

use super::error::CONTENT_TYPE_JSON;
use crate::ratelimit::Decision;

// Built at compile time: `from_static` validates its argument on every call.
const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const X_RATE_LIMIT: HeaderName = HeaderName::from_static("x-rate-limit");
const X_RATE_LIMIT_REMAINING: HeaderName = HeaderName::from_static("x-rate-limit-remaining");
const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const X_RUNTIME: HeaderName = HeaderName::from_static("x-runtime");
const X_ZENDESK_API_VERSION: HeaderName = HeaderName::from_static("x-zendesk-api-version");
const X_ZENDESK_APPLICATION_VERSION: HeaderName =
    HeaderName::from_static("x-zendesk-application-version");
const X_ZENDESK_ORIGIN_SERVER: HeaderName = HeaderName::from_static("x-zendesk-origin-server");

/// Adds the headers every Zendesk answer carries to `res`: rate limit, versions,
/// request id `n` and runtime. `template` is [`reply_template`] of `idle_limits`,
/// the rate-limit values when no budget is counted.
pub fn stamp(
    mut res: Response,
    template: &HeaderMap,
    idle_limits: &(HeaderValue, HeaderValue, HeaderValue),
    n: u64,
    decision: Option<Decision>,
    started: Instant,
) -> Response {
    if decision.is_none()
        && let Some(length) = plain_json(res.headers())
    {
        // Most answers: a JSON body and nothing else, limits off. Cloning the
        // prepared map and setting its last two values costs a fraction of ten
        // inserts, each hashing its name.
        let mut h = template.clone();
        let mut dynamic = h.values_mut().skip(TEMPLATE_REQUEST_ID_AT);
        if let (Some(id), Some(runtime_value), Some(length_value)) =
            (dynamic.next(), dynamic.next(), dynamic.next())
        {
            *id = decimal(n);
            *runtime_value = runtime(started.elapsed());
            match length {
                Some(length) => *length_value = length,
                None => drop(h.remove(header::CONTENT_LENGTH)),
            }
        }
        *res.headers_mut() = h;
        return res;
    }
    // With limits off the values never change: reuse them (a clone shares the bytes).
    let (limit, remaining, reset) = match decision {
        Some(d) => (
            decimal(d.limit.into()),
            decimal(d.remaining.into()),
            decimal(d.reset_secs.into()),
        ),
        None => idle_limits.clone(),
    };
    let h = res.headers_mut();
    h.reserve(12);
    // The length goes last, as on the common path.
    let length = h.remove(header::CONTENT_LENGTH);
    insert_common(
        h,
        (limit, remaining, reset),
        decimal(n),
        runtime(started.elapsed()),
    );
    if let Some(length) = length {
        h.insert(header::CONTENT_LENGTH, length);
    }
    res
}

/// Where `x-request-id` is in [`reply_template`]'s values (`x-runtime` and
/// `content-length` follow).
const TEMPLATE_REQUEST_ID_AT: usize = 9;

/// The headers of a JSON answer with limits off, in the order the client sees
/// them; the request id, runtime and length are placeholders, set per answer.
pub fn reply_template(limits: (HeaderValue, HeaderValue, HeaderValue)) -> HeaderMap {
    let mut h = HeaderMap::with_capacity(12);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(CONTENT_TYPE_JSON),
    );
    insert_common(
        &mut h,
        limits,
        HeaderValue::from_static("0"),
        HeaderValue::from_static("0.000000"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
    debug_assert_eq!(h.keys().nth(TEMPLATE_REQUEST_ID_AT), Some(&X_REQUEST_ID));
    debug_assert_eq!(h.keys().nth(TEMPLATE_REQUEST_ID_AT + 1), Some(&X_RUNTIME));
    debug_assert_eq!(
        h.keys().nth(TEMPLATE_REQUEST_ID_AT + 2),
        Some(&header::CONTENT_LENGTH)
    );
    debug_assert_eq!(h.len(), TEMPLATE_REQUEST_ID_AT + 3);
    h
}

/// When an answer's only headers are Zendesk's JSON content type and perhaps its
/// length: `Some` with that length.
fn plain_json(h: &HeaderMap) -> Option<Option<HeaderValue>> {
    let mut all = h.iter();
    let (name, value) = all.next()?;
    if *name != header::CONTENT_TYPE || value.as_bytes() != CONTENT_TYPE_JSON.as_bytes() {
        return None;
    }
    match (all.next(), all.next()) {
        (None, _) => Some(None),
        (Some((name, length)), None) if *name == header::CONTENT_LENGTH => {
            Some(Some(length.clone()))
        }
        _ => None,
    }
}

/// Inserts Zendesk's common headers, in the order Zendesk sends them.
fn insert_common(
    h: &mut HeaderMap,
    (limit, remaining, reset): (HeaderValue, HeaderValue, HeaderValue),
    request_id: HeaderValue,
    runtime: HeaderValue,
) {
    h.insert(RATELIMIT_LIMIT, limit.clone());
    h.insert(RATELIMIT_REMAINING, remaining.clone());
    h.insert(RATELIMIT_RESET, reset);
    h.insert(X_RATE_LIMIT, limit);
    h.insert(X_RATE_LIMIT_REMAINING, remaining);
    h.insert(X_ZENDESK_API_VERSION, HeaderValue::from_static("v2"));
    h.insert(
        X_ZENDESK_APPLICATION_VERSION,
        HeaderValue::from_static("v19942"),
    );
    h.insert(
        X_ZENDESK_ORIGIN_SERVER,
        HeaderValue::from_static("fakedesk"),
    );
    h.insert(X_REQUEST_ID, request_id);
    h.insert(X_RUNTIME, runtime);
}

/// `x-runtime`: seconds with six decimals, e.g. `0.000123`. Written digit by digit:
/// `format!` and its `String` cost about four times as much, on every request.
fn runtime(elapsed: Duration) -> HeaderValue {
    let mut buf = [0u8; 27];
    let mut start = write_digits(&mut buf, u64::from(elapsed.subsec_micros()));
    // Zero-pad the microseconds to six digits.
    while buf.len() - start < 6 {
        start -= 1;
        buf[start] = b'0';
    }
    start -= 1;
    buf[start] = b'.';
    let start = write_digits(&mut buf[..start], elapsed.as_secs());
    HeaderValue::from_bytes(&buf[start..]).expect("digits and a dot are a valid header value")
}

/// `n` in decimal. `HeaderValue::from(u64)` allocates twice (a buffer, then a
/// shared handle to it); this allocates once.
fn decimal(n: u64) -> HeaderValue {
    let mut buf = [0u8; 20];
    let start = write_digits(&mut buf, n);
    HeaderValue::from_bytes(&buf[start..]).expect("digits are a valid header value")
}

/// Writes `n` in decimal at the end of `buf` (20 bytes suffice); returns where it
/// starts.
fn write_digits(buf: &mut [u8], mut n: u64) -> usize {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_is_seconds_with_six_decimals() {
        let shown = |d: Duration| runtime(d).to_str().unwrap().to_owned();
        assert_eq!(shown(Duration::ZERO), "0.000000");
        assert_eq!(shown(Duration::from_micros(123)), "0.000123");
        assert_eq!(shown(Duration::from_nanos(1_234_567_890)), "1.234567");
        assert_eq!(shown(Duration::from_secs(42)), "42.000000");
        assert_eq!(
            shown(Duration::MAX),
            format!("{}.{:06}", u64::MAX, Duration::MAX.subsec_micros())
        );
    }

    fn names(res: &Response) -> Vec<&str> {
        res.headers().keys().map(HeaderName::as_str).collect()
    }

    const COMMON: [&str; 10] = [
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
        "x-rate-limit",
        "x-rate-limit-remaining",
        "x-zendesk-api-version",
        "x-zendesk-application-version",
        "x-zendesk-origin-server",
        "x-request-id",
        "x-runtime",
    ];

    fn json_answer(length: Option<&'static str>) -> Response {
        let mut res = Response::new(axum::body::Body::empty());
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE_JSON),
        );
        if let Some(length) = length {
            h.insert(header::CONTENT_LENGTH, HeaderValue::from_static(length));
        }
        res
    }

    #[test]
    fn every_answer_gets_the_common_headers_with_its_length_last() {
        let idle = (
            HeaderValue::from_static("700"),
            HeaderValue::from_static("700"),
            HeaderValue::from_static("60"),
        );
        let template = reply_template(idle.clone());
        let counted = Decision {
            allowed: true,
            limit: 700,
            remaining: 12,
            reset_secs: 30,
        };
        for decision in [None, Some(counted)] {
            let res = stamp(
                json_answer(Some("930")),
                &template,
                &idle,
                7,
                decision,
                Instant::now(),
            );
            let mut want = vec!["content-type"];
            want.extend(COMMON);
            want.push("content-length");
            assert_eq!(names(&res), want, "{decision:?}");
            assert_eq!(res.headers()["content-length"], "930");
            assert_eq!(res.headers()["x-request-id"], "7");
            let remaining = if decision.is_some() { "12" } else { "700" };
            assert_eq!(res.headers()["x-rate-limit-remaining"], remaining);
            // Without a length (a body of unknown size), none is made up.
            let res = stamp(
                json_answer(None),
                &template,
                &idle,
                8,
                decision,
                Instant::now(),
            );
            assert_eq!(names(&res)[1..], COMMON, "{decision:?}");
            assert_eq!(res.headers()["x-request-id"], "8");
        }
    }

    #[test]
    fn decimal_values_are_plain_digits() {
        for n in [0, 7, 10, 1234, u64::MAX] {
            assert_eq!(decimal(n), HeaderValue::from(n));
        }
    }
}
