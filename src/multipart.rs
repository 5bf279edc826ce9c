//! `multipart/form-data` bodies (RFC 7578), read without copying: the parts of a
//! body as slices of it. Pure; vendors that take file uploads share it.

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    /// The form field name (`name="..."`).
    pub name: String,
    /// The file name, for file parts (`filename="..."`).
    pub file_name: Option<String>,
    /// The part's own `Content-Type`, if given.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub body: &'a [u8],
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A header parameter such as `name="file"`.
fn param(headers: &str, key: &str) -> Option<String> {
    let at = headers
        .match_indices(&format!("{key}=\""))
        .find(|(i, _)| *i == 0 || !headers.as_bytes()[i - 1].is_ascii_alphanumeric())?
        .0
        + key.len()
        + 2;
    let end = headers[at..].find('"')?;
    Some(headers[at..at + end].to_owned())
}

/// The parts of a multipart body whose request `Content-Type` is `content_type`,
/// or `None` when it is not a well-formed one.
pub fn parts<'a>(content_type: &str, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))?
        .trim_matches('"');
    if boundary.is_empty() {
        return None;
    }
    let delimiter = format!("--{boundary}");
    let mut out = Vec::new();
    let mut rest = &body[find(body, delimiter.as_bytes())? + delimiter.len()..];
    while !rest.starts_with(b"--") {
        let head_end = find(rest, b"\r\n\r\n")?;
        let headers = String::from_utf8_lossy(&rest[..head_end]).into_owned();
        let content = &rest[head_end + 4..];
        let end = find(content, format!("\r\n{delimiter}").as_bytes())?;
        let content_type = headers
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.trim().eq_ignore_ascii_case("content-type"))
            })
            .map(|(_, v)| v.trim().to_owned());
        out.push(Part {
            name: param(&headers, "name").unwrap_or_default(),
            file_name: param(&headers, "filename"),
            content_type,
            body: &content[..end],
        });
        rest = &content[end + 2 + delimiter.len()..];
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_part_and_a_field_part_are_read_with_their_names() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XyZ--\r\n";
        let ps = parts("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(ps.len(), 2);
        assert_eq!(ps[0].name, "file");
        assert_eq!(ps[0].file_name.as_deref(), Some("a.txt"));
        assert_eq!(ps[0].content_type.as_deref(), Some("text/plain"));
        assert_eq!(ps[0].body, b"hello");
        assert_eq!((ps[1].name.as_str(), ps[1].body), ("note", &b"hi"[..]));
    }

    #[test]
    fn bodies_that_are_not_multipart_are_none() {
        assert!(parts("application/json", b"{}").is_none());
        assert!(parts("multipart/form-data; boundary=XyZ", b"--XyZ\r\nbroken").is_none());
        assert!(parts("multipart/form-data; boundary=", b"").is_none());
    }
}
