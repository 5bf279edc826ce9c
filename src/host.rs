//! Host names as requests carry them: pure helpers shared by the proxy and the
//! vendors that read their account from the host.

/// `host:port` → `host`; `[::1]:80` → `::1`.
pub fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn the_port_goes_and_the_host_stays() {
        assert_eq!(strip_port("acme.zendesk.com:443"), "acme.zendesk.com");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("localhost"), "localhost");
        assert_eq!(strip_port("::1"), "::1");
    }
}
