//! Offset and cursor pagination as Zendesk serves them (REFERENCE 1.5).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::error::ZendeskError;

/// The largest page either scheme serves.
pub const MAX_PAGE_SIZE: usize = 100;
/// Offset pagination stops at 100 pages (\[DOC\] pagination page).
pub const MAX_OFFSET_PAGE: usize = 100;

/// Which page the client asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// `?page=2&per_page=100` (the default when no `page[...]` is given).
    Offset {
        /// 1-based page number.
        page: usize,
        /// Items per page.
        per_page: usize,
    },
    /// `?page[size]=100&page[after]=...` or `page[before]`.
    Cursor {
        /// Items per page.
        size: usize,
        /// Items after this key.
        after: Option<u64>,
        /// Items before this key.
        before: Option<u64>,
    },
}

impl PageRequest {
    /// Reads the pagination parameters from a decoded query string.
    pub fn from_query(query: &[(String, String)]) -> Result<Self, ZendeskError> {
        let get = |k: &str| {
            query
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let number = |k: &str, v: &str| {
            v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ZendeskError::InvalidPagination(format!("{k} must be a positive integer"))
            })
        };
        let cursor = ["page[size]", "page[after]", "page[before]"]
            .iter()
            .any(|k| get(k).is_some());
        if cursor {
            let size = get("page[size]")
                .map(|v| number("page[size]", v))
                .transpose()?
                .unwrap_or(MAX_PAGE_SIZE);
            if size > MAX_PAGE_SIZE {
                return Err(ZendeskError::InvalidPagination(format!(
                    "page[size] is greater than the maximum allowed of {MAX_PAGE_SIZE}"
                )));
            }
            let decode = |k: &str| {
                get(k)
                    .filter(|v| !v.is_empty())
                    .map(decode_cursor)
                    .transpose()
            };
            return Ok(Self::Cursor {
                size,
                after: decode("page[after]")?,
                before: decode("page[before]")?,
            });
        }
        let page = get("page")
            .map(|v| number("page", v))
            .transpose()?
            .unwrap_or(1);
        if page > MAX_OFFSET_PAGE {
            return Err(ZendeskError::InvalidPagination(format!(
                "page must be at most {MAX_OFFSET_PAGE} with offset pagination; use cursor pagination"
            )));
        }
        let per_page = get("per_page")
            .map(|v| number("per_page", v))
            .transpose()?
            .unwrap_or(MAX_PAGE_SIZE);
        Ok(Self::Offset {
            page,
            per_page: per_page.min(MAX_PAGE_SIZE),
        })
    }
}

/// Where the list lives, to build absolute links.
#[derive(Debug, Clone)]
pub struct Link<'a> {
    /// `http://host:port`, from the `Host` the client used.
    pub base: &'a str,
    /// The list's path without `.json`, e.g. `/api/v2/tickets`.
    pub path: &'a str,
    /// Other query parameters to carry into the links (e.g. `query` of a search).
    pub keep: Vec<(String, String)>,
}

impl Link<'_> {
    fn url(&self, params: &[(&str, String)]) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        for (k, v) in params {
            q.append_pair(k, v);
        }
        for (k, v) in &self.keep {
            q.append_pair(k, v);
        }
        format!("{}{}.json?{}", self.base, self.path, q.finish())
    }
}

/// Renders one page of `items` (sorted by `key`, ascending) under `name`, in the
/// response shape of the requested scheme.
pub fn render<T: Serialize>(
    name: &str,
    items: &[(u64, T)],
    request: &PageRequest,
    link: &Link<'_>,
    cursor_field: &str,
) -> Value {
    let mut out = Map::new();
    match *request {
        PageRequest::Offset { page, per_page } => {
            render_offset(&mut out, name, items, (page, per_page), link);
        }
        PageRequest::Cursor {
            size,
            after,
            before,
        } => render_cursor(
            &mut out,
            name,
            items,
            (size, after, before),
            link,
            cursor_field,
        ),
    }
    Value::Object(out)
}

/// Offset pagination: the page's items, `next_page`, `previous_page` and `count`.
fn render_offset<T: Serialize>(
    out: &mut Map<String, Value>,
    name: &str,
    items: &[(u64, T)],
    (page, per_page): (usize, usize),
    link: &Link<'_>,
) {
    let start = (page - 1).saturating_mul(per_page).min(items.len());
    let end = start.saturating_add(per_page).min(items.len());
    let slice: Vec<&T> = items[start..end].iter().map(|(_, t)| t).collect();
    out.insert(name.to_owned(), json!(slice));
    let next = (end < items.len() && page < MAX_OFFSET_PAGE).then(|| {
        link.url(&[
            ("page", (page + 1).to_string()),
            ("per_page", per_page.to_string()),
        ])
    });
    let prev = (page > 1).then(|| {
        link.url(&[
            ("page", (page - 1).to_string()),
            ("per_page", per_page.to_string()),
        ])
    });
    out.insert("next_page".to_owned(), json!(next));
    out.insert("previous_page".to_owned(), json!(prev));
    out.insert("count".to_owned(), json!(items.len()));
}

/// Cursor pagination: the page's items, `meta` and `links`.
fn render_cursor<T: Serialize>(
    out: &mut Map<String, Value>,
    name: &str,
    items: &[(u64, T)],
    (size, after, before): (usize, Option<u64>, Option<u64>),
    link: &Link<'_>,
    cursor_field: &str,
) {
    let (start, end) = match (after, before) {
        (_, Some(b)) => {
            let end = items.partition_point(|(k, _)| *k < b);
            (end.saturating_sub(size), end)
        }
        (Some(a), None) => {
            let start = items.partition_point(|(k, _)| *k <= a);
            (start, (start + size).min(items.len()))
        }
        (None, None) => (0, size.min(items.len())),
    };
    let page = &items[start..end];
    let has_more = if before.is_some() {
        start > 0
    } else {
        end < items.len()
    };
    let first = page.first().map(|(k, _)| encode_cursor(cursor_field, *k));
    let last = page.last().map(|(k, _)| encode_cursor(cursor_field, *k));
    let slice: Vec<&T> = page.iter().map(|(_, t)| t).collect();
    out.insert(name.to_owned(), json!(slice));
    out.insert(
        "meta".to_owned(),
        json!({"has_more": has_more, "after_cursor": last, "before_cursor": first}),
    );
    let size = size.to_string();
    // Vendor quirk: `links.next` is a URL even when `has_more` is false
    // (zenpy capture, REFERENCE 1.5); clients must stop on `has_more`.
    let prev = first.map(|c| link.url(&[("page[before]", c), ("page[size]", size.clone())]));
    let next = last.map(|c| link.url(&[("page[after]", c), ("page[size]", size.clone())]));
    out.insert("links".to_owned(), json!({"prev": prev, "next": next}));
}

/// One list endpoint's reply: reads the pagination parameters from `query`,
/// carries the `keep` parameters into the links, and renders the page.
pub fn list<T: Serialize>(
    name: &str,
    path: &str,
    cursor_field: &str,
    items: &[(u64, T)],
    query: &[(String, String)],
    base: &str,
    keep: &[&str],
) -> Result<Value, ZendeskError> {
    let request = PageRequest::from_query(query)?;
    let keep = query
        .iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .cloned()
        .collect();
    Ok(render(
        name,
        items,
        &request,
        &Link { base, path, keep },
        cursor_field,
    ))
}

/// Zendesk's opaque cursor: base64 of `{"o":"nice_id","v":"<base64 of 'i' + u64 LE>"}`
/// (decoded from captured cursors).
pub fn encode_cursor(field: &str, key: u64) -> String {
    let mut packed = vec![b'i'];
    packed.extend_from_slice(&key.to_le_bytes());
    let inner = json!({"o": field, "v": STANDARD.encode(packed)});
    STANDARD.encode(inner.to_string())
}

fn decode_cursor(cursor: &str) -> Result<u64, ZendeskError> {
    let bad = || ZendeskError::InvalidPagination(format!("invalid cursor: {cursor}"));
    let json = STANDARD.decode(cursor).map_err(|_| bad())?;
    let inner: Value = serde_json::from_slice(&json).map_err(|_| bad())?;
    let packed = STANDARD
        .decode(inner["v"].as_str().ok_or_else(bad)?)
        .map_err(|_| bad())?;
    match packed.split_first() {
        Some((b'i', rest)) if rest.len() == 8 => {
            Ok(u64::from_le_bytes(rest.try_into().map_err(|_| bad())?))
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn decodes_the_captured_cursors() {
        // From the zenpy capture of GET /api/v2/tickets.json?page[size]=100 (2024-02-08).
        assert_eq!(
            decode_cursor("eyJvIjoibmljZV9pZCIsInYiOiJhZGNQQUFBQUFBQUEifQ==").unwrap(),
            4055
        );
        assert_eq!(
            decode_cursor("eyJvIjoibmljZV9pZCIsInYiOiJhUUVBQUFBQUFBQUEifQ==").unwrap(),
            1
        );
        assert_eq!(
            decode_cursor(&encode_cursor("nice_id", 4055)).unwrap(),
            4055
        );
    }

    #[test]
    fn parses_both_schemes_and_rejects_oversized_pages() {
        assert_eq!(
            PageRequest::from_query(&[]).unwrap(),
            PageRequest::Offset {
                page: 1,
                per_page: 100
            }
        );
        assert_eq!(
            PageRequest::from_query(&q(&[("page", "2"), ("per_page", "500")])).unwrap(),
            PageRequest::Offset {
                page: 2,
                per_page: 100
            }
        );
        assert_eq!(
            PageRequest::from_query(&q(&[("page[size]", "2")])).unwrap(),
            PageRequest::Cursor {
                size: 2,
                after: None,
                before: None
            }
        );
        assert!(PageRequest::from_query(&q(&[("page[size]", "101")])).is_err());
        assert!(PageRequest::from_query(&q(&[("page[after]", "garbage")])).is_err());
        assert!(PageRequest::from_query(&q(&[("page", "0")])).is_err());
        assert!(PageRequest::from_query(&q(&[("page", "101")])).is_err());
    }

    #[test]
    fn cursor_pages_walk_forward_and_back_without_gaps() {
        let items: Vec<(u64, u64)> = (1..=5).map(|i| (i, i * 10)).collect();
        let link = Link {
            base: "http://h",
            path: "/api/v2/tickets",
            keep: vec![],
        };
        let first = render(
            "t",
            &items,
            &PageRequest::Cursor {
                size: 2,
                after: None,
                before: None,
            },
            &link,
            "nice_id",
        );
        assert_eq!(first["t"], json!([10, 20]));
        assert_eq!(first["meta"]["has_more"], json!(true));
        let after = decode_cursor(first["meta"]["after_cursor"].as_str().unwrap()).unwrap();
        let second = render(
            "t",
            &items,
            &PageRequest::Cursor {
                size: 2,
                after: Some(after),
                before: None,
            },
            &link,
            "nice_id",
        );
        assert_eq!(second["t"], json!([30, 40]));
        let last = render(
            "t",
            &items,
            &PageRequest::Cursor {
                size: 2,
                after: Some(4),
                before: None,
            },
            &link,
            "nice_id",
        );
        assert_eq!(last["t"], json!([50]));
        assert_eq!(last["meta"]["has_more"], json!(false));
        let back = render(
            "t",
            &items,
            &PageRequest::Cursor {
                size: 2,
                after: None,
                before: Some(3),
            },
            &link,
            "nice_id",
        );
        assert_eq!(back["t"], json!([10, 20]));
        assert_eq!(back["meta"]["has_more"], json!(false));
        assert!(
            second["links"]["next"]
                .as_str()
                .unwrap()
                .starts_with("http://h/api/v2/tickets.json?page%5Bafter%5D=")
        );
    }

    #[test]
    fn offset_pages_link_to_neighbours_and_count_everything() {
        let items: Vec<(u64, u64)> = (1..=5).map(|i| (i, i)).collect();
        let link = Link {
            base: "http://h",
            path: "/api/v2/tickets",
            keep: vec![],
        };
        let p = render(
            "t",
            &items,
            &PageRequest::Offset {
                page: 2,
                per_page: 2,
            },
            &link,
            "id",
        );
        assert_eq!(p["t"], json!([3, 4]));
        assert_eq!(p["count"], json!(5));
        assert_eq!(
            p["next_page"],
            json!("http://h/api/v2/tickets.json?page=3&per_page=2")
        );
        assert_eq!(
            p["previous_page"],
            json!("http://h/api/v2/tickets.json?page=1&per_page=2")
        );
        let beyond = render(
            "t",
            &items,
            &PageRequest::Offset {
                page: 9,
                per_page: 2,
            },
            &link,
            "id",
        );
        assert_eq!(beyond["t"], json!([]));
        assert_eq!(beyond["next_page"], Value::Null);
    }
}
